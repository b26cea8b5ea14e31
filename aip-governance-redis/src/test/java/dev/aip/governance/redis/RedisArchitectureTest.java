package dev.aip.governance.redis;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

@AnalyzeClasses(packages = "dev.aip.governance.redis", importOptions = ImportOption.DoNotIncludeTests.class)
class RedisArchitectureTest {

    /** The module's API is one builder-made type; the states it hands out are seen through aip-core's interfaces. */
    @ArchTest
    static final ArchRule onlyTheStateAndItsBuilder_arePublic = classes()
            .that().arePublic()
            .should().haveNameMatching(RedisGovernanceState.class.getName().replace(".", "\\.") + "(\\$Builder)?");

    /** Bucket4j is the rate-limit state's implementation: no other class touches it. */
    @ArchTest
    static final ArchRule bucket4j_onlyInTheRateLimitState = noClasses()
            .that(DescribedPredicate.not(DescribedPredicate.describe("are RedisRateLimitState or nested in it",
                    (JavaClass c) -> c.getName().startsWith(RedisRateLimitState.class.getName()))))
            .should().dependOnClassesThat().resideInAPackage("io.github.bucket4j..");

    /** The module builds on aip-core's governance seams only (and the tenant id and exceptions they carry). */
    @ArchTest
    static final ArchRule usesOnlyTheGovernanceSeams = noClasses()
            .should().dependOnClassesThat(JavaClass.Predicates.resideInAPackage("dev.aip.core..")
                    .and(DescribedPredicate.not(JavaClass.Predicates.resideInAnyPackage("dev.aip.core",
                            "dev.aip.core.governance", "dev.aip.core.tenant"))));
}
