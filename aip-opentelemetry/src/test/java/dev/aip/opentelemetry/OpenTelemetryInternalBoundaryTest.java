package dev.aip.opentelemetry;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * This module is built on aip's public API and the OpenTelemetry API alone, like any application: never an internal
 * package of aip, never the OpenTelemetry SDK (the application chooses it).
 */
@AnalyzeClasses(packages = "dev.aip.opentelemetry", importOptions = ImportOption.DoNotIncludeTests.class)
class OpenTelemetryInternalBoundaryTest {

    @ArchTest
    static final ArchRule staysOutOfInternalPackages = noClasses()
            .should().dependOnClassesThat().resideInAPackage("dev.aip..internal..")
            .because("internal packages are not API; adapters use what applications use");

    @ArchTest
    static final ArchRule usesTheApiOnly = noClasses()
            .should().dependOnClassesThat().resideInAPackage("io.opentelemetry.sdk..")
            .because("the application brings the SDK; this module depends on opentelemetry-api only");
}
