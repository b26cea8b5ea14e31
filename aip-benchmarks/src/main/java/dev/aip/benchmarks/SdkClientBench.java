package dev.aip.benchmarks;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.SdkAdvancedAsyncClientOption;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.http.crt.AwsCrtAsyncHttpClient;
import software.amazon.awssdk.http.crt.AwsCrtHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.InferenceConfiguration;
import software.amazon.awssdk.services.bedrockruntime.model.Message;

/**
 * The SDK's HTTP clients side by side: Converse calls against a standalone emulator (another JVM), the same
 * request through each client, rounds alternating between clients after a common warm-up. For each client: calls
 * per second, p50 / p99 latency, and the CPU this JVM spent per call (the client's own cost: marshalling, signing,
 * HTTP, completion hand-offs; the emulator's CPU is not in it).
 *
 * <pre>{@code
 * java -jar aip-cli/target/aip.jar emulator --port 8100 &
 * java -cp aip-benchmarks/target/benchmarks.jar dev.aip.benchmarks.SdkClientBench \
 *     --endpoint http://127.0.0.1:8100 --in-flight 1 --warmup 60 --rounds 4 --round-seconds 10
 * }</pre>
 *
 * <p>Clients: {@code apache5} (sync, one thread per call in flight), {@code netty} (async, the SDK's defaults),
 * {@code netty-direct} (async, futures completed on the Netty event loop instead of the SDK's completion pool,
 * two event loop threads), {@code crt} (async CRT), {@code crt-sync} (sync CRT). {@code --clients a,b} picks some.
 */
public final class SdkClientBench {

    private static final String MODEL = "us.anthropic.claude-3-5-haiku-20241022-v1:0";

    private SdkClientBench() {
    }

    /** One client under test: sends one call and returns its completion. */
    private interface Caller extends AutoCloseable {
        CompletableFuture<ConverseResponse> call(ConverseRequest request);

        @Override
        void close();
    }

    /** One round of one client. */
    record Round(double callsPerSecond, double p50Millis, double p99Millis, double cpuMicrosPerCall, long errors) {
    }

    public static void main(String[] args) throws Exception {
        URI endpoint = URI.create(Args.str(args, "--endpoint", "http://127.0.0.1:8100"));
        int inFlight = Args.integer(args, "--in-flight", 1);
        int warmup = Args.integer(args, "--warmup", 60);
        int rounds = Args.integer(args, "--rounds", 4);
        int roundSeconds = Args.integer(args, "--round-seconds", 10);
        List<String> names = Arrays.asList(Args.str(args, "--clients", "apache5,netty,netty-direct,crt,crt-sync")
                .split(","));
        Map<String, Caller> clients = new LinkedHashMap<>();
        for (String name : names) {
            clients.put(name, caller(name, endpoint, inFlight));
        }
        ConverseRequest request = ConverseRequest.builder().modelId(MODEL)
                .messages(Message.builder().role(ConversationRole.USER)
                        .content(ContentBlock.fromText("Summarise the quarterly report in three bullet points."))
                        .build())
                .inferenceConfig(InferenceConfiguration.builder().maxTokens(256).build()).build();
        System.out.printf("warming up %d s, %d in flight, clients %s%n", warmup, inFlight, names);
        for (int left = warmup; left > 0; left -= 5 * clients.size()) {
            for (Caller c : clients.values()) {
                run(c, request, inFlight, 5);
            }
        }
        Map<String, List<Round>> results = new LinkedHashMap<>();
        for (int r = 0; r < rounds; r++) {
            for (Map.Entry<String, Caller> e : clients.entrySet()) {
                results.computeIfAbsent(e.getKey(), k -> new ArrayList<>())
                        .add(run(e.getValue(), request, inFlight, roundSeconds));
            }
        }
        System.out.println();
        System.out.printf("| client | calls/s | p50 / p99 ms | CPU µs per call | errors | (median of %d rounds, %d in"
                + " flight) |%n", rounds, inFlight);
        System.out.println("|---|---|---|---|---|---|");
        for (Map.Entry<String, List<Round>> e : results.entrySet()) {
            List<Round> sorted = new ArrayList<>(e.getValue());
            sorted.sort((a, b) -> Double.compare(a.callsPerSecond(), b.callsPerSecond()));
            Round m = sorted.get(sorted.size() / 2);
            System.out.printf(Locale.ROOT, "| %s | %.0f | %.3f / %.3f | %.0f | %d | |%n", e.getKey(),
                    m.callsPerSecond(), m.p50Millis(), m.p99Millis(), m.cpuMicrosPerCall(),
                    e.getValue().stream().mapToLong(Round::errors).sum());
        }
        clients.values().forEach(Caller::close);
        System.exit(0);
    }

