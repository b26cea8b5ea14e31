package dev.aip.core.bedrock;

import static dev.aip.core.bedrock.EmulatorFixture.MODEL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.chat.ChatClient;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatPipeline;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.ChatResponse;
import dev.aip.core.chat.ChatStream;
import dev.aip.core.chat.ChatStreamListener;
import dev.aip.core.chat.ContentPart;
import dev.aip.core.chat.StopReason;
import dev.aip.core.chat.ToolSpec;
import dev.aip.core.metering.Operation;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageProvenance;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantContext;
import dev.aip.emulator.FaultPlan;
import dev.aip.emulator.InvocationRecord;
import java.math.BigDecimal;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.InternalServerException;
import software.amazon.awssdk.services.bedrockruntime.model.ThrottlingException;
import software.amazon.awssdk.services.bedrockruntime.model.ValidationException;

class BedrockChatTransportEmulatorTest {

    static EmulatorFixture fx;
    static BedrockRuntimeClient sync;
    static BedrockRuntimeAsyncClient async;
    static ChatClient chat;
    static final TenantContext ACME = TenantContext.of("acme");
    static final TenantContext GLOBEX = TenantContext.of("globex");

    @BeforeAll
    static void start() {
        fx = new EmulatorFixture("acme", "globex", "initech");
        sync = fx.syncWithSdkRetries();
        async = fx.async();
        chat = ChatPipeline.builder().resolver(fx.resolver()).meter(fx.meter)
                .transport(BedrockChatTransport.builder().client(sync).asyncClient(async).build()).build();
    }

    @AfterAll
    static void stop() {
        sync.close();
        async.close();
        fx.close();
    }

    @BeforeEach
    void reset() {
        fx.records.clear();
        fx.emulator.faults().clear();
        fx.emulator.script().clear();
    }

    static ChatRequest ask(String text) {
        return ChatRequest.builder().model(MODEL).message(ChatMessage.user(text)).build();
    }

    static InvocationRecord lastInvocation() {
        List<InvocationRecord> all = fx.emulator.invocations();
        return all.get(all.size() - 1);
    }

    static List<InvocationRecord> invocationsOf(String arn) {
        return fx.emulator.invocations().stream().filter(i -> arn.equals(i.profileArn())).toList();
    }

    @Test
    void chat_sync_routesToTheTenantsProfileAndRecordsWhatBedrockReported() {
        ChatResponse response = chat.chat(ACME, ask("What is an inference profile?"));

        InvocationRecord server = lastInvocation();
        assertThat(server.modelId()).isEqualTo(fx.arn("acme"));
        assertThat(server.requestMetadata()).containsEntry("tenantId", "acme").containsEntry("tier", "standard");
        UsageRecord r = fx.records.get(0);
        assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(r.provenance()).isEqualTo(UsageProvenance.REPORTED);
        assertThat(r.usage()).isEqualTo(new TokenUsage(server.inputTokens(), server.outputTokens(),
                server.cacheReadInputTokens(), server.cacheWriteInputTokens()));
        assertThat(r.awsRequestId()).isEqualTo(server.requestId()).isEqualTo(response.awsRequestId());
        assertThat(r.profileArn()).isEqualTo(fx.arn("acme"));
        assertThat(r.sourceModelId()).isEqualTo(EmulatorFixture.SOURCE);
        assertThat(r.cost().isPriced()).isTrue();
        assertThat(r.timeToFirstToken()).isNull();
        assertThat(response.usageRecordId()).isEqualTo(r.recordId());
        assertThat(response.text()).isNotBlank();
    }

    @Test
    void stream_complete_recordsUsageFromTheMetadataEventAndTimeToFirstToken() {
        StringBuilder text = new StringBuilder();
        ChatStream stream = chat.stream(ACME, ask("Tell me a story"), new ChatStreamListener() {
            @Override
            public void onText(String t) {
                text.append(t);
            }
        });

        ChatResponse response = stream.completion().join();

        InvocationRecord server = lastInvocation();
        UsageRecord r = fx.records.get(0);
        assertThat(r.operation()).isEqualTo(Operation.CONVERSE_STREAM);
        assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(r.provenance()).isEqualTo(UsageProvenance.REPORTED);
        assertThat(r.usage().outputTokens()).isEqualTo(server.outputTokens()).isPositive();
        assertThat(r.usage().inputTokens()).isEqualTo(server.inputTokens());
        assertThat(r.timeToFirstToken()).isNotNull();
        assertThat(r.awsRequestId()).isEqualTo(server.requestId());
        assertThat(response.text()).isEqualTo(text.toString()).isNotEmpty();
        assertThat(server.requestMetadata()).containsEntry("tenantId", "acme");
    }

