package dev.aip.core.bedrock;

import static dev.aip.core.bedrock.EmulatorFixture.MODEL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.UnknownTenantException;
import dev.aip.core.chat.ChatClient;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatPipeline;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.ChatStreamListener;
import dev.aip.core.metering.Operation;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageProvenance;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantScope;
import dev.aip.emulator.FaultPlan;
import dev.aip.emulator.InvocationRecord;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelWithResponseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.Message;

class TenantRoutingInterceptorEmulatorTest {

    static final String ANTHROPIC_BODY = "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":200,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello from the interceptor\"}]}";
    static final TenantContext ACME = TenantContext.of("acme");
    static final TenantContext GLOBEX = TenantContext.of("globex");

    static EmulatorFixture fx;
    static TenantRoutingInterceptor routing;
    static BedrockRuntimeClient sync;
    static BedrockRuntimeClient syncWithSdkRetries;
    static BedrockRuntimeAsyncClient async;

    @BeforeAll
    static void start() {
        fx = new EmulatorFixture("acme", "globex");
        routing = TenantRoutingInterceptor.builder().resolver(fx.resolver()).meter(fx.meter).build();
        sync = fx.sync(routing);
        syncWithSdkRetries = fx.syncWithSdkRetries(routing);
        async = fx.async(routing);
    }

    @AfterAll
    static void stop() {
        sync.close();
        syncWithSdkRetries.close();
        async.close();
        fx.close();
    }

    @BeforeEach
    void reset() {
        fx.records.clear();
        fx.emulator.faults().clear();
        fx.emulator.script().clear();
    }

    static ConverseRequest converse(String text) {
        return ConverseRequest.builder().modelId(MODEL).messages(Message.builder().role(ConversationRole.USER)
                .content(ContentBlock.fromText(text)).build()).build();
    }

    static ConverseStreamRequest converseStream(String text) {
        return ConverseStreamRequest.builder().modelId(MODEL).messages(Message.builder()
                .role(ConversationRole.USER).content(ContentBlock.fromText(text)).build()).build();
    }

    static InvocationRecord last() {
        List<InvocationRecord> all = fx.emulator.invocations();
        return all.get(all.size() - 1);
    }

    static TokenUsage usageOf(InvocationRecord i) {
        return new TokenUsage(i.inputTokens(), i.outputTokens(), i.cacheReadInputTokens(),
                i.cacheWriteInputTokens());
    }

    @Test
    void converse_inTenantScope_routesTheLogicalModelAndMetersTheReportedUsage() {
        var response = TenantScope.get(ACME, () -> sync.converse(converse("What is a profile?")));

        InvocationRecord server = last();
        assertThat(server.modelId()).isEqualTo(fx.arn("acme"));
        assertThat(server.requestMetadata()).containsEntry("tenantId", "acme");
        assertThat(fx.records).singleElement().satisfies(r -> {
            assertThat(r.operation()).isEqualTo(Operation.CONVERSE);
            assertThat(r.requestedModel()).isEqualTo(MODEL);
            assertThat(r.profileArn()).isEqualTo(fx.arn("acme"));
            assertThat(r.usage()).isEqualTo(usageOf(server));
            assertThat(r.provenance()).isEqualTo(UsageProvenance.REPORTED);
            assertThat(r.awsRequestId()).isEqualTo(server.requestId())
                    .isEqualTo(response.responseMetadata().requestId());
            assertThat(r.cost().isPriced()).isTrue();
        });
    }

    @Test
    void converse_tenantFromExecutionAttributeOrRequestMetadata_isUsedWithoutAScope() {
        sync.converse(converse("via attribute").toBuilder()
                .overrideConfiguration(o -> o.putExecutionAttribute(TenantRoutingInterceptor.TENANT, GLOBEX))
                .build());
        sync.converse(converse("via metadata").toBuilder().requestMetadata(Map.of("tenantId", "acme")).build());

        assertThat(fx.records).extracting(r -> r.tenant().value()).containsExactly("globex", "acme");
        assertThat(fx.records).extracting(UsageRecord::profileArn).containsExactly(fx.arn("globex"), fx.arn("acme"));
    }

    @Test
    void converse_metadataNamingAnotherTenantThanTheScope_isRefusedBeforeSending() {
        int before = fx.emulator.invocations().size();
        assertThatThrownBy(() -> TenantScope.run(ACME, () -> sync.converse(converse("x").toBuilder()
                .requestMetadata(Map.of("tenantId", "globex")).build())))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(fx.emulator.invocations()).hasSize(before);
        assertThat(fx.records).isEmpty();
    }

    @Test
    void converse_withoutAnyTenant_isRefusedBeforeAnythingIsSent() {
        int before = fx.emulator.invocations().size();

        assertThatThrownBy(() -> sync.converse(converse("who am I?"))).isInstanceOf(UnknownTenantException.class);

        assertThat(fx.emulator.invocations()).hasSize(before);
        assertThat(fx.records).isEmpty();
    }

