package dev.aip.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.document.Document;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.BedrockRuntimeException;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseTokensRequest;
import software.amazon.awssdk.services.bedrockruntime.model.CountTokensInput;
import software.amazon.awssdk.services.bedrockruntime.model.ImageBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ImageFormat;
import software.amazon.awssdk.services.bedrockruntime.model.ImageSource;
import software.amazon.awssdk.services.bedrockruntime.model.JsonSchemaDefinition;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.OutputConfig;
import software.amazon.awssdk.services.bedrockruntime.model.OutputFormat;
import software.amazon.awssdk.services.bedrockruntime.model.OutputFormatStructure;
import software.amazon.awssdk.services.bedrockruntime.model.OutputFormatType;
import software.amazon.awssdk.services.bedrockruntime.model.StopReason;
import software.amazon.awssdk.services.bedrockruntime.model.Tool;
import software.amazon.awssdk.services.bedrockruntime.model.ToolConfiguration;
import software.amazon.awssdk.services.bedrockruntime.model.ToolInputSchema;
import software.amazon.awssdk.services.bedrockruntime.model.ToolResultBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ToolResultContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ToolSpecification;
import software.amazon.awssdk.services.bedrockruntime.model.ToolUseBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ValidationException;

/**
 * Structured output, image blocks, parallel tool calls and CountTokens' model rules, through the real AWS SDK
 * clients against a running emulator.
 */
class RuntimeCapabilitiesSdkTest {

    static final String HAIKU_35 = "anthropic.claude-3-5-haiku-20241022-v1:0";
    static final String HAIKU_45 = "anthropic.claude-haiku-4-5-20251001-v1:0";
    static final String US_HAIKU_45 = "us." + HAIKU_45;
    static final String US_HAIKU_35 = "us." + HAIKU_35;

    static final String ORDER_SCHEMA = """
            {"type":"object","additionalProperties":false,
             "required":["id","status","total","paid","items","customer","note","placed"],
             "properties":{
               "id":{"type":"integer"},
               "status":{"type":"string","enum":["open","shipped","cancelled"]},
               "total":{"type":"number"},
               "paid":{"type":"boolean"},
               "note":{"type":["string","null"]},
               "placed":{"type":"string","format":"date-time"},
               "coupon":{"type":"string"},
               "customer":{"$ref":"#/$defs/customer"},
               "items":{"type":"array","minItems":1,"items":{"type":"object","additionalProperties":false,
                 "required":["sku","quantity"],
                 "properties":{"sku":{"type":"string"},"quantity":{"type":"integer"},
                   "tags":{"type":"array","items":{"type":"string"}}}}}},
             "$defs":{"customer":{"type":"object","additionalProperties":false,"required":["email","kind"],
               "properties":{"email":{"type":"string","format":"email"},
                 "kind":{"anyOf":[{"type":"string","const":"person"},{"type":"null"}]}}}}}""";

    static BedrockEmulator emulator;
    static BedrockRuntimeClient sync;
    static BedrockRuntimeAsyncClient async;
    static String profileArn;
    static String profileId;

    @BeforeAll
    static void start() {
        emulator = BedrockEmulator.builder().seed(7).build().start();
        sync = SdkClients.runtime(emulator);
        async = SdkClients.runtimeAsync(emulator);
        try (BedrockClient bedrock = SdkClients.bedrock(emulator)) {
            profileArn = bedrock.createInferenceProfile(r -> r.inferenceProfileName("tenant-capabilities")
                    .modelSource(s -> s.copyFrom("arn:aws:bedrock:" + emulator.region() + "::foundation-model/"
                            + HAIKU_35))).inferenceProfileArn();
        }
        profileId = profileArn.substring(profileArn.lastIndexOf('/') + 1);
    }

    @AfterAll
    static void stop() {
        sync.close();
        async.close();
        emulator.close();
    }

