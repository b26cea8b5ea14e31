package dev.aip.agentcore;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The module adds no framework to the agent's container: aip-core, Jackson, SLF4J and the JDK's HTTP server. */
@AnalyzeClasses(packages = "dev.aip.agentcore", importOptions = ImportOption.DoNotIncludeTests.class)
class AgentCoreDependenciesTest {

    @ArchTest
    static final ArchRule onlyCoreJacksonAndTheJdk = classes()
            .should().onlyDependOnClassesThat().resideInAnyPackage("dev.aip.agentcore..", "dev.aip.core..",
                    "com.fasterxml.jackson..", "org.slf4j..", "org.jspecify..", "com.sun.net.httpserver..",
                    "java..", "software.amazon.awssdk.core.exception..", "software.amazon.awssdk.awscore.exception..")
            .because("aip-agentcore depends on aip-core and Jackson only; AWS SDK exceptions are mapped, not called");

    @ArchTest
    static final ArchRule staysOutOfInternalPackages = noClasses()
            .should().dependOnClassesThat().resideInAPackage("dev.aip..internal..")
            .because("internal packages are not API");
}