    @Test
    void converse_withoutTenantInPassThroughMode_isSentUnchangedAndUnmetered() {
        TenantRoutingInterceptor lenient = TenantRoutingInterceptor.builder().resolver(fx.resolver())
                .meter(fx.meter).passThroughWithoutTenant().build();
        try (BedrockRuntimeClient client = fx.sync(lenient)) {
            client.converse(converse("hi").toBuilder().modelId(EmulatorFixture.SOURCE).build());
        }
        assertThat(last().modelId()).isEqualTo(EmulatorFixture.SOURCE);
        assertThat(last().requestMetadata()).isEmpty();
        assertThat(fx.records).isEmpty();
    }

    @Test
    void converseStream_metersUsageAndTimeToFirstTokenFromTheFrames() {
        StringBuilder text = new StringBuilder();
        ConverseStreamResponseHandler handler = ConverseStreamResponseHandler.builder()
                .subscriber(ConverseStreamResponseHandler.Visitor.builder()
                        .onContentBlockDelta(e -> text.append(e.delta().text() == null ? "" : e.delta().text()))
                        .build())
                .build();

        TenantScope.get(ACME, () -> async.converseStream(converseStream("Tell me a story"), handler)).join();

        InvocationRecord server = last();
        assertThat(server.modelId()).isEqualTo(fx.arn("acme"));
        assertThat(text).isNotEmpty();
        assertThat(fx.records).singleElement().satisfies(r -> {
            assertThat(r.operation()).isEqualTo(Operation.CONVERSE_STREAM);
            assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
            assertThat(r.provenance()).isEqualTo(UsageProvenance.REPORTED);
            assertThat(r.usage()).isEqualTo(usageOf(server));
            assertThat(r.timeToFirstToken()).isNotNull();
            assertThat(r.awsRequestId()).isEqualTo(server.requestId());
        });
    }

