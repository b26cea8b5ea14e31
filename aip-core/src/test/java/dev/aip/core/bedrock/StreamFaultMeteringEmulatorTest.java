package dev.aip.core.bedrock;

import static dev.aip.core.bedrock.EmulatorFixture.MODEL;
import static dev.aip.core.bedrock.EmulatorFixture.SOURCE;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aip.core.chat.ChatClient;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatPipeline;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.ChatStream;
import dev.aip.core.chat.ChatStreamListener;
import dev.aip.core.chat.ToolSpec;
import dev.aip.core.metering.UsageMeter;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageProvenance;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.metering.CostCalculator;
import dev.aip.core.pricing.PriceCatalog;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantScope;
import dev.aip.emulator.FaultPlan;
import dev.aip.emulator.InvocationRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamOutput;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelWithResponseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelWithResponseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.PayloadPart;
import software.amazon.awssdk.services.bedrockruntime.model.ResponseStream;
import software.amazon.awssdk.services.bedrockruntime.model.Tool;
import software.amazon.awssdk.services.bedrockruntime.model.ToolConfiguration;
import software.amazon.awssdk.services.bedrockruntime.model.ToolInputSchema;
import software.amazon.awssdk.services.bedrockruntime.model.ToolSpecification;

/**
 * A stream that Bedrock accepted (HTTP 200) and that ends without its usage event — cut, an in-stream exception, a
 * timeout or a caller's cancel, before or after the first delta — is one record with an estimate, priced, on every
 * path; provenance is {@code REPORTED} exactly when the server delivered the usage. Each case is checked against
 * the emulator's invocation log: the server saw and billed the call, and the record says what the client received.
 *
 * <p>Fault positions count the stream's events: a text answer is {@code messageStart}, deltas, {@code
 * contentBlockStop}, {@code messageStop}, {@code metadata}; a tool answer has a {@code contentBlockStart} after
 * {@code messageStart}. The same positions apply to InvokeModelWithResponseStream's Anthropic chunks
 * ({@code message_start}, {@code content_block_start}, deltas, ...). The sync SDK client has no streaming
 * operations; its Converse path is covered by the timeout and error tests of the interceptor.
 */
class StreamFaultMeteringEmulatorTest {

    static final TenantContext ACME = TenantContext.of("acme");
    static final String PROMPT = "Tell me a long story about profiles and tenants";
    static final String TOOL_PROMPT = "Use the weather tool for Paris please";
    static final String TOOL_SCHEMA = "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}";
    static final CostCalculator PRICES = new CostCalculator(PriceCatalog.bundled());
    /** Generous: a timeout case waits for the SDK's call timeout, everything else is immediate. */
    static final long WAIT_SECONDS = 30;
    /** Shorter than the time to first token of the timeout case. */
    static final Duration CALL_TIMEOUT = Duration.ofMillis(600);

    static EmulatorFixture fx;
    static BedrockRuntimeAsyncClient async;
    static BedrockRuntimeAsyncClient asyncWithTimeout;
    static BedrockRuntimeAsyncClient pipelineAsync;
    static BedrockRuntimeAsyncClient pipelineAsyncWithTimeout;
    static ChatClient chat;
    static ChatClient chatWithTimeout;

    enum Path { PIPELINE, CONVERSE_STREAM, INVOKE_STREAM }

    enum Kind { CUT, EXCEPTION, CANCEL, CANCEL_FUTURE, TIMEOUT }

    /** Before the usage event: the last event of the answer. */
    static final int BEFORE_METADATA = -1;

    /**
     * What goes wrong, and after how many events ({@link #BEFORE_METADATA}: after all but the last); a cancel
     * counts text deltas on the pipeline, whose listener hears of nothing else.
     */
    record Fault(String name, Kind kind, boolean tool, int after) {
        static Fault cut(String name, boolean tool, int events) {
            return new Fault(name, Kind.CUT, tool, events);
        }

        static Fault exception(String name, boolean tool, int events) {
            return new Fault(name, Kind.EXCEPTION, tool, events);
        }