    @Test
    void toolUse_roundTrip_syncAndStreaming() {
        fx.emulator.script().forModel(fx.arn("acme")).whenPromptContains("weather")
                .useTool("get_weather", "{\"city\":\"Paris\"}", "It is sunny in Paris.");
        ChatRequest first = ChatRequest.builder().model(MODEL)
                .message(ChatMessage.user("What is the weather in Paris?"))
                .tool(new ToolSpec("get_weather", "Current weather", "{\"type\":\"object\",\"properties\":"
                        + "{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}"))
                .build();

        ChatResponse toolCall = chat.chat(ACME, first);
        List<ContentPart.ToolUse> streamedTools = new CopyOnWriteArrayList<>();
        ChatResponse streamedCall = chat.stream(ACME, first, new ChatStreamListener() {
            @Override
            public void onToolUse(ContentPart.ToolUse toolUse) {
                streamedTools.add(toolUse);
            }
        }).completion().join();

        assertThat(toolCall.stopReason()).isEqualTo(StopReason.TOOL_USE);
        ContentPart.ToolUse use = toolCall.message().toolUses().get(0);
        assertThat(use.name()).isEqualTo("get_weather");
        assertThat(use.inputJson()).contains("Paris");
        assertThat(streamedCall.stopReason()).isEqualTo(StopReason.TOOL_USE);
        assertThat(streamedTools).singleElement().satisfies(t -> assertThat(t.inputJson()).contains("Paris"));

        ChatRequest second = first.toBuilder()
                .message(toolCall.message())
                .message(ChatMessage.user(ContentPart.ToolResult.of(use.id(), "{\"sky\":\"clear\"}")))
                .build();
        ChatResponse answer = chat.chat(ACME, second);

        assertThat(answer.stopReason()).isEqualTo(StopReason.END_TURN);
        assertThat(answer.text()).contains("sunny");
        assertThat(fx.records).hasSize(3).allMatch(r -> r.outcome() == Outcome.SUCCESS);
    }

    @Test
    void cachePoints_readAndWriteTokensStayApartAndArePricedEachAtItsOwnRate() {
        fx.emulator.clearPromptCache();
        ChatRequest request = ChatRequest.builder().model(MODEL)
                .system("You are a meticulous assistant. ".repeat(40))
                .system(ContentPart.cachePoint())
                .message(ChatMessage.user("Summarise the rules."))
                .build();

        chat.chat(ACME, request);
        chat.chat(ACME, request);

        UsageRecord write = fx.records.get(0);
        UsageRecord read = fx.records.get(1);
        assertThat(write.usage().cacheWriteInputTokens()).isPositive();
        assertThat(write.usage().cacheReadInputTokens()).isZero();
        assertThat(read.usage().cacheReadInputTokens()).isEqualTo(write.usage().cacheWriteInputTokens());
        assertThat(read.usage().cacheWriteInputTokens()).isZero();
        List<InvocationRecord> server = invocationsOf(fx.arn("acme"));
        InvocationRecord secondOnServer = server.get(server.size() - 1);
        assertThat(read.usage().inputTokens()).isEqualTo(secondOnServer.inputTokens());
        assertThat(read.usage().cacheReadInputTokens()).isEqualTo(secondOnServer.cacheReadInputTokens());
        for (UsageRecord r : List.of(write, read)) {
            // Claude 3.5 Haiku: 0.80 input, 4.00 output, 0.08 cache read, 1.00 cache write per 1M tokens.
            BigDecimal expected = BigDecimal.valueOf(r.usage().inputTokens()).multiply(new BigDecimal("0.80"))
                    .add(BigDecimal.valueOf(r.usage().outputTokens()).multiply(new BigDecimal("4.00")))
                    .add(BigDecimal.valueOf(r.usage().cacheReadInputTokens()).multiply(new BigDecimal("0.08")))
                    .add(BigDecimal.valueOf(r.usage().cacheWriteInputTokens()).multiply(new BigDecimal("1.00")))
                    .divide(BigDecimal.valueOf(1_000_000));
            assertThat(r.cost().amountUsd()).isEqualByComparingTo(expected);
        }
    }

