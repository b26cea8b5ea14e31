package dev.aip.core;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaAccess;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import com.tngtech.archunit.library.dependencies.SlicesRuleDefinition;
import java.util.Set;
import java.util.stream.Stream;

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

    /**
     * The packages form a graph without cycles, so each can be understood, tested and split off from the ones below
     * it.
     *
     * <p>The root package and {@code tenant} are one slice, "foundation": the library's exceptions carry the
     * {@code TenantId} they concern, and {@code tenant} throws them for a malformed or unknown tenant. Splitting them
     * would mean moving {@code TenantId} (used by every module) or giving the exceptions an untyped tenant.
     */
    @ArchTest
    static final ArchRule packages_areFreeOfCycles = SlicesRuleDefinition.slices().assignedFrom(new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass type) {
            String name = type.getPackageName();
            if (name.equals("dev.aip.core") || name.startsWith("dev.aip.core.tenant")) {
                return SliceIdentifier.of("foundation");
            }
            if (!name.startsWith("dev.aip.core.")) {
                return SliceIdentifier.ignore();
            }
            return SliceIdentifier.of(name.substring("dev.aip.core.".length()).split("\\.")[0]);
        }

        @Override
        public String getDescription() {
            return "top-level packages of dev.aip.core (root and tenant as one)";
        }
    }).should().beFreeOfCycles();

    /** Only the Bedrock binding talks to AWS; everything else sees the library's own interfaces. */
    @ArchTest
    static final ArchRule onlyTheBedrockBinding_dependsOnAwsSdk = noClasses()
            .that().resideInAPackage("dev.aip.core..").and().resideOutsideOfPackage("dev.aip.core.bedrock..")
            .should().dependOnClassesThat().resideInAPackage("software.amazon.awssdk..")
            .because("the AWS SDK binding lives in dev.aip.core.bedrock (e.g. BedrockInferenceProfileApi implements "
                    + "profile.InferenceProfileApi)");

    /**
     * One time abstraction: code reads time from an injected {@code Clock} (wall time) or {@code LongSupplier}
     * ticker (nanoseconds), so tests set time instead of sleeping. The system clock and ticker appear only as the
     * defaults a builder fills in.
     *
     * <p>Allowed elsewhere, each for a stated reason:
     * <ul>
     *   <li>{@code System.nanoTime()} in {@code sink}: it bounds real blocking waits on a full queue or an fsync
     *       ({@code Condition.awaitNanos}, {@code Future.get}); the wait itself is real, so an injected ticker could
     *       not shorten it.
     *   <li>{@code System.currentTimeMillis()} in {@code metering.RecordIds}: a UUID version 7 carries the Unix
     *       milliseconds of its creation by definition; it orders ids and decides nothing.
     * </ul>
     */
    @ArchTest
    static final ArchRule time_isReadOnlyThroughInjectedClocks = classes()
            .that().resideInAPackage("dev.aip.core..")
            .should(new ArchCondition<JavaClass>("read the system clock only as a builder's default") {
                @Override
                public void check(JavaClass type, ConditionEvents events) {
                    Stream.concat(type.getMethodCallsFromSelf().stream(), type.getMethodReferencesFromSelf().stream())
                            .filter(access -> SYSTEM_TIME.contains(signature(access)))
                            .filter(access -> !allowed(type, signature(access)))
                            .forEach(access -> events.add(SimpleConditionEvent.violated(access,
                                    access.getDescription() + ": take a Clock or ticker from the builder instead")));
                }
            });

    private static final Set<String> SYSTEM_TIME = Set.of(
            "java.lang.System.currentTimeMillis", "java.lang.System.nanoTime",
            "java.time.Clock.systemUTC", "java.time.Clock.systemDefaultZone",
            "java.time.Instant.now", "java.time.LocalDate.now", "java.time.LocalDateTime.now",
            "java.time.LocalTime.now", "java.time.OffsetDateTime.now", "java.time.ZonedDateTime.now",
            "java.time.Year.now", "java.time.YearMonth.now");

    /** The target's owner and name, for calls without arguments; {@code now(Clock)} and the like pass. */
    private static String signature(JavaAccess<?> access) {
        if (access.getTarget() instanceof com.tngtech.archunit.core.domain.AccessTarget.CodeUnitAccessTarget target
                && !target.getRawParameterTypes().isEmpty()) {
            return "";
        }
        return access.getTargetOwner().getName() + "." + access.getName();
    }

    private static boolean allowed(JavaClass type, String signature) {
        JavaClass outer = type;
        while (outer.getEnclosingClass().isPresent() && !outer.getSimpleName().equals("Builder")) {
            outer = outer.getEnclosingClass().get();
        }
        boolean inBuilder = outer.getSimpleName().equals("Builder");
        boolean systemDefault = signature.equals("java.time.Clock.systemUTC")
                || signature.equals("java.lang.System.nanoTime");
        if (inBuilder && systemDefault) {
            return true;
        }
        if (signature.equals("java.lang.System.nanoTime") && type.getPackageName().equals("dev.aip.core.sink")) {
            return true;
        }
        return signature.equals("java.lang.System.currentTimeMillis")
                && type.getName().equals("dev.aip.core.metering.RecordIds");
    }
}