    @Test
    void converseStream_cancelledByTheSubscriberHalfway_isOneCancelledRecord() throws Exception {
        fx.emulator.script().forModel(fx.arn("acme")).whenPromptContains("long").replyTokens(3000);
        CompletableFuture<Void> cancelled = new CompletableFuture<>();
        ConverseStreamResponseHandler handler = EmulatorFixture.cancellingAfterDeltas(2, cancelled);

        CompletableFuture<Void> call = TenantScope.get(ACME,
                () -> async.converseStream(converseStream("a long story"), handler));
        cancelled.get(10, TimeUnit.SECONDS);
        call.handle((ok, error) -> null).get(10, TimeUnit.SECONDS);

        assertThat(fx.records).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.CANCELLED);
            assertThat(r.provenance()).isEqualTo(UsageProvenance.ESTIMATED);
            assertThat(r.usage().outputTokens()).isPositive();
            assertThat(r.timeToFirstToken()).isNotNull();
        });
    }

    @Test
    void converseStream_exceptionFrame_isInterruptedWithTheSameCodeAsThePipeline() {
        fx.emulator.faults().set(fx.arn("acme"), FaultPlan.builder()
                .streamExceptionAfterEvents(3, "modelStreamErrorException").build());
        ConverseStreamResponseHandler handler = ConverseStreamResponseHandler.builder()
                .subscriber(ConverseStreamResponseHandler.Visitor.builder().build()).build();

        CompletableFuture<Void> call = TenantScope.get(ACME,
                () -> async.converseStream(converseStream("Tell me a story"), handler));
        call.handle((ok, error) -> null).join();

        assertThat(fx.records).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.STREAM_INTERRUPTED);
            assertThat(r.errorCode()).isEqualTo("ModelStreamErrorException");
        });
    }

    @Test
    void invokeModel_metersTheTokenCountHeadersAndSendsMetadataAsTheHeader() {
        TenantScope.get(ACME, () -> sync.invokeModel(r -> r.modelId(MODEL).contentType("application/json")
                .body(SdkBytes.fromUtf8String(ANTHROPIC_BODY))));

        InvocationRecord server = last();
        assertThat(server.operation()).isEqualTo("InvokeModel");
        assertThat(server.modelId()).isEqualTo(fx.arn("acme"));
        assertThat(server.requestMetadata()).containsEntry("tenantId", "acme");
        assertThat(fx.records).singleElement().satisfies(r -> {
            assertThat(r.operation()).isEqualTo(Operation.INVOKE_MODEL);
            assertThat(r.usage()).isEqualTo(usageOf(server));
            assertThat(r.provenance()).isEqualTo(UsageProvenance.REPORTED);
        });
    }

    @Test
    void invokeModelWithResponseStream_metersTheInvocationMetricsOfTheLastChunk() {
        InvokeModelWithResponseStreamResponseHandler handler = InvokeModelWithResponseStreamResponseHandler.builder()
                .subscriber(InvokeModelWithResponseStreamResponseHandler.Visitor.builder().build()).build();

        TenantScope.get(GLOBEX, () -> async.invokeModelWithResponseStream(r -> r.modelId(MODEL)
                .contentType("application/json").body(SdkBytes.fromUtf8String(ANTHROPIC_BODY)), handler)).join();

        InvocationRecord server = last();
        assertThat(server.modelId()).isEqualTo(fx.arn("globex"));
        assertThat(server.requestMetadata()).containsEntry("tenantId", "globex");
        assertThat(fx.records).singleElement().satisfies(r -> {
            assertThat(r.operation()).isEqualTo(Operation.INVOKE_MODEL_WITH_RESPONSE_STREAM);
            assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
            assertThat(r.usage()).isEqualTo(usageOf(server));
            assertThat(r.provenance()).isEqualTo(UsageProvenance.REPORTED);
            assertThat(r.timeToFirstToken()).isNotNull();
        });
    }

    @Test
    void sdkRetries_eachHttpAttemptIsItsOwnRecordLinkedByTheCallId() {
        fx.emulator.faults().set(fx.arn("acme"), FaultPlan.builder().throttleSequence(true, false).build());

        TenantScope.get(ACME, () -> syncWithSdkRetries.converse(converse("retry me")));

        List<InvocationRecord> server = fx.emulator.invocations();
        assertThat(server.subList(server.size() - 2, server.size()))
                .extracting(InvocationRecord::outcome)
                .containsExactly(InvocationRecord.Outcome.THROTTLED, InvocationRecord.Outcome.SUCCESS);
        assertThat(fx.records).hasSize(2);
        UsageRecord first = fx.records.get(0);
        UsageRecord second = fx.records.get(1);
        assertThat(first.attempt()).isEqualTo(1);
        assertThat(first.outcome()).isEqualTo(Outcome.THROTTLED);
        assertThat(first.errorCode()).isEqualTo("ThrottlingException");
        assertThat(first.usage()).isEqualTo(TokenUsage.ZERO);
        assertThat(second.attempt()).isEqualTo(2);
        assertThat(second.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(second.callId()).isEqualTo(first.callId());
    }

    @Test
    void pipelineOnInstrumentedClients_recordsEachCallOnce() {
        ChatClient chat = ChatPipeline.builder().resolver(fx.resolver()).meter(fx.meter)
                .transport(BedrockChatTransport.builder().client(sync).asyncClient(async).build()).build();
        ChatRequest request = ChatRequest.builder().model(MODEL).message(ChatMessage.user("once")).build();

        chat.chat(ACME, request);
        chat.stream(ACME, request, new ChatStreamListener() { }).completion().join();

        assertThat(fx.records).hasSize(2);
    }

    @Test
    void interceptorAndPipeline_produceTheSameRecordsForTheSameCalls() {
        ChatClient chat;
        try (BedrockRuntimeClient plainSync = fx.sync(); BedrockRuntimeAsyncClient plainAsync = fx.async()) {
            chat = ChatPipeline.builder().resolver(fx.resolver()).meter(fx.meter)
                    .transport(BedrockChatTransport.builder().client(plainSync).asyncClient(plainAsync).build())
                    .build();
            ChatRequest request = ChatRequest.builder().model(MODEL).message(ChatMessage.user("same call"))
                    .attribute("feature", "compare").build();
            chat.chat(ACME, request);
            chat.stream(ACME, request, new ChatStreamListener() { }).completion().join();
        }
        var attrs = Map.of("feature", "compare");
        TenantScope.run(ACME, () -> {
            sync.converse(converse("same call").toBuilder().overrideConfiguration(o -> o.putExecutionAttribute(
                    TenantRoutingInterceptor.RECORD_ATTRIBUTES, attrs)).build());
            ConverseStreamResponseHandler handler = ConverseStreamResponseHandler.builder()
                    .subscriber(ConverseStreamResponseHandler.Visitor.builder().build()).build();
            async.converseStream(converseStream("same call").toBuilder().overrideConfiguration(o ->
                    o.putExecutionAttribute(TenantRoutingInterceptor.RECORD_ATTRIBUTES, attrs)).build(), handler)
                    .join();
        });

        assertThat(fx.records).hasSize(4);
        for (int i = 0; i < 2; i++) {
            UsageRecord viaPipeline = fx.records.get(i);
            UsageRecord viaInterceptor = fx.records.get(i + 2);
            assertThat(comparable(viaInterceptor)).isEqualTo(comparable(viaPipeline));
            assertThat(viaInterceptor.timeToFirstToken() == null).isEqualTo(viaPipeline.timeToFirstToken() == null);
            assertThat(viaInterceptor.awsRequestId()).isNotNull();
        }
    }

    /** A record with the fields that differ between two calls (ids, times) blanked. */
    static UsageRecord comparable(UsageRecord r) {
        return r.toBuilder().recordId("x").callId("x").startedAt(java.time.Instant.EPOCH)
                .latency(java.time.Duration.ZERO).timeToFirstToken(null).awsRequestId(null).build();
    }
}
