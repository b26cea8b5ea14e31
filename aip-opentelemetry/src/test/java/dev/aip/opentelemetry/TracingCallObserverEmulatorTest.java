package dev.aip.opentelemetry;

import static dev.aip.opentelemetry.TracingCallObserver.ATTEMPT;
import static dev.aip.opentelemetry.TracingCallObserver.ATTEMPTS;
import static dev.aip.opentelemetry.TracingCallObserver.CALL_ID;
import static dev.aip.opentelemetry.TracingCallObserver.COST_USD;
import static dev.aip.opentelemetry.TracingCallObserver.ERROR_TYPE;
import static dev.aip.opentelemetry.TracingCallObserver.FINISH_REASONS;
import static dev.aip.opentelemetry.TracingCallObserver.INPUT_TOKENS;
import static dev.aip.opentelemetry.TracingCallObserver.OPERATION_NAME;
import static dev.aip.opentelemetry.TracingCallObserver.OUTCOME;
import static dev.aip.opentelemetry.TracingCallObserver.OUTPUT_TOKENS;
import static dev.aip.opentelemetry.TracingCallObserver.PROFILE_ARN;
import static dev.aip.opentelemetry.TracingCallObserver.PROVIDER_NAME;
import static dev.aip.opentelemetry.TracingCallObserver.REQUEST_MAX_TOKENS;
import static dev.aip.opentelemetry.TracingCallObserver.REQUEST_MODEL;
import static dev.aip.opentelemetry.TracingCallObserver.REQUEST_TEMPERATURE;
import static dev.aip.opentelemetry.TracingCallObserver.RESPONSE_MODEL;
import static dev.aip.opentelemetry.TracingCallObserver.SERVER_ADDRESS;
import static dev.aip.opentelemetry.TracingCallObserver.TENANT_ID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.bedrock.BedrockChatTransport;
import dev.aip.core.bedrock.TenantRoutingInterceptor;
import dev.aip.core.chat.CallTimeoutException;
import dev.aip.core.chat.CallTimeouts;
import dev.aip.core.chat.ChatClient;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatPipeline;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.ChatResponse;
import dev.aip.core.chat.ChatStream;
import dev.aip.core.chat.ChatStreamListener;
import dev.aip.core.chat.InferenceSettings;
import dev.aip.core.chat.RetryPolicy;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantScope;
import dev.aip.emulator.FaultPlan;
import dev.aip.testkit.EmulatorFixture;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.Message;

/** Spans of real calls on the emulator, exported to memory by the OpenTelemetry SDK. */
class TracingCallObserverEmulatorTest {

    @RegisterExtension
    static final EmulatorFixture BEDROCK = EmulatorFixture.builder().tenants("acme", "globex").build();

    private static final TenantContext ACME = TenantContext.of("acme");

    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private OpenTelemetrySdk otel;
    private TracingCallObserver tracing;