    private static Caller caller(String name, URI endpoint, int inFlight) {
        var credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("bench", "bench"));
        int connections = Math.max(8, inFlight * 2);
        switch (name) {
            case "apache5", "crt-sync" -> {
                var b = BedrockRuntimeClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                        .credentialsProvider(credentials)
                        .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()));
                if (name.equals("apache5")) {
                    b.httpClientBuilder(Apache5HttpClient.builder().maxConnections(connections));
                } else {
                    b.httpClientBuilder(AwsCrtHttpClient.builder().maxConcurrency(connections));
                }
                BedrockRuntimeClient client = b.build();
                return syncCaller(client, inFlight);
            }
            case "netty", "netty-direct", "crt" -> {
                var b = BedrockRuntimeAsyncClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                        .credentialsProvider(credentials)
                        .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()));
                switch (name) {
                    case "netty" -> b.httpClientBuilder(NettyNioAsyncHttpClient.builder().maxConcurrency(connections));
                    case "netty-direct" -> b.httpClientBuilder(NettyNioAsyncHttpClient.builder()
                                    .maxConcurrency(connections)
                                    .eventLoopGroupBuilder(SdkEventLoopGroup.builder().numberOfThreads(2)))
                            .asyncConfiguration(a -> a.advancedOption(
                                    SdkAdvancedAsyncClientOption.FUTURE_COMPLETION_EXECUTOR, Runnable::run));
                    default -> b.httpClientBuilder(AwsCrtAsyncHttpClient.builder().maxConcurrency(connections));
                }
                BedrockRuntimeAsyncClient client = b.build();
                return new Caller() {
                    @Override
                    public CompletableFuture<ConverseResponse> call(ConverseRequest request) {
                        return client.converse(request);
                    }

                    @Override
                    public void close() {
                        client.close();
                    }
                };
            }
            default -> throw new IllegalArgumentException("unknown client " + name
                    + "; use apache5, netty, netty-direct, crt or crt-sync");
        }
    }

    /** A sync client behind a pool of {@code threads} threads, so it keeps as many calls in flight. */
    private static Caller syncCaller(BedrockRuntimeClient client, int threads) {
        var pool = Executors.newFixedThreadPool(threads);
        return new Caller() {
            @Override
            public CompletableFuture<ConverseResponse> call(ConverseRequest request) {
                Supplier<ConverseResponse> s = () -> client.converse(request);
                return CompletableFuture.supplyAsync(s, pool);
            }

            @Override
            public void close() {
                pool.shutdownNow();
                client.close();
            }
        };
    }

    private static Round run(Caller caller, ConverseRequest request, int inFlight, int seconds)
            throws InterruptedException {
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        Load.Result r = Load.keepInFlight(inFlight, seconds, () -> caller.call(request).thenApply(response -> true));
        long cpu = os.getProcessCpuTime() - cpu0;
        int calls = r.sortedNanos().length;
        return new Round(r.perSecond(), r.percentileMs(0.5), r.percentileMs(0.99),
                calls == 0 ? Double.NaN : cpu / 1e3 / calls, r.errors());
    }
}
