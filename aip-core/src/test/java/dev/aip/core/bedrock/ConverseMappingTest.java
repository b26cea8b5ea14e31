package dev.aip.core.bedrock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.chat.ChatInvocation;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.ChatResponse;
import dev.aip.core.chat.ContentPart;
import dev.aip.core.chat.InferenceSettings;
import dev.aip.core.chat.StopReason;
import dev.aip.core.chat.StructuredOutput;
import dev.aip.core.chat.ToolChoice;
import dev.aip.core.chat.ToolSpec;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.DefaultAwsResponseMetadata;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseOutput;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ImageFormat;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.OutputFormat;
import software.amazon.awssdk.services.bedrockruntime.model.OutputFormatType;
import software.amazon.awssdk.services.bedrockruntime.model.ToolUseBlock;

class ConverseMappingTest {

    static final String ARN = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123";
    static final String SCHEMA = "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},"
            + "\"required\":[\"city\"]}";

    static ChatRequest fullRequest() {
        return ChatRequest.builder()
                .model("claude-sonnet")
                .system("You are terse.")
                .system(ContentPart.cachePoint())
                .message(ChatMessage.user(ContentPart.text("Weather in Paris?"), ContentPart.cachePoint()))
                .message(ChatMessage.assistant(ContentPart.text("Checking."),
                        new ContentPart.ToolUse("tooluse_1", "get_weather", "{\"city\":\"Paris\",\"days\":2}")))
                .message(ChatMessage.user(new ContentPart.ToolResult("tooluse_1", "{\"temp\":21.5}", false)))
                .settings(new InferenceSettings(300, 0.5f, 0.9f, List.of("STOP")))
                .tool(new ToolSpec("get_weather", "Current weather", SCHEMA))
                .toolChoice(ToolChoice.tool("get_weather"))
                .build();
    }

    static ChatInvocation invocation(ChatRequest request) {
        return new ChatInvocation("call", 1, TenantContext.of("acme"), request,
                new ResolvedProfile(TenantId.of("acme"), "claude-sonnet", ARN, "abc123",
                        "anthropic.claude-3-7-sonnet-20250219-v1:0", "us-east-1", false),
                Map.of("tenantId", "acme", "tier", "standard"));
    }

    @Test
    void toConverse_thenBack_roundTripsEveryPartOfTheChatModel() {
        ChatRequest request = fullRequest();

        ConverseRequest c = ConverseMapping.toConverse(invocation(request));
        ChatRequest back = ConverseMapping.toChatRequest("claude-sonnet", c.messages(), c.system(),
                c.inferenceConfig(), c.toolConfig());

        assertThat(c.modelId()).isEqualTo(ARN);
        assertThat(c.requestMetadata()).containsEntry("tenantId", "acme");
        assertThat(c.toolConfig().toolChoice().tool().name()).isEqualTo("get_weather");
        assertThat(back.messages()).isEqualTo(request.messages());
        assertThat(back.system()).isEqualTo(request.system());
        assertThat(back.settings()).isEqualTo(request.settings());
        assertThat(back.tools()).isEqualTo(request.tools());
        assertThat(back.inputChars()).isEqualTo(request.inputChars());
    }

    @Test
    void toConverseStream_carriesTheSameFields() {
        ConverseRequest c = ConverseMapping.toConverse(invocation(fullRequest()));
        ConverseStreamRequest s = ConverseMapping.toConverseStream(invocation(fullRequest()));
        assertThat(s.modelId()).isEqualTo(c.modelId());
        assertThat(s.messages()).isEqualTo(c.messages());
        assertThat(s.system()).isEqualTo(c.system());
        assertThat(s.inferenceConfig()).isEqualTo(c.inferenceConfig());
        assertThat(s.toolConfig()).isEqualTo(c.toolConfig());
        assertThat(s.requestMetadata()).isEqualTo(c.requestMetadata());
    }

