package dev.aip.langchain4j;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** This module is built on aip's public API alone, like any application: it never reaches into an internal package. */
@AnalyzeClasses(packages = "dev.aip.langchain4j", importOptions = ImportOption.DoNotIncludeTests.class)
class LangChain4jInternalBoundaryTest {

    @ArchTest
    static final ArchRule staysOutOfInternalPackages = noClasses()
            .should().dependOnClassesThat().resideInAPackage("dev.aip..internal..")
            .because("internal packages are not API; adapters use what applications use");
}