    @BeforeEach
    void setUp() {
        BEDROCK.reset();
        otel = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build()).build();
        tracing = TracingCallObserver.builder(otel).build();
    }

    @AfterEach
    void tearDown() {
        otel.close();
    }

    private ChatClient pipeline(boolean traced) {
        ChatPipeline.Builder b = ChatPipeline.builder().resolver(BEDROCK.resolver()).meter(BEDROCK.meter())
                .transport(BedrockChatTransport.builder().client(BEDROCK.runtimeClient())
                        .asyncClient(BEDROCK.asyncRuntimeClient()).build())
                .retryPolicy(RetryPolicy.backoff().maxAttempts(3).baseDelay(Duration.ZERO).build());
        if (traced) {
            b.observer(tracing);
        }
        return b.build();
    }

    private static ChatRequest ask(String text) {
        return ChatRequest.builder().model(EmulatorFixture.MODEL).message(ChatMessage.user(text)).build();
    }

    /** The logical spans: those without an {@code aip.attempt}. */
    private List<SpanData> logical() {
        return exporter.getFinishedSpanItems().stream().filter(s -> s.getAttributes().get(ATTEMPT) == null).toList();
    }

    private List<SpanData> attempts() {
        return exporter.getFinishedSpanItems().stream().filter(s -> s.getAttributes().get(ATTEMPT) != null).toList();
    }

    /** Waits (bounded) for spans ended on transport threads; asserts nothing about time. */
    private void awaitSpans(Predicate<List<SpanData>> done) throws InterruptedException {
        for (int i = 0; i < 1000 && !done.test(exporter.getFinishedSpanItems()); i++) {
            Thread.sleep(10);
        }
    }

    @Test
    void chat_underAHostSpan_isALogicalSpanChildOfTheHostWithOneAttemptAndTheGenAiAttributes() {
        Tracer host = otel.getTracer("host");
        Span request = host.spanBuilder("GET /answer").startSpan();
        ChatResponse answer;
        try (Scope ignored = request.makeCurrent()) {
            answer = pipeline(true).chat(ACME, ask("Hello").toBuilder()
                    .settings(InferenceSettings.DEFAULTS.withMaxTokens(200).withTemperature(0.5f)).build());
        } finally {
            request.end();
        }

        assertThat(logical()).hasSize(2);   // the host's span and the call's
        SpanData call = logical().stream().filter(s -> s.getName().startsWith("chat")).findFirst().orElseThrow();
        assertThat(call.getName()).isEqualTo("chat " + EmulatorFixture.MODEL);
        assertThat(call.getKind()).isEqualTo(SpanKind.CLIENT);
        assertThat(call.getTraceId()).isEqualTo(request.getSpanContext().getTraceId());
        assertThat(call.getParentSpanId()).isEqualTo(request.getSpanContext().getSpanId());
        UsageRecord record = BEDROCK.records().get(0);
        assertThat(call.getAttributes().get(OPERATION_NAME)).isEqualTo("chat");
        assertThat(call.getAttributes().get(PROVIDER_NAME)).isEqualTo("aws.bedrock");
        assertThat(call.getAttributes().get(REQUEST_MODEL)).isEqualTo(EmulatorFixture.MODEL);
        assertThat(call.getAttributes().get(RESPONSE_MODEL)).isEqualTo(EmulatorFixture.SOURCE_MODEL);
        assertThat(call.getAttributes().get(REQUEST_MAX_TOKENS)).isEqualTo(200L);
        assertThat(call.getAttributes().get(REQUEST_TEMPERATURE)).isEqualTo(0.5);
        assertThat(call.getAttributes().get(INPUT_TOKENS)).isEqualTo(answer.usage().totalInputTokens()).isPositive();
        assertThat(call.getAttributes().get(OUTPUT_TOKENS)).isEqualTo(answer.usage().outputTokens()).isPositive();
        assertThat(call.getAttributes().get(TENANT_ID)).isEqualTo("acme");
        assertThat(call.getAttributes().get(PROFILE_ARN)).isEqualTo(BEDROCK.profileArn("acme"));
        assertThat(call.getAttributes().get(CALL_ID)).isEqualTo(record.callId());
        assertThat(call.getAttributes().get(OUTCOME)).isEqualTo("success");
        assertThat(call.getAttributes().get(COST_USD)).isEqualTo(record.cost().amountUsd().doubleValue());
        assertThat(call.getAttributes().get(FINISH_REASONS)).containsExactly("end_turn");
        assertThat(call.getAttributes().get(ATTEMPTS)).isEqualTo(1L);
        assertThat(call.getAttributes().get(ERROR_TYPE)).isNull();
        assertThat(call.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);

        assertThat(attempts()).singleElement().satisfies(a -> {
            assertThat(a.getParentSpanId()).isEqualTo(call.getSpanId());
            assertThat(a.getTraceId()).isEqualTo(call.getTraceId());
            assertThat(a.getKind()).isEqualTo(SpanKind.CLIENT);
            assertThat(a.getAttributes().get(ATTEMPT)).isEqualTo(1L);
            assertThat(a.getAttributes().get(SERVER_ADDRESS)).isEqualTo("bedrock-runtime." + record.region()
                    + ".amazonaws.com");
            assertThat(a.getAttributes().get(OUTPUT_TOKENS)).isEqualTo(answer.usage().outputTokens());
        });
    }

    @Test
    void stream_answered_marksTheFirstTokenOnBothSpans() throws Exception {
        ChatStream stream = pipeline(true).stream(ACME, ask("Tell me a story"), new ChatStreamListener() { });
        stream.completion().get(30, TimeUnit.SECONDS);
        awaitSpans(spans -> spans.size() == 2);

        SpanData call = logical().get(0);
        assertThat(call.getAttributes().get(OUTCOME)).isEqualTo("success");
        assertThat(call.getEvents()).extracting(e -> e.getName()).containsExactly(TracingCallObserver.FIRST_TOKEN_EVENT);
        assertThat(attempts()).singleElement().satisfies(a -> {
            assertThat(a.getEvents()).extracting(e -> e.getName())
                    .containsExactly(TracingCallObserver.FIRST_TOKEN_EVENT);
            assertThat(a.getEvents().get(0).getEpochNanos()).isGreaterThanOrEqualTo(a.getStartEpochNanos());
        });
    }

    @Test
    void chat_throttledThenRetried_isTwoAttemptSpansUnderOneLogicalSpan() {
        BEDROCK.emulator().faults().set(BEDROCK.profileArn("acme"),
                FaultPlan.builder().throttleSequence(true, false).build());

        pipeline(true).chat(ACME, ask("Hello"));

        assertThat(logical()).singleElement().satisfies(call -> {
            assertThat(call.getAttributes().get(ATTEMPTS)).isEqualTo(2L);
            assertThat(call.getAttributes().get(OUTCOME)).isEqualTo("success");
            assertThat(call.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
        });
        SpanData call = logical().get(0);
        assertThat(attempts()).hasSize(2).allSatisfy(a -> assertThat(a.getParentSpanId()).isEqualTo(call.getSpanId()));
        Map<Long, SpanData> byNumber = attempts().stream()
                .collect(Collectors.toMap(a -> a.getAttributes().get(ATTEMPT), a -> a));
        assertThat(byNumber.get(1L).getAttributes().get(OUTCOME)).isEqualTo("throttled");
        assertThat(byNumber.get(1L).getAttributes().get(ERROR_TYPE)).isEqualTo("ThrottlingException");
        assertThat(byNumber.get(1L).getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(byNumber.get(2L).getAttributes().get(OUTCOME)).isEqualTo("success");
    }

    @Test
    void stream_cancelledByTheCaller_endsTheLogicalSpanOnceAsCancelled() throws Exception {
        BEDROCK.emulator().script().forModel(BEDROCK.profileArn("acme")).whenPromptContains("long").replyTokens(3000);
        BEDROCK.emulator().faults().set(BEDROCK.profileArn("acme"),
                FaultPlan.builder().chunkDelay(Duration.ofMillis(20)).build());
        CompletableFuture<Void> firstText = new CompletableFuture<>();
        ChatStream stream = pipeline(true).stream(ACME, ask("a long story"), new ChatStreamListener() {
            @Override
            public void onText(String text) {
                firstText.complete(null);
            }
        });
        firstText.get(30, TimeUnit.SECONDS);

        assertThat(stream.cancel()).isTrue();
        assertThatThrownBy(() -> stream.completion().join()).isInstanceOf(CancellationException.class);
        awaitSpans(spans -> spans.size() == 2);

        assertThat(logical()).singleElement().satisfies(call -> {
            assertThat(call.getAttributes().get(OUTCOME)).isEqualTo("cancelled");
            assertThat(call.getAttributes().get(OUTPUT_TOKENS)).isPositive();   // an estimate: Bedrock bills it
            assertThat(call.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
        });
        assertThat(attempts()).singleElement()
                .satisfies(a -> assertThat(a.getAttributes().get(OUTCOME)).isEqualTo("cancelled"));
        assertThat(BEDROCK.records()).singleElement();
    }

    @Test
    void stream_pastItsTimeout_endsTheLogicalSpanOnceAsATimeoutError() throws Exception {
        BEDROCK.emulator().faults().set(BEDROCK.profileArn("acme"),
                FaultPlan.builder().timeToFirstToken(Duration.ofSeconds(5)).build());
        ChatClient timed = ChatPipeline.builder().resolver(BEDROCK.resolver()).meter(BEDROCK.meter())
                .transport(BedrockChatTransport.builder().client(BEDROCK.runtimeClient())
                        .asyncClient(BEDROCK.asyncRuntimeClient()).build())
                .timeouts(new CallTimeouts(Duration.ofMillis(200), Map.of()))
                .observer(tracing).build();

        ChatStream stream = timed.stream(ACME, ask("Hello"), new ChatStreamListener() { });
        assertThatThrownBy(() -> stream.completion().get(30, TimeUnit.SECONDS))
                .hasCauseInstanceOf(CallTimeoutException.class);
        awaitSpans(spans -> spans.size() == 2);

        assertThat(logical()).singleElement().satisfies(call -> {
            assertThat(call.getAttributes().get(OUTCOME)).isEqualTo("timeout");
            assertThat(call.getAttributes().get(ERROR_TYPE)).isEqualTo(CallTimeoutException.ERROR_CODE);
            assertThat(call.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        });
        assertThat(attempts()).singleElement()
                .satisfies(a -> assertThat(a.getAttributes().get(OUTCOME)).isEqualTo("timeout"));
    }

    @Test
    void chat_refusedByBedrock_carriesTheErrorTypeAndStatus() {
        BEDROCK.emulator().script().forModel(BEDROCK.profileArn("acme")).whenPromptContains("invalid")
                .fail("ValidationException");

        assertThatThrownBy(() -> pipeline(true).chat(ACME, ask("invalid"))).isInstanceOf(RuntimeException.class);

        assertThat(logical()).singleElement().satisfies(call -> {
            assertThat(call.getAttributes().get(OUTCOME)).isEqualTo("client_error");
            assertThat(call.getAttributes().get(ERROR_TYPE)).isEqualTo("ValidationException");
            assertThat(call.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        });
        assertThat(attempts()).singleElement()
                .satisfies(a -> assertThat(a.getAttributes().get(ERROR_TYPE)).isEqualTo("ValidationException"));
    }

    @Test
    void chat_modelTheResolverCannotResolve_endsTheSpanWithTheExceptionAndNoAttempt() {
        ChatRequest unknown = ChatRequest.builder().model("no-such-model").message(ChatMessage.user("Hi")).build();

        assertThatThrownBy(() -> pipeline(true).chat(ACME, unknown)).isInstanceOf(RuntimeException.class);

        assertThat(BEDROCK.records()).isEmpty();
        assertThat(attempts()).isEmpty();
        assertThat(logical()).singleElement().satisfies(call -> {
            assertThat(call.getName()).isEqualTo("chat no-such-model");
            assertThat(call.getAttributes().get(ERROR_TYPE)).startsWith("dev.aip.core.");
            assertThat(call.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        });
    }

    @Test
    void chat_refusedByTheAdmission_isOneLogicalSpanWithTheRefusalAndNoAttempt() {
        ChatClient refusing = ChatPipeline.builder().resolver(BEDROCK.resolver()).meter(BEDROCK.meter())
                .transport(BedrockChatTransport.builder().client(BEDROCK.runtimeClient()).build())
                .admission((tenant, request, profile) -> {
                    throw new IllegalStateException("over the limit");
                })
                .observer(tracing).build();

        assertThatThrownBy(() -> refusing.chat(ACME, ask("Hello"))).isInstanceOf(IllegalStateException.class);

        assertThat(attempts()).isEmpty();
        assertThat(logical()).singleElement().satisfies(call -> {
            assertThat(call.getAttributes().get(OUTCOME)).isEqualTo("rejected_by_policy");
            assertThat(call.getAttributes().get(ERROR_TYPE)).isEqualTo("IllegalStateException");
        });
    }

    @Test
    void sdkInterceptor_converseInATenantScope_isTracedLikeThePipeline() {
        TenantRoutingInterceptor routing = TenantRoutingInterceptor.builder().resolver(BEDROCK.resolver())
                .meter(BEDROCK.meter()).observer(tracing).build();
        BedrockRuntimeClient client = BEDROCK.runtimeClient(routing);

        TenantScope.get(ACME, () -> client.converse(c -> c.modelId(EmulatorFixture.MODEL).messages(Message.builder()
                .role(ConversationRole.USER).content(ContentBlock.fromText("Hello")).build())));

        assertThat(logical()).singleElement().satisfies(call -> {
            assertThat(call.getName()).isEqualTo("chat " + EmulatorFixture.MODEL);
            assertThat(call.getAttributes().get(OUTCOME)).isEqualTo("success");
            assertThat(call.getAttributes().get(TENANT_ID)).isEqualTo("acme");
            assertThat(call.getAttributes().get(FINISH_REASONS)).containsExactly("end_turn");
        });
        assertThat(attempts()).singleElement()
                .satisfies(a -> assertThat(a.getParentSpanId()).isEqualTo(logical().get(0).getSpanId()));
    }

    @Test
    void pipelineWithoutObserver_makesNoSpan() {
        pipeline(false).chat(ACME, ask("Hello"));

        assertThat(BEDROCK.records()).hasSize(1);
        assertThat(exporter.getFinishedSpanItems()).isEmpty();
    }

    @Test
    void concurrentCallsStreamsAndCancels_endOneLogicalSpanPerCallAndOneAttemptSpanPerRecord() throws Exception {
        BEDROCK.emulator().faults().set(BEDROCK.profileArn("globex"), FaultPlan.builder().throttle(0.3).build());
        ChatClient chat = pipeline(true);
        int threads = 8;
        int callsPerThread = 25;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> done = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < callsPerThread; i++) {
                        TenantContext tenant = TenantContext.of(i % 2 == 0 ? "acme" : "globex");
                        try {
                            switch ((thread + i) % 3) {
                                case 0 -> chat.chat(tenant, ask("Hello " + i));
                                case 1 -> chat.stream(tenant, ask("Stream " + i), new ChatStreamListener() { })
                                        .completion().handle((r, e) -> r).get(30, TimeUnit.SECONDS);
                                default -> chat.stream(tenant, ask("Cancel " + i), new ChatStreamListener() { })
                                        .cancel();
                            }
                        } catch (RuntimeException expected) {
                            // throttled beyond the retries: still one call, one span
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        int calls = threads * callsPerThread;
        awaitSpans(spans -> spans.stream().filter(s -> s.getAttributes().get(ATTEMPT) == null).count() >= calls
                && spans.stream().filter(s -> s.getAttributes().get(ATTEMPT) != null).count()
                >= BEDROCK.records().size());

        List<SpanData> logical = logical();
        assertThat(logical).hasSize(calls);
        assertThat(logical.stream().map(s -> s.getAttributes().get(CALL_ID)).distinct()).hasSize(calls);
        assertThat(attempts()).hasSize(BEDROCK.records().size());
        assertThat(attempts().stream().map(s -> s.getAttributes().get(TracingCallObserver.RECORD_ID)).distinct())
                .containsExactlyInAnyOrderElementsOf(BEDROCK.records().stream().map(UsageRecord::recordId).toList());
        List<String> spanIds = logical.stream().map(SpanData::getSpanId).toList();
        assertThat(attempts()).allSatisfy(a -> assertThat(spanIds).contains(a.getParentSpanId()));
        assertThat(SpanContext.getInvalid().isValid()).isFalse();
    }
}
