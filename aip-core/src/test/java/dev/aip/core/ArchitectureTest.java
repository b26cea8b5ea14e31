package dev.aip.core;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

@AnalyzeClasses(packages = "dev.aip.core", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    /** The foundations stay usable without the AWS SDK; only the Bedrock binding package may import it. */
    @ArchTest
    static final ArchRule foundations_doNotDependOnAwsSdk = noClasses()
            .that().resideInAnyPackage("dev.aip.core", "dev.aip.core.tenant..", "dev.aip.core.metering..",
                    "dev.aip.core.pricing..", "dev.aip.core.sink..")
            .should().dependOnClassesThat().resideInAPackage("software.amazon.awssdk..")
            .because("tenant, metering, pricing and sinks are SDK-free; Bedrock code lives in its own package");

    /** Value packages do not reach up into the sinks. */
    @ArchTest
    static final ArchRule values_doNotDependOnSinks = noClasses()
            .that().resideInAnyPackage("dev.aip.core.tenant..", "dev.aip.core.metering..", "dev.aip.core.pricing..")
            .should().dependOnClassesThat().resideInAPackage("dev.aip.core.sink..");
}