    @AfterEach
    void reset() {
        emulator.script().clear();
        emulator.resetMetrics();
    }

    private static Message user(ContentBlock... blocks) {
        return Message.builder().role(ConversationRole.USER).content(blocks).build();
    }

    private static OutputConfig jsonSchema(String schema) {
        return OutputConfig.builder().textFormat(OutputFormat.builder().type(OutputFormatType.JSON_SCHEMA)
                .structure(OutputFormatStructure.fromJsonSchema(JsonSchemaDefinition.builder().name("order")
                        .schema(schema).build())).build()).build();
    }

    private static List<String> stream(ConverseStreamRequest request, List<String> events) throws Exception {
        List<String> text = new CopyOnWriteArrayList<>();
        ConverseStreamResponseHandler handler = ConverseStreamResponseHandler.builder()
                .subscriber(ConverseStreamResponseHandler.Visitor.builder()
                        .onContentBlockStart(e -> events.add("start:" + e.contentBlockIndex() + ":"
                                + e.start().toolUse().name() + ":" + e.start().toolUse().toolUseId()))
                        .onContentBlockDelta(e -> {
                            if (e.delta().text() != null) {
                                text.add(e.delta().text());
                            } else {
                                events.add("delta:" + e.contentBlockIndex() + ":" + e.delta().toolUse().input());
                            }
                        })
                        .onContentBlockStop(e -> events.add("stop:" + e.contentBlockIndex()))
                        .onMessageStop(e -> events.add("messageStop:" + e.stopReasonAsString()))
                        .onMetadata(e -> events.add("metadata:" + e.usage().inputTokens() + ":"
                                + e.usage().outputTokens()))
                        .build())
                .build();
        async.converseStream(request, handler).get(30, TimeUnit.SECONDS);
        return text;
    }

