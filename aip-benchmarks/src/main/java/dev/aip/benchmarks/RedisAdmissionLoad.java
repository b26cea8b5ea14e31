package dev.aip.benchmarks;

import dev.aip.core.chat.Admission;
import dev.aip.core.chat.AdmissionRequest;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.InferenceSettings;
import dev.aip.core.governance.Governance;
import dev.aip.core.governance.PolicySet;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Redis-backed admission and release, the separate states (a round trip or more per check) against the shared
 * admission (one script per admission, one per release), A/B in one run: after a warm-up that alternates the two,
 * each round measures both paths in turn (the order alternating between rounds), first one thread (latency of
 * {@code admit} + {@code release}), then {@code --threads} threads of one instance on one tenant (decisions per
 * second and latency). Every check is on (model policy, concurrency cap, request and token rates, a monthly budget),
 * every limit is out of reach, and permits settle on the releasing thread, so a measured release includes its round
 * trips. Redis on loopback ({@code --redis-url}).
 *
 * <pre>{@code
 * redis-server --port 6390 --save '' --appendonly no --daemonize yes
 * java -cp aip-benchmarks/target/benchmarks.jar dev.aip.benchmarks.RedisAdmissionLoad \
 *     --redis-url redis://127.0.0.1:6390 --warmup-seconds 60 --seconds 10 --rounds 3 --threads 16
 * }</pre>
 *
 * <p>{@code --paths shared} (or {@code separate}) measures one path alone, e.g. to read Redis's own cost per script
 * from {@code INFO commandstats}.
 */
public final class RedisAdmissionLoad {

    private RedisAdmissionLoad() {
    }

    /** One path under test. */
    private record Path(String name, RedisGovernanceState redis, Governance governance) {
    }

    private static final TenantContext TENANT = TenantContext.of("acme");
    private static AdmissionRequest request;
    private static ResolvedProfile profile;
    private static List<UsageRecord> attempts;

