package dev.aip.core.governance;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.domain.JavaType;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.LinkedHashSet;
import java.util.Set;

@AnalyzeClasses(packages = "dev.aip.core", importOptions = ImportOption.DoNotIncludeTests.class)
class GovernanceArchitectureTest {

    private static final String BUCKET4J = "io.github.bucket4j";

    /** Governance plugs into the pipeline's Admission seam; it never reaches into Bedrock or the sinks. */
    @ArchTest
    static final ArchRule governance_isSdkFreeAndSinkFree = noClasses()
            .that().resideInAPackage("dev.aip.core.governance..")
            .should().dependOnClassesThat().resideInAnyPackage("software.amazon.awssdk..", "dev.aip.core.bedrock..",
                    "dev.aip.core.sink..");

    /**
     * Bucket4j is an implementation detail of the in-memory rate-limit state: governance sees buckets only through
     * {@link RateLimitState}, and no other class of aip-core touches Bucket4j.
     */
    @ArchTest
    static final ArchRule bucket4j_onlyInTheLocalRateLimitState = noClasses()
            .that(DescribedPredicate.not(inOrNestedIn(LocalRateLimitState.class)))
            .should().dependOnClassesThat().resideInAPackage(BUCKET4J + "..");

    /** No public type of aip-core names a Bucket4j type in its public or protected signatures. */
    @ArchTest
    static final ArchRule bucket4j_neverInAPublicSignature = classes()
            .that().arePublic()
            .should(exposeNoTypeFrom(BUCKET4J));

    /** Nothing but governance depends on governance: the pipeline knows only its Admission seam. */
    @ArchTest
    static final ArchRule pipeline_doesNotKnowGovernance = noClasses()
            .that().resideInAnyPackage("dev.aip.core.chat..", "dev.aip.core.metering..", "dev.aip.core.pricing..",
                    "dev.aip.core.tenant..", "dev.aip.core.profile..", "dev.aip.core.sink..", "dev.aip.core.bedrock..")
            .should().dependOnClassesThat().resideInAPackage("dev.aip.core.governance..");

    /** Core governance works without Redis: the Redis state is a module of its own (aip-governance-redis). */
    @ArchTest
    static final ArchRule governance_doesNotNeedRedis = noClasses()
            .that().resideInAPackage("dev.aip.core..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.aip.governance..", "io.lettuce..",
                    BUCKET4J + ".redis..", BUCKET4J + ".distributed..");

    private static DescribedPredicate<JavaClass> inOrNestedIn(Class<?> type) {
        return DescribedPredicate.describe("are " + type.getSimpleName() + " or nested in it",
                c -> c.getName().equals(type.getName()) || c.getName().startsWith(type.getName() + "$"));
    }

    /**
     * The supertypes of a class, and the field types, return types, parameter types and declared exceptions of its
     * public and protected members, raw and as type arguments, reside outside {@code prefix}.
     */
    static ArchCondition<JavaClass> exposeNoTypeFrom(String prefix) {
        return new ArchCondition<>("expose no type from " + prefix + " in a public signature") {
            @Override
            public void check(JavaClass c, ConditionEvents events) {
                Set<String> exposed = new LinkedHashSet<>();
                c.getRawSuperclass().ifPresent(s -> note(exposed, c.getName() + " extends", s, prefix));
                c.getRawInterfaces().forEach(i -> note(exposed, c.getName() + " implements", i, prefix));
                for (JavaMember m : c.getMembers()) {
                    if (!m.getModifiers().contains(JavaModifier.PUBLIC)
                            && !m.getModifiers().contains(JavaModifier.PROTECTED)) {
                        continue;
                    }
                    if (m instanceof JavaField f) {
                        noteAll(exposed, f.getFullName(), f.getType(), prefix);
                    } else if (m instanceof JavaCodeUnit u) {
                        noteAll(exposed, u.getFullName(), u.getReturnType(), prefix);
                        u.getParameterTypes().forEach(t -> noteAll(exposed, u.getFullName(), t, prefix));
                        u.getThrowsClause().getTypes().forEach(t -> note(exposed, u.getFullName(), t, prefix));
                    }
                }
                exposed.forEach(e -> events.add(SimpleConditionEvent.violated(c, e)));
            }
        };
    }

    private static void noteAll(Set<String> exposed, String where, JavaType type, String prefix) {
        type.getAllInvolvedRawTypes().forEach(t -> note(exposed, where, t, prefix));
    }

    private static void note(Set<String> exposed, String where, JavaClass type, String prefix) {
        if (type.getPackageName().startsWith(prefix)) {
            exposed.add(where + " exposes " + type.getName());
        }
    }
}
