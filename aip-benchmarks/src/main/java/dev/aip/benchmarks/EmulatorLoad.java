package dev.aip.benchmarks;

import dev.aip.emulator.BedrockEmulator;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.InferenceConfiguration;
import software.amazon.awssdk.services.bedrockruntime.model.Message;

/**
 * Load harness for the emulator: how many Converse calls or ConverseStream streams per second it serves to real
 * SDK clients in the same JVM, with zero configured latency. Run it as described in {@code BENCHMARKS.md}:
 *
 * <pre>{@code
 * java -cp aip-benchmarks/target/benchmarks.jar dev.aip.benchmarks.EmulatorLoad converse --threads 16 --seconds 20
 * java -cp aip-benchmarks/target/benchmarks.jar dev.aip.benchmarks.EmulatorLoad stream --threads 16 --seconds 20 --chunks 100
 * }</pre>
 *
 * <p>Options: {@code --threads N} client threads (sync) or streams kept in flight (stream); {@code --seconds N}
 * measured time after {@code --warmup N} seconds; {@code --chunks N} text deltas per stream; {@code --endpoint URL}
 * to load an emulator that is already running instead of an in-process one.
 */
public final class EmulatorLoad {

    private static final String MODEL = "us.anthropic.claude-3-5-haiku-20241022-v1:0";

    private EmulatorLoad() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "converse";
        int threads = Args.integer(args, "--threads", 16);
        int seconds = Args.integer(args, "--seconds", 20);
        int warmup = Args.integer(args, "--warmup", 5);
        int chunks = Args.integer(args, "--chunks", 100);
        String endpoint = Args.str(args, "--endpoint", null);

