package dev.aip.benchmarks;

import dev.aip.core.chat.Admission;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.AdmissionRequest;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.InferenceSettings;
import dev.aip.core.governance.FairShare;
import dev.aip.core.governance.Governance;
import dev.aip.core.governance.PolicySet;
import dev.aip.core.governance.TenantPolicy;
import dev.aip.core.metering.CallInfo;
import dev.aip.core.metering.UsageMeter;
import dev.aip.core.metering.MeteredCall;
import dev.aip.core.metering.Operation;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What fair share adds to one admission decision and its release: the same call and policy as
 * {@link AdmissionBenchmark} (every per-tenant check on, nothing refused), with fair share
 * <ul>
 *   <li>{@code off}: not configured (the baseline);</li>
 *   <li>{@code uncongested}: on, the model's capacity configured far above its use, so every call passes after the
 *       window updates and one 61-slot sum: the path almost every call takes;</li>
 *   <li>{@code congested}: on, another tenant keeps the model above its capacity, and the measured premium tenant is
 *       within its share: the share lookup on top. Its calls settle at zero tokens so that it stays within it.</li>
 * </ul>
 *
 * <pre>{@code
 * java -jar aip-benchmarks/target/benchmarks.jar FairShareAdmissionBenchmark -prof gc
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.SampleTime, Mode.Throughput})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class FairShareAdmissionBenchmark {

    static final String MODEL = "claude-haiku";
    static final String SOURCE = "anthropic.claude-3-5-haiku-20241022-v1:0";
    static final String ARN = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/p1";
    static final String FLOOD_ARN = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/p2";

    @Param({"off", "uncongested", "congested"})
    public String mode;

    private Governance governance;
    private TenantContext tenant;
    private int floods;
    private AdmissionRequest request;
    private ResolvedProfile profile;
    private List<UsageRecord> attempts;

    @Setup(Level.Trial)
    public void setUp() {
        TenantId id = TenantId.of("acme");
        tenant = TenantContext.of("acme").withTier(Tier.PREMIUM);
        TenantPolicy policy = BenchPolicies.generous(MODEL, "1000000000");
        Governance.Builder b = Governance.builder().policies(PolicySet.builder().tenant(id, policy).build());
        switch (mode) {
            case "uncongested" -> b.fairShare(FairShare.builder().capacity(SOURCE, 1L << 40).build());
            case "congested" -> b.fairShare(FairShare.builder().capacity(SOURCE, 100_000).build());
            default -> { }
        }
        governance = b.build();
        request = AdmissionRequest.of(ChatRequest.builder()
                .model(MODEL)
                .message(ChatMessage.user("Summarise the quarterly report in three bullet points."))
                .settings(InferenceSettings.DEFAULTS.withMaxTokens(300))
                .build());
        profile = new ResolvedProfile(id, MODEL, ARN, "p1", SOURCE, "us-east-1", false);
        if (mode.equals("congested")) {
            attempts = List.of();
        } else {
            UsageMeter meter = UsageMeter.builder().sink(r -> { }).build();
            MeteredCall attempt = meter.start(CallInfo.builder().callId("call-1").attempt(1).tenant(tenant)
                    .operation(Operation.CONVERSE).requestedModel(MODEL).profileArn(ARN).profileId("p1")
                    .sourceModelId(SOURCE).region("us-east-1").estimatedInputTokens(14).build());
            attempt.succeed(new TokenUsage(14, 120, 0, 0));
            attempts = List.of(attempt.record().orElseThrow());
        }
    }

    /**
     * Keeps the model above its capacity for the next iteration: thirty basic tenants, new each time, hold one call
     * of 4,001 tokens each (a tenant with nothing in the minute is always admitted).
     */
    @Setup(Level.Iteration)
    public void flood() {
        if (!mode.equals("congested")) {
            return;
        }
        AdmissionRequest big = AdmissionRequest.of(ChatRequest.builder().model(MODEL).message(ChatMessage.user("x"))
                .settings(InferenceSettings.DEFAULTS.withMaxTokens(4_000)).build());
        for (int i = 0; i < 30; i++) {
            TenantContext flooder = TenantContext.of("flood-" + (floods++)).withTier(Tier.BASIC);
            governance.admit(flooder, big, new ResolvedProfile(flooder.id(), MODEL, FLOOD_ARN, "p2", SOURCE,
                    "us-east-1", false));
        }
        if (!governance.fairShare().model(SOURCE, "us-east-1").orElseThrow().congested()) {
            throw new IllegalStateException("the model should be congested: " + governance.fairShare());
        }
    }

    @Benchmark
    @Threads(1)
    public Admission.Permit uncontended() {
        Admission.Permit permit = governance.admit(tenant, request, profile);
        permit.release(attempts);
        return permit;
    }

    @Benchmark
    @Threads(2)
    public Admission.Permit contended() {
        Admission.Permit permit = governance.admit(tenant, request, profile);
        permit.release(attempts);
        return permit;
    }
}