    private static Throwable sdkCause(Throwable t) {
        Throwable c = t;
        while (c instanceof ExecutionException && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    // ------------------------------------------------------------------------------------------ structured output

    @Test
    void converse_jsonSchema_textValidatesAgainstSchemaAndCountsAsText() {
        ConverseResponse r = sync.converse(ConverseRequest.builder().modelId(US_HAIKU_45)
                .messages(user(ContentBlock.fromText("Extract the order"))).outputConfig(jsonSchema(ORDER_SCHEMA))
                .build());

        String text = r.output().message().content().get(0).text();
        JsonNode json = RuntimeFixture.read(text.getBytes(StandardCharsets.UTF_8));
        assertThat(JsonSchemaCheck.violations(json, RuntimeFixture.read(ORDER_SCHEMA.getBytes(StandardCharsets.UTF_8))))
                .isEmpty();
        assertThat(json.get("items").size()).isPositive();
        assertThat(r.stopReason()).isEqualTo(StopReason.END_TURN);
        assertThat(r.usage().outputTokens()).isEqualTo((int) PromptDigest.textTokens(text));
    }

    @Test
    void converse_jsonSchema_sameRequestSameJson() {
        ConverseRequest request = ConverseRequest.builder().modelId(US_HAIKU_45)
                .messages(user(ContentBlock.fromText("Extract the order"))).outputConfig(jsonSchema(ORDER_SCHEMA))
                .build();

        assertThat(sync.converse(request).output()).isEqualTo(sync.converse(request).output());
    }

    @Test
    void converseStream_jsonSchema_deltasJoinToTheConverseJson() throws Exception {
        ConverseResponse whole = sync.converse(ConverseRequest.builder().modelId(US_HAIKU_45)
                .messages(user(ContentBlock.fromText("Stream the order"))).outputConfig(jsonSchema(ORDER_SCHEMA))
                .build());
        List<String> events = new CopyOnWriteArrayList<>();

        List<String> text = stream(ConverseStreamRequest.builder().modelId(US_HAIKU_45)
                .messages(user(ContentBlock.fromText("Stream the order"))).outputConfig(jsonSchema(ORDER_SCHEMA))
                .build(), events);

        assertThat(String.join("", text)).isEqualTo(whole.output().message().content().get(0).text());
        assertThat(events).contains("metadata:" + whole.usage().inputTokens() + ":" + whole.usage().outputTokens());
    }

    static Stream<Arguments> refusedSchemas() {
        return Stream.of(
                Arguments.of("recursive $ref", "{\"type\":\"object\",\"additionalProperties\":false,"
                        + "\"properties\":{\"node\":{\"$ref\":\"#/$defs/node\"}},\"$defs\":{\"node\":{\"type\":"
                        + "\"object\",\"additionalProperties\":false,\"properties\":{\"next\":{\"$ref\":"
                        + "\"#/$defs/node\"}}}}}", "recursive"),
                Arguments.of("external $ref", "{\"$ref\":\"https://example.com/schema.json\"}", "$defs"),
                Arguments.of("minimum", "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":"
                        + "{\"age\":{\"type\":\"integer\",\"minimum\":0}}}", "minimum"),
                Arguments.of("maxLength", "{\"type\":\"string\",\"maxLength\":5}", "maxLength"),
                Arguments.of("pattern", "{\"type\":\"string\",\"pattern\":\"^a\"}", "pattern"),
                Arguments.of("oneOf", "{\"oneOf\":[{\"type\":\"string\"},{\"type\":\"integer\"}]}", "oneOf"),
                Arguments.of("missing additionalProperties", "{\"type\":\"object\",\"properties\":{}}",
                        "additionalProperties"),
                Arguments.of("additionalProperties true", "{\"type\":\"object\",\"additionalProperties\":true}",
                        "additionalProperties"),
                Arguments.of("object in enum", "{\"enum\":[{\"a\":1}]}", "enum"),
                Arguments.of("minItems 2", "{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"minItems\":2}",
                        "minItems"),
                Arguments.of("unknown format", "{\"type\":\"string\",\"format\":\"credit-card\"}", "credit-card"),
                Arguments.of("not JSON", "{\"type\":", "not valid JSON"),
                Arguments.of("not an object", "[1,2]", "JSON object"),
                Arguments.of("too many optional properties", tooManyOptional(), "optional"));
    }

    private static String tooManyOptional() {
        StringBuilder s = new StringBuilder("{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{");
        for (int i = 0; i <= OutputSchema.MAX_OPTIONAL; i++) {
            s.append(i == 0 ? "" : ",").append("\"p").append(i).append("\":{\"type\":\"string\"}");
        }
        return s.append("}}").toString();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedSchemas")
    void converse_unsupportedSchema_validationExceptionNamingTheProblem(String name, String schema, String named) {
        assertThatThrownBy(() -> sync.converse(ConverseRequest.builder().modelId(US_HAIKU_45)
                .messages(user(ContentBlock.fromText("x"))).outputConfig(jsonSchema(schema)).build()))
                .isInstanceOfSatisfying(ValidationException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(400);
                    assertThat(e.awsErrorDetails().errorMessage()).contains(named);
                });
    }

    @Test
    void converse_jsonSchemaOnModelWithoutStructuredOutput_validationException() {
        assertThatThrownBy(() -> sync.converse(ConverseRequest.builder().modelId(profileArn)
                .messages(user(ContentBlock.fromText("x"))).outputConfig(jsonSchema(ORDER_SCHEMA)).build()))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.awsErrorDetails()
                        .errorMessage()).contains(HAIKU_35).contains("structured outputs").contains(HAIKU_45));
        assertThat(emulator.metrics(profileId).invocationClientErrors()).isEqualTo(1);
    }

