package dev.aip.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aip.core.bedrock.BedrockChatTransport;
import dev.aip.core.chat.CallProgress;
import dev.aip.core.chat.ChatInvocation;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.ImageFormat;
import software.amazon.awssdk.services.bedrockruntime.model.OutputFormatType;

/**
 * OpenAI requests as Bedrock receives them: each JSON body is parsed by the gateway and sent through aip's Bedrock
 * transport to a client that keeps the {@link ConverseRequest} (the wire shape, before any emulator).
 */
class OpenAiRequestsTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String ARN = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123";

    /** The Converse request Bedrock would receive for an OpenAI body. */
    static ConverseRequest converse(String body) {
        ChatRequest request = parse(body).request();
        AtomicReference<ConverseRequest> sent = new AtomicReference<>();
        BedrockRuntimeClient capturing = new BedrockRuntimeClient() {
            @Override
            public ConverseResponse converse(ConverseRequest r) {
                sent.set(r);
                throw new IllegalStateException("captured");
            }

            @Override
            public String serviceName() {
                return "bedrock";
            }

            @Override
            public void close() {
            }
        };
        ChatInvocation invocation = new ChatInvocation("call", 1, TenantContext.of("acme"), request,
                new ResolvedProfile(TenantId.of("acme"), request.model(), ARN, "abc123",
                        "anthropic.claude-sonnet-4-5-20250929-v1:0", "us-east-1", false), Map.of("tenantId", "acme"));
        try {
            BedrockChatTransport.builder().client(capturing).build().converse(invocation, new CallProgress() {
                @Override
                public void awsRequestId(String requestId) {
                }

                @Override
                public void streamStarted() {
                }

                @Override
                public void firstToken() {
                }

                @Override
                public void outputSeen(int chars) {
                }

                @Override
                public void usageReported(TokenUsage usage) {
                }
            });
        } catch (IllegalStateException expected) {
            // captured
        }
        return sent.get();
    }

    static OpenAiRequests.Parsed parse(String body) {
        return OpenAiRequests.parse(JSON, body.getBytes(StandardCharsets.UTF_8));
    }

    static GatewayError refused(String body) {
        GatewayError e = catchThrowableOfType(GatewayError.class, () -> parse(body));
        assertThat(e).as("refused: " + body).isNotNull();
        assertThat(e.status).isEqualTo(400);
        assertThat(e.type).isEqualTo("invalid_request_error");
        return e;
    }

    static String request(String fields) {
        return "{\"model\":\"claude-sonnet\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]" + fields + "}";
    }

    static final String TOOLS = ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
            + "\"description\":\"Weather\",\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":"
            + "\"string\"}}}}},{\"type\":\"function\",\"function\":{\"name\":\"get_time\"}}]";

    @Test
    void jsonSchema_becomesConverseOutputConfig_withTheSchemaAndName() throws Exception {
        String schema = "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"}},\"required\":[\"name\"],"
                + "\"additionalProperties\":false}";
        ConverseRequest c = converse(request(",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{"
                + "\"name\":\"person\",\"description\":\"A person\",\"strict\":true,\"schema\":" + schema + "}}"));

        assertThat(c.outputConfig().textFormat().type()).isEqualTo(OutputFormatType.JSON_SCHEMA);
        assertThat(c.outputConfig().textFormat().structure().jsonSchema().name()).isEqualTo("person");
        assertThat(c.outputConfig().textFormat().structure().jsonSchema().description()).isEqualTo("A person");
        assertThat(JSON.readTree(c.outputConfig().textFormat().structure().jsonSchema().schema()))
                .isEqualTo(JSON.readTree(schema));
        assertThat(c.toolConfig()).isNull();
        assertThat(converse(request(",\"response_format\":{\"type\":\"text\"}")).outputConfig()).isNull();
    }

    @Test
    void jsonObject_isAForcedToolWithAnyObjectAsInput() {
        OpenAiRequests.Parsed parsed = parse(request(",\"response_format\":{\"type\":\"json_object\"}"));
        ConverseRequest c = converse(request(",\"response_format\":{\"type\":\"json_object\"}"));

        assertThat(parsed.jsonObject()).isTrue();
        assertThat(c.outputConfig()).isNull();
        assertThat(c.toolConfig().tools()).singleElement().satisfies(t -> assertThat(t.toolSpec().name())
                .isEqualTo(OpenAiRequests.JSON_OBJECT_TOOL));
        assertThat(c.toolConfig().toolChoice().tool().name()).isEqualTo(OpenAiRequests.JSON_OBJECT_TOOL);
        assertThat(refused(request(TOOLS + ",\"response_format\":{\"type\":\"json_object\"}")).param)
                .isEqualTo("response_format");
        assertThat(refused(request(",\"response_format\":{\"type\":\"json_schema\"}")).param)
                .isEqualTo("response_format.json_schema");
    }

    @Test
    void tools_andEachToolChoice_becomeConverseToolConfig_noneLeavesTheToolsOut() {
        ConverseRequest auto = converse(request(TOOLS));
        ConverseRequest required = converse(request(TOOLS + ",\"tool_choice\":\"required\""));
        ConverseRequest named = converse(request(TOOLS + ",\"tool_choice\":{\"type\":\"function\",\"function\":"
                + "{\"name\":\"get_time\"}}"));
        ConverseRequest none = converse(request(TOOLS + ",\"tool_choice\":\"none\""));

        assertThat(auto.toolConfig().tools()).extracting(t -> t.toolSpec().name())
                .containsExactly("get_weather", "get_time");
        assertThat(auto.toolConfig().tools().get(0).toolSpec().description()).isEqualTo("Weather");
        assertThat(auto.toolConfig().tools().get(1).toolSpec().inputSchema().json().asMap()).containsKey("type");
        assertThat(auto.toolConfig().toolChoice()).isNull();
        assertThat(required.toolConfig().toolChoice().any()).isNotNull();
        assertThat(named.toolConfig().toolChoice().tool().name()).isEqualTo("get_time");
        assertThat(none.toolConfig()).isNull();
    }

    @Test
    void toolHistory_becomesToolUseAndToolResultBlocks_inAlternatingTurns() {
        ConverseRequest c = converse("""
                {"model":"claude-sonnet","tool_choice":"none","tools":[
                  {"type":"function","function":{"name":"get_weather"}},{"type":"function","function":{"name":"get_time"}}],
                 "messages":[
                  {"role":"system","content":"Be brief."},
                  {"role":"user","content":"Weather and time?"},
                  {"role":"assistant","content":"Checking both.","tool_calls":[
                    {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Oslo\\"}"}},
                    {"id":"call_2","type":"function","function":{"name":"get_time","arguments":""}}]},
                  {"role":"tool","tool_call_id":"call_1","content":"snow"},
                  {"role":"tool","tool_call_id":"call_2","content":""},
                  {"role":"user","content":"Summarise."}]}
                """);

        assertThat(c.messages()).extracting(m -> m.role()).containsExactly(ConversationRole.USER,
                ConversationRole.ASSISTANT, ConversationRole.USER);
        var assistant = c.messages().get(1).content();
        assertThat(assistant.get(0).text()).isEqualTo("Checking both.");
        assertThat(assistant.get(1).toolUse().toolUseId()).isEqualTo("call_1");
        assertThat(assistant.get(1).toolUse().input().asMap().get("city").asString()).isEqualTo("Oslo");
        assertThat(assistant.get(2).toolUse().input().asMap()).isEmpty();
        var results = c.messages().get(2).content();
        assertThat(results.get(0).toolResult().toolUseId()).isEqualTo("call_1");
        assertThat(results.get(0).toolResult().content().get(0).text()).isEqualTo("snow");
        assertThat(results.get(1).toolResult().toolUseId()).isEqualTo("call_2");
        assertThat(results.get(2).text()).isEqualTo("Summarise.");
        // With tool history, Converse needs the tool definitions even for "none"; no choice is sent.
        assertThat(c.toolConfig().tools()).hasSize(2);
        assertThat(c.toolConfig().toolChoice()).isNull();
        assertThat(c.system().get(0).text()).isEqualTo("Be brief.");
    }

    @Test
    void imageDataUrl_becomesAnImageBlock_remoteUrlsAndOtherMediaAreRefused() {
        byte[] gif = "GIF89a-pixels".getBytes(StandardCharsets.US_ASCII);
        String dataUrl = "data:image/gif;base64," + Base64.getEncoder().encodeToString(gif);
        ConverseRequest c = converse("{\"model\":\"claude-sonnet\",\"messages\":[{\"role\":\"user\",\"content\":["
                + "{\"type\":\"text\",\"text\":\"What is this?\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\""
                + dataUrl + "\",\"detail\":\"low\"}}]}]}");

        ContentBlock image = c.messages().get(0).content().get(1);
        assertThat(image.image().format()).isEqualTo(ImageFormat.GIF);
        assertThat(image.image().source().bytes().asByteArray()).isEqualTo(gif);
        String part = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\","
                + "\"image_url\":{\"url\":\"%s\"}}]}]}";
        GatewayError remote = refused(part.formatted("https://example.com/cat.png"));
        assertThat(remote.param).isEqualTo("messages[0].content[0].image_url.url");
        assertThat(remote.getMessage()).contains("data URL");
        assertThat(refused(part.formatted("data:image/tiff;base64,AAAA")).getMessage()).contains("image/png");
        assertThat(refused(part.formatted("data:image/png;base64,%%%")).getMessage()).contains("base64");
        assertThat(refused("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":"
                + "\"input_audio\"}]}]}").param).isEqualTo("messages[0].content[0].type");
    }

    @Test
    void temperature_upToOneAsSent_aboveOneIsTheModelsMaximum_aboveTwoRefused() {
        assertThat(converse(request(",\"temperature\":0.7")).inferenceConfig().temperature()).isEqualTo(0.7f);
        assertThat(converse(request(",\"temperature\":1.5")).inferenceConfig().temperature()).isEqualTo(1.0f);
        assertThat(converse(request(",\"temperature\":2")).inferenceConfig().temperature()).isEqualTo(1.0f);
        assertThat(refused(request(",\"temperature\":2.5")).param).isEqualTo("temperature");
        assertThat(refused(request(",\"temperature\":-0.1")).param).isEqualTo("temperature");
    }

    @Test
    void severalChoicesAndLogprobs_areRefusedNamingTheField() {
        assertThat(refused(request(",\"n\":2")).param).isEqualTo("n");
        assertThat(refused(request(",\"logprobs\":true")).param).isEqualTo("logprobs");
        assertThat(refused(request(",\"logprobs\":true,\"top_logprobs\":3")).param).isEqualTo("top_logprobs");
        assertThat(parse(request(",\"n\":1,\"logprobs\":false")).request().model()).isEqualTo("claude-sonnet");
    }
}