        static Fault cancel(String name, int events) {
            return new Fault(name, Kind.CANCEL, false, events);
        }

        static Fault cancelFuture(String name, int events) {
            return new Fault(name, Kind.CANCEL_FUTURE, false, events);
        }

        static Fault timeout(String name) {
            return new Fault(name, Kind.TIMEOUT, false, 0);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> cases() {
        List<Fault> faults = List.of(
                Fault.cut("cut right after the 200 headers", false, 0),
                Fault.cut("cut after messageStart", false, 1),
                Fault.cut("cut after contentBlockStart", true, 2),
                Fault.cut("cut after 2 deltas", false, 3),
                Fault.cut("cut before metadata", false, BEFORE_METADATA),
                Fault.exception("exception as the first event", false, 0),
                Fault.exception("exception after messageStart", false, 1),
                Fault.exception("exception after contentBlockStart", true, 2),
                Fault.exception("exception after 2 deltas", false, 3),
                Fault.exception("exception before metadata", false, BEFORE_METADATA),
                Fault.cancel("caller cancels after messageStart", 1),
                Fault.cancel("caller cancels after 2 deltas", 3),
                Fault.cancelFuture("caller cancels the SDK future after messageStart", 1),
                Fault.cancelFuture("caller cancels the SDK future after 2 deltas", 3),
                Fault.timeout("timeout before the first delta"));
        List<Arguments> cases = new ArrayList<>();
        for (Path path : Path.values()) {
            for (Fault fault : faults) {
                // The pipeline's listener hears of text, not of events: its caller cancels after text deltas.
                if (path == Path.PIPELINE && (fault.kind() == Kind.CANCEL && fault.after() == 1
                        || fault.kind() == Kind.CANCEL_FUTURE)) {
                    continue;
                }
                cases.add(Arguments.of(path, fault));
            }
        }
        return cases.stream();
    }

    @BeforeAll
    static void start() {
        fx = new EmulatorFixture(b -> b.streamChunkTokens(4), "acme");
        TenantRoutingInterceptor routing = TenantRoutingInterceptor.builder().resolver(fx.resolver())
                .meter(fx.meter).build();
        async = fx.async(routing);
        asyncWithTimeout = fx.async(CALL_TIMEOUT, routing);
        pipelineAsync = fx.async();
        pipelineAsyncWithTimeout = fx.async(CALL_TIMEOUT);
        chat = ChatPipeline.builder().resolver(fx.resolver()).meter(fx.meter)
                .transport(BedrockChatTransport.builder().client(fx.sync()).asyncClient(pipelineAsync).build())
                .build();
        chatWithTimeout = ChatPipeline.builder().resolver(fx.resolver()).meter(fx.meter)
                .transport(BedrockChatTransport.builder().client(fx.sync()).asyncClient(pipelineAsyncWithTimeout)
                        .build())
                .build();
    }

    @AfterAll
    static void stop() {
        async.close();
        asyncWithTimeout.close();
        pipelineAsync.close();
        pipelineAsyncWithTimeout.close();
        fx.close();
    }

    @BeforeEach
    void reset() {
        fx.records.clear();
        fx.emulator.faults().clear();
        fx.emulator.script().clear();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("cases")
    void acceptedStream_endingWithoutUsage_isOneRecordEstimatedFromWhatWasSentAndReceived(Path path, Fault fault)
            throws Exception {
        if (fault.kind() == Kind.CANCEL || fault.kind() == Kind.CANCEL_FUTURE) {
            fx.emulator.script().forModel(fx.arn("acme")).replyTokens(2000);
        }
        if (fault.tool()) {
            fx.emulator.script().forModel(fx.arn("acme")).whenPromptContains("weather")
                    .useTool("get_weather", "{\"city\":\"Paris\"}");
        }
        fx.emulator.faults().set(fx.arn("acme"), plan(path, fault));
        int before = fx.emulator.invocations().size();

        Received received = switch (path) {
            case PIPELINE -> pipeline(fault);
            case CONVERSE_STREAM -> converseStream(fault);
            case INVOKE_STREAM -> invokeStream(fault);
        };

        List<InvocationRecord> server = awaitInvocations(before + 1);
        assertThat(server).hasSize(before + 1);
        InvocationRecord seen = server.get(server.size() - 1);
        assertThat(seen.accepted()).as("the server accepted and counts the call").isTrue();
        assertThat(seen.totalInputTokens() + seen.outputTokens()).as("the server billed it").isPositive();

        awaitRecords(1);
        assertThat(fx.records).singleElement().satisfies(r -> {
            assertThat(r.awsRequestId()).isEqualTo(seen.requestId());
            assertThat(r.outcome()).isNotEqualTo(Outcome.REJECTED_BY_POLICY);
            if (seen.usageDelivered()) {
                assertThat(r.provenance()).isEqualTo(UsageProvenance.REPORTED);
                assertThat(r.usage()).isEqualTo(new TokenUsage(seen.inputTokens(), seen.outputTokens(),
                        seen.cacheReadInputTokens(), seen.cacheWriteInputTokens()));
            } else {
                assertThat(r.provenance()).isEqualTo(UsageProvenance.ESTIMATED);
                // Input: the estimate admission reserves with; output: the characters received, 4 to a token.
                assertThat(r.usage()).isEqualTo(TokenUsage.of(received.inputEstimate,
                        UsageMeter.estimateTokens(received.outputChars.get())));
                assertThat(r.usage().inputTokens()).isPositive();
            }
            assertThat(r.cost().isPriced()).isTrue();
            assertThat(r.cost().amountUsd()).isPositive()
                    .isEqualByComparingTo(PRICES.cost(SOURCE, fx.emulator.region(), r.usage()).amountUsd());
            switch (fault.kind()) {
                case CANCEL, CANCEL_FUTURE -> assertThat(r.outcome()).isEqualTo(Outcome.CANCELLED);
                case TIMEOUT -> assertThat(r.outcome()).isEqualTo(Outcome.TIMEOUT);
                case EXCEPTION -> {
                    assertThat(r.outcome()).isEqualTo(Outcome.STREAM_INTERRUPTED);
                    assertThat(r.errorCode()).isEqualTo("ModelStreamErrorException");
                }
                case CUT -> assertThat(r.outcome()).isIn(Outcome.STREAM_INTERRUPTED, Outcome.SUCCESS);
            }
        });
    }

    private static FaultPlan plan(Path path, Fault fault) {
        int after = fault.after() == BEFORE_METADATA ? eventsOfAnAnswer(path, fault.tool()) - 1 : fault.after();
        return switch (fault.kind()) {
            case CUT -> FaultPlan.builder().cutStreamAfterEvents(after).build();
            case EXCEPTION -> FaultPlan.builder().streamExceptionAfterEvents(after, "modelStreamErrorException")
                    .build();
            // Paced, so the caller's cancel reaches the server before it sent the usage event.
            case CANCEL, CANCEL_FUTURE -> FaultPlan.builder().chunkDelay(Duration.ofMillis(20)).build();
            // The first delta comes after the client's call timeout: the stream was accepted, nothing arrived.
            case TIMEOUT -> FaultPlan.builder().timeToFirstToken(Duration.ofSeconds(2)).build();
        };
    }

    /** Counts the events of the same answer without faults, so positions from the end are exact. */
    private static int eventsOfAnAnswer(Path path, boolean tool) {
        AtomicInteger events = new AtomicInteger();
        if (path == Path.INVOKE_STREAM) {
            TenantScope.run(ACME, () -> async.invokeModelWithResponseStream(invokeRequest(),
                    InvokeModelWithResponseStreamResponseHandler.builder()
                            .subscriber(InvokeModelWithResponseStreamResponseHandler.Visitor.builder()
                                    .onChunk(c -> events.incrementAndGet()).build())
                            .build()).join());
        } else {
            TenantScope.run(ACME, () -> async.converseStream(converseRequest(tool),
                    ConverseStreamResponseHandler.builder()
                            .subscriber(ConverseStreamResponseHandler.Visitor.builder()
                                    .onDefault(e -> events.incrementAndGet()).build())
                            .build()).join());
        }
        fx.records.clear();
        return events.get();
    }

    /** What the caller's side learnt: the input estimate of its request and the output characters it received. */
    static final class Received {
        final long inputEstimate;
        final AtomicLong outputChars = new AtomicLong();

        Received(long inputEstimate) {
            this.inputEstimate = inputEstimate;
        }
    }

    private Received pipeline(Fault fault) throws Exception {
        ChatRequest.Builder request = ChatRequest.builder().model(MODEL)
                .message(ChatMessage.user(fault.tool() ? TOOL_PROMPT : PROMPT));
        if (fault.tool()) {
            request.tool(new ToolSpec("get_weather", "Current weather", TOOL_SCHEMA));
        }
        ChatRequest r = request.build();
        Received received = new Received(UsageMeter.estimateTokens(r.inputChars()));
        ChatClient client = fault.kind() == Kind.TIMEOUT ? chatWithTimeout : chat;
        // After messageStart and N deltas, a cancelling caller has N texts and walks away.
        int cancelAfterTexts = fault.kind() == Kind.CANCEL ? fault.after() - 1 : -1;
        CompletableFuture<ChatStream> handle = new CompletableFuture<>();
        AtomicInteger texts = new AtomicInteger();
        ChatStream stream = client.stream(ACME, r, new ChatStreamListener() {
            @Override
            public void onText(String text) {
                received.outputChars.addAndGet(text.length());
                if (texts.incrementAndGet() == cancelAfterTexts) {
                    // The listener may hear texts before stream() returned its handle.
                    handle.thenAccept(ChatStream::cancel);
                }
            }
        });
        handle.complete(stream);
        stream.completion().handle((ok, e) -> null).get(WAIT_SECONDS, TimeUnit.SECONDS);
        if (cancelAfterTexts > 0) {
            assertThat(texts.get()).isEqualTo(cancelAfterTexts);
        }
        return received;
    }

    private Received converseStream(Fault fault) throws Exception {
        ConverseStreamRequest request = converseRequest(fault.tool());
        Received received = new Received(AdmissionRequests.ofConverse(request.modelId(),
                request.messages(), request.system(), request.inferenceConfig(), request.toolConfig())
                .estimatedInputTokens());
        CompletableFuture<Void> done = new CompletableFuture<>();
        CompletableFuture<CompletableFuture<Void>> holder = new CompletableFuture<>();
        ConverseStreamResponseHandler handler = ConverseStreamResponseHandler.builder()
                .onEventStream(p -> p.subscribe(counting(fault, received, done, holder,
                        StreamFaultMeteringEmulatorTest::chars)))
                .build();
        BedrockRuntimeAsyncClient client = fault.kind() == Kind.TIMEOUT ? asyncWithTimeout : async;
        CompletableFuture<Void> call = TenantScope.get(ACME, () -> client.converseStream(request, handler));
        holder.complete(call);
        CompletableFuture.anyOf(call, done).handle((ok, e) -> null).get(WAIT_SECONDS, TimeUnit.SECONDS);
        return received;
    }

    private Received invokeStream(Fault fault) throws Exception {
        InvokeModelWithResponseStreamRequest request = invokeRequest();
        Received received = new Received(AdmissionRequests.ofBody(request.modelId(),
                request.body()).estimatedInputTokens());
        CompletableFuture<Void> done = new CompletableFuture<>();
        CompletableFuture<CompletableFuture<Void>> holder = new CompletableFuture<>();
        InvokeModelWithResponseStreamResponseHandler handler = InvokeModelWithResponseStreamResponseHandler.builder()
                .onEventStream(p -> p.subscribe(counting(fault, received, done, holder,
                        StreamFaultMeteringEmulatorTest::chars)))
                .build();
        BedrockRuntimeAsyncClient client = fault.kind() == Kind.TIMEOUT ? asyncWithTimeout : async;
        CompletableFuture<Void> call = TenantScope.get(ACME,
                () -> client.invokeModelWithResponseStream(request, handler));
        holder.complete(call);
        CompletableFuture.anyOf(call, done).handle((ok, e) -> null).get(WAIT_SECONDS, TimeUnit.SECONDS);
        return received;
    }

    /**
     * Reads every event (or, after the fault's count, cancels the subscription or the call's future), adding up the
     * output characters received.
     */
    private static <T> Subscriber<T> counting(Fault fault, Received received, CompletableFuture<Void> done,
                                              CompletableFuture<CompletableFuture<Void>> call,
                                              java.util.function.ToIntFunction<T> chars) {
        return new Subscriber<>() {
            private Subscription subscription;
            private int events;

            @Override
            public void onSubscribe(Subscription s) {
                subscription = s;
                s.request(1);
            }

            @Override
            public void onNext(T event) {
                received.outputChars.addAndGet(chars.applyAsInt(event));
                events++;
                if (fault.kind() == Kind.CANCEL && events == fault.after()) {
                    subscription.cancel();
                    done.complete(null);
                    return;
                }
                if (fault.kind() == Kind.CANCEL_FUTURE && events == fault.after()) {
                    call.thenAccept(f -> f.cancel(true));
                    done.complete(null);
                    return;
                }
                subscription.request(1);
            }

            @Override
            public void onError(Throwable t) {
                done.complete(null);
            }

            @Override
            public void onComplete() {
                done.complete(null);
            }
        };
    }

    private static int chars(ConverseStreamOutput event) {
        if (event.sdkEventType() != ConverseStreamOutput.EventType.CONTENT_BLOCK_DELTA) {
            return 0;
        }
        var delta = ((software.amazon.awssdk.services.bedrockruntime.model.ContentBlockDeltaEvent) event).delta();
        if (delta.text() != null) {
            return delta.text().length();
        }
        return delta.toolUse() != null && delta.toolUse().input() != null ? delta.toolUse().input().length() : 0;
    }

    private static int chars(ResponseStream event) {
        if (!(event instanceof PayloadPart part)) {
            return 0;
        }
        try {
            JsonNode body = Documents.JSON.readTree(part.bytes().asByteArray());
            JsonNode delta = body.path("delta");
            JsonNode text = delta.has("text") ? delta.path("text") : delta.path("partial_json");
            return "content_block_delta".equals(body.path("type").asText()) && text.isTextual()
                    ? text.asText().length() : 0;
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static ConverseStreamRequest converseRequest(boolean tool) {
        ConverseStreamRequest.Builder b = ConverseStreamRequest.builder().modelId(MODEL)
                .messages(Message.builder().role(ConversationRole.USER)
                        .content(ContentBlock.fromText(tool ? TOOL_PROMPT : PROMPT)).build());
        if (tool) {
            b.toolConfig(ToolConfiguration.builder().tools(Tool.fromToolSpec(ToolSpecification.builder()
                    .name("get_weather").description("Current weather")
                    .inputSchema(ToolInputSchema.fromJson(Documents.fromJson(TOOL_SCHEMA))).build())).build());
        }
        return b.build();
    }

    static InvokeModelWithResponseStreamRequest invokeRequest() {
        String body = "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":300,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"" + PROMPT + "\"}]}";
        return InvokeModelWithResponseStreamRequest.builder().modelId(MODEL)
                .body(SdkBytes.fromUtf8String(body)).build();
    }

    /** The server logs a call when it ends; a client that timed out or cancelled may have left before that. */
    private static List<InvocationRecord> awaitInvocations(int n) throws InterruptedException {
        for (int i = 0; i < 3000 && fx.emulator.invocations().size() < n; i++) {
            Thread.sleep(10);
        }
        return fx.emulator.invocations();
    }

    private static void awaitRecords(int n) throws InterruptedException {
        // Streams settle on the SDK's threads, possibly just after the caller's future completed.
        for (int i = 0; i < 500 && fx.records.size() < n; i++) {
            Thread.sleep(10);
        }
    }
}