    @Test
    void converse_outputConfigMalformed_validationExceptionNamingTheMember() {
        ConverseRequest base = ConverseRequest.builder().modelId(US_HAIKU_45)
                .messages(user(ContentBlock.fromText("x"))).build();

        assertThatThrownBy(() -> sync.converse(base.toBuilder().outputConfig(o -> o.textFormat(t -> t
                .type("json_object").structure(OutputFormatStructure.fromJsonSchema(j -> j.schema("{}"))))).build()))
                .isInstanceOf(ValidationException.class).hasMessageContaining("outputConfig.textFormat.type");
        assertThatThrownBy(() -> sync.converse(base.toBuilder().outputConfig(o -> o.textFormat(t -> t
                .type(OutputFormatType.JSON_SCHEMA))).build()))
                .isInstanceOf(ValidationException.class).hasMessageContaining("outputConfig.textFormat.structure");
    }

    @Test
    void converse_jsonSchemaAfterToolResult_finalAnswerIsSchemaJson() {
        emulator.script().forAnyModel().useTool("lookup", "{\"order\":7}");
        ToolConfiguration tools = tools("lookup");
        Message question = user(ContentBlock.fromText("Where is order 7?"));
        ConverseRequest.Builder request = ConverseRequest.builder().modelId(US_HAIKU_45).toolConfig(tools)
                .outputConfig(jsonSchema(ORDER_SCHEMA));

        ConverseResponse first = sync.converse(request.messages(question).build());
        ToolUseBlock use = first.output().message().content().get(0).toolUse();
        ConverseResponse second = sync.converse(request.messages(question, first.output().message(),
                user(ContentBlock.fromToolResult(ToolResultBlock.builder().toolUseId(use.toolUseId())
                        .content(ToolResultContentBlock.fromText("shipped")).build()))).build());

        assertThat(first.stopReason()).isEqualTo(StopReason.TOOL_USE);
        JsonNode json = RuntimeFixture.read(second.output().message().content().get(0).text()
                .getBytes(StandardCharsets.UTF_8));
        assertThat(JsonSchemaCheck.violations(json, RuntimeFixture.read(ORDER_SCHEMA.getBytes(
                StandardCharsets.UTF_8)))).isEmpty();
    }

    @Test
    void converse_jsonSchemaWithSmallMaxTokens_cutAtMaxTokens() {
        ConverseResponse r = sync.converse(ConverseRequest.builder().modelId(US_HAIKU_45)
                .messages(user(ContentBlock.fromText("Extract the order"))).outputConfig(jsonSchema(ORDER_SCHEMA))
                .inferenceConfig(c -> c.maxTokens(5)).build());

        assertThat(r.stopReason()).isEqualTo(StopReason.MAX_TOKENS);
        assertThat(r.usage().outputTokens()).isEqualTo(5);
        assertThat(r.output().message().content().get(0).text()).startsWith("{");
    }

    // ------------------------------------------------------------------------------------------------ images

    /** A PNG signature and IHDR chunk: all the emulator reads. */
    static byte[] png(int width, int height) {
        ByteBuffer b = ByteBuffer.allocate(33).order(ByteOrder.BIG_ENDIAN);
        b.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        b.putInt(13).put("IHDR".getBytes(StandardCharsets.US_ASCII)).putInt(width).putInt(height);
        b.put(new byte[] {8, 6, 0, 0, 0}).putInt(0);
        return b.array();
    }

