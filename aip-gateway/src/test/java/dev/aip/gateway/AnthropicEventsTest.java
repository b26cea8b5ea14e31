package dev.aip.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.ChatResponse;
import dev.aip.core.chat.ContentPart;
import dev.aip.core.chat.InferenceSettings;
import dev.aip.core.chat.StopReason;
import dev.aip.core.metering.TokenUsage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AnthropicEventsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ChatRequest REQUEST = ChatRequest.builder().model("claude-haiku")
            .message(ChatMessage.user("Hi")).settings(InferenceSettings.DEFAULTS.withStopSequences(List.of("END")))
            .build();

    private static ChatResponse answer(StopReason reason, ContentPart... parts) {
        return new ChatResponse(ChatMessage.assistant(parts), reason, new TokenUsage(10, 5, 3, 2), Duration.ZERO,
                null, "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/p", "rec-1");
    }

    @Test
    void stream_textThenTwoToolUses_numbersTheBlocksAndClosesEachOnce() throws Exception {
        ContentPart.ToolUse a = new ContentPart.ToolUse("t1", "get_weather", "{\"city\":\"Oslo\"}");
        ContentPart.ToolUse b = new ContentPart.ToolUse("t2", "get_time", "{}");
        AnthropicEvents.Stream stream = new AnthropicEvents.Stream(JSON, "msg_1", REQUEST);
        List<AnthropicEvents.Event> events = new ArrayList<>(stream.start());
        for (Object item : List.of("Let me ", "check.", a, b, answer(StopReason.TOOL_USE, a, b))) {
            events.addAll(stream.on(item));
        }

        assertThat(events).extracting(AnthropicEvents.Event::name).containsExactly("message_start", "ping",
                "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",
                "content_block_start", "content_block_delta", "content_block_stop",
                "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop");
        List<Integer> indexes = new ArrayList<>();
        for (AnthropicEvents.Event e : events) {
            JsonNode data = JSON.readTree(e.data());
            assertThat(data.path("type").asText()).isEqualTo(e.name());
            if (e.name().startsWith("content_block")) {
                indexes.add(data.path("index").asInt());
            }
        }
        assertThat(indexes).containsExactly(0, 0, 0, 0, 1, 1, 1, 2, 2, 2);
        JsonNode delta = JSON.readTree(events.get(12).data());
        assertThat(delta.at("/delta/stop_reason").asText()).isEqualTo("tool_use");
        assertThat(delta.at("/delta/stop_sequence").isNull()).isTrue();
        assertThat(delta.at("/usage/input_tokens").asLong()).isEqualTo(10);
        assertThat(delta.at("/usage/output_tokens").asLong()).isEqualTo(5);
        assertThat(delta.at("/usage/cache_read_input_tokens").asLong()).isEqualTo(3);
        assertThat(delta.at("/usage/cache_creation_input_tokens").asLong()).isEqualTo(2);
    }

    @Test
    void message_stoppedBySequence_namesTheRequestsOnlySequence_andMapsTheUsageBuckets() {
        JsonNode m = AnthropicEvents.message(JSON, "msg_rec-1", REQUEST,
                answer(StopReason.STOP_SEQUENCE, ContentPart.text("Done")));

        assertThat(m.path("type").asText()).isEqualTo("message");
        assertThat(m.path("stop_reason").asText()).isEqualTo("stop_sequence");
        assertThat(m.path("stop_sequence").asText()).isEqualTo("END");
        assertThat(m.at("/content/0/text").asText()).isEqualTo("Done");
        assertThat(m.at("/usage/input_tokens").asLong()).isEqualTo(10);
        assertThat(m.at("/usage/cache_read_input_tokens").asLong()).isEqualTo(3);
        assertThat(m.at("/usage/cache_creation_input_tokens").asLong()).isEqualTo(2);
    }
}