        BedrockEmulator emulator = null;
        URI uri;
        if (endpoint == null) {
            // One token per stream delta and a fixed reply length, so a stream carries exactly `chunks` deltas.
            emulator = BedrockEmulator.builder()
                    .workerThreads(Math.max(64, threads * 2))
                    .replyTokens(mode.equals("stream") ? chunks : 20, mode.equals("stream") ? chunks : 40)
                    .streamChunkTokens(1)
                    .build()
                    .start();
            uri = emulator.endpoint();
        } else {
            uri = URI.create(endpoint);
        }
        try {
            Result r = switch (mode) {
                case "converse" -> converse(uri, threads, warmup, seconds);
                case "stream" -> stream(uri, threads, warmup, seconds, chunks);
                default -> throw new IllegalArgumentException("mode must be converse or stream, was " + mode);
            };
            System.out.printf(Locale.ROOT,
                    "mode=%s threads=%d seconds=%d chunks=%s ops=%d errors=%d throughput=%.0f/s p50=%.2fms p99=%.2fms%n",
                    mode, threads, seconds, mode.equals("stream") ? chunks : "-", r.ops, r.errors.get(),
                    r.ops / (double) seconds, r.percentileMs(50), r.percentileMs(99));
        } finally {
            if (emulator != null) {
                emulator.close();
            }
        }
    }

    static Result converse(URI endpoint, int threads, int warmupSeconds, int seconds) throws InterruptedException {
        BedrockRuntimeClient client = BedrockRuntimeClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
                .httpClientBuilder(Apache5HttpClient.builder().maxConnections(threads * 2))
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
        ConverseRequest request = ConverseRequest.builder()
                .modelId(MODEL)
                .messages(userMessage("Summarise the quarterly report in three bullet points."))
                .inferenceConfig(InferenceConfiguration.builder().maxTokens(64).build())
                .build();
        try (client) {
            long warmupEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmupSeconds);
            long end = warmupEnd + TimeUnit.SECONDS.toNanos(seconds);
            Result result = new Result();
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Thread w = new Thread(() -> {
                    long[] local = new long[1 << 20];
                    int n = 0;
                    while (true) {
                        long start = System.nanoTime();
                        if (start >= end) {
                            break;
                        }
                        boolean ok;
                        try {
                            client.converse(request);
                            ok = true;
                        } catch (RuntimeException e) {
                            ok = false;
                        }
                        long done = System.nanoTime();
                        if (start >= warmupEnd && done <= end) {
                            if (ok) {
                                if (n < local.length) {
                                    local[n++] = done - start;
                                }
                            } else {
                                result.errors.incrementAndGet();
                            }
                        }
                    }
                    result.add(local, n);
                }, "load-" + t);
                workers.add(w);
                w.start();
            }
            for (Thread w : workers) {
                w.join();
            }
            return result;
        }
    }

    static Result stream(URI endpoint, int inFlight, int warmupSeconds, int seconds, int chunks)
            throws InterruptedException {
        BedrockRuntimeAsyncClient client = BedrockRuntimeAsyncClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
                .httpClientBuilder(NettyNioAsyncHttpClient.builder().maxConcurrency(inFlight * 2)
                        .connectionAcquisitionTimeout(Duration.ofSeconds(60)))
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
        ConverseStreamRequest request = ConverseStreamRequest.builder()
                .modelId(MODEL)
                .messages(userMessage("Write a long story about a lighthouse keeper."))
                .inferenceConfig(InferenceConfiguration.builder().maxTokens(chunks * 2).build())
                .build();
        try (client) {
            long warmupEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmupSeconds);
            long end = warmupEnd + TimeUnit.SECONDS.toNanos(seconds);
            Result result = new Result();
            AtomicLong deltas = new AtomicLong();
            CountDownLatch allDone = new CountDownLatch(inFlight);
            for (int i = 0; i < inFlight; i++) {
                new StreamLoop(client, request, warmupEnd, end, result, deltas, allDone).next();
            }
            allDone.await();
            result.deltaEvents = deltas.get();
            return result;
        }
    }

    /** Keeps one stream in flight: when a stream completes, the next starts. */
    private static final class StreamLoop {
        private final BedrockRuntimeAsyncClient client;
        private final ConverseStreamRequest request;
        private final long warmupEnd;
        private final long end;
        private final Result result;
        private final AtomicLong deltas;
        private final CountDownLatch done;
        private final long[] local = new long[1 << 18];
        private int n;

        StreamLoop(BedrockRuntimeAsyncClient client, ConverseStreamRequest request, long warmupEnd, long end,
                   Result result, AtomicLong deltas, CountDownLatch done) {
            this.client = client;
            this.request = request;
            this.warmupEnd = warmupEnd;
            this.end = end;
            this.result = result;
            this.deltas = deltas;
            this.done = done;
        }

        void next() {
            long start = System.nanoTime();
            if (start >= end) {
                result.add(local, n);
                done.countDown();
                return;
            }
            AtomicInteger seen = new AtomicInteger();
            ConverseStreamResponseHandler handler = ConverseStreamResponseHandler.builder()
                    .subscriber(ConverseStreamResponseHandler.Visitor.builder()
                            .onContentBlockDelta(d -> seen.incrementAndGet())
                            .build())
                    .build();
            CompletableFuture<Void> f = client.converseStream(request, handler);
            f.whenComplete((v, e) -> {
                long finished = System.nanoTime();
                if (start >= warmupEnd && finished <= end) {
                    if (e == null) {
                        if (n < local.length) {
                            local[n++] = finished - start;
                        }
                        deltas.addAndGet(seen.get());
                    } else {
                        result.errors.incrementAndGet();
                    }
                }
                next();
            });
        }
    }

    static final class Result {
        final AtomicLong errors = new AtomicLong();
        long ops;
        long deltaEvents;
        private final List<long[]> samples = new ArrayList<>();

        synchronized void add(long[] local, int n) {
            samples.add(Arrays.copyOf(local, n));
            ops += n;
        }

        synchronized double percentileMs(int p) {
            long[] all = samples.stream().flatMapToLong(Arrays::stream).sorted().toArray();
            if (all.length == 0) {
                return Double.NaN;
            }
            int idx = (int) Math.min(all.length - 1, Math.ceil(p / 100.0 * all.length) - 1);
            return all[Math.max(0, idx)] / 1e6;
        }
    }

    private static Message userMessage(String text) {
        return Message.builder().role(ConversationRole.USER).content(ContentBlock.fromText(text)).build();
    }
}
