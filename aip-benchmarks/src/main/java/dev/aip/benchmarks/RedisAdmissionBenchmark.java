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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One admission decision and its release with every state on Redis: {@link Governance#admit} then {@code release},
 * for one tenant whose policy enables every check (model policy, concurrency cap, request rate, token rate and a
 * monthly budget), with the concurrency slots, both buckets and the budget account in a Redis reached on loopback
 * ({@code AIP_REDIS_URL}, default {@code redis://127.0.0.1:6390}). Limits are generous, so nothing is refused.
 * {@code oneThread} gives the latency of one admission and release; {@code eightThreads} the throughput when eight
 * threads of one instance share its Redis connection and the tenant's keys. The {@code ...OneRoundTrip} methods do the
 * same through {@link RedisGovernanceState#admission()} (one script per admission, one per release). Permits settle
 * on the default settlement pool, so these release times are a hand-off; {@link RedisAdmissionLoad} settles on the
 * releasing thread and alternates the two paths in one run.
 *
 * <pre>{@code
 * redis-server --port 6390 --save '' --appendonly no --daemonize yes
 * java -jar aip-benchmarks/target/benchmarks.jar RedisAdmissionBenchmark
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.SampleTime, Mode.Throughput})
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class RedisAdmissionBenchmark {

    private RedisGovernanceState redis;
    private RedisGovernanceState sharedRedis;
    private Governance governance;
    private Governance shared;
    private TenantContext tenant;
    private AdmissionRequest request;
    private ResolvedProfile profile;
    private List<UsageRecord> attempts;

    @Setup(Level.Trial)
    public void setUp() {
        String url = System.getenv().getOrDefault("AIP_REDIS_URL", "redis://127.0.0.1:6390");
        redis = RedisGovernanceState.builder().uri(url).keyPrefix("aip-bench-" + UUID.randomUUID()).build();
        TenantId id = TenantId.of("acme");
        tenant = TenantContext.of("acme");
        TenantPolicy policy = BenchPolicies.generous(AdmissionBenchmark.MODEL, "1000000");
        governance = Governance.builder().policies(PolicySet.builder().tenant(id, policy).build())
                .budgetStore(redis.budgetStore()).rateLimitState(redis.rateLimitState())
                .concurrencyState(redis.concurrencyState()).build();
        sharedRedis = RedisGovernanceState.builder().uri(url).keyPrefix("aip-bench-" + UUID.randomUUID()).build();
        shared = Governance.builder().policies(PolicySet.builder().tenant(id, policy).build())
                .sharedAdmission(sharedRedis.admission()).build();
        request = AdmissionRequest.of(ChatRequest.builder()
                .model(AdmissionBenchmark.MODEL)
                .message(ChatMessage.user("Summarise the quarterly report in three bullet points."))
                .settings(InferenceSettings.DEFAULTS.withMaxTokens(300))
                .build());
        profile = new ResolvedProfile(id, AdmissionBenchmark.MODEL, AdmissionBenchmark.ARN, "p1",
                AdmissionBenchmark.SOURCE, "us-east-1", false);
        UsageMeter meter = UsageMeter.builder().sink(r -> { }).build();
        MeteredCall attempt = meter.start(CallInfo.builder().callId("call-1").attempt(1).tenant(tenant)
                .operation(Operation.CONVERSE).requestedModel(AdmissionBenchmark.MODEL)
                .profileArn(AdmissionBenchmark.ARN)
                .profileId("p1").sourceModelId(AdmissionBenchmark.SOURCE).region("us-east-1")
                .estimatedInputTokens(14).build());
        attempt.succeed(new TokenUsage(14, 120, 0, 0));
        attempts = List.of(attempt.record().orElseThrow());
    }

    @TearDown(Level.Trial)
    public void checkNothingLeaked() {
        try {
            for (Governance g : List.of(governance, shared)) {
                if (g.openPermits() != 0 || g.inFlight(tenant.id()) != 0 || g.failOpenAdmissions() != 0) {
                    throw new IllegalStateException("permits left open: " + g.openPermits() + ", slots held: "
                            + g.inFlight(tenant.id()) + ", checks skipped: " + g.failOpenAdmissions());
                }
            }
        } finally {
            redis.close();
            sharedRedis.close();
        }
    }

    @Benchmark
    @Threads(1)
    public Admission.Permit oneThread() {
        Admission.Permit permit = governance.admit(tenant, request, profile);
        permit.release(attempts);
        return permit;
    }

    @Benchmark
    @Threads(8)
    public Admission.Permit eightThreads() {
        Admission.Permit permit = governance.admit(tenant, request, profile);
        permit.release(attempts);
        return permit;
    }

    /** {@link #oneThread} through {@link RedisGovernanceState#admission()}: one script per admission and release. */
    @Benchmark
    @Threads(1)
    public Admission.Permit oneThreadOneRoundTrip() {
        Admission.Permit permit = shared.admit(tenant, request, profile);
        permit.release(attempts);
        return permit;
    }

    /** Sixteen threads through {@link RedisGovernanceState#admission()}. */
    @Benchmark
    @Threads(16)
    public Admission.Permit sixteenThreadsOneRoundTrip() {
        Admission.Permit permit = shared.admit(tenant, request, profile);
        permit.release(attempts);
        return permit;
    }
}