    public static void main(String[] args) throws Exception {
        String url = Args.str(args, "--redis-url", System.getenv().getOrDefault("AIP_REDIS_URL",
                "redis://127.0.0.1:6390"));
        int warmup = Args.integer(args, "--warmup-seconds", 60);
        int seconds = Args.integer(args, "--seconds", 10);
        int rounds = Args.integer(args, "--rounds", 3);
        int threads = Args.integer(args, "--threads", 16);
        String only = Args.str(args, "--paths", "separate,shared");
        setUp();
        TenantId id = TENANT.id();
        PolicySet policies = PolicySet.builder()
                .tenant(id, BenchPolicies.generous(AdmissionBenchmark.MODEL, "1000000")).build();
        String run = UUID.randomUUID().toString();
        RedisGovernanceState separateRedis = RedisGovernanceState.builder().uri(url).keyPrefix("aip-ab-s-" + run)
                .build();
        RedisGovernanceState sharedRedis = RedisGovernanceState.builder().uri(url).keyPrefix("aip-ab-o-" + run)
                .build();
        Path separate = new Path("separate states", separateRedis, Governance.builder().policies(policies)
                .budgetStore(separateRedis.budgetStore()).rateLimitState(separateRedis.rateLimitState())
                .concurrencyState(separateRedis.concurrencyState()).settlementExecutor(Runnable::run).build());
        Path shared = new Path("one round trip", sharedRedis, Governance.builder().policies(policies)
                .sharedAdmission(sharedRedis.admission()).settlementExecutor(Runnable::run).build());
        List<Path> paths = only.equals("shared") ? List.of(shared) : only.equals("separate") ? List.of(separate)
                : List.of(separate, shared);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            System.out.printf("Redis admission + release, A/B: warm-up %d s, rounds of %d s per phase, %d threads%n",
                    warmup, seconds, threads);
            long warmEnd = System.nanoTime() + warmup * 1_000_000_000L;
            while (System.nanoTime() < warmEnd) {
                for (Path p : paths) {
                    measure(p, pool, 1, 2);
                    measure(p, pool, threads, 2);
                }
            }
            for (int r = 0; r < rounds; r++) {
                List<Path> order = r % 2 == 0 || paths.size() == 1 ? paths : List.of(shared, separate);
                for (Path p : order) {
                    Result one = measure(p, pool, 1, seconds);
                    Result many = measure(p, pool, threads, seconds);
                    System.out.printf("round %d  %-16s 1 thread: p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  %,8.0f/s"
                            + "   %d threads: %,9.0f decisions/s  p50 %.3f ms  p99 %.3f ms%n", r + 1, p.name(),
                            one.p(0.50), one.p(0.90), one.p(0.99), one.rate(), threads, many.rate(), many.p(0.50),
                            many.p(0.99));
                }
            }
            for (Path p : paths) {
                Governance g = p.governance();
                if (g.openPermits() != 0 || g.inFlight(id) != 0 || g.failOpenAdmissions() != 0) {
                    throw new IllegalStateException(p.name() + ": permits left open: " + g.openPermits()
                            + ", slots held: " + g.inFlight(id) + ", checks skipped: " + g.failOpenAdmissions());
                }
            }
        } finally {
            pool.shutdownNow();
            separateRedis.close();
            sharedRedis.close();
        }
    }

    /** Latencies in nanoseconds, sorted, and the decisions per second. */
    private record Result(long[] nanos, double rate) {
        double p(double q) {
            if (nanos.length == 0) {
                return Double.NaN;
            }
            return nanos[Math.min(nanos.length - 1, (int) Math.floor(q * nanos.length))] / 1e6;
        }
    }

    private static Result measure(Path path, ExecutorService pool, int threads, int seconds) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        long[] end = new long[1];
        List<Future<long[]>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            futures.add(pool.submit(() -> {
                start.await();
                long[] lat = new long[1 << 16];
                int n = 0;
                long stop = end[0];
                Governance g = path.governance();
                while (true) {
                    long t0 = System.nanoTime();
                    if (t0 >= stop) {
                        break;
                    }
                    Admission.Permit permit = g.admit(TENANT, request, profile);
                    permit.release(attempts);
                    if (n == lat.length) {
                        lat = Arrays.copyOf(lat, n * 2);
                    }
                    lat[n++] = System.nanoTime() - t0;
                }
                return Arrays.copyOf(lat, n);
            }));
        }
        long began = System.nanoTime();
        end[0] = began + seconds * 1_000_000_000L;
        start.countDown();
        List<long[]> all = new ArrayList<>();
        int total = 0;
        for (Future<long[]> f : futures) {
            long[] l = f.get();
            all.add(l);
            total += l.length;
        }
        double elapsed = (System.nanoTime() - began) / 1e9;
        long[] merged = new long[total];
        int at = 0;
        for (long[] l : all) {
            System.arraycopy(l, 0, merged, at, l.length);
            at += l.length;
        }
        Arrays.sort(merged);
        return new Result(merged, total / elapsed);
    }

    private static void setUp() {
        TenantId id = TENANT.id();
        request = AdmissionRequest.of(ChatRequest.builder()
                .model(AdmissionBenchmark.MODEL)
                .message(ChatMessage.user("Summarise the quarterly report in three bullet points."))
                .settings(InferenceSettings.DEFAULTS.withMaxTokens(300))
                .build());
        profile = new ResolvedProfile(id, AdmissionBenchmark.MODEL, AdmissionBenchmark.ARN, "p1",
                AdmissionBenchmark.SOURCE, "us-east-1", false);
        UsageMeter meter = UsageMeter.builder().sink(r -> { }).build();
        MeteredCall attempt = meter.start(CallInfo.builder().callId("call-1").attempt(1).tenant(TENANT)
                .operation(Operation.CONVERSE).requestedModel(AdmissionBenchmark.MODEL)
                .profileArn(AdmissionBenchmark.ARN)
                .profileId("p1").sourceModelId(AdmissionBenchmark.SOURCE).region("us-east-1")
                .estimatedInputTokens(14).build());
        attempt.succeed(new TokenUsage(14, 120, 0, 0));
        attempts = List.of(attempt.record().orElseThrow());
    }
}
