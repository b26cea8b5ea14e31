package dev.aip.emulator;

import static dev.aip.emulator.RuntimeFixture.AIP_ARN;
import static dev.aip.emulator.RuntimeFixture.HAIKU;
import static dev.aip.emulator.RuntimeFixture.NOVA;
import static dev.aip.emulator.RuntimeOperation.CONVERSE;
import static dev.aip.emulator.RuntimeOperation.COUNT_TOKENS;
import static dev.aip.emulator.RuntimeOperation.INVOKE_MODEL;
import static dev.aip.emulator.RuntimeOperation.INVOKE_MODEL_WITH_RESPONSE_STREAM;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RuntimeApiInvokeModelTest {

    private static final String CLAUDE_BODY = "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":200,"
            + "\"system\":\"Be brief.\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}]}";
    private static final String SAME_AS_CONVERSE = "{\"system\":[{\"text\":\"Be brief.\"}],\"messages\":[{\"role\":"
            + "\"user\",\"content\":[{\"text\":\"Hello there\"}]}],\"inferenceConfig\":{\"maxTokens\":200}}";

    private final RuntimeFixture f = new RuntimeFixture();

    @Test
    void invokeModel_anthropicBody_messageResponseAndTokenHeaders() {
        RuntimeFixture.Captured c = f.call(INVOKE_MODEL, HAIKU, CLAUDE_BODY);

        JsonNode out = c.json();
        assertThat(out.get("type").asText()).isEqualTo("message");
        assertThat(out.get("id").asText()).startsWith("msg_bdrk_");
        assertThat(out.at("/content/0/type").asText()).isEqualTo("text");
        assertThat(out.get("stop_reason").asText()).isEqualTo("end_turn");
        assertThat(out.at("/usage/cache_creation_input_tokens").asLong()).isZero();
        assertThat(out.at("/usage/cache_read_input_tokens").asLong()).isZero();
        assertThat(c.headers).containsEntry("X-Amzn-Bedrock-Input-Token-Count", out.at("/usage/input_tokens").asText())
                .containsEntry("X-Amzn-Bedrock-Output-Token-Count", out.at("/usage/output_tokens").asText())
                .containsKey("X-Amzn-Bedrock-Invocation-Latency")
                .doesNotContainKey("X-Amzn-Bedrock-Cache-Read-Input-Token-Count");
    }

    @Test
    void invokeModel_sameContentAsConverse_sameTokensAndSameText() {
        JsonNode invoke = f.call(INVOKE_MODEL, HAIKU, CLAUDE_BODY).json();
        JsonNode converse = f.call(CONVERSE, HAIKU, SAME_AS_CONVERSE).json();

        assertThat(invoke.at("/usage/input_tokens").asLong()).isEqualTo(converse.at("/usage/inputTokens").asLong());
        assertThat(invoke.at("/usage/output_tokens").asLong()).isEqualTo(converse.at("/usage/outputTokens").asLong());
        assertThat(invoke.at("/content/0/text").asText())
                .isEqualTo(converse.at("/output/message/content/0/text").asText());
    }

    @Test
    void countTokens_converseAndInvokeModelInputs_agreeWithConverseUsage() {
        JsonNode converse = f.call(CONVERSE, HAIKU, SAME_AS_CONVERSE).json();
        String b64 = Base64.getEncoder().encodeToString(CLAUDE_BODY.getBytes(StandardCharsets.UTF_8));

        JsonNode viaConverse = f.call(COUNT_TOKENS, HAIKU, "{\"input\":{\"converse\":" + SAME_AS_CONVERSE + "}}").json();
        JsonNode viaInvoke = f.call(COUNT_TOKENS, HAIKU, "{\"input\":{\"invokeModel\":{\"body\":\"" + b64 + "\"}}}").json();

        assertThat(viaConverse.get("inputTokens").asLong()).isEqualTo(converse.at("/usage/inputTokens").asLong());
        assertThat(viaInvoke.get("inputTokens").asLong()).isEqualTo(converse.at("/usage/inputTokens").asLong());
        assertThat(f.log()).hasSize(1);
    }

    @Test
    void countTokens_bothInputMembers_rejected() {
        ApiError e = f.error(COUNT_TOKENS, HAIKU, "{\"input\":{\"converse\":{},\"invokeModel\":{}}}");

        assertThat(e.code()).isEqualTo("ValidationException");
    }

    @Test
    void invokeModel_cacheControl_writesThenReadsWithCacheHeaders() {
        String body = "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":50,\"system\":[{\"type\":\"text\","
                + "\"text\":\"long policy text\",\"cache_control\":{\"type\":\"ephemeral\"}}],"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"q\"}]}";

        RuntimeFixture.Captured first = f.call(INVOKE_MODEL, HAIKU, body);
        RuntimeFixture.Captured second = f.call(INVOKE_MODEL, HAIKU, body);

        long prefix = 3 + 4;
        assertThat(first.json().at("/usage/cache_creation_input_tokens").asLong()).isEqualTo(prefix);
        assertThat(first.headers).containsEntry("X-Amzn-Bedrock-Cache-Write-Input-Token-Count", "" + prefix);
        assertThat(second.json().at("/usage/cache_read_input_tokens").asLong()).isEqualTo(prefix);
        assertThat(second.headers).containsEntry("X-Amzn-Bedrock-Cache-Read-Input-Token-Count", "" + prefix);
        assertThat(second.json().at("/usage/input_tokens").asLong()).isEqualTo(3 + 1);
    }

    @Test
    void invokeModel_metadataHeader_recorded() {
        f.call(INVOKE_MODEL, AIP_ARN, RuntimeFixture.request(CLAUDE_BODY, Map.of("Content-Type", "application/json",
                "X-Amzn-Bedrock-Request-Metadata", "{\"tenant\":\"acme\"}")));

        assertThat(f.last().requestMetadata()).containsEntry("tenant", "acme");
        assertThat(f.last().operation()).isEqualTo("InvokeModel");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"not json", "[1]", "{\"tenant\":\"a;b\"}", "{\"tenant\":{}}"})
    void invokeModel_invalidMetadataHeader_rejected(String header) {
        ApiError e = null;
        try {
            f.call(INVOKE_MODEL, HAIKU, RuntimeFixture.request(CLAUDE_BODY, Map.of("Content-Type",
                    "application/json", "X-Amzn-Bedrock-Request-Metadata", header)));
        } catch (ApiError thrown) {
            e = thrown;
        }

        assertThat(e).isNotNull();
        assertThat(e.code()).isEqualTo("ValidationException");
    }

    @Test
    void invokeModel_metadataHeaderOver8500Chars_rejected() {
        String header = "{\"k\":\"" + "v".repeat(8500) + "\"}";

        ApiError e = null;
        try {
            f.call(INVOKE_MODEL, HAIKU, RuntimeFixture.request(CLAUDE_BODY, Map.of("Content-Type",
                    "application/json", "X-Amzn-Bedrock-Request-Metadata", header)));
        } catch (ApiError thrown) {
            e = thrown;
        }

        assertThat(e.getMessage()).contains("8500");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|required key [anthropic_version]",
        "{\"anthropic_version\":\"2023-06-01\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|anthropic_version",
        "{\"anthropic_version\":\"bedrock-2023-05-31\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|required key [max_tokens]",
        "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":10}|required key [messages]",
        "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":10,\"model\":\"x\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|extraneous key [model]",
    })
    void invokeModel_malformedAnthropicBody_validationException(String body, String fragment) {
        ApiError e = f.error(INVOKE_MODEL, HAIKU, body);

        assertThat(e.code()).isEqualTo("ValidationException");
        assertThat(e.getMessage()).startsWith("Malformed input request").contains(fragment);
    }

    @Test
    void invokeModelWithResponseStream_anthropicUseTools_oneToolUseBlockPerCallAtItsIndex() {
        f.api.script().forAnyModel().useTools(List.of(Script.toolCall("a", "{\"x\":1}"),
                Script.toolCall("b", "{\"y\":2}")));
        String body = "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":100,\"tools\":["
                + "{\"name\":\"a\",\"input_schema\":{\"type\":\"object\"}},"
                + "{\"name\":\"b\",\"input_schema\":{\"type\":\"object\"}}],"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"both\"}]}";

        JsonNode whole = f.call(INVOKE_MODEL, HAIKU, body).json();
        List<JsonNode> events = f.call(INVOKE_MODEL_WITH_RESPONSE_STREAM, HAIKU, body).frames().stream()
                .map(RuntimeFixture.Frame::chunk).toList();

        assertThat(whole.at("/content/0/name").asText()).isEqualTo("a");
        assertThat(whole.at("/content/1/name").asText()).isEqualTo("b");
        assertThat(whole.get("stop_reason").asText()).isEqualTo("tool_use");
        List<String> starts = events.stream().filter(e -> e.get("type").asText().equals("content_block_start"))
                .map(e -> e.get("index").asInt() + ":" + e.at("/content_block/name").asText()).toList();
        assertThat(starts).containsExactly("0:a", "1:b");
        StringBuilder second = new StringBuilder();
        events.stream().filter(e -> e.get("type").asText().equals("content_block_delta") && e.get("index").asInt() == 1)
                .forEach(e -> second.append(e.at("/delta/partial_json").asText()));
        assertThat(second.toString()).isEqualTo("{\"y\":2}");
    }

    @Test
    void invokeModel_novaBodyWithConverseOnlyOutputConfig_validationException() {
        ApiError e = f.error(INVOKE_MODEL, NOVA, "{\"schemaVersion\":\"messages-v1\",\"messages\":[{\"role\":"
                + "\"user\",\"content\":[{\"text\":\"x\"}]}],\"outputConfig\":{\"textFormat\":{\"type\":"
                + "\"json_schema\",\"structure\":{\"jsonSchema\":{\"schema\":\"{\\\"type\\\":\\\"string\\\"}\"}}}}}");

        assertThat(e.code()).isEqualTo("ValidationException");
        assertThat(e.getMessage()).contains("extraneous key [outputConfig]");
    }

    @Test
    void invokeModelWithResponseStream_anthropic_chunksInOrderWithInvocationMetricsLast() {
        f.api.script().forAnyModel().replyTokens(9);

        RuntimeFixture.Captured c = f.call(INVOKE_MODEL_WITH_RESPONSE_STREAM, HAIKU, CLAUDE_BODY);

        assertThat(c.headers).containsEntry("X-Amzn-Bedrock-Content-Type", "application/json");
        List<JsonNode> events = c.frames().stream().map(RuntimeFixture.Frame::chunk).toList();
        List<String> types = events.stream().map(e -> e.get("type").asText()).toList();
        assertThat(types.get(0)).isEqualTo("message_start");
        assertThat(types.get(1)).isEqualTo("content_block_start");
        assertThat(types.subList(types.size() - 3, types.size()))
                .containsExactly("content_block_stop", "message_delta", "message_stop");
        JsonNode metrics = events.get(events.size() - 1).get("amazon-bedrock-invocationMetrics");
        assertThat(metrics.get("outputTokenCount").asLong()).isEqualTo(9);
        assertThat(metrics.get("inputTokenCount").asLong()).isEqualTo(events.get(0).at("/message/usage/input_tokens").asLong());
        assertThat(metrics.has("invocationLatency")).isTrue();
        assertThat(metrics.has("firstByteLatency")).isTrue();
        assertThat(events.get(events.size() - 2).at("/usage/output_tokens").asLong()).isEqualTo(9);
        assertThat(f.last().usageDelivered()).isTrue();
        assertThat(f.last().operation()).isEqualTo("InvokeModelWithResponseStream");
    }

    @Test
    void invokeModelWithResponseStream_dropUsage_lastChunkWithoutMetrics() {
        f.api.faults().set(HAIKU, FaultPlan.builder().dropUsage().build());

        RuntimeFixture.Captured c = f.call(INVOKE_MODEL_WITH_RESPONSE_STREAM, HAIKU, CLAUDE_BODY);

        List<RuntimeFixture.Frame> frames = c.frames();
        assertThat(frames.get(frames.size() - 1).chunk().has("amazon-bedrock-invocationMetrics")).isFalse();
        assertThat(f.last().usageDelivered()).isFalse();
    }

    @Test
    void invokeModel_novaBody_novaResponse() {
        String body = "{\"schemaVersion\":\"messages-v1\",\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":"
                + "\"Hello there\"}]}],\"system\":[{\"text\":\"Be brief.\"}],\"inferenceConfig\":{\"max_new_tokens\":200}}";

        JsonNode out = f.call(INVOKE_MODEL, NOVA, body).json();
        JsonNode converse = f.call(CONVERSE, NOVA, SAME_AS_CONVERSE).json();

        assertThat(out.at("/output/message/content/0/text").asText())
                .isEqualTo(converse.at("/output/message/content/0/text").asText());
        assertThat(out.at("/usage/inputTokens").asLong()).isEqualTo(converse.at("/usage/inputTokens").asLong());
        assertThat(out.get("stopReason").asText()).isEqualTo("end_turn");
    }

    @Test
    void invokeModelWithResponseStream_nova_metadataChunkCarriesInvocationMetrics() {
        String body = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}]}";

        List<RuntimeFixture.Frame> frames = f.call(INVOKE_MODEL_WITH_RESPONSE_STREAM, NOVA, body).frames();

        assertThat(frames.get(0).chunk().has("messageStart")).isTrue();
        JsonNode last = frames.get(frames.size() - 1).chunk();
        assertThat(last.at("/metadata/usage/outputTokens").asLong())
                .isEqualTo(last.at("/amazon-bedrock-invocationMetrics/outputTokenCount").asLong());
    }

    @Test
    void invokeModel_anthropicToolUse_toolUseBlockAndStopReason() {
        f.api.script().forAnyModel().useTool("lookup", "{\"q\":\"x\"}");
        String body = "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":100,\"tools\":[{\"name\":\"lookup\","
                + "\"input_schema\":{\"type\":\"object\"}}],\"messages\":[{\"role\":\"user\",\"content\":\"find\"}]}";

        JsonNode out = f.call(INVOKE_MODEL, HAIKU, body).json();

        assertThat(out.get("stop_reason").asText()).isEqualTo("tool_use");
        assertThat(out.at("/content/0/type").asText()).isEqualTo("tool_use");
        assertThat(out.at("/content/0/id").asText()).startsWith("toolu_bdrk_");
        assertThat(out.at("/content/0/input/q").asText()).isEqualTo("x");
    }
}
