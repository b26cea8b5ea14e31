package dev.aip.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.ChatRole;
import dev.aip.core.chat.ContentPart;
import dev.aip.core.chat.ToolChoice;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class AnthropicRequestsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOOLS = "\"tools\":[{\"name\":\"get_weather\",\"description\":\"Weather\","
            + "\"input_schema\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}]";

    private static AnthropicRequests.Parsed parse(String body) {
        return AnthropicRequests.parseMessages(JSON, body.getBytes(StandardCharsets.UTF_8));
    }

    private static String message(String rest) {
        return "{\"model\":\"claude-haiku\",\"max_tokens\":100," + rest + "}";
    }

    @Test
    void parse_cacheControlOnBlocks_putsACachePointRightAfterEachBlock() {
        ChatRequest r = parse(message("\"system\":[{\"type\":\"text\",\"text\":\"Rules\",\"cache_control\":"
                + "{\"type\":\"ephemeral\"}},{\"type\":\"text\",\"text\":\"More\"}],\"messages\":[{\"role\":\"user\","
                + "\"content\":[{\"type\":\"text\",\"text\":\"Doc\",\"cache_control\":{\"type\":\"ephemeral\","
                + "\"ttl\":\"5m\"}},{\"type\":\"text\",\"text\":\"Question\"}]}]")).request();

        assertThat(r.system()).containsExactly(ContentPart.text("Rules"), ContentPart.cachePoint(),
                ContentPart.text("More"));
        assertThat(r.messages().get(0).content()).containsExactly(ContentPart.text("Doc"), ContentPart.cachePoint(),
                ContentPart.text("Question"));
    }

    @Test
    void parse_base64ImageBlock_becomesAnImagePartWithItsBytes() {
        byte[] bytes = {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3};
        ChatRequest r = parse(message("\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\","
                + "\"text\":\"What is this?\"},{\"type\":\"image\",\"source\":{\"type\":\"base64\","
                + "\"media_type\":\"image/jpeg\",\"data\":\"" + java.util.Base64.getEncoder().encodeToString(bytes)
                + "\"}}]}]")).request();

        ContentPart.Image image = (ContentPart.Image) r.messages().get(0).content().get(1);
        assertThat(image.format()).isEqualTo("jpeg");
        assertThat(image.bytes()).isEqualTo(bytes);
    }

    @Test
    void parse_imageBlocksThatCannotBeSent_areRefusedNamingTheFieldAndWhatToSend() {
        String url = "{\"type\":\"image\",\"source\":{\"type\":\"url\",\"url\":\"https://example.com/a.png\"}}";
        String file = "{\"type\":\"image\",\"source\":{\"type\":\"file\",\"file_id\":\"file_1\"}}";
        String tiff = "{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/tiff\","
                + "\"data\":\"AAAA\"}}";
        String notBase64 = "{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":"
                + "\"image/png\",\"data\":\"***\"}}";

        assertThatThrownBy(() -> parse(message("\"messages\":[{\"role\":\"user\",\"content\":[" + url + "]}]")))
                .isInstanceOf(AnthropicError.class).hasMessageContaining("messages.0.content.0.source.type")
                .hasMessageContaining("base64");
        assertThatThrownBy(() -> parse(message("\"messages\":[{\"role\":\"user\",\"content\":[" + file + "]}]")))
                .isInstanceOf(AnthropicError.class).hasMessageContaining("'file' image sources");
        assertThatThrownBy(() -> parse(message("\"messages\":[{\"role\":\"user\",\"content\":[" + tiff + "]}]")))
                .isInstanceOf(AnthropicError.class).hasMessageContaining("messages.0.content.0.source.media_type")
                .hasMessageContaining("image/png");
        assertThatThrownBy(() -> parse(message("\"messages\":[{\"role\":\"user\",\"content\":["
                + notBase64 + "]}]"))).isInstanceOf(AnthropicError.class)
                .hasMessageContaining("messages.0.content.0.source.data");
        assertThatThrownBy(() -> parse(message("\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"},"
                + "{\"role\":\"assistant\",\"content\":[" + tiff + "]}]"))).isInstanceOf(AnthropicError.class)
                .hasMessageContaining("belong in user messages");
    }

    @Test
    void parse_toolTurns_mapToToolUseAndToolResult_andConsecutiveTurnsOfOneRoleAreJoined() {
        AnthropicRequests.Parsed p = parse(message(TOOLS + ",\"tool_choice\":{\"type\":\"tool\",\"name\":"
                + "\"get_weather\"},\"stream\":true,\"metadata\":{\"user_id\":\"u-1\"},\"messages\":["
                + "{\"role\":\"user\",\"content\":\"Weather?\"},{\"role\":\"user\",\"content\":\"In Oslo.\"},"
                + "{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"Checking.\"},{\"type\":"
                + "\"tool_use\",\"id\":\"toolu_1\",\"name\":\"get_weather\",\"input\":{\"city\":\"Oslo\"}}]},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_1\","
                + "\"is_error\":true,\"content\":[{\"type\":\"text\",\"text\":\"down\"}]}]}]"));
        ChatRequest r = p.request();

        assertThat(p.stream()).isTrue();
        assertThat(r.messages()).extracting(ChatMessage::role)
                .containsExactly(ChatRole.USER, ChatRole.ASSISTANT, ChatRole.USER);
        assertThat(r.messages().get(0).content()).containsExactly(ContentPart.text("Weather?"),
                ContentPart.text("In Oslo."));
        assertThat(r.messages().get(1).toolUses()).containsExactly(
                new ContentPart.ToolUse("toolu_1", "get_weather", "{\"city\":\"Oslo\"}"));
        assertThat(r.messages().get(2).content()).containsExactly(
                new ContentPart.ToolResult("toolu_1", "down", true));
        assertThat(r.tools()).singleElement().satisfies(t -> {
            assertThat(t.name()).isEqualTo("get_weather");
            assertThat(t.description()).isEqualTo("Weather");
        });
        assertThat(r.toolChoice()).isEqualTo(ToolChoice.tool("get_weather"));
        assertThat(r.attributes()).containsEntry("user", "u-1");
        assertThat(r.settings().maxTokens()).isEqualTo(100);
    }

    @Test
    void parse_toolChoiceNone_withoutToolBlocks_sendsNoTools_withToolBlocks_isRefused() {
        ChatRequest r = parse(message(TOOLS + ",\"tool_choice\":{\"type\":\"none\"},\"messages\":[{\"role\":"
                + "\"user\",\"content\":\"Hi\"}]")).request();
        assertThat(r.tools()).isEmpty();
        assertThat(r.toolChoice()).isNull();

        assertThatThrownBy(() -> parse(message(TOOLS + ",\"tool_choice\":{\"type\":\"none\"},\"messages\":["
                + "{\"role\":\"user\",\"content\":\"Hi\"},{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\","
                + "\"id\":\"t1\",\"name\":\"get_weather\",\"input\":{}}]},{\"role\":\"user\",\"content\":[{\"type\":"
                + "\"tool_result\",\"tool_use_id\":\"t1\",\"content\":\"ok\"}]}]")))
                .isInstanceOf(AnthropicError.class).hasMessageContaining("tool_choice");
    }

    @Test
    void parse_unsupportedInput_isA400NamingTheField() {
        List<String[]> cases = List.of(
                new String[] {message("\"top_k\":5,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]"), "top_k"},
                new String[] {message("\"temperature\":1.5,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]"),
                    "temperature"},
                new String[] {message(TOOLS.replace("\"name\"", "\"cache_control\":{\"type\":\"ephemeral\"},"
                        + "\"name\"") + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]"),
                    "tools.0.cache_control"},
                new String[] {message("\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":"
                        + "\"Hi\",\"cache_control\":{\"type\":\"ephemeral\",\"ttl\":\"1h\"}}]}]"),
                    "messages.0.content.0.cache_control.ttl"},
                new String[] {message(TOOLS + ",\"tool_choice\":{\"type\":\"auto\",\"disable_parallel_tool_use\":"
                        + "true},\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]"),
                    "disable_parallel_tool_use"},
                new String[] {message("\"messages\":[{\"role\":\"system\",\"content\":\"Hi\"}]"),
                    "messages.0.role"},
                new String[] {message("\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\","
                        + "\"tool_use_id\":\"t1\"}]}]"), "messages.0.content.0.content"});

        for (String[] c : cases) {
            assertThatThrownBy(() -> parse(c[0])).as(c[1]).isInstanceOfSatisfying(AnthropicError.class, e -> {
                assertThat(e.status).isEqualTo(400);
                assertThat(e.type).isEqualTo("invalid_request_error");
                assertThat(e.getMessage()).contains(c[1]);
            });
        }
    }

    @Test
    void parseCountTokens_needsNoMaxTokens_butRefusesSamplingSettings() {
        ChatRequest r = AnthropicRequests.parseCountTokens(JSON, ("{\"model\":\"claude-haiku\",\"system\":\"Brief\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}").getBytes(StandardCharsets.UTF_8));
        assertThat(r.system()).containsExactly(ContentPart.text("Brief"));

        assertThatThrownBy(() -> AnthropicRequests.parseCountTokens(JSON, ("{\"model\":\"claude-haiku\","
                + "\"temperature\":0.5,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}")
                .getBytes(StandardCharsets.UTF_8))).isInstanceOf(AnthropicError.class)
                .hasMessageContaining("temperature");
    }
}
