package dev.aip.config.redis;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

@AnalyzeClasses(packages = "dev.aip.config.redis", importOptions = ImportOption.DoNotIncludeTests.class)
class ConfigBusArchitectureTest {

    /** The package's API is the bus, its builder and its status. */
    @ArchTest
    static final ArchRule onlyTheBus_isPublic = classes().that().arePublic()
            .should().haveNameMatching(RedisConfigBus.class.getName().replace(".", "\\.") + "(\\$Builder|\\$Status)?");

    /** The bus speaks to aip-core's public seams only, never to its internals or to the governance state. */
    @ArchTest
    static final ArchRule usesNoInternals = noClasses()
            .should().dependOnClassesThat().resideInAnyPackage("dev.aip.core.internal..", "dev.aip.governance.redis..");
}
