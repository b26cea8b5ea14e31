package dev.aip.benchmarks;

import dev.aip.core.chat.Admission;
import dev.aip.core.chat.AdmissionRequest;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.InferenceSettings;
import dev.aip.core.governance.FairShare;
import dev.aip.core.governance.Governance;
import dev.aip.core.governance.PolicySet;
import dev.aip.core.governance.TenantPolicy;
import dev.aip.core.metering.CallInfo;
import dev.aip.core.metering.MeteredCall;
import dev.aip.core.metering.Operation;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageMeter;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.governance.redis.RedisGovernanceState;
import java.util.List;
import java.util.UUID;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Fair share on Redis: one admission decision with fair share's windows and estimate in a Redis reached on loopback
 * ({@code AIP_REDIS_URL}, default {@code redis://127.0.0.1:6390}), every other check in memory, so the figure is
 * what sharing fair share costs. The model's capacity is configured far above its use (the path almost every call
 * takes: one script that adds, brings the estimate up to date, sums the model's minute and admits).
 * <ul>
 *   <li>{@code admit}: the admission alone (one round trip), its permit released at its estimate (no round trip);</li>
 *   <li>{@code admitAndSettle}: admission and a release whose real usage differs from the estimate, settled on the
 *       calling thread (two round trips).</li>
 * </ul>
 *
 * <pre>{@code
 * redis-server --port 6390 --save '' --appendonly no --daemonize yes
 * java -jar aip-benchmarks/target/benchmarks.jar RedisFairShareBenchmark
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class RedisFairShareBenchmark {

    @Param({"redis", "local"})
    public String state;

    private RedisGovernanceState redis;
    private Governance governance;
    private TenantContext tenant;
    private AdmissionRequest request;
    private ResolvedProfile profile;
    private List<UsageRecord> atEstimate;
    private List<UsageRecord> actual;

    @Setup(Level.Trial)
    public void setUp() {
        String url = System.getenv().getOrDefault("AIP_REDIS_URL", "redis://127.0.0.1:6390");
        TenantId id = TenantId.of("acme");
        tenant = TenantContext.of("acme");
        TenantPolicy policy = BenchPolicies.generous(AdmissionBenchmark.MODEL, "1000000");
        Governance.Builder b = Governance.builder().policies(PolicySet.builder().tenant(id, policy).build())
                .fairShare(FairShare.builder().capacity(AdmissionBenchmark.SOURCE, 1L << 39).build())
                .settlementExecutor(Runnable::run);
        if ("redis".equals(state)) {
            redis = RedisGovernanceState.builder().uri(url).keyPrefix("aip-bench-" + UUID.randomUUID()).build();
            b.fairShareState(redis.fairShareState());
        }
        governance = b.build();
        request = AdmissionRequest.of(ChatRequest.builder()
                .model(AdmissionBenchmark.MODEL)
                .message(ChatMessage.user("Summarise the quarterly report in three bullet points."))
                .settings(InferenceSettings.DEFAULTS.withMaxTokens(300))
                .build());
        profile = new ResolvedProfile(id, AdmissionBenchmark.MODEL, AdmissionBenchmark.ARN, "p1",
                AdmissionBenchmark.SOURCE, "us-east-1", false);
        long estimate = request.estimatedInputTokens() + 300;
        atEstimate = List.of(attempt(meter(), 14, estimate - 14));
        actual = List.of(attempt(meter(), 14, 120));
    }

    private static UsageMeter meter() {
        return UsageMeter.builder().sink(r -> { }).build();
    }

    private UsageRecord attempt(UsageMeter meter, long input, long output) {
        MeteredCall attempt = meter.start(CallInfo.builder().callId("call-1").attempt(1).tenant(tenant)
                .operation(Operation.CONVERSE).requestedModel(AdmissionBenchmark.MODEL)
                .profileArn(AdmissionBenchmark.ARN)
                .profileId("p1").sourceModelId(AdmissionBenchmark.SOURCE).region("us-east-1")
                .estimatedInputTokens(14).build());
        attempt.succeed(new TokenUsage(input, output, 0, 0));
        return attempt.record().orElseThrow();
    }

    @TearDown(Level.Trial)
    public void checkNothingSkipped() {
        try {
            if (governance.openPermits() != 0 || governance.failOpenAdmissions() != 0) {
                throw new IllegalStateException("permits left open: " + governance.openPermits()
                        + ", checks skipped: " + governance.failOpenAdmissions());
            }
        } finally {
            if (redis != null) {
                redis.close();
            }
        }
    }

    @Benchmark
    @Threads(1)
    public Admission.Permit admit() {
        Admission.Permit permit = governance.admit(tenant, request, profile);
        permit.release(atEstimate);
        return permit;
    }

    @Benchmark
    @Threads(1)
    public Admission.Permit admitAndSettle() {
        Admission.Permit permit = governance.admit(tenant, request, profile);
        permit.release(actual);
        return permit;
    }
}
