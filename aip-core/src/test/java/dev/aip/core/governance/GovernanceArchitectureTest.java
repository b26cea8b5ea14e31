package dev.aip.core.governance;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

@AnalyzeClasses(packages = "dev.aip.core", importOptions = ImportOption.DoNotIncludeTests.class)
class GovernanceArchitectureTest {

    /** Governance plugs into the pipeline's Admission seam; it never reaches into Bedrock or the sinks. */
    @ArchTest
    static final ArchRule governance_isSdkFreeAndSinkFree = noClasses()
            .that().resideInAPackage("dev.aip.core.governance..")
            .should().dependOnClassesThat().resideInAnyPackage("software.amazon.awssdk..", "dev.aip.core.bedrock..",
                    "dev.aip.core.sink..");

    /** Bucket4j is an implementation detail: only the package-private machinery touches it. */
    @ArchTest
    static final ArchRule bucket4j_staysBehindThePublicApi = classes()
            .that().resideOutsideOfPackage("dev.aip.core.governance..")
            .should().onlyDependOnClassesThat().resideOutsideOfPackage("io.github.bucket4j..");

    /** Nothing but governance depends on governance: the pipeline knows only its Admission seam. */
    @ArchTest
    static final ArchRule pipeline_doesNotKnowGovernance = noClasses()
            .that().resideInAnyPackage("dev.aip.core.chat..", "dev.aip.core.metering..", "dev.aip.core.pricing..",
                    "dev.aip.core.tenant..", "dev.aip.core.profile..", "dev.aip.core.sink..", "dev.aip.core.bedrock..")
            .should().dependOnClassesThat().resideInAPackage("dev.aip.core.governance..");

    /** Core governance works without Lettuce on the classpath: only the redis package knows Redis. */
    @ArchTest
    static final ArchRule governance_doesNotNeedRedis = noClasses()
            .that().resideInAPackage("dev.aip.core..").and().resideOutsideOfPackage("dev.aip.core.governance.redis..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.aip.core.governance.redis..", "io.lettuce..",
                    "io.github.bucket4j.redis..");
}
