package dev.aip.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.Message;

/**
 * Simulated time is a timer, not a sleeping worker: a paced stream keeps Bedrock's event order and its gaps, and an
 * emulator with two workers holds hundreds of slow calls at once. The only timing assertions are lower bounds the
 * server guarantees and upper bounds with wide margins.
 */
class TimerPacingTest {

    private static final String HAIKU = "anthropic.claude-3-5-haiku-20241022-v1:0";
    private static final long SLACK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final int CALLS = 300;
    /** Held workers allow at most 2 calls in their latency at once; timers hold them all. */
    private static final int OVERLAP_BOUND = 20;

    private record Event(String name, long atNanos) {
    }

    @Test
    void converseStream_pacedByTimer_keepsOrderTtftAndChunkGaps() throws Exception {
        Duration ttft = Duration.ofMillis(150);
        Duration chunk = Duration.ofMillis(40);
        try (BedrockEmulator emulator = BedrockEmulator.builder().workerThreads(2).replyTokens(6, 6)
                .streamChunkTokens(1).faults(FaultPlan.builder().timeToFirstToken(ttft).chunkDelay(chunk).build())
                .build().start();
             BedrockRuntimeAsyncClient client = SdkClients.runtimeAsync(emulator)) {
            stream(client, "warm-up");

            long start = System.nanoTime();
            List<Event> events = stream(client, "pace me");

            // The same events in the same order as the unpaced emulator sends them.
            assertThat(events).extracting(Event::name).containsExactlyElementsOf(unpacedEventNames("pace me"));
            assertThat(events).extracting(Event::name).startsWith("messageStart", "contentBlockDelta", "contentBlockDelta")
                    .endsWith("contentBlockStop", "messageStop", "metadata");
            // Every event after the first waits: the first delta for the time to first token, the others for the
            // chunk delay. Offsets from the request are lower bounds no client-side hiccup can shrink.
            long due = 0;
            for (int i = 1; i < events.size(); i++) {
                due += (i == 1 ? ttft : chunk).toNanos();
                assertThat(events.get(i).atNanos() - start).as("offset of event %d", i)
                        .isGreaterThanOrEqualTo(due - SLACK_NANOS);
            }
            // Gaps between neighbours: a late previous event can shorten the next gap a little, so 20 ms of
            // tolerance below; above, a margin that only a held or serialised response would exceed.
            for (int i = 1; i < events.size(); i++) {
                long configured = (i == 1 ? ttft : chunk).toNanos();
                long gap = events.get(i).atNanos() - events.get(i - 1).atNanos();
                assertThat(gap).as("gap before event %d (%s)", i, events.get(i).name())
                        .isGreaterThanOrEqualTo(configured - TimeUnit.MILLISECONDS.toNanos(20))
                        .isLessThanOrEqualTo(configured + TimeUnit.SECONDS.toNanos(1));
            }
            InvocationRecord last = emulator.invocations().get(emulator.invocations().size() - 1);
            assertThat(last.outcome()).isEqualTo(InvocationRecord.Outcome.SUCCESS);
            assertThat(last.timeToFirstTokenMs()).isGreaterThanOrEqualTo(ttft.toMillis() - 5);
        }
    }

    private static List<String> unpacedEventNames(String text) throws Exception {
        try (BedrockEmulator emulator = BedrockEmulator.builder().replyTokens(6, 6).streamChunkTokens(1).build()
                .start();
             BedrockRuntimeAsyncClient client = SdkClients.runtimeAsync(emulator)) {
            return stream(client, text).stream().map(Event::name).toList();
        }
    }

    @Test
    void converse_300ConcurrentSlowCallsOnTwoWorkers_allCompleteWithoutHoldingWorkers() throws Exception {
        try (BedrockEmulator emulator = BedrockEmulator.builder().workerThreads(2)
                .faults(FaultPlan.builder().latency(Duration.ofSeconds(1)).build()).build().start();
             BedrockRuntimeAsyncClient client = asyncClient(emulator, Protocol.HTTP1_1)) {
            client.converse(converse("warm-up")).get(30, TimeUnit.SECONDS);

            long start = System.nanoTime();
            List<CompletableFuture<ConverseResponse>> calls = new ArrayList<>();
            for (int i = 0; i < CALLS; i++) {
                calls.add(client.converse(converse("call " + i)));
            }
            CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            long wallMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            // Held workers would serve at most 2 calls at a time (300 calls x 1 s / 2 workers = 150 s); timers hold the
            // calls' latencies side by side, as the emulator's own records show.
            System.out.println(CALLS + " Converse calls with 1 s latency on 2 workers took " + wallMillis + " ms");
            assertThat(InvocationRecord.peakInFlight(emulator.invocations()))
                    .as("calls in their latency at once on 2 workers")
                    .isGreaterThan(OVERLAP_BOUND);
            assertThat(calls).allSatisfy(c -> assertThat(c.join().output().message().content()).isNotEmpty());
            assertThat(emulator.invocations()).hasSize(CALLS + 1)
                    .allSatisfy(r -> assertThat(r.outcome()).isEqualTo(InvocationRecord.Outcome.SUCCESS))
                    .allSatisfy(r -> assertThat(r.latencyMs()).isGreaterThanOrEqualTo(1_000 - 5));
        }
    }

