package dev.aip.emulator;

import static dev.aip.emulator.RuntimeFixture.AIP_ARN;
import static dev.aip.emulator.RuntimeFixture.AIP_ID;
import static dev.aip.emulator.RuntimeFixture.HAIKU;
import static dev.aip.emulator.RuntimeFixture.converse;
import static dev.aip.emulator.RuntimeOperation.CONVERSE;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RuntimeApiConverseTest {

    private final RuntimeFixture f = new RuntimeFixture();

    @Test
    void converse_validRequest_returnsMessageUsageAndMetrics() {
        JsonNode out = f.call(CONVERSE, HAIKU, converse("Hello there")).json();

        assertThat(out.at("/output/message/role").asText()).isEqualTo("assistant");
        assertThat(out.at("/output/message/content/0/text").asText()).isNotBlank();
        assertThat(out.get("stopReason").asText()).isEqualTo("end_turn");
        JsonNode usage = out.get("usage");
        // 3 for the turn + ceil(11 / 4) = 3 for the text
        assertThat(usage.get("inputTokens").asLong()).isEqualTo(6);
        assertThat(usage.get("outputTokens").asLong()).isBetween(20L, 60L);
        assertThat(usage.get("totalTokens").asLong())
                .isEqualTo(usage.get("inputTokens").asLong() + usage.get("outputTokens").asLong());
        assertThat(usage.has("cacheReadInputTokens")).isFalse();
        assertThat(out.at("/metrics/latencyMs").isIntegralNumber()).isTrue();
    }

    @Test
    void converse_outputTokens_equalTokenCountOfReplyText() {
        JsonNode out = f.call(CONVERSE, HAIKU, converse("Count me")).json();

        String text = out.at("/output/message/content/0/text").asText();
        assertThat(out.at("/usage/outputTokens").asLong()).isEqualTo(PromptDigest.textTokens(text));
    }

    @Test
    void converse_sameSeedAndRequest_sameReplyAndTokens() {
        JsonNode a = new RuntimeFixture(7, RuntimeSettings.DEFAULTS).call(CONVERSE, HAIKU, converse("same")).json();
        JsonNode b = new RuntimeFixture(7, RuntimeSettings.DEFAULTS).call(CONVERSE, HAIKU, converse("same")).json();

        assertThat(a.get("output")).isEqualTo(b.get("output"));
        assertThat(a.get("usage")).isEqualTo(b.get("usage"));
    }

    @Test
    void converse_otherSeed_otherReply() {
        JsonNode a = new RuntimeFixture(7, RuntimeSettings.DEFAULTS).call(CONVERSE, HAIKU, converse("same")).json();
        JsonNode b = new RuntimeFixture(8, RuntimeSettings.DEFAULTS).call(CONVERSE, HAIKU, converse("same")).json();

        assertThat(a.get("output")).isNotEqualTo(b.get("output"));
    }

    @Test
    void converse_maxTokensBelowReply_stopsWithMaxTokens() {
        f.api.script().forAnyModel().replyTokens(50);
        String body = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}],"
                + "\"inferenceConfig\":{\"maxTokens\":5}}";

        JsonNode out = f.call(CONVERSE, HAIKU, body).json();

        assertThat(out.get("stopReason").asText()).isEqualTo("max_tokens");
        assertThat(out.at("/usage/outputTokens").asLong()).isEqualTo(5);
    }

    @Test
    void converse_scriptedReplyContainsStopSequence_stopsBeforeIt() {
        f.api.script().forAnyModel().replyText("alpha beta STOP gamma");
        String body = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}],"
                + "\"inferenceConfig\":{\"stopSequences\":[\"STOP\"]}}";

        JsonNode out = f.call(CONVERSE, HAIKU, body).json();

        assertThat(out.get("stopReason").asText()).isEqualTo("stop_sequence");
        assertThat(out.at("/output/message/content/0/text").asText()).isEqualTo("alpha beta ");
        assertThat(out.at("/usage/outputTokens").asLong()).isEqualTo(3);
    }

    @Test
    void converse_toolScriptedAndOffered_asksForToolThenAnswersAfterResult() {
        f.api.script().forModel(HAIKU).whenPromptContains("weather")
                .useTool("get_weather", "{\"city\": \"Paris\"}", "It is sunny in Paris.");
        String tools = "\"toolConfig\":{\"tools\":[{\"toolSpec\":{\"name\":\"get_weather\",\"inputSchema\":"
                + "{\"json\":{\"type\":\"object\"}}}}]}";
        String first = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"weather in Paris?\"}]}]," + tools + "}";

        JsonNode out = f.call(CONVERSE, HAIKU, first).json();

        assertThat(out.get("stopReason").asText()).isEqualTo("tool_use");
        JsonNode use = out.at("/output/message/content/0/toolUse");
        assertThat(use.get("name").asText()).isEqualTo("get_weather");
        assertThat(use.get("input").toString()).isEqualTo("{\"city\":\"Paris\"}");
        String id = use.get("toolUseId").asText();

        String second = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"weather in Paris?\"}]},"
                + "{\"role\":\"assistant\",\"content\":[{\"toolUse\":{\"toolUseId\":\"" + id + "\",\"name\":"
                + "\"get_weather\",\"input\":{\"city\":\"Paris\"}}}]},"
                + "{\"role\":\"user\",\"content\":[{\"toolResult\":{\"toolUseId\":\"" + id + "\",\"content\":"
                + "[{\"text\":\"sunny\"}]}}]}]," + tools + "}";
        JsonNode answer = f.call(CONVERSE, HAIKU, second).json();

        assertThat(answer.get("stopReason").asText()).isEqualTo("end_turn");
        assertThat(answer.at("/output/message/content/0/text").asText()).isEqualTo("It is sunny in Paris.");
    }

    @Test
    void converse_cachePoint_writesThenReadsWithinTtlThenWritesAfterExpiry() {
        String body = "{\"system\":[{\"text\":\"" + "x".repeat(400) + "\"},{\"cachePoint\":{\"type\":\"default\"}}],"
                + "\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"question\"}]}]}";
        long prefix = 3 + 100;

        JsonNode first = f.call(CONVERSE, HAIKU, body).json().get("usage");
        f.clock.advance(Duration.ofMinutes(4));
        JsonNode second = f.call(CONVERSE, HAIKU, body).json().get("usage");
        f.clock.advance(Duration.ofMinutes(5).plusSeconds(1));
        JsonNode third = f.call(CONVERSE, HAIKU, body).json().get("usage");

        assertThat(first.get("cacheWriteInputTokens").asLong()).isEqualTo(prefix);
        assertThat(first.get("cacheReadInputTokens").asLong()).isZero();
        assertThat(first.get("inputTokens").asLong()).isEqualTo(3 + 2);
        assertThat(first.at("/cacheDetails/0/ttl").asText()).isEqualTo("5m");
        assertThat(second.get("cacheReadInputTokens").asLong()).isEqualTo(prefix);
        assertThat(second.get("cacheWriteInputTokens").asLong()).isZero();
        assertThat(second.get("inputTokens").asLong()).isEqualTo(5);
        assertThat(third.get("cacheWriteInputTokens").asLong()).isEqualTo(prefix);
        assertThat(f.api.view().metrics(HAIKU).cacheReadInputTokenCount()).isEqualTo(prefix);
        assertThat(f.api.view().metrics(HAIKU).cacheWriteInputTokenCount()).isEqualTo(2 * prefix);
    }

    @Test
    void converse_oneHourCachePoint_stillReadAfterTenMinutes() {
        String body = "{\"system\":[{\"text\":\"policy\"},{\"cachePoint\":{\"type\":\"default\",\"ttl\":\"1h\"}}],"
                + "\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"q\"}]}]}";

        JsonNode first = f.call(CONVERSE, HAIKU, body).json().get("usage");
        f.clock.advance(Duration.ofMinutes(10));
        JsonNode second = f.call(CONVERSE, HAIKU, body).json().get("usage");

        assertThat(first.at("/cacheDetails/0/ttl").asText()).isEqualTo("1h");
        assertThat(second.get("cacheReadInputTokens").asLong()).isEqualTo(first.get("cacheWriteInputTokens").asLong());
    }

    @Test
    void converse_requestMetadata_recordedInInvocationLog() {
        String body = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}],"
                + "\"requestMetadata\":{\"tenant\":\"acme\",\"feature\":\"chat bot\"}}";

        f.call(CONVERSE, AIP_ARN, body);

        InvocationRecord r = f.last();
        assertThat(r.requestMetadata()).containsExactlyInAnyOrderEntriesOf(Map.of("tenant", "acme", "feature",
                "chat bot"));
        assertThat(r.modelId()).isEqualTo(AIP_ARN);
        assertThat(r.metricsModelId()).isEqualTo(AIP_ID);
        assertThat(r.profileArn()).isEqualTo(AIP_ARN);
        assertThat(r.foundationModelId()).isEqualTo(HAIKU);
        assertThat(r.outcome()).isEqualTo(InvocationRecord.Outcome.SUCCESS);
        assertThat(r.usageDelivered()).isTrue();
        assertThat(r.operation()).isEqualTo("Converse");
        assertThat(r.timestamp()).isEqualTo(f.clock.instant());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{}",
        "{\"tenant\":\"a!\"}",
        "{\"\":\"a\"}",
        "{\"tenant\":1}",
        "{\"k1\":\"v\",\"k2\":\"v\",\"k3\":\"v\",\"k4\":\"v\",\"k5\":\"v\",\"k6\":\"v\",\"k7\":\"v\",\"k8\":\"v\","
                + "\"k9\":\"v\",\"k10\":\"v\",\"k11\":\"v\",\"k12\":\"v\",\"k13\":\"v\",\"k14\":\"v\",\"k15\":\"v\","
                + "\"k16\":\"v\",\"k17\":\"v\"}"})
    void converse_invalidRequestMetadata_rejectedAsValidationAndNotAnInvocation(String metadata) {
        String body = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}],\"requestMetadata\":"
                + metadata + "}";

        ApiError e = f.error(CONVERSE, HAIKU, body);

        assertThat(e.code()).isEqualTo("ValidationException");
        assertThat(e.status()).isEqualTo(400);
        assertThat(f.last().outcome()).isEqualTo(InvocationRecord.Outcome.CLIENT_ERROR);
        ModelMetrics m = f.api.view().metrics(HAIKU);
        assertThat(m.invocations()).isZero();
        assertThat(m.invocationClientErrors()).isEqualTo(1);
    }

    @Test
    void converse_metadataValueWithAllowedPunctuation_accepted() {
        String body = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}],"
                + "\"requestMetadata\":{\"a:b_c@d$e#f=g/h+i,j-k.l m\":\"\"}}";

        assertThat(f.call(CONVERSE, HAIKU, body).status).isEqualTo(200);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{}|messages field is required",
        "{\"messages\":[]}|must start with a user message",
        "{\"messages\":[{\"role\":\"assistant\",\"content\":[{\"text\":\"x\"}]}]}|must start with a user message",
        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"x\"}]},{\"role\":\"user\",\"content\":[{\"text\":\"y\"}]}]}|alternate",
        "{\"messages\":[{\"role\":\"robot\",\"content\":[{\"text\":\"x\"}]}]}|enum value set",
        "{\"messages\":[{\"role\":\"user\",\"content\":[]}]}|is empty",
        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"   \"}]}]}|is blank",
        "{\"messages\":[{\"role\":\"user\",\"content\":[{}]}]}|exactly one member",
        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"x\",\"image\":{}}]}]}|exactly one member",
        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"telepathy\":\"x\"}]}]}|not one of the union members",
        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"x\"}]}],\"inferenceConfig\":{\"maxTokens\":0}}|greater than or equal to 1",
        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"x\"}]}],\"inferenceConfig\":{\"temperature\":1.5}}|between 0 and 1",
        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"x\"}]}],\"inferenceConfig\":{\"topP\":-0.1}}|between 0 and 1",
        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"x\"}]}],\"inferenceConfig\":{\"stopSequences\":[\"\"]}}|length between",
        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"x\"}]}],\"toolConfig\":{\"tools\":[]}}|greater than or equal to 1",
        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"x\"}]}],\"toolConfig\":{\"tools\":[{\"toolSpec\":{\"name\":\"bad name\",\"inputSchema\":{\"json\":{}}}}]}}|[a-zA-Z0-9_-]+",
        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"x\"}]}],\"toolConfig\":{\"tools\":[{\"toolSpec\":{\"name\":\"t\",\"inputSchema\":{\"json\":{}}}}],\"toolChoice\":{\"tool\":{\"name\":\"u\"}}}}|not defined",
        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"x\"}]}],\"system\":[{\"text\":\"\"}]}|is blank",
        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"x\"}]},{\"role\":\"assistant\",\"content\":[{\"toolUse\":{\"toolUseId\":\"t1\",\"name\":\"n\",\"input\":{}}}]}]}|toolConfig field must be defined",
        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"cachePoint\":{\"type\":\"default\",\"ttl\":\"2h\"}}]}]}|enum value set",
    })
    void converse_invalidBody_validationExceptionNamingTheProblem(String body, String fragment) {
        ApiError e = f.error(CONVERSE, HAIKU, body);

        assertThat(e.code()).isEqualTo("ValidationException");
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.getMessage()).contains(fragment);
    }

    @Test
    void converse_toolResultWithUnknownId_rejected() {
        String tools = "\"toolConfig\":{\"tools\":[{\"toolSpec\":{\"name\":\"n\",\"inputSchema\":{\"json\":{}}}}]}";
        String body = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"x\"}]},"
                + "{\"role\":\"assistant\",\"content\":[{\"toolUse\":{\"toolUseId\":\"t1\",\"name\":\"n\",\"input\":{}}}]},"
                + "{\"role\":\"user\",\"content\":[{\"toolResult\":{\"toolUseId\":\"t2\",\"content\":[{\"text\":\"r\"}]}}]}],"
                + tools + "}";

        assertThat(f.error(CONVERSE, HAIKU, body).getMessage()).contains("t2");
    }

    @Test
    void converse_wrongContentType_rejected() {
        ApiError e = null;
        try {
            f.call(CONVERSE, HAIKU, RuntimeFixture.request(converse("x"), Map.of("Content-Type", "text/plain")));
        } catch (ApiError thrown) {
            e = thrown;
        }

        assertThat(e).isNotNull();
        assertThat(e.code()).isEqualTo("ValidationException");
    }

    @Test
    void converse_unknownModel_clientErrorLoggedUnderIdAsCalled() {
        ApiError e = f.error(CONVERSE, "no.such-model", converse("x"));

        assertThat(e.getMessage()).isEqualTo("The provided model identifier is invalid.");
        assertThat(f.last().metricsModelId()).isEqualTo("no.such-model");
        assertThat(f.last().outcome()).isEqualTo(InvocationRecord.Outcome.CLIENT_ERROR);
    }
}
