package dev.aip.benchmarks;

import dev.aip.core.bedrock.TenantRoutingInterceptor;
import dev.aip.core.governance.Governance;
import dev.aip.core.governance.PolicySet;
import dev.aip.core.governance.TenantPolicy;
import dev.aip.core.metering.UsageMeter;
import dev.aip.core.profile.StaticProfileResolver;
import dev.aip.core.sink.InMemoryUsageAggregates;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.TenantScope;
import dev.aip.emulator.BedrockEmulator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrock.model.Tag;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.InferenceConfiguration;
import software.amazon.awssdk.services.bedrockruntime.model.Message;

/**
 * What {@link TenantRoutingInterceptor} costs on the SDK path: the same Converse calls through two sync
 * {@link BedrockRuntimeClient}s on one shared HTTP client against one in-process emulator (zero latency), one bare
 * (it names the tenant's profile ARN itself) and one with the interceptor (it names the logical model inside
 * {@link TenantScope#run}, and the interceptor resolves, rewrites, meters and, with {@code --governance}, admits).
 * Both sides cycle over the same tenants, so the emulator does the same work for each. Rounds alternate, bare then
 * aip, after a warm-up that alternates too, so drift in the machine's load hits both sides alike.
 *
 * <pre>{@code
 * java -cp aip-benchmarks/target/benchmarks.jar dev.aip.benchmarks.SdkPathLoad --threads 16 --warmup 60 --rounds 10
 * --round-seconds 10
 * }</pre>
 *
 * <p>Options: {@code --threads N} client threads (16); {@code --tenants N} tenants, one profile each (1,000);
 * {@code --warmup N} seconds of warm-up, in alternating slices of at most 5 s (60); {@code --rounds N} pairs of
 * measured rounds, bare then aip (10); {@code --round-seconds N} length of each round (10); {@code --governance} to
 * give the interceptor a {@link Governance} admission whose limits are never reached.
 *
 * <p>At the end the meter must hold exactly one record per call the aip side made (warm-up included, no retries);
 * otherwise the exit status is 1.
 */
public final class SdkPathLoad {

    private static final String MODEL = "claude-haiku";
    private static final String SOURCE = "anthropic.claude-3-5-haiku-20241022-v1:0";
    private static final String PROMPT = "Summarise the quarterly report in three bullet points.";

    private SdkPathLoad() {
    }