    @Test
    void converseStream_300ConcurrentPacedStreamsOnTwoWorkers_allCompleteInOrder() throws Exception {
        try (BedrockEmulator emulator = BedrockEmulator.builder().workerThreads(2).replyTokens(4, 4)
                .streamChunkTokens(1).faults(FaultPlan.builder().timeToFirstToken(Duration.ofSeconds(1))
                        .chunkDelay(Duration.ofMillis(50)).build())
                .build().start();
             BedrockRuntimeAsyncClient client = asyncClient(emulator, Protocol.HTTP1_1)) {
            stream(client, "warm-up");

            long start = System.nanoTime();
            List<CompletableFuture<List<Event>>> streams = new ArrayList<>();
            for (int i = 0; i < CALLS; i++) {
                streams.add(streamAsync(client, "stream " + i));
            }
            CompletableFuture.allOf(streams.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            long wallMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            // Held workers would serve at most 2 streams at a time (300 streams x 1.2 s / 2 workers = 180 s).
            System.out.println(CALLS + " paced streams on 2 workers took " + wallMillis + " ms");
            assertThat(InvocationRecord.peakInFlight(emulator.invocations()))
                    .as("streams in their pacing at once on 2 workers")
                    .isGreaterThan(OVERLAP_BOUND);
            assertThat(streams).allSatisfy(s -> assertThat(s.join()).extracting(Event::name)
                    .startsWith("messageStart", "contentBlockDelta")
                    .endsWith("contentBlockDelta", "contentBlockStop", "messageStop", "metadata"));
            assertThat(emulator.invocations()).hasSize(CALLS + 1)
                    .allSatisfy(r -> assertThat(r.outcome()).isEqualTo(InvocationRecord.Outcome.SUCCESS));
        }
    }

    @Test
    void converseStream_clientLeavesDuringChunkDelay_recordedAsCancelledAtOnceAndChainStops() throws Exception {
        try (BedrockEmulator emulator = BedrockEmulator.builder().workerThreads(2).replyTokens(8, 8)
                .streamChunkTokens(1).faults(FaultPlan.builder().chunkDelay(Duration.ofSeconds(60)).build())
                .build().start()) {
            long start = System.nanoTime();
            try (Socket socket = new Socket(emulator.endpoint().getHost(), emulator.port())) {
                byte[] body = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}]}"
                        .getBytes(StandardCharsets.UTF_8);
                OutputStream out = socket.getOutputStream();
                out.write(("POST /model/" + HAIKU.replace(":", "%3A") + "/converse-stream HTTP/1.1\r\n"
                        + "Host: localhost\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                        + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
                InputStream in = socket.getInputStream();
                assertThat(in.read()).as("the response head and the first event").isNotNegative();
            }
            // The next event was due in 60 s; the gone client disarms that timer and the call is recorded now: the
            // wait below gives up long before the 60 s timer could have recorded it.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (emulator.invocations().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(emulator.invocations()).singleElement().satisfies(r -> {
                assertThat(r.outcome()).isEqualTo(InvocationRecord.Outcome.CANCELLED_BY_CLIENT);
                assertThat(r.usageDelivered()).isFalse();
            });
        }
    }

    private static BedrockRuntimeAsyncClient asyncClient(BedrockEmulator emulator, Protocol protocol) {
        return BedrockRuntimeAsyncClient.builder()
                .endpointOverride(emulator.endpoint())
                .region(Region.of(emulator.region()))
                .credentialsProvider(SdkClients.DUMMY)
                .httpClientBuilder(NettyNioAsyncHttpClient.builder()
                        .protocol(protocol)
                        .maxConcurrency(CALLS + 50)
                        .connectionAcquisitionTimeout(Duration.ofSeconds(60))
                        .readTimeout(Duration.ofSeconds(60)))
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())
                        .apiCallTimeout(Duration.ofSeconds(60)))
                .build();
    }

    private static Message user(String text) {
        return Message.builder().role(ConversationRole.USER).content(ContentBlock.fromText(text)).build();
    }

    private static ConverseRequest converse(String text) {
        return ConverseRequest.builder().modelId(HAIKU).messages(user(text)).build();
    }

    private static List<Event> stream(BedrockRuntimeAsyncClient client, String text) throws Exception {
        return streamAsync(client, text).get(60, TimeUnit.SECONDS);
    }

    private static CompletableFuture<List<Event>> streamAsync(BedrockRuntimeAsyncClient client, String text) {
        List<Event> events = new CopyOnWriteArrayList<>();
        ConverseStreamResponseHandler handler = ConverseStreamResponseHandler.builder()
                .subscriber(ConverseStreamResponseHandler.Visitor.builder()
                        .onMessageStart(e -> events.add(new Event("messageStart", System.nanoTime())))
                        .onContentBlockStart(e -> events.add(new Event("contentBlockStart", System.nanoTime())))
                        .onContentBlockDelta(e -> events.add(new Event("contentBlockDelta", System.nanoTime())))
                        .onContentBlockStop(e -> events.add(new Event("contentBlockStop", System.nanoTime())))
                        .onMessageStop(e -> events.add(new Event("messageStop", System.nanoTime())))
                        .onMetadata(e -> events.add(new Event("metadata", System.nanoTime())))
                        .build())
                .build();
        return client.converseStream(ConverseStreamRequest.builder().modelId(HAIKU).messages(user(text)).build(),
                handler).thenApply(v -> events);
    }
}
