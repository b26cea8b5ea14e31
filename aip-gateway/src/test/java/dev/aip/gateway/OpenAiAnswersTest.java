package dev.aip.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatResponse;
import dev.aip.core.chat.ContentPart;
import dev.aip.core.chat.StopReason;
import dev.aip.core.metering.TokenUsage;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Bedrock answers in OpenAI's message shape. */
class OpenAiAnswersTest {

    static final ObjectMapper JSON = new ObjectMapper();

    static ChatResponse answer(ContentPart... parts) {
        return new ChatResponse(ChatMessage.assistant(parts), StopReason.TOOL_USE, TokenUsage.of(10, 5),
                Duration.ZERO, "req-1", "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/p",
                "rec-1");
    }

    @Test
    void message_parallelToolUses_areToolCallsInOrder_contentNullWithoutText() throws Exception {
        ObjectNode message = JSON.createObjectNode();

        ChatCompletionsController.message(message, answer(
                new ContentPart.ToolUse("tooluse_a", "get_weather", "{\"city\":\"Paris\"}"),
                new ContentPart.ToolUse("tooluse_b", "get_time", "{}")), false);

        assertThat(message).isEqualTo(JSON.readTree("""
                {"role":"assistant","content":null,"refusal":null,"tool_calls":[
                  {"id":"tooluse_a","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}},
                  {"id":"tooluse_b","type":"function","function":{"name":"get_time","arguments":"{}"}}]}
                """));
    }

    @Test
    void message_textAndToolUse_keepsTheText_jsonModeAnswersTheToolInputAsContent() {
        ObjectNode both = JSON.createObjectNode();
        ObjectNode jsonMode = JSON.createObjectNode();

        ChatCompletionsController.message(both, answer(ContentPart.text("Let me check."),
                new ContentPart.ToolUse("tooluse_a", "get_weather", "{}")), false);
        ChatCompletionsController.message(jsonMode, answer(new ContentPart.ToolUse("tooluse_j",
                OpenAiRequests.JSON_OBJECT_TOOL, "{\"city\":\"Paris\"}")), true);

        assertThat(both.path("content").asText()).isEqualTo("Let me check.");
        assertThat(both.path("tool_calls")).hasSize(1);
        assertThat(jsonMode.path("content").asText()).isEqualTo("{\"city\":\"Paris\"}");
        assertThat(jsonMode.has("tool_calls")).isFalse();
    }
}