    @Test
    void fromConverse_mapsTextToolUseStopReasonAndCacheBucketsApart() {
        ConverseResponse response = (ConverseResponse) ConverseResponse.builder()
                .output(ConverseOutput.fromMessage(Message.builder().role(ConversationRole.ASSISTANT).content(
                        ContentBlock.fromText("Let me look."),
                        ContentBlock.fromToolUse(ToolUseBlock.builder().toolUseId("tu_9").name("get_weather")
                                .input(Documents.fromJson("{\"city\":\"Oslo\"}")).build())).build()))
                .stopReason("tool_use")
                .usage(software.amazon.awssdk.services.bedrockruntime.model.TokenUsage.builder()
                        .inputTokens(11).outputTokens(7).totalTokens(23)
                        .cacheReadInputTokens(3).cacheWriteInputTokens(2).build())
                .responseMetadata(DefaultAwsResponseMetadata.create(Map.of("AWS_REQUEST_ID", "req-42")))
                .build();

        ChatResponse r = ConverseMapping.fromConverse(response, ARN);

        assertThat(r.stopReason()).isEqualTo(StopReason.TOOL_USE);
        assertThat(r.text()).isEqualTo("Let me look.");
        assertThat(r.message().toolUses()).containsExactly(
                new ContentPart.ToolUse("tu_9", "get_weather", "{\"city\":\"Oslo\"}"));
        assertThat(r.usage()).isEqualTo(new TokenUsage(11, 7, 3, 2));
        assertThat(r.awsRequestId()).isEqualTo("req-42");
        assertThat(r.profileArn()).isEqualTo(ARN);
    }

    @Test
    void stopReason_unknownValue_isUnknown() {
        assertThat(ConverseMapping.stopReason("something_new")).isEqualTo(StopReason.UNKNOWN);
        assertThat(ConverseMapping.stopReason("model_context_window_exceeded"))
                .isEqualTo(StopReason.MODEL_CONTEXT_WINDOW_EXCEEDED);
    }
    @Test
    void toConverse_structuredOutput_isOutputConfigTextFormatJsonSchema_onBothOperations() {
        ChatRequest request = ChatRequest.builder().model("claude-sonnet")
                .message(ChatMessage.user("Extract the city"))
                .structuredOutput(new StructuredOutput("place", "Where it happens", SCHEMA))
                .build();

        ConverseRequest c = ConverseMapping.toConverse(invocation(request));
        ConverseStreamRequest s = ConverseMapping.toConverseStream(invocation(request));

        OutputFormat format = c.outputConfig().textFormat();
        assertThat(format.type()).isEqualTo(OutputFormatType.JSON_SCHEMA);
        assertThat(format.structure().jsonSchema().name()).isEqualTo("place");
        assertThat(format.structure().jsonSchema().description()).isEqualTo("Where it happens");
        assertThat(format.structure().jsonSchema().schema()).isEqualTo(SCHEMA);
        assertThat(s.outputConfig()).isEqualTo(c.outputConfig());
        assertThat(request.inputChars()).isEqualTo("Extract the city".length() + SCHEMA.length());
        assertThat(ConverseMapping.toConverse(invocation(fullRequest())).outputConfig()).isNull();
    }

    @Test
    void toConverse_image_isAnImageBlockWithItsFormatAndBytes_andReadsBack() {
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3};
        ChatRequest request = ChatRequest.builder().model("claude-sonnet")
                .message(ChatMessage.user(ContentPart.text("What is this?"), ContentPart.Image.of("image/png", png)))
                .build();

        ConverseRequest c = ConverseMapping.toConverse(invocation(request));
        ChatRequest back = ConverseMapping.toChatRequest("claude-sonnet", c.messages(), c.system(),
                c.inferenceConfig(), c.toolConfig());

        ContentBlock image = c.messages().get(0).content().get(1);
        assertThat(image.image().format()).isEqualTo(ImageFormat.PNG);
        assertThat(image.image().source().bytes().asByteArray()).isEqualTo(png);
        assertThat(back.messages()).isEqualTo(request.messages());
        assertThat(request.inputChars()).isEqualTo("What is this?".length() + ChatRequest.IMAGE_CHARS);
    }
}