    @Test
    void chat_throttled_exceptionReachesCallerUnchangedAndTheSdkDoesNotRetry() {
        fx.emulator.faults().set(fx.arn("acme"), FaultPlan.builder().throttleSequence(true).build());
        int before = invocationsOf(fx.arn("acme")).size();

        assertThatThrownBy(() -> chat.chat(ACME, ask("hi"))).isInstanceOf(ThrottlingException.class);

        // The client was built with the SDK's standard retries; the transport turns them off per request.
        assertThat(invocationsOf(fx.arn("acme"))).hasSize(before + 1);
        assertThat(fx.records).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.THROTTLED);
            assertThat(r.errorCode()).isEqualTo("ThrottlingException");
            assertThat(r.provenance()).isEqualTo(UsageProvenance.NONE);
            assertThat(r.awsRequestId()).isEqualTo(lastInvocation().requestId());
        });
    }

    @Test
    void chat_clientAndServerErrors_areClassified() {
        fx.emulator.script().forModel(fx.arn("acme")).whenPromptContains("invalid").fail("ValidationException");
        fx.emulator.script().forModel(fx.arn("acme")).whenPromptContains("boom").fail("InternalServerException");

        assertThatThrownBy(() -> chat.chat(ACME, ask("invalid please"))).isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> chat.chat(ACME, ask("boom"))).isInstanceOf(InternalServerException.class);

        assertThat(fx.records).extracting(UsageRecord::outcome, UsageRecord::errorCode).containsExactly(
                org.assertj.core.groups.Tuple.tuple(Outcome.CLIENT_ERROR, "ValidationException"),
                org.assertj.core.groups.Tuple.tuple(Outcome.SERVER_ERROR, "InternalServerException"));
    }

    @Test
    void stream_abandonedByTheCallerHalfway_settlesOneCancelledRecordWithAnEstimate() {
        fx.emulator.script().forModel(fx.arn("acme")).whenPromptContains("long").replyTokens(3000);
        ChatStream stream = EmulatorFixture.streamCancelledAfterTexts(chat, ACME, ask("a long answer please"), 2);

        assertThatThrownBy(() -> stream.completion().join()).isInstanceOf(java.util.concurrent.CancellationException.class);

        assertThat(fx.records).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.CANCELLED);
            assertThat(r.provenance()).isEqualTo(UsageProvenance.ESTIMATED);
            assertThat(r.usage().inputTokens()).isPositive();
            assertThat(r.usage().outputTokens()).isPositive();
            assertThat(r.timeToFirstToken()).isNotNull();
        });
    }

    @Test
    void stream_cutByTheServer_isInterruptedAndTheCallerHearsOfIt() {
        fx.emulator.faults().set(fx.arn("acme"), FaultPlan.builder().cutStreamAfterEvents(3).build());

        ChatStream stream = chat.stream(ACME, ask("Tell me a story"), new ChatStreamListener() { });

        assertThatThrownBy(() -> stream.completion().join()).isInstanceOf(CompletionException.class);
        assertThat(fx.records).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.STREAM_INTERRUPTED);
            assertThat(r.provenance()).isEqualTo(UsageProvenance.ESTIMATED);
        });
    }

    @Test
    void stream_exceptionFrame_isInterruptedWithBedrocksCode() {
        fx.emulator.faults().set(fx.arn("acme"), FaultPlan.builder()
                .streamExceptionAfterEvents(3, "modelStreamErrorException").build());

        ChatStream stream = chat.stream(ACME, ask("Tell me a story"), new ChatStreamListener() { });

        assertThatThrownBy(() -> stream.completion().join()).hasCauseInstanceOf(
                software.amazon.awssdk.services.bedrockruntime.model.ModelStreamErrorException.class);
        assertThat(fx.records).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.STREAM_INTERRUPTED);
            assertThat(r.errorCode()).isEqualTo("ModelStreamErrorException");
        });
    }

    @Test
    void stream_withoutMetadataEvent_completesWithAnEstimatedUsage() {
        fx.emulator.faults().set(fx.arn("acme"), FaultPlan.builder().dropUsage().build());

        ChatResponse response = chat.stream(ACME, ask("Tell me a story"), new ChatStreamListener() { })
                .completion().join();

        UsageRecord r = fx.records.get(0);
        assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(r.provenance()).isEqualTo(UsageProvenance.ESTIMATED);
        assertThat(r.usage().outputTokens()).isPositive();
        assertThat(response.usage()).isEqualTo(r.usage());
        assertThat(lastInvocation().usageDelivered()).isFalse();
    }

    @Test
    void tenants_areNeverRoutedToEachOthersProfiles() {
        for (int i = 0; i < 5; i++) {
            chat.chat(ACME, ask("a" + i));
            chat.chat(GLOBEX, ask("g" + i));
            chat.stream(ACME, ask("s" + i), new ChatStreamListener() { }).completion().join();
        }

        for (InvocationRecord inv : fx.emulator.invocations()) {
            String tenant = inv.requestMetadata().get("tenantId");
            if (tenant != null) {
                assertThat(inv.profileArn()).isEqualTo(fx.arn(tenant));
            }
        }
        assertThat(fx.records).allSatisfy(r -> assertThat(r.profileArn()).isEqualTo(fx.arn(r.tenant().value())));
    }
}
