package dev.aip.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.errors.BadRequestException;
import com.anthropic.errors.NotFoundException;
import com.anthropic.errors.OverloadedException;
import com.anthropic.errors.PermissionDeniedException;
import com.anthropic.errors.RateLimitException;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Base64ImageSource;
import com.anthropic.models.messages.CacheControlEphemeral;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.Metadata;
import com.anthropic.models.messages.RawContentBlockDeltaEvent;
import com.anthropic.models.messages.RawContentBlockStartEvent;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.TextBlockParam;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.anthropic.models.messages.ToolUseBlock;
import com.anthropic.models.messages.UrlImageSource;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aip.core.metering.Operation;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantId;
import dev.aip.emulator.BedrockEmulator;
import dev.aip.emulator.FaultPlan;
import dev.aip.emulator.InvocationRecord;
import dev.aip.emulator.Script;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Anthropic's Messages API on the gateway, on the in-process emulator, through Anthropic's official Java client as
 * an application uses it (and raw HTTP for the exact event stream and headers): messages, streams, a tool loop,
 * prompt caching, token counting and every refusal as the SDK's typed exception; records equal the emulator's books.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "aip.emulator.enabled=true",
    "aip.profiles.routes.claude-haiku=us.anthropic.claude-3-5-haiku-20241022-v1:0",
    "aip.profiles.routes.nova-lite=us.amazon.nova-lite-v1:0",
    "aip.tenants.a-limited.tier=basic",
    "aip.gateway.max-body-bytes=65536",
    "aip.gateway.max-attempts=1"})