    /** SOI, an APP0 segment, then a baseline SOF0 segment with the size. */
    static byte[] jpeg(int width, int height) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xD8});
        out.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0,
            0});
        out.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xC0, 0, 17, 8, (byte) (height >> 8), (byte) height,
            (byte) (width >> 8), (byte) width, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1});
        out.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xD9});
        return out.toByteArray();
    }

    static byte[] gif(int width, int height) {
        ByteBuffer b = ByteBuffer.allocate(13).order(ByteOrder.LITTLE_ENDIAN);
        b.put("GIF89a".getBytes(StandardCharsets.US_ASCII)).putShort((short) width).putShort((short) height);
        b.put(new byte[] {0, 0, 0});
        return b.array();
    }

    /** RIFF / WEBP with a VP8X chunk (24-bit width and height minus one). */
    static byte[] webp(int width, int height) {
        ByteBuffer b = ByteBuffer.allocate(30).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(22).put("WEBP".getBytes(StandardCharsets.US_ASCII));
        b.put("VP8X".getBytes(StandardCharsets.US_ASCII)).putInt(10).put(new byte[] {0, 0, 0, 0});
        int w = width - 1;
        int h = height - 1;
        b.put(new byte[] {(byte) w, (byte) (w >> 8), (byte) (w >> 16), (byte) h, (byte) (h >> 8), (byte) (h >> 16)});
        return b.array();
    }

    private static ContentBlock image(ImageFormat format, byte[] bytes) {
        return ContentBlock.fromImage(ImageBlock.builder().format(format)
                .source(ImageSource.fromBytes(SdkBytes.fromByteArray(bytes))).build());
    }

    private int converseInput(ContentBlock... blocks) {
        return sync.converse(ConverseRequest.builder().modelId(US_HAIKU_45).messages(user(blocks)).build())
                .usage().inputTokens();
    }

    private int countTokens(ContentBlock... blocks) {
        return sync.countTokens(b -> b.modelId(HAIKU_45).input(CountTokensInput.fromConverse(
                ConverseTokensRequest.builder().messages(user(blocks)).build()))).inputTokens();
    }

    static Stream<Arguments> images() {
        // Expected tokens from the documented rule: ceil(w * h / 750) after fitting 1568 px and ~1,600 tokens.
        return Stream.of(
                Arguments.of("png 1000x500", ImageFormat.PNG, png(1000, 500), 667),
                Arguments.of("png 1092x1092 (Anthropic's table: ~1590)", ImageFormat.PNG, png(1092, 1092), 1590),
                Arguments.of("jpeg 640x480", ImageFormat.JPEG, jpeg(640, 480), 410),
                Arguments.of("jpeg 3000x2000, scaled to 1341x894", ImageFormat.JPEG, jpeg(3000, 2000), 1599),
                Arguments.of("gif 200x200", ImageFormat.GIF, gif(200, 200), 54),
                Arguments.of("webp 8000x100, scaled to 1568x19", ImageFormat.WEBP, webp(8000, 100), 40));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void image_countedByItsSize_sameInConverseConverseStreamAndCountTokens(String name, ImageFormat format,
            byte[] bytes, int imageTokens) throws Exception {
        ContentBlock question = ContentBlock.fromText("What is in this picture?");
        int textOnly = converseInput(question);

        int viaConverse = converseInput(image(format, bytes), question);
        List<String> events = new CopyOnWriteArrayList<>();
        stream(ConverseStreamRequest.builder().modelId(US_HAIKU_45).messages(user(image(format, bytes), question))
                .build(), events);
        int viaCountTokens = countTokens(image(format, bytes), question);

        assertThat(viaConverse).isEqualTo(textOnly + imageTokens);
        assertThat(events.stream().filter(e -> e.startsWith("metadata:")).findFirst().orElseThrow())
                .startsWith("metadata:" + viaConverse + ":");
        assertThat(viaCountTokens).isEqualTo(viaConverse);
    }

    @Test
    void image_inToolResult_countedByItsSize() {
        ToolConfiguration tools = tools("look");
        ContentBlock use = ContentBlock.fromToolUse(ToolUseBlock.builder().toolUseId("tooluse_1").name("look")
                .input(Document.mapBuilder().build()).build());
        java.util.function.IntFunction<Integer> input = size -> {
            ToolResultContentBlock content = size == 0 ? ToolResultContentBlock.fromText("none")
                    : ToolResultContentBlock.fromImage(ImageBlock.builder().format(ImageFormat.PNG)
                            .source(ImageSource.fromBytes(SdkBytes.fromByteArray(png(size, size)))).build());
            return sync.converse(ConverseRequest.builder().modelId(US_HAIKU_45).toolConfig(tools).messages(
                    user(ContentBlock.fromText("look")),
                    Message.builder().role(ConversationRole.ASSISTANT).content(use).build(),
                    user(ContentBlock.fromToolResult(ToolResultBlock.builder().toolUseId("tooluse_1")
                            .content(content).build()))).build()).usage().inputTokens();
        };

        assertThat(input.apply(750) - input.apply(30)).isEqualTo(750 - 2);
    }

    static Stream<Arguments> badImages() {
        return Stream.of(
                Arguments.of("png bytes declared as jpeg", ImageFormat.JPEG, png(10, 10), "jpeg"),
                Arguments.of("not an image", ImageFormat.PNG, "hello, world, not a picture".getBytes(
                        StandardCharsets.US_ASCII), "PNG signature"),
                Arguments.of("truncated jpeg", ImageFormat.JPEG, new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF,
                    (byte) 0xE0, 0, 16}, "start-of-frame"),
                Arguments.of("zero width", ImageFormat.PNG, png(0, 10), "0x10"),
                Arguments.of("over 8000 px", ImageFormat.GIF, gif(8001, 10), "8000"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badImages")
    void image_undecodable_validationExceptionInConverseAndCountTokens(String name, ImageFormat format, byte[] bytes,
                                                                      String named) {
        ContentBlock block = image(format, bytes);

        assertThatThrownBy(() -> converseInput(block, ContentBlock.fromText("x")))
                .isInstanceOfSatisfying(ValidationException.class,
                        e -> assertThat(e.awsErrorDetails().errorMessage()).contains("messages.0.content.0.image")
                                .contains(named));
        assertThatThrownBy(() -> countTokens(block, ContentBlock.fromText("x")))
                .isInstanceOf(ValidationException.class);
    }

    // ------------------------------------------------------------------------------------ parallel tool calls

    private static ToolConfiguration tools(String... names) {
        List<Tool> tools = new ArrayList<>();
        for (String name : names) {
            tools.add(Tool.fromToolSpec(ToolSpecification.builder().name(name).inputSchema(ToolInputSchema.fromJson(
                    Document.mapBuilder().putString("type", "object").build())).build()));
        }
        return ToolConfiguration.builder().tools(tools).build();
    }

    private static final List<Script.Action.UseTool> CALLS = List.of(
            Script.toolCall("get_weather", "{\"city\":\"Paris\"}"),
            Script.toolCall("get_time", "{\"zone\":\"Europe/Paris\"}"),
            Script.toolCall("get_weather", "{\"city\":\"Lyon\"}"));

    @Test
    void converse_useTools_severalToolUseBlocksInOneTurnThenFinalText() {
        emulator.script().forModel(profileArn).useTools(CALLS, "Sunny in Paris and Lyon at noon.");
        ToolConfiguration tools = tools("get_weather", "get_time");
        Message question = user(ContentBlock.fromText("weather and time in Paris and Lyon?"));

        ConverseResponse first = sync.converse(ConverseRequest.builder().modelId(profileArn).toolConfig(tools)
                .messages(question).build());
        List<ToolUseBlock> uses = first.output().message().content().stream().map(ContentBlock::toolUse).toList();
        List<ContentBlock> results = uses.stream().map(u -> ContentBlock.fromToolResult(ToolResultBlock.builder()
                .toolUseId(u.toolUseId()).content(ToolResultContentBlock.fromText("ok " + u.name())).build()))
                .toList();
        ConverseResponse second = sync.converse(ConverseRequest.builder().modelId(profileArn).toolConfig(tools)
                .messages(question, first.output().message(), Message.builder().role(ConversationRole.USER)
                        .content(results).build()).build());

        assertThat(first.stopReason()).isEqualTo(StopReason.TOOL_USE);
        assertThat(uses).extracting(ToolUseBlock::name).containsExactly("get_weather", "get_time", "get_weather");
        assertThat(uses).extracting(u -> u.input().asMap().values().iterator().next().asString())
                .containsExactly("Paris", "Europe/Paris", "Lyon");
        assertThat(uses).extracting(ToolUseBlock::toolUseId).doesNotHaveDuplicates().allMatch(
                id -> id.startsWith("tooluse_"));
        long expectedOutput = 0;
        for (Script.Action.UseTool call : CALLS) {
            expectedOutput += PromptDigest.BLOCK_OVERHEAD + PromptDigest.textTokens(call.toolName())
                    + PromptDigest.textTokens(call.inputJson());
        }
        assertThat(first.usage().outputTokens()).isEqualTo((int) expectedOutput);
        assertThat(second.output().message().content().get(0).text()).isEqualTo("Sunny in Paris and Lyon at noon.");
        assertThat(second.stopReason()).isEqualTo(StopReason.END_TURN);
    }

    @Test
    void converse_useToolsWithOneResultMissing_validationException() {
        emulator.script().forAnyModel().useTools(CALLS);
        ToolConfiguration tools = tools("get_weather", "get_time");
        Message question = user(ContentBlock.fromText("weather?"));
        ConverseResponse first = sync.converse(ConverseRequest.builder().modelId(HAIKU_35).toolConfig(tools)
                .messages(question).build());
        ToolUseBlock only = first.output().message().content().get(0).toolUse();

        assertThatThrownBy(() -> sync.converse(ConverseRequest.builder().modelId(HAIKU_35).toolConfig(tools)
                .messages(question, first.output().message(), user(ContentBlock.fromToolResult(ToolResultBlock
                        .builder().toolUseId(only.toolUseId()).content(ToolResultContentBlock.fromText("ok"))
                        .build()))).build()))
                .isInstanceOf(ValidationException.class);
    }

    @Test
    void converse_useToolsNamingAToolNotOffered_answersWithText() {
        emulator.script().forAnyModel().useTools(CALLS, "No tools for that.");

        ConverseResponse r = sync.converse(ConverseRequest.builder().modelId(HAIKU_35).toolConfig(tools("get_weather"))
                .messages(user(ContentBlock.fromText("weather?"))).build());

        assertThat(r.output().message().content().get(0).text()).isEqualTo("No tools for that.");
    }

    @Test
    void converseStream_useTools_startDeltasStopPerToolWithIndexes() throws Exception {
        emulator.script().forAnyModel().useTools(CALLS);
        ConverseStreamRequest request = ConverseStreamRequest.builder().modelId(HAIKU_35)
                .toolConfig(tools("get_weather", "get_time"))
                .messages(user(ContentBlock.fromText("weather and time?"))).build();
        ConverseResponse whole = sync.converse(ConverseRequest.builder().modelId(HAIKU_35)
                .toolConfig(tools("get_weather", "get_time"))
                .messages(user(ContentBlock.fromText("weather and time?"))).build());
        List<String> events = new CopyOnWriteArrayList<>();

        stream(request, events);

        Map<Integer, StringBuilder> inputs = new TreeMap<>();
        List<String> order = new ArrayList<>();
        for (String e : events) {
            String[] parts = e.split(":", 3);
            switch (parts[0]) {
                case "start" -> order.add("start" + parts[1] + ":" + parts[2].substring(0, parts[2].indexOf(':')));
                case "delta" -> inputs.computeIfAbsent(Integer.parseInt(parts[1]), i -> new StringBuilder())
                        .append(parts[2]);
                case "stop" -> order.add("stop" + parts[1]);
                default -> order.add(e);
            }
        }
        assertThat(order).containsExactly("start0:get_weather", "stop0", "start1:get_time", "stop1",
                "start2:get_weather", "stop2", "messageStop:tool_use",
                "metadata:" + whole.usage().inputTokens() + ":" + whole.usage().outputTokens());
        assertThat(inputs).containsOnlyKeys(0, 1, 2);
        assertThat(inputs.get(0).toString()).isEqualTo("{\"city\":\"Paris\"}");
        assertThat(inputs.get(1).toString()).isEqualTo("{\"zone\":\"Europe/Paris\"}");
        assertThat(inputs.get(2).toString()).isEqualTo("{\"city\":\"Lyon\"}");
        List<String> ids = events.stream().filter(e -> e.startsWith("start:")).map(e -> e.substring(
                e.lastIndexOf(':') + 1)).toList();
        assertThat(ids).containsExactlyElementsOf(whole.output().message().content().stream()
                .map(b -> b.toolUse().toolUseId()).toList());
    }

    @Test
    void scriptUseTools_fewerThanTwoCalls_refused() {
        assertThatThrownBy(() -> emulator.script().forAnyModel().useTools(List.of(Script.toolCall("a", "{}"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("two or more");
    }

    // ------------------------------------------------------------------------------------------------ CountTokens

    static Stream<Arguments> profileIds() {
        return Stream.of(Arguments.of("system profile id", (java.util.function.Supplier<String>) () -> US_HAIKU_35),
                Arguments.of("system profile ARN", (java.util.function.Supplier<String>) () -> Arns.systemProfile(
                        emulator.region(), emulator.accountId(), US_HAIKU_35)),
                Arguments.of("application profile ARN", (java.util.function.Supplier<String>) () -> profileArn),
                Arguments.of("application profile id", (java.util.function.Supplier<String>) () -> profileId));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("profileIds")
    void countTokens_inferenceProfile_validationExceptionDoesNotSupportCounting(String name,
            java.util.function.Supplier<String> modelId) {
        String target = modelId.get();
        sync.converse(ConverseRequest.builder().modelId(target).messages(user(ContentBlock.fromText("count me")))
                .build());

        assertThatThrownBy(() -> sync.countTokens(b -> b.modelId(target).input(CountTokensInput.fromConverse(
                ConverseTokensRequest.builder().messages(user(ContentBlock.fromText("count me"))).build()))))
                .isInstanceOfSatisfying(ValidationException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(400);
                    assertThat(e.awsErrorDetails().errorMessage())
                            .isEqualTo("The provided model doesn't support counting tokens.");
                });
    }

    @Test
    void countTokens_foundationModelIdOrArn_countedEvenForProfileOnlyModel() {
        CountTokensInput input = CountTokensInput.fromConverse(ConverseTokensRequest.builder()
                .messages(user(ContentBlock.fromText("count me"))).build());
        int converse = converseInput(ContentBlock.fromText("count me"));

        int byId = sync.countTokens(b -> b.modelId(HAIKU_45).input(input)).inputTokens();
        int byArn = sync.countTokens(b -> b.modelId("arn:aws:bedrock:" + emulator.region() + "::foundation-model/"
                + HAIKU_45).input(input)).inputTokens();

        assertThat(byId).isEqualTo(converse);
        assertThat(byArn).isEqualTo(converse);
        assertThatThrownBy(() -> sync.converse(ConverseRequest.builder().modelId(HAIKU_45)
                .messages(user(ContentBlock.fromText("count me"))).build()))
                .isInstanceOf(ValidationException.class).hasMessageContaining("on-demand throughput");
    }

    @Test
    void countTokens_unknownModel_validationException() {
        assertThatThrownBy(() -> sync.countTokens(b -> b.modelId("anthropic.claude-nope-v1:0").input(
                CountTokensInput.fromConverse(ConverseTokensRequest.builder()
                        .messages(user(ContentBlock.fromText("x"))).build()))))
                .isInstanceOf(BedrockRuntimeException.class)
                .satisfies(e -> assertThat(((BedrockRuntimeException) e).statusCode()).isEqualTo(400));
    }
}
