package dev.aip.core.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ChatRequestTest {

    private static final String SCHEMA = "{\"type\":\"object\"}";

    @Test
    void build_withoutModelOrMessages_failsNamingWhatIsMissing() {
        assertThatThrownBy(() -> ChatRequest.builder().message(ChatMessage.user("hi")).build())
                .isInstanceOf(NullPointerException.class).hasMessageContaining("model");
        assertThatThrownBy(() -> ChatRequest.builder().model(" ").message(ChatMessage.user("hi")).build())
                .hasMessageContaining("blank");
        assertThatThrownBy(() -> ChatRequest.builder().model("m").build()).hasMessageContaining("at least one message");
    }

    @Test
    void build_messageOfCachePointsOnly_isRejected() {
        assertThatThrownBy(() -> ChatRequest.builder().model("m")
                .message(ChatMessage.user(ContentPart.cachePoint())).build())
                .hasMessageContaining("message 0");
    }

    @Test
    void build_toolChoiceWithoutThatTool_isRejected() {
        assertThatThrownBy(() -> ChatRequest.builder().model("m").message(ChatMessage.user("hi"))
                .tool(new ToolSpec("weather", null, SCHEMA)).toolChoice(ToolChoice.tool("clock")).build())
                .hasMessageContaining("clock");
        assertThatThrownBy(() -> ChatRequest.builder().model("m").message(ChatMessage.user("hi"))
                .toolChoice(ToolChoice.any()).build()).hasMessageContaining("no tools");
    }

    @Test
    void parts_malformedValues_areRejected() {
        assertThatThrownBy(() -> ContentPart.text("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ContentPart.ToolUse("id with space", "t", "{}")).hasMessageContaining("id");
        assertThatThrownBy(() -> new ContentPart.ToolUse("id", "t", "[1]")).hasMessageContaining("JSON object");
        assertThatThrownBy(() -> new ToolSpec("bad name", null, SCHEMA)).hasMessageContaining("bad name");
        assertThatThrownBy(() -> new InferenceSettings(0, null, null, List.of())).hasMessageContaining("maxTokens");
        assertThatThrownBy(() -> InferenceSettings.DEFAULTS.withTemperature(1.5f))
                .hasMessageContaining("temperature");
    }

    @Test
    void inputChars_countsEverythingSentAsInput() {
        ChatRequest r = ChatRequest.builder().model("m")
                .system("abc")
                .message(ChatMessage.user("hello"))
                .message(ChatMessage.assistant(new ContentPart.ToolUse("t1", "calc", "{}")))
                .message(ChatMessage.user(ContentPart.ToolResult.of("t1", "42")))
                .tool(new ToolSpec("calc", "adds", SCHEMA))
                .build();
        // 3 + 5 + (4 + 2) + 2 + (4 + 4 + 17)
        assertThat(r.inputChars()).isEqualTo(41);
    }
    @Test
    void image_copiesItsBytes_comparesByContent_andRefusesFormatsBedrockDoesNotTake() {
        byte[] bytes = {1, 2, 3};
        ContentPart.Image image = ContentPart.Image.of("image/JPEG", bytes);
        bytes[0] = 9;
        image.bytes()[1] = 9;

        assertThat(image.format()).isEqualTo("jpeg");
        assertThat(image.bytes()).containsExactly(1, 2, 3);
        assertThat(image).isEqualTo(new ContentPart.Image("jpeg", new byte[] {1, 2, 3})).hasToString(
                "Image[format=jpeg, bytes=3]");
        assertThatThrownBy(() -> ContentPart.Image.of("image/tiff", new byte[] {1}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("image/png, image/jpeg");
        assertThatThrownBy(() -> new ContentPart.Image("png", new byte[0]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void structuredOutput_isCarriedByToBuilder_andNeedsANameAndAnObjectSchema() {
        ChatRequest request = ChatRequest.builder().model("m").message(ChatMessage.user("Hi"))
                .structuredOutput(new StructuredOutput("answer", null, SCHEMA)).build();

        assertThat(request.toBuilder().build()).isEqualTo(request);
        assertThat(request.structuredOutput().schemaJson()).isEqualTo(SCHEMA);
        assertThatThrownBy(() -> new StructuredOutput("no spaces", null, SCHEMA))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[a-zA-Z0-9_-]");
        assertThatThrownBy(() -> new StructuredOutput("answer", null, "[]"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("JSON object");
    }
}