@Import(GatewayTests.Capture.class)
class MessagesApiTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> TENANTS = List.of("a-sync", "a-stream", "a-tools", "a-cache", "a-count", "a-errors",
            "a-limited", "a-raw", "a-sse", "a-broken", "a-quitter", "a-throttled", "a-image", "a-parallel");
    static final String HELLO = "{\"model\":\"claude-haiku\",\"max_tokens\":256,\"messages\":[{\"role\":\"user\","
            + "\"content\":\"Hello\"}]}";

    @DynamicPropertySource
    static void keysAndPolicies(DynamicPropertyRegistry registry) throws IOException {
        Path policies = Files.createTempFile("aip-gateway-policies", ".yaml");
        policies.toFile().deleteOnExit();
        Files.writeString(policies, """
                defaults:
                  allowedModels: [claude-haiku, nova-lite]
                tiers:
                  basic:
                    requestsPerMinute: 3
                    allowedModels: [nova-lite]
                """, StandardCharsets.UTF_8);
        registry.add("aip.policy-file", policies::toString);
        GatewayTests.registerKeys(registry, TENANTS);
    }

    @LocalServerPort
    int port;

    @Autowired
    GatewayTests.Records records;

    @Autowired
    BedrockEmulator emulator;

    @Autowired
    InFlightLimits limits;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    private AnthropicClient client(String tenant) {
        return AnthropicOkHttpClient.builder().baseUrl("http://127.0.0.1:" + port).apiKey(GatewayTests.key(tenant))
                .maxRetries(0).timeout(Duration.ofMinutes(1)).build();
    }

    private static MessageCreateParams.Builder hello(String text) {
        return MessageCreateParams.builder().model("claude-haiku").maxTokens(256).addUserMessage(text);
    }

    @Test
    void create_officialClient_answersAMessageWithTheRecordsUsage() {
        Message m = client("a-sync").messages().create(hello("Tell me about tides")
                .metadata(Metadata.builder().userId("user-7").build()).build());

        assertThat(m.id()).startsWith("msg_");
        assertThat(m.model().asString()).isEqualTo("claude-haiku");
        assertThat(m.content()).hasSize(1);
        assertThat(m.content().get(0).text().orElseThrow().text()).isNotBlank();
        assertThat(m.stopReason()).contains(StopReason.END_TURN);
        UsageRecord record = records.byId(m.id().substring(4));
        assertThat(record.tenant()).isEqualTo(TenantId.of("a-sync"));
        assertThat(record.attributes()).containsEntry("user", "user-7");
        assertThat(m.usage().inputTokens()).isEqualTo(record.usage().inputTokens()).isPositive();
        assertThat(m.usage().outputTokens()).isEqualTo(record.usage().outputTokens()).isPositive();
        assertThat(m.usage().cacheCreationInputTokens()).contains(0L);
        assertThat(m.usage().cacheReadInputTokens()).contains(0L);
        InvocationRecord truth = emulator.invocations().stream()
                .filter(i -> i.requestId().equals(record.awsRequestId())).findFirst().orElseThrow();
        assertThat(truth.outputTokens()).isEqualTo(m.usage().outputTokens());
        assertThat(truth.inputTokens()).isEqualTo(m.usage().inputTokens());
    }

    @Test
    void create_bearerTokenAndANewerDatedVersion_areAccepted() throws Exception {
        AnthropicClient bearer = AnthropicOkHttpClient.builder().baseUrl("http://127.0.0.1:" + port)
                .authToken(GatewayTests.key("a-sync")).maxRetries(0).build();
        assertThat(bearer.messages().create(hello("Hi").build()).content()).isNotEmpty();

        HttpResponse<String> dated = post("a-sync", "/v1/messages", HELLO, "2026-09-15");
        assertThat(dated.statusCode()).isEqualTo(200);
        assertThat(dated.headers().firstValue("request-id").orElseThrow()).startsWith("req_");
        assertThat(dated.headers().firstValue("x-aip-record-id")).isPresent();
    }

    @Test
    void createStreaming_officialClient_accumulatesTheMessageWithTheRecordsUsage() {
        MessageAccumulator accumulator = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> stream = client("a-stream").messages()
                .createStreaming(hello("Stream me a poem about rivers").build())) {
            stream.stream().forEach(accumulator::accumulate);
        }
        Message m = accumulator.message();

        String text = m.content().stream().map(b -> b.text().orElseThrow().text()).reduce("", String::concat);
        assertThat(text).isNotBlank();
        assertThat(m.stopReason()).contains(StopReason.END_TURN);
        List<UsageRecord> mine = records.of("a-stream");
        assertThat(mine).hasSize(1);
        UsageRecord record = mine.get(0);
        assertThat(record.operation()).isEqualTo(Operation.CONVERSE_STREAM);
        assertThat(record.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(m.usage().outputTokens()).isEqualTo(record.usage().outputTokens()).isPositive();
        assertThat(m.usage().inputTokens()).isEqualTo(record.usage().inputTokens()).isPositive();
    }

    @Test
    void toolLoop_twoToolsInOneTurn_thenTheAnswer_oneRecordPerModelCall() {
        emulator.script().forAnyModel().whenPromptContains("weather and the time in Paris")
                .useTools(List.of(Script.toolCall("get_weather", "{\"city\":\"Paris\"}"),
                        Script.toolCall("get_time", "{\"zone\":\"Europe/Paris\"}")), "Sunny, and it is noon.");
        AnthropicClient client = client("a-tools");
        MessageCreateParams first = hello("What are the weather and the time in Paris?")
                .addTool(tool("get_weather", "Current weather of a city", "city"))
                .addTool(tool("get_time", "Current time in a time zone", "zone"))
                .build();

        Message turn1 = client.messages().create(first);

        assertThat(turn1.stopReason()).contains(StopReason.TOOL_USE);
        List<ToolUseBlock> uses = turn1.content().stream().filter(ContentBlock::isToolUse)
                .map(ContentBlock::asToolUse).toList();
        assertThat(uses).extracting(ToolUseBlock::name).containsExactly("get_weather", "get_time");
        assertThat(uses.get(0)._input().convert(Map.class)).isEqualTo(Map.of("city", "Paris"));
        assertThat(uses.get(1)._input().convert(Map.class)).isEqualTo(Map.of("zone", "Europe/Paris"));

        MessageCreateParams second = first.toBuilder().addMessage(turn1)
                .addUserMessageOfContentBlockParams(List.of(
                        ContentBlockParam.ofToolResult(ToolResultBlockParam.builder().toolUseId(uses.get(0).id())
                                .content("{\"sky\":\"clear\",\"celsius\":21}").build()),
                        ContentBlockParam.ofToolResult(ToolResultBlockParam.builder().toolUseId(uses.get(1).id())
                                .content("12:00").build())))
                .build();
        Message turn2 = client.messages().create(second);

        assertThat(turn2.stopReason()).contains(StopReason.END_TURN);
        assertThat(turn2.content().get(0).text().orElseThrow().text()).isEqualTo("Sunny, and it is noon.");
        List<UsageRecord> mine = records.of("a-tools");
        assertThat(mine).hasSize(2).allMatch(r -> r.outcome() == Outcome.SUCCESS);
        assertThat(mine).extracting(UsageRecord::recordId)
                .containsExactly(turn1.id().substring(4), turn2.id().substring(4));
        String profile = mine.get(0).profileArn();
        List<InvocationRecord> truth = emulator.invocations().stream()
                .filter(i -> profile.equals(i.profileArn())).toList();
        assertThat(truth).hasSize(2);
        assertThat(mine).extracting(r -> r.usage().inputTokens())
                .containsExactlyElementsOf(truth.stream().map(InvocationRecord::inputTokens).toList());
        assertThat(mine).extracting(r -> r.usage().outputTokens())
                .containsExactlyElementsOf(truth.stream().map(InvocationRecord::outputTokens).toList());

        // The same first turn streamed: the tool uses arrive as tool_use blocks with their input.
        MessageAccumulator accumulator = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(first)) {
            stream.stream().forEach(accumulator::accumulate);
        }
        Message streamed = accumulator.message();
        assertThat(streamed.stopReason()).contains(StopReason.TOOL_USE);
        assertThat(streamed.content()).allMatch(ContentBlock::isToolUse);
        assertThat(streamed.content().stream().map(b -> b.asToolUse()._input().convert(Map.class)).toList())
                .containsExactly(Map.of("city", "Paris"), Map.of("zone", "Europe/Paris"));
        assertThat(records.of("a-tools")).hasSize(3);
    }

    @Test
    void toolLoop_parallelToolUse_streamed_blocksZeroAndOneWithInputJsonDeltas_thenTheStreamedAnswer() {
        emulator.script().forAnyModel().whenPromptContains("weather and the time in Oslo")
                .useTools(List.of(Script.toolCall("get_weather", "{\"city\":\"Oslo\"}"),
                        Script.toolCall("get_time", "{\"zone\":\"Europe/Oslo\"}")), "Snow, and it is nine.");
        AnthropicClient client = client("a-parallel");
        MessageCreateParams first = hello("What are the weather and the time in Oslo?")
                .addTool(tool("get_weather", "Current weather of a city", "city"))
                .addTool(tool("get_time", "Current time in a time zone", "zone"))
                .build();

        List<RawMessageStreamEvent> events = new ArrayList<>();
        MessageAccumulator asked = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(first)) {
            stream.stream().forEach(e -> events.add(asked.accumulate(e)));
        }
        Message turn1 = asked.message();

        assertThat(events.stream().filter(RawMessageStreamEvent::isContentBlockStart)
                .map(e -> e.asContentBlockStart()).toList())
                .extracting(RawContentBlockStartEvent::index, e -> e.contentBlock().asToolUse().name())
                .containsExactly(tuple(0L, "get_weather"), tuple(1L, "get_time"));
        List<RawContentBlockDeltaEvent> deltas = events.stream().filter(RawMessageStreamEvent::isContentBlockDelta)
                .map(RawMessageStreamEvent::asContentBlockDelta).toList();
        assertThat(deltas).allMatch(d -> d.delta().isInputJson());
        assertThat(deltas.stream().map(RawContentBlockDeltaEvent::index).distinct().toList()).containsExactly(0L, 1L);
        assertThat(turn1.stopReason()).contains(StopReason.TOOL_USE);
        List<ToolUseBlock> uses = turn1.content().stream().map(ContentBlock::asToolUse).toList();
        assertThat(uses.stream().map(u -> u._input().convert(Map.class)).toList())
                .containsExactly(Map.of("city", "Oslo"), Map.of("zone", "Europe/Oslo"));

        MessageAccumulator answered = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(first.toBuilder()
                .addMessage(turn1).addUserMessageOfContentBlockParams(List.of(
                        ContentBlockParam.ofToolResult(ToolResultBlockParam.builder().toolUseId(uses.get(0).id())
                                .content("{\"sky\":\"snow\"}").build()),
                        ContentBlockParam.ofToolResult(ToolResultBlockParam.builder().toolUseId(uses.get(1).id())
                                .content("09:00").build())))
                .build())) {
            stream.stream().forEach(answered::accumulate);
        }
        Message turn2 = answered.message();

        assertThat(turn2.stopReason()).contains(StopReason.END_TURN);
        assertThat(turn2.content().stream().map(b -> b.asText().text()).reduce("", String::concat))
                .isEqualTo("Snow, and it is nine.");
        List<UsageRecord> mine = records.of("a-parallel");
        assertThat(mine).hasSize(2).allMatch(r -> r.outcome() == Outcome.SUCCESS);
        assertThat(List.of(turn1, turn2)).extracting(m -> m.usage().outputTokens())
                .containsExactlyElementsOf(mine.stream().map(r -> r.usage().outputTokens()).toList());
        assertRecordsEqualTheEmulatorsLog("a-parallel");
    }

    /** A PNG of {@code width} × {@code height} pixels. */
    static byte[] png(int width, int height) {
        try {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            javax.imageio.ImageIO.write(new java.awt.image.BufferedImage(width, height,
                    java.awt.image.BufferedImage.TYPE_INT_RGB), "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void image_base64Block_isSentToBedrock_inputTokensAreWhatItCounts_urlSourcesAreRefused() {
        AnthropicClient client = client("a-image");
        String data = java.util.Base64.getEncoder().encodeToString(png(300, 200));
        ContentBlockParam picture = ContentBlockParam.ofImage(Base64ImageSource.builder()
                .mediaType(Base64ImageSource.MediaType.IMAGE_PNG).data(data).build());
        ContentBlockParam question = ContentBlockParam.ofText("What is in this picture?");

        Message textOnly = client.messages().create(MessageCreateParams.builder().model("claude-haiku")
                .maxTokens(256).addUserMessageOfContentBlockParams(List.of(question)).build());
        Message withImage = client.messages().create(MessageCreateParams.builder().model("claude-haiku")
                .maxTokens(256).addUserMessageOfContentBlockParams(List.of(question, picture)).build());
        long counted = client.messages().countTokens(MessageCountTokensParams.builder().model("claude-haiku")
                .addUserMessageOfContentBlockParams(List.of(question, picture)).build()).inputTokens();
        BadRequestException remote = org.assertj.core.api.Assertions.catchThrowableOfType(BadRequestException.class,
                () -> client.messages().create(MessageCreateParams.builder().model("claude-haiku").maxTokens(256)
                        .addUserMessageOfContentBlockParams(List.of(question, ContentBlockParam.ofImage(
                                UrlImageSource.builder().url("https://example.com/cat.png").build()))).build()));

        // Claude's documented rule, as Bedrock counts it: ceil(300 * 200 / 750) = 80 tokens for the image.
        assertThat(withImage.usage().inputTokens() - textOnly.usage().inputTokens()).isEqualTo(80);
        assertThat(counted).isEqualTo(withImage.usage().inputTokens());
        assertThat(records.byId(withImage.id().substring(4)).usage().inputTokens())
                .isEqualTo(withImage.usage().inputTokens());
        assertRecordsEqualTheEmulatorsLog("a-image");
        assertThat(remote.getMessage()).contains("messages.0.content.1.source.type", "base64");
        assertThat(records.of("a-image")).hasSize(2);
    }

    private void assertRecordsEqualTheEmulatorsLog(String tenant) {
        List<UsageRecord> ours = records.of(tenant);
        List<InvocationRecord> truth = emulator.invocations().stream()
                .filter(i -> tenant.equals(i.requestMetadata().get("tenantId"))).toList();
        assertThat(ours).hasSameSizeAs(truth);
        assertThat(ours.stream().map(UsageRecord::awsRequestId).toList())
                .containsExactlyInAnyOrderElementsOf(truth.stream().map(InvocationRecord::requestId).toList());
        assertThat(ours.stream().mapToLong(r -> r.usage().inputTokens()).sum())
                .isEqualTo(truth.stream().mapToLong(InvocationRecord::inputTokens).sum());
        assertThat(ours.stream().mapToLong(r -> r.usage().outputTokens()).sum())
                .isEqualTo(truth.stream().mapToLong(InvocationRecord::outputTokens).sum());
    }

    @Test
    void cacheControl_onTheSystemPrompt_writesTheCacheThenReadsIt() {
        String longSystem = "You answer questions about the policy " + UUID.randomUUID() + ". "
                + "Policy text: ".repeat(1) + "Clause. ".repeat(400);
        MessageCreateParams params = hello("What does the policy say?")
                .systemOfTextBlockParams(List.of(TextBlockParam.builder().text(longSystem)
                        .cacheControl(CacheControlEphemeral.builder().build()).build()))
                .build();
        AnthropicClient client = client("a-cache");

        Message first = client.messages().create(params);
        Message second = client.messages().create(params);

        long written = first.usage().cacheCreationInputTokens().orElseThrow();
        assertThat(written).isPositive();
        assertThat(first.usage().cacheReadInputTokens()).contains(0L);
        assertThat(second.usage().cacheCreationInputTokens()).contains(0L);
        assertThat(second.usage().cacheReadInputTokens()).contains(written);
        assertThat(records.byId(first.id().substring(4)).usage().cacheWriteInputTokens()).isEqualTo(written);
        assertThat(records.byId(second.id().substring(4)).usage().cacheReadInputTokens()).isEqualTo(written);
    }

    @Test
    void countTokens_countsOnTheFoundationModel_asTheCallWouldBeCharged_andWritesNoRecord() {
        AnthropicClient client = client("a-count");
        Tool weather = tool("get_weather", "Current weather of a city", "city");
        long counted = client.messages().countTokens(MessageCountTokensParams.builder().model("claude-haiku")
                .system("Be brief.").addUserMessage("How warm is it in Lisbon?").addTool(weather).build())
                .inputTokens();
        assertThat(records.of("a-count")).isEmpty();

        Message m = client.messages().create(hello("How warm is it in Lisbon?").system("Be brief.")
                .addTool(weather).build());

        assertThat(counted).isPositive().isEqualTo(m.usage().inputTokens());
        assertThat(records.of("a-count")).hasSize(1);
    }

    @Test
    void refusals_areTheSdksTypedExceptions_inAnthropicsShape() {
        long before = emulator.invocations().size();

        assertThatThrownBy(() -> AnthropicOkHttpClient.builder().baseUrl("http://127.0.0.1:" + port)
                .apiKey("sk-test-nobody").maxRetries(0).build().messages().create(hello("Hi").build()))
                .isInstanceOfSatisfying(UnauthorizedException.class, e -> assertThat(errorType(e))
                        .isEqualTo("authentication_error"));
        assertThatThrownBy(() -> client("a-errors").messages().create(hello("Hi")
                .putAdditionalBodyProperty("top_k", JsonValue.from(5)).build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> {
                    assertThat(errorType(e)).isEqualTo("invalid_request_error");
                    assertThat(e.getMessage()).contains("top_k");
                });
        assertThatThrownBy(() -> client("a-errors").messages().create(hello("Hi").model("gpt-9").build()))
                .isInstanceOfSatisfying(NotFoundException.class, e -> {
                    assertThat(errorType(e)).isEqualTo("not_found_error");
                    assertThat(e.getMessage()).contains("gpt-9");
                });
        assertThatThrownBy(() -> client("a-limited").messages().create(hello("Hi").build()))
                .isInstanceOfSatisfying(PermissionDeniedException.class, e -> assertThat(errorType(e))
                        .isEqualTo("permission_error"));
        assertThat(emulator.invocations()).hasSize((int) before);

        AnthropicClient limited = client("a-limited");
        for (int i = 0; i < 3; i++) {
            assertThat(limited.messages().create(hello("Hi").model("nova-lite").build()).content()).isNotEmpty();
        }
        assertThatThrownBy(() -> limited.messages().create(hello("Hi").model("nova-lite").build()))
                .isInstanceOfSatisfying(RateLimitException.class, e -> {
                    assertThat(errorType(e)).isEqualTo("rate_limit_error");
                    assertThat(Long.parseLong(e.headers().values("retry-after").get(0))).isPositive();
                    assertThat(e.headers().values("request-id").get(0)).startsWith("req_");
                });
        assertThat(records.of("a-limited")).extracting(UsageRecord::outcome).containsExactly(Outcome.SUCCESS,
                Outcome.SUCCESS, Outcome.SUCCESS, Outcome.REJECTED_BY_POLICY);
    }

    @Test
    void bedrockThrottling_is529Overloaded_withRetryAfter() {
        emulator.script().forAnyModel().whenPromptContains("[throttle me]").once().fail("ThrottlingException");

        assertThatThrownBy(() -> client("a-throttled").messages().create(hello("Hi [throttle me]").build()))
                .isInstanceOfSatisfying(OverloadedException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(529);
                    assertThat(errorType(e)).isEqualTo("overloaded_error");
                    assertThat(e.headers().values("retry-after")).containsExactly("1");
                });
    }

    @Test
    void rawHttp_missingOrMalformedVersion_andUnsupportedFields_are400InAnthropicsShape() throws Exception {
        HttpResponse<String> noVersion = post("a-raw", "/v1/messages", HELLO, null);
        HttpResponse<String> badVersion = post("a-raw", "/v1/messages", HELLO, "latest");
        HttpResponse<String> noMax = post("a-raw", "/v1/messages", HELLO.replace("\"max_tokens\":256,", ""),
                "2023-06-01");
        HttpResponse<String> image = post("a-raw", "/v1/messages", "{\"model\":\"claude-haiku\",\"max_tokens\":9,"
                + "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image\",\"source\":{\"type\":"
                + "\"url\",\"url\":\"https://example.com/cat.png\"}}]}]}", "2023-06-01");
        HttpResponse<String> thinking = post("a-raw", "/v1/messages", HELLO.replace("{\"model\"",
                "{\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024},\"model\""), "2023-06-01");

        for (HttpResponse<String> r : List.of(noVersion, badVersion, noMax, image, thinking)) {
            assertThat(r.statusCode()).isEqualTo(400);
            JsonNode body = JSON.readTree(r.body());
            assertThat(body.path("type").asText()).isEqualTo("error");
            assertThat(body.at("/error/type").asText()).isEqualTo("invalid_request_error");
            assertThat(body.path("request_id").asText()).isEqualTo(r.headers().firstValue("request-id")
                    .orElseThrow());
        }
        assertThat(JSON.readTree(noVersion.body()).at("/error/message").asText()).contains("anthropic-version");
        assertThat(JSON.readTree(noMax.body()).at("/error/message").asText()).contains("max_tokens");
        assertThat(JSON.readTree(image.body()).at("/error/message").asText()).contains("messages.0.content.0",
                "base64");
        assertThat(JSON.readTree(thinking.body()).at("/error/message").asText()).contains("thinking");
        assertThat(records.of("a-raw")).isEmpty();
    }

    @Test
    void rawHttp_unknownPathOrWrongMethodUnderMessages_areAnsweredInAnthropicsShape() throws Exception {
        HttpResponse<String> unknown = post("a-raw", "/v1/messages/batches", HELLO, "2023-06-01");
        HttpResponse<String> wrongMethod = http.send(request("a-raw", "/v1/messages", HELLO, "2023-06-01")
                .GET().build(), HttpResponse.BodyHandlers.ofString());

        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(unknown.body()).at("/error/type").asText()).isEqualTo("not_found_error");
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(JSON.readTree(wrongMethod.body()).at("/error/type").asText()).isEqualTo("invalid_request_error");
        assertThat(JSON.readTree(wrongMethod.body()).at("/error/message").asText()).contains("POST");
        for (HttpResponse<String> r : List.of(unknown, wrongMethod)) {
            assertThat(JSON.readTree(r.body()).path("type").asText()).isEqualTo("error");
            assertThat(JSON.readTree(r.body()).path("request_id").asText())
                    .isEqualTo(r.headers().firstValue("request-id").orElseThrow());
        }
    }

    @Test
    void rawHttp_stream_sendsAnthropicsEventsInOrder_withIndexesAndTheUsageLast() throws Exception {
        emulator.script().forAnyModel().whenPromptContains("[raw-tools]").useTools(List.of(
                Script.toolCall("get_weather", "{\"city\":\"Oslo\"}"),
                Script.toolCall("get_weather", "{\"city\":\"Bergen\"}")));
        String tools = ",\"tools\":[{\"name\":\"get_weather\",\"input_schema\":{\"type\":\"object\",\"properties\":"
                + "{\"city\":{\"type\":\"string\"}}}}]";

        List<String[]> text = events(post("a-sse", "/v1/messages", "{\"model\":\"claude-haiku\",\"max_tokens\":"
                + "256,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Tell me about tides\"}]}",
                "2023-06-01"));
        List<String[]> toolUse = events(post("a-sse", "/v1/messages", "{\"model\":\"claude-haiku\",\"max_tokens\":"
                + "256,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Weather? [raw-tools]\"}]"
                + tools + "}", "2023-06-01"));

        List<String> names = text.stream().map(e -> e[0]).toList();
        assertThat(names.subList(0, 3)).containsExactly("message_start", "ping", "content_block_start");
        assertThat(names.subList(3, names.size() - 3)).isNotEmpty().allMatch("content_block_delta"::equals);
        assertThat(names.subList(names.size() - 3, names.size()))
                .containsExactly("content_block_stop", "message_delta", "message_stop");
        for (String[] e : text) {
            assertThat(JSON.readTree(e[1]).path("type").asText()).isEqualTo(e[0]);
        }
        JsonNode start = JSON.readTree(text.get(0)[1]).path("message");
        assertThat(start.path("content")).isEmpty();
        assertThat(start.path("role").asText()).isEqualTo("assistant");
        assertThat(start.path("stop_reason").isNull()).isTrue();
        assertThat(JSON.readTree(text.get(2)[1]).at("/content_block/type").asText()).isEqualTo("text");
        assertThat(JSON.readTree(text.get(3)[1]).at("/delta/type").asText()).isEqualTo("text_delta");
        JsonNode delta = JSON.readTree(text.get(text.size() - 2)[1]);
        assertThat(delta.at("/delta/stop_reason").asText()).isEqualTo("end_turn");
        UsageRecord record = records.of("a-sse").get(0);
        assertThat(delta.at("/usage/output_tokens").asLong()).isEqualTo(record.usage().outputTokens());
        assertThat(delta.at("/usage/input_tokens").asLong()).isEqualTo(record.usage().inputTokens());

        assertThat(toolUse.stream().map(e -> e[0]).toList()).containsExactly("message_start", "ping",
                "content_block_start", "content_block_delta", "content_block_stop",
                "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop");
        JsonNode second = JSON.readTree(toolUse.get(5)[1]);
        assertThat(second.path("index").asInt()).isEqualTo(1);
        assertThat(second.at("/content_block/type").asText()).isEqualTo("tool_use");
        assertThat(second.at("/content_block/name").asText()).isEqualTo("get_weather");
        assertThat(second.at("/content_block/input")).isEmpty();
        JsonNode json = JSON.readTree(toolUse.get(6)[1]);
        assertThat(json.path("index").asInt()).isEqualTo(1);
        assertThat(json.at("/delta/type").asText()).isEqualTo("input_json_delta");
        assertThat(JSON.readTree(json.at("/delta/partial_json").asText())).isEqualTo(
                JSON.readTree("{\"city\":\"Bergen\"}"));
        assertThat(JSON.readTree(toolUse.get(8)[1]).at("/delta/stop_reason").asText()).isEqualTo("tool_use");
    }

    @Test
    void rawHttp_streamFailingAfterItsStart_endsWithAnErrorEvent() throws Exception {
        assertThat(post("a-broken", "/v1/messages", HELLO, "2023-06-01").statusCode()).isEqualTo(200);
        String profile = records.of("a-broken").get(records.of("a-broken").size() - 1).profileArn();
        emulator.faults().set(profile, FaultPlan.builder().streamExceptionAfterEvents(4, "modelStreamErrorException")
                .build());
        try {
            List<String[]> events = events(post("a-broken", "/v1/messages", "{\"model\":\"claude-haiku\","
                    + "\"max_tokens\":256,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a"
                    + " long story\"}]}", "2023-06-01"));

            assertThat(events.get(0)[0]).isEqualTo("message_start");
            String[] last = events.get(events.size() - 1);
            assertThat(last[0]).isEqualTo("error");
            JsonNode error = JSON.readTree(last[1]);
            assertThat(error.path("type").asText()).isEqualTo("error");
            assertThat(error.at("/error/type").asText()).isNotBlank();
            assertThat(events.stream().map(e -> e[0])).doesNotContain("message_stop");
        } finally {
            emulator.faults().remove(profile);
        }
    }

    @Test
    void clientDisconnectingMidStream_leavesOneCancelledRecord() throws Exception {
        assertThat(post("a-quitter", "/v1/messages", HELLO, "2023-06-01").statusCode()).isEqualTo(200);
        String profile = records.of("a-quitter").get(0).profileArn();
        emulator.faults().set(profile, FaultPlan.builder().chunkDelay(Duration.ofMillis(20)).build());
        emulator.script().forModel(profile).whenPromptContains("[long]").replyTokens(3000);

        HttpResponse<InputStream> r = http.send(request("a-quitter", "/v1/messages", "{\"model\":\"claude-haiku\","
                + "\"max_tokens\":4000,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Write it all"
                + " [long]\"}]}", "2023-06-01").build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        try (InputStream in = r.body()) {
            BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            int deltas = 0;
            while (deltas < 3) {
                String line = lines.readLine();
                assertThat(line).isNotNull();
                if (line.equals("event: content_block_delta")) {
                    deltas++;
                }
            }
        }

        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (records.of("a-quitter").size() < 2 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
        List<UsageRecord> quitter = records.of("a-quitter");
        assertThat(quitter).hasSize(2);
        UsageRecord abandoned = quitter.get(1);
        assertThat(abandoned.outcome()).isEqualTo(Outcome.CANCELLED);
        assertThat(records.all.stream().filter(x -> x.callId().equals(abandoned.callId()))).hasSize(1);
        GatewayTests.await(() -> limits.inFlight(TenantId.of("a-quitter")) == 0);
    }

    private static Tool tool(String name, String description, String property) {
        return Tool.builder().name(name).description(description).inputSchema(Tool.InputSchema.builder()
                .properties(JsonValue.from(Map.of(property, Map.of("type", "string"))))
                .required(List.of(property)).build()).build();
    }

    private static String errorType(AnthropicServiceException e) {
        return e.body().convert(JsonNode.class).at("/error/type").asText();
    }

    /** The (event name, data) pairs of an SSE body. */
    private static List<String[]> events(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/event-stream");
        List<String[]> out = new ArrayList<>();
        String name = null;
        for (String line : r.body().split("\n", -1)) {
            if (line.startsWith("event: ")) {
                name = line.substring(7);
            } else if (line.startsWith("data: ")) {
                out.add(new String[] {name, line.substring(6)});
                name = null;
            }
        }
        return out;
    }

    private HttpRequest.Builder request(String tenant, String path, String body, String version) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("x-api-key", GatewayTests.key(tenant)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (version != null) {
            b.header("anthropic-version", version);
        }
        return b;
    }

    private HttpResponse<String> post(String tenant, String path, String body, String version) {
        try {
            return http.send(request(tenant, path, body, version).timeout(Duration.ofMinutes(2)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
