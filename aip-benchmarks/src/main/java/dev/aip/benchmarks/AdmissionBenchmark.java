package dev.aip.benchmarks;

import dev.aip.core.chat.Admission;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.AdmissionRequest;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.InferenceSettings;
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
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One local admission decision and its release: {@link Governance#admit} then {@code release} with the record of one
 * successful attempt, for one tenant whose policy enables every check (model policy, concurrency cap, request rate,
 * token rate and a monthly budget), with limits generous enough that nothing is refused. {@code uncontended} runs on
 * one thread; {@code contended} on two threads sharing the tenant's buckets, slot counter and budget account.
 *
 * <pre>{@code
 * java -jar aip-benchmarks/target/benchmarks.jar AdmissionBenchmark -prof gc
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.SampleTime, Mode.Throughput})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class AdmissionBenchmark {

    static final String MODEL = "claude-haiku";
    static final String SOURCE = "anthropic.claude-3-5-haiku-20241022-v1:0";
    static final String ARN = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/p1";

    private Governance governance;
    private TenantContext tenant;
    private AdmissionRequest request;
    private ResolvedProfile profile;
    private List<UsageRecord> attempts;

    @Setup(Level.Trial)
    public void setUp() {
        TenantId id = TenantId.of("acme");
        tenant = TenantContext.of("acme");
        TenantPolicy policy = BenchPolicies.generous(MODEL, "1000000000");
        governance = Governance.builder().policies(PolicySet.builder().tenant(id, policy).build()).build();
        request = AdmissionRequest.of(ChatRequest.builder()
                .model(MODEL)
                .message(ChatMessage.user("Summarise the quarterly report in three bullet points."))
                .settings(InferenceSettings.DEFAULTS.withMaxTokens(300))
                .build());
        profile = new ResolvedProfile(id, MODEL, ARN, "p1", SOURCE, "us-east-1", false);
        UsageMeter meter = UsageMeter.builder().sink(r -> { }).build();
        MeteredCall attempt = meter.start(CallInfo.builder().callId("call-1").attempt(1).tenant(tenant)
                .operation(Operation.CONVERSE).requestedModel(MODEL).profileArn(ARN).profileId("p1")
                .sourceModelId(SOURCE)
                .region("us-east-1").estimatedInputTokens(14).build());
        attempt.succeed(new TokenUsage(14, 120, 0, 0));
        attempts = List.of(attempt.record().orElseThrow());
    }

    @TearDown(Level.Trial)
    public void checkNothingLeaked() {
        if (governance.openPermits() != 0 || governance.inFlight(tenant.id()) != 0) {
            throw new IllegalStateException("permits left open: " + governance.openPermits());
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