    public static void main(String[] args) throws Exception {
        int threads = Args.integer(args, "--threads", 16);
        int tenants = Args.integer(args, "--tenants", 1_000);
        int warmup = Args.integer(args, "--warmup", 60);
        int rounds = Args.integer(args, "--rounds", 10);
        int roundSeconds = Args.integer(args, "--round-seconds", 10);
        boolean governed = Arrays.asList(args).contains("--governance");

        BedrockEmulator emulator = BedrockEmulator.builder()
                .workerThreads(Math.max(64, threads * 2))
                .replyTokens(20, 40)
                .profileQuota(tenants + 10)
                .invocationLogCapacity(10_000)
                .build()
                .start();
        StaticCredentialsProvider credentials =
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "dummy-secret"));
        Region region = Region.of(emulator.region());

        TenantContext[] contexts = new TenantContext[tenants];
        ConverseRequest[] bareRequests = new ConverseRequest[tenants];
        ConverseRequest routedRequest = request(MODEL);
        StaticProfileResolver.Builder resolver = StaticProfileResolver.builder().trustMapping();
        long setupStart = System.nanoTime();
        try (BedrockClient control = BedrockClient.builder().endpointOverride(emulator.endpoint()).region(region)
                .credentialsProvider(credentials)
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())).build()) {
            for (int i = 0; i < tenants; i++) {
                String t = "tenant-" + i;
                String arn = control.createInferenceProfile(r -> r.inferenceProfileName("aip-" + t + "-haiku")
                        .modelSource(s -> s.copyFrom("arn:aws:bedrock:" + emulator.region()
                                + "::foundation-model/" + SOURCE))
                        .tags(Tag.builder().key("TenantId").value(t).build())).inferenceProfileArn();
                resolver.profile(TenantId.of(t), MODEL, arn, SOURCE);
                contexts[i] = TenantContext.of(t);
                bareRequests[i] = request(arn);
            }
        }
        System.out.printf(Locale.ROOT, "setup: %d profiles created on the emulator in %.1f s%n", tenants,
                (System.nanoTime() - setupStart) / 1e9);

        InMemoryUsageAggregates aggregates = new InMemoryUsageAggregates();
        LongAdder records = new LongAdder();
        UsageMeter meter = UsageMeter.builder().sink(r -> {
            records.increment();
            aggregates.accept(r);
        }).region(emulator.region()).build();
        TenantRoutingInterceptor.Builder routing = TenantRoutingInterceptor.builder()
                .resolver(resolver.build())
                .meter(meter);
        Governance governance = null;
        if (governed) {
            TenantPolicy generous = BenchPolicies.generous(MODEL, "1000000000");
            governance = Governance.builder().policies(PolicySet.builder().defaults(generous).build()).build();
            routing.admission(governance);
        }
        TenantRoutingInterceptor interceptor = routing.build();

        // One HTTP client (one connection pool) serves both SDK clients; the SDK clients do not close it.
        SdkHttpClient http = Apache5HttpClient.builder().maxConnections(threads * 2).build();
        BedrockRuntimeClient bare = BedrockRuntimeClient.builder()
                .endpointOverride(emulator.endpoint()).region(region).credentialsProvider(credentials)
                .httpClient(http)
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
        BedrockRuntimeClient aip = BedrockRuntimeClient.builder()
                .endpointOverride(emulator.endpoint()).region(region).credentialsProvider(credentials)
                .httpClient(http)
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())
                        .addExecutionInterceptor(interceptor))
                .build();

        Side bareSide = new Side("bare", threads, tenants) {
            @Override
            void call(int tenant) {
                bare.converse(bareRequests[tenant]);
            }
        };
        Side aipSide = new Side(governed ? "aip+governance" : "aip", threads, tenants) {
            @Override
            void call(int tenant) {
                TenantScope.run(contexts[tenant], () -> aip.converse(routedRequest));
            }
        };

        System.out.printf(Locale.ROOT, "threads=%d tenants=%d warmup=%ds rounds=%d x (bare, %s) of %ds, cores=%d%n",
                threads, tenants, warmup, rounds, aipSide.name, roundSeconds,
                Runtime.getRuntime().availableProcessors());
        int status;
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "sdk-load");
            t.setDaemon(true);
            return t;
        });
        try {
            long warmupLeft = TimeUnit.SECONDS.toNanos(warmup);
            boolean bareTurn = true;
            while (warmupLeft > 0) {
                long slice = Math.min(warmupLeft, TimeUnit.SECONDS.toNanos(5));
                (bareTurn ? bareSide : aipSide).round(pool, slice);
                warmupLeft -= slice;
                bareTurn = !bareTurn;
            }
            System.out.printf(Locale.ROOT, "warm-up done: bare %d calls, %s %d calls, errors %d / %d%n",
                    bareSide.calls.sum(), aipSide.name, aipSide.calls.sum(), bareSide.errors.sum(),
                    aipSide.errors.sum());

            long roundNanos = TimeUnit.SECONDS.toNanos(roundSeconds);
            double[] ratios = new double[rounds];
            for (int i = 0; i < rounds; i++) {
                Round b = bareSide.round(pool, roundNanos);
                Round a = aipSide.round(pool, roundNanos);
                bareSide.measured.add(b);
                aipSide.measured.add(a);
                ratios[i] = a.perSecond() / b.perSecond();
                System.out.printf(Locale.ROOT,
                        "round %2d: bare %7.1f calls/s (p50 %.2f ms, p99 %.2f ms)   %s %7.1f calls/s"
                                + " (p50 %.2f ms, p99 %.2f ms)   ratio %.3f%n",
                        i + 1, b.perSecond(), b.percentileMs(50), b.percentileMs(99), aipSide.name,
                        a.perSecond(), a.percentileMs(50), a.percentileMs(99), ratios[i]);
            }
            System.out.printf(Locale.ROOT, "median ratio %s/bare over %d round pairs: %.3f (min %.3f, max %.3f)%n",
                    aipSide.name, rounds, median(ratios), Arrays.stream(ratios).min().orElse(Double.NaN),
                    Arrays.stream(ratios).max().orElse(Double.NaN));
            for (Side s : List.of(bareSide, aipSide)) {
                System.out.printf(Locale.ROOT,
                        "%-14s median %7.1f calls/s; all measured calls: p50 %.2f ms, p99 %.2f ms; errors %d%n",
                        s.name, s.medianPerSecond(), s.percentileMs(50), s.percentileMs(99), s.errors.sum());
            }
        } finally {
            pool.shutdown();
            pool.awaitTermination(60, TimeUnit.SECONDS);
            aip.close();
            bare.close();
            http.close();
            emulator.close();
        }

        // Every aip call of this run (warm-up included; no retries, so one attempt each) leaves exactly one record.
        long made = aipSide.calls.sum();
        long recorded = records.sum();
        long aggregated = aggregates.total().calls();
        long settled = meter.settledCount();
        boolean ok = made == recorded && made == aggregated && made == settled && meter.sinkFailures() == 0;
        System.out.printf(Locale.ROOT,
                "metering: %s calls made %d, records %d, aggregated calls %d, settled %d, sink failures %d, "
                        + "tenants seen %d: %s%n",
                aipSide.name, made, recorded, aggregated, settled, meter.sinkFailures(), aggregates.tenantCount(),
                ok ? "OK" : "MISMATCH");
        if (governance != null) {
            System.out.printf(Locale.ROOT, "governance: open permits %d%n", governance.openPermits());
            ok &= governance.openPermits() == 0;
        }
        status = ok ? 0 : 1;
        System.exit(status);
    }

    private static ConverseRequest request(String modelId) {
        return ConverseRequest.builder()
                .modelId(modelId)
                .messages(Message.builder().role(ConversationRole.USER).content(ContentBlock.fromText(PROMPT))
                        .build())
                .inferenceConfig(InferenceConfiguration.builder().maxTokens(64).build())
                .build();
    }

    /** One client's side of the comparison: its calls, its measured rounds, and where each thread is in the tenants. */
    private abstract static class Side {
        final String name;
        final int threads;
        final int tenants;
        final int[] nextTenant;
        final LongAdder calls = new LongAdder();
        final LongAdder errors = new LongAdder();
        final List<Round> measured = new ArrayList<>();

        Side(String name, int threads, int tenants) {
            this.name = name;
            this.threads = threads;
            this.tenants = tenants;
            this.nextTenant = new int[threads];
            for (int t = 0; t < threads; t++) {
                nextTenant[t] = (int) ((long) t * tenants / threads);
            }
        }

        abstract void call(int tenant);

        /** Runs all threads on this side for {@code nanos}; calls finishing after the end are made but not counted. */
        Round round(ExecutorService pool, long nanos) throws Exception {
            long start = System.nanoTime();
            long end = start + nanos;
            List<Future<long[]>> parts = new ArrayList<>(threads);
            for (int t = 0; t < threads; t++) {
                int thread = t;
                parts.add(pool.submit(() -> loop(thread, end)));
            }
            List<long[]> samples = new ArrayList<>(threads);
            for (Future<long[]> f : parts) {
                samples.add(f.get());
            }
            return new Round(nanos, samples);
        }

        private long[] loop(int thread, long end) {
            long[] local = new long[1 << 16];
            int n = 0;
            int tenant = nextTenant[thread];
            while (true) {
                long start = System.nanoTime();
                if (start >= end) {
                    break;
                }
                boolean ok;
                try {
                    call(tenant);
                    ok = true;
                } catch (RuntimeException e) {
                    ok = false;
                    errors.increment();
                }
                calls.increment();
                if (++tenant == tenants) {
                    tenant = 0;
                }
                long done = System.nanoTime();
                if (ok && done <= end) {
                    if (n == local.length) {
                        local = Arrays.copyOf(local, n * 2);
                    }
                    local[n++] = done - start;
                }
            }
            nextTenant[thread] = tenant;
            return Arrays.copyOf(local, n);
        }

        double medianPerSecond() {
            return median(measured.stream().mapToDouble(Round::perSecond).toArray());
        }

        double percentileMs(int p) {
            return SdkPathLoad.percentileMs(measured.stream().flatMapToLong(r -> Arrays.stream(r.latencies))
                    .sorted().toArray(), p);
        }
    }

    /** One round of one side: the successful calls that completed within it and their latencies, sorted. */
    private static final class Round {
        final long nanos;
        final long[] latencies;

        Round(long nanos, List<long[]> parts) {
            this.nanos = nanos;
            this.latencies = parts.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        }

        double perSecond() {
            return latencies.length / (nanos / 1e9);
        }

        double percentileMs(int p) {
            return SdkPathLoad.percentileMs(latencies, p);
        }
    }

    private static double percentileMs(long[] sorted, int p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int idx = (int) Math.min(sorted.length - 1, Math.ceil(p / 100.0 * sorted.length) - 1);
        return sorted[Math.max(0, idx)] / 1e6;
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        if (n == 0) {
            return Double.NaN;
        }
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
}
