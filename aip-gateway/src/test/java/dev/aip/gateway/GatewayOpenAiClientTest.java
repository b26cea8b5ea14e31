package dev.aip.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnauthorizedException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.ResponseFormatJsonObject;
import com.openai.models.ResponseFormatJsonSchema;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionContentPart;
import com.openai.models.chat.completions.ChatCompletionContentPartImage;
import com.openai.models.chat.completions.ChatCompletionContentPartText;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessage;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionNamedToolChoice;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolChoiceOption;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.chat.completions.StructuredChatCompletion;
import com.openai.models.models.Model;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.UsageRecord;
import dev.aip.emulator.BedrockEmulator;
import dev.aip.emulator.InvocationRecord;
import dev.aip.emulator.Script;
import java.io.IOException;
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
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The gateway as applications meet it: OpenAI's official Java client pointed at the gateway, which runs on the
 * in-process emulator. Chat, streams, tool loops (whole and streamed), tool choices, and records that equal the
 * emulator's invocation log per tenant.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "aip.emulator.enabled=true",
    "aip.profiles.routes.claude-haiku=us.anthropic.claude-3-5-haiku-20241022-v1:0",
    "aip.profiles.routes.nova-lite=us.amazon.nova-lite-v1:0",
    "aip.profiles.routes.claude-haiku-45=us.anthropic.claude-haiku-4-5-20251001-v1:0",
    "aip.gateway.max-attempts=1",
    "aip.tenants.slow.tier=slow",
    "aip.tenants.broke.tier=broke"})
@Import(GatewayTests.Capture.class)
class GatewayOpenAiClientTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> TENANTS = List.of("chat", "agent", "streamer", "chooser", "merger", "slow", "broke",
            "errors", "formats", "parallel", "parallel-stream", "structured");

    @DynamicPropertySource
    static void keysAndPolicies(DynamicPropertyRegistry registry) throws IOException {
        Path policies = Files.createTempFile("aip-gateway-openai-policies", ".yaml");
        policies.toFile().deleteOnExit();
        Files.writeString(policies, """
                defaults:
                  allowedModels: [claude-haiku, nova-lite, claude-haiku-45]
                tiers:
                  slow:
                    requestsPerMinute: 1
                  broke:
                    budget: { usd: "0.001", period: day, zone: UTC }
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

    private final List<OpenAIClient> clients = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeEach
    void scripts() {
        emulator.script().clear();
        emulator.script().forAnyModel().whenPromptContains("weather in Paris")
                .useTool("get_weather", "{\"city\":\"Paris\"}", "It is sunny in Paris.");
        emulator.script().forAnyModel().whenPromptContains("clock in Paris")
                .useTool("get_time", "{\"zone\":\"Europe/Paris\"}", "It is 14:00 in Paris.");
        emulator.script().forAnyModel().whenPromptContains("weather and the time in Rome")
                .useTools(List.of(Script.toolCall("get_weather", "{\"city\":\"Rome\"}"),
                        Script.toolCall("get_time", "{\"zone\":\"Europe/Rome\"}")), "Sunny, and 09:00 in Rome.");
    }

    @AfterEach
    void close() {
        clients.forEach(OpenAIClient::close);
    }

    private OpenAIClient client(String tenant) {
        OpenAIClient c = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + port + "/v1")
                .apiKey(GatewayTests.key(tenant)).maxRetries(0).timeout(Duration.ofMinutes(1)).build();
        clients.add(c);
        return c;
    }

    static FunctionDefinition function(String name, String description, String property) {
        return FunctionDefinition.builder().name(name).description(description)
                .parameters(FunctionParameters.builder()
                        .putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of(property,
                                Map.of("type", "string"))))
                        .putAdditionalProperty("required", JsonValue.from(List.of(property)))
                        .build())
                .build();
    }

    static final FunctionDefinition WEATHER = function("get_weather", "The weather in a city", "city");
    static final FunctionDefinition TIME = function("get_time", "The local time in a time zone", "zone");

    @Test
    void chat_officialClient_answersWithTextAndExactUsage() {
        ChatCompletion answer = client("chat").chat().completions().create(ChatCompletionCreateParams.builder()
                .model("claude-haiku").addSystemMessage("Be brief.").addUserMessage("Hello").build());

        assertThat(answer.choices().get(0).message().content()).hasValueSatisfying(t -> assertThat(t).isNotBlank());
        assertThat(answer.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
        UsageRecord record = records.of("chat").get(records.of("chat").size() - 1);
        assertThat(answer.usage().orElseThrow().completionTokens()).isEqualTo(record.usage().outputTokens());
        assertThat(answer.usage().orElseThrow().promptTokens()).isEqualTo(record.usage().totalInputTokens());
    }

    @Test
    void stream_officialClient_accumulatesTheAnswer_usageOnlyInTheLastChunk() {
        ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client("streamer").chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model("claude-haiku").addUserMessage("Tell me about tides")
                        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            stream.stream().forEach(c -> chunks.add(acc.accumulate(c)));
        }

        ChatCompletion answer = acc.chatCompletion();
        assertThat(answer.choices().get(0).message().content()).hasValueSatisfying(t -> assertThat(t).isNotBlank());
        // usage is null on every chunk but the last, as OpenAI sends it with include_usage.
        assertThat(chunks.subList(0, chunks.size() - 1)).allSatisfy(c -> {
            assertThat(c._usage().isNull()).isTrue();
        });
        assertThat(chunks.get(chunks.size() - 1).usage()).isPresent();
        assertThat(answer.usage().orElseThrow().completionTokens()).isEqualTo(
                records.of("streamer").get(records.of("streamer").size() - 1).usage().outputTokens());
    }

    @Test
    void toolLoop_twoTools_eachModelCallOneRecord_recordsEqualTheEmulatorsLog() {
        OpenAIClient client = client("agent");
        ChatCompletionCreateParams.Builder conversation = ChatCompletionCreateParams.builder().model("claude-haiku")
                .addFunctionTool(WEATHER).addFunctionTool(TIME)
                .addUserMessage("What is the weather in Paris?");

        ChatCompletion first = client.chat().completions().create(conversation.build());
        ChatCompletionMessage asks = first.choices().get(0).message();
        assertThat(first.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
        assertThat(asks.content()).isEmpty();
        ChatCompletionMessageFunctionToolCall weather = asks.toolCalls().orElseThrow().get(0).asFunction();
        assertThat(weather.function().name()).isEqualTo("get_weather");
        assertThat(weather.function().arguments()).isEqualTo("{\"city\":\"Paris\"}");
        conversation.addMessage(asks).addMessage(ChatCompletionToolMessageParam.builder()
                .toolCallId(weather.id()).content("{\"sky\":\"clear\",\"celsius\":21}").build());

        ChatCompletion second = client.chat().completions().create(conversation.build());
        assertThat(second.choices().get(0).message().content()).hasValue("It is sunny in Paris.");
        assertThat(second.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
        conversation.addMessage(second.choices().get(0).message()).addUserMessage("And what does the clock in Paris"
                + " say?");

        ChatCompletion third = client.chat().completions().create(conversation.build());
        ChatCompletionMessageFunctionToolCall time = third.choices().get(0).message().toolCalls().orElseThrow()
                .get(0).asFunction();
        assertThat(time.function().name()).isEqualTo("get_time");
        conversation.addMessage(third.choices().get(0).message()).addMessage(ChatCompletionToolMessageParam.builder()
                .toolCallId(time.id()).content("14:00").build());

        ChatCompletion fourth = client.chat().completions().create(conversation.build());
        assertThat(fourth.choices().get(0).message().content()).hasValue("It is 14:00 in Paris.");

        List<UsageRecord> ours = records.of("agent");
        assertThat(ours).hasSize(4).allMatch(r -> r.outcome() == Outcome.SUCCESS);
        assertRecordsEqualTheEmulatorsLog("agent");
        // Tool-call turns are priced like any other.
        assertThat(ours).allMatch(r -> r.cost().amount().orElseThrow().signum() > 0);
        List<Long> answerTokens = List.of(first, second, third, fourth).stream()
                .map(c -> c.usage().orElseThrow().completionTokens()).toList();
        assertThat(answerTokens).isEqualTo(ours.stream().map(r -> r.usage().outputTokens()).toList());
    }

    @Test
    void streamedToolCall_arrivesAsOpenAiToolCallDeltas_andAccumulatesIntoAToolCall() {
        ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client("streamer").chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model("claude-haiku").addFunctionTool(WEATHER)
                        .addUserMessage("Is there weather in Paris today?").build())) {
            stream.stream().forEach(c -> chunks.add(acc.accumulate(c)));
        }

        ChatCompletion answer = acc.chatCompletion();
        assertThat(answer.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
        List<ChatCompletionMessageToolCall> calls = answer.choices().get(0).message().toolCalls().orElseThrow();
        assertThat(calls).hasSize(1);
        assertThat(calls.get(0).asFunction().function().name()).isEqualTo("get_weather");
        assertThat(calls.get(0).asFunction().function().arguments()).isEqualTo("{\"city\":\"Paris\"}");
        List<ChatCompletionChunk.Choice.Delta.ToolCall> deltas = chunks.stream()
                .flatMap(c -> c.choices().stream()).flatMap(c -> c.delta().toolCalls().stream())
                .flatMap(List::stream).toList();
        assertThat(deltas).hasSizeGreaterThan(1).allMatch(d -> d.index() == 0);
        assertThat(deltas.get(0).id()).hasValue(calls.get(0).asFunction().id());
        assertThat(deltas.get(0).function().orElseThrow().name()).hasValue("get_weather");
        assertThat(deltas.get(1).id()).isEmpty();
        // Streamed model calls are metered exactly too: one record per call, with Bedrock's own tokens.
        assertRecordsEqualTheEmulatorsLog("streamer");
    }

    @Test
    void parallelToolCalls_twoCallsInOneTurn_bothResultsBack_finalAnswer_recordsEqualTheEmulatorsLog() {
        OpenAIClient client = client("parallel");
        ChatCompletionCreateParams.Builder conversation = ChatCompletionCreateParams.builder().model("claude-haiku")
                .addFunctionTool(WEATHER).addFunctionTool(TIME)
                .addUserMessage("What are the weather and the time in Rome?");

        ChatCompletion first = client.chat().completions().create(conversation.build());
        ChatCompletionMessage asks = first.choices().get(0).message();
        assertThat(first.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
        List<ChatCompletionMessageFunctionToolCall> calls = asks.toolCalls().orElseThrow().stream()
                .map(ChatCompletionMessageToolCall::asFunction).toList();
        assertThat(calls).extracting(c -> c.function().name()).containsExactly("get_weather", "get_time");
        assertThat(calls).extracting(c -> c.function().arguments())
                .containsExactly("{\"city\":\"Rome\"}", "{\"zone\":\"Europe/Rome\"}");
        assertThat(calls.get(0).id()).isNotEqualTo(calls.get(1).id());
        conversation.addMessage(asks)
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(calls.get(0).id())
                        .content("{\"sky\":\"clear\"}").build())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(calls.get(1).id())
                        .content("09:00").build());

        ChatCompletion second = client.chat().completions().create(conversation.build());

        assertThat(second.choices().get(0).message().content()).hasValue("Sunny, and 09:00 in Rome.");
        assertThat(second.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
        List<UsageRecord> ours = records.of("parallel");
        assertThat(ours).hasSize(2).allMatch(r -> r.outcome() == Outcome.SUCCESS);
        assertRecordsEqualTheEmulatorsLog("parallel");
        assertThat(List.of(first, second).stream().map(c -> c.usage().orElseThrow().promptTokens()).toList())
                .isEqualTo(ours.stream().map(r -> r.usage().totalInputTokens()).toList());
    }

    @Test
    void parallelToolCalls_streamed_accumulateIntoTwoCallsWithIndexesZeroAndOne() {
        OpenAIClient client = client("parallel-stream");
        ChatCompletionCreateParams.Builder conversation = ChatCompletionCreateParams.builder().model("claude-haiku")
                .addFunctionTool(WEATHER).addFunctionTool(TIME)
                .addUserMessage("What are the weather and the time in Rome?")
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build());
        ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions()
                .createStreaming(conversation.build())) {
            stream.stream().forEach(c -> chunks.add(acc.accumulate(c)));
        }

        ChatCompletion asked = acc.chatCompletion();
        assertThat(asked.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
        List<ChatCompletionMessageFunctionToolCall> calls = asked.choices().get(0).message().toolCalls()
                .orElseThrow().stream().map(ChatCompletionMessageToolCall::asFunction).toList();
        assertThat(calls).extracting(c -> c.function().name()).containsExactly("get_weather", "get_time");
        assertThat(calls).extracting(c -> c.function().arguments())
                .containsExactly("{\"city\":\"Rome\"}", "{\"zone\":\"Europe/Rome\"}");
        List<ChatCompletionChunk.Choice.Delta.ToolCall> deltas = chunks.stream()
                .flatMap(c -> c.choices().stream()).flatMap(c -> c.delta().toolCalls().stream())
                .flatMap(List::stream).toList();
        assertThat(deltas.stream().map(ChatCompletionChunk.Choice.Delta.ToolCall::index).distinct().toList())
                .containsExactly(0L, 1L);
        // Each call opens with its id and name at its own index.
        assertThat(deltas.stream().filter(d -> d.id().isPresent()).map(d -> d.index()).toList())
                .containsExactly(0L, 1L);
        conversation.addMessage(asked.choices().get(0).message())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(calls.get(0).id())
                        .content("{\"sky\":\"clear\"}").build())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(calls.get(1).id())
                        .content("09:00").build());
        ChatCompletionAccumulator answerAcc = ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions()
                .createStreaming(conversation.build())) {
            stream.stream().forEach(answerAcc::accumulate);
        }

        ChatCompletion answer = answerAcc.chatCompletion();
        assertThat(answer.choices().get(0).message().content()).hasValue("Sunny, and 09:00 in Rome.");
        List<UsageRecord> ours = records.of("parallel-stream");
        assertThat(ours).hasSize(2).allMatch(r -> r.outcome() == Outcome.SUCCESS);
        assertRecordsEqualTheEmulatorsLog("parallel-stream");
        assertThat(List.of(asked, answer).stream().map(c -> c.usage().orElseThrow().completionTokens()).toList())
                .isEqualTo(ours.stream().map(r -> r.usage().outputTokens()).toList());
    }

    private void assertRecordsEqualTheEmulatorsLog(String tenant) {
        List<UsageRecord> ours = records.of(tenant);
        List<InvocationRecord> truth = emulator.invocations().stream()
                .filter(i -> tenant.equals(i.requestMetadata().get("tenantId"))).toList();
        assertThat(ours).hasSameSizeAs(truth);
        assertThat(ours.stream().map(UsageRecord::awsRequestId).collect(Collectors.toSet()))
                .isEqualTo(truth.stream().map(InvocationRecord::requestId).collect(Collectors.toSet()));
        assertThat(ours.stream().mapToLong(r -> r.usage().inputTokens()).sum())
                .isEqualTo(truth.stream().mapToLong(InvocationRecord::inputTokens).sum());
        assertThat(ours.stream().mapToLong(r -> r.usage().outputTokens()).sum())
                .isEqualTo(truth.stream().mapToLong(InvocationRecord::outputTokens).sum());
    }

    @Test
    void toolChoice_requiredAndNamed_forceATool_noneHidesTheTools() {
        OpenAIClient client = client("chooser");
        java.util.function.Supplier<ChatCompletionCreateParams.Builder> base = () -> ChatCompletionCreateParams
                .builder().model("claude-haiku").addFunctionTool(WEATHER).addFunctionTool(TIME);

        ChatCompletion required = client.chat().completions().create(base.get()
                .addUserMessage("Anything").toolChoice(ChatCompletionToolChoiceOption.Auto.REQUIRED).build());
        ChatCompletion named = client.chat().completions().create(base.get()
                .addUserMessage("Anything").toolChoice(ChatCompletionNamedToolChoice.builder()
                        .function(ChatCompletionNamedToolChoice.Function.builder().name("get_time").build())
                        .build()).build());
        // Scripted to call get_weather whenever the tool is offered: "none" must not offer it.
        ChatCompletion none = client.chat().completions().create(base.get()
                .addUserMessage("What is the weather in Paris?").toolChoice(ChatCompletionToolChoiceOption.Auto.NONE)
                .build());
        ChatCompletion auto = client.chat().completions().create(base.get()
                .addUserMessage("What is the weather in Paris?").toolChoice(ChatCompletionToolChoiceOption.Auto.AUTO)
                .build());

        assertThat(required.choices().get(0).message().toolCalls().orElseThrow()).hasSize(1);
        assertThat(required.choices().get(0).finishReason()).isEqualTo(
                ChatCompletion.Choice.FinishReason.TOOL_CALLS);
        assertThat(named.choices().get(0).message().toolCalls().orElseThrow().get(0).asFunction().function().name())
                .isEqualTo("get_time");
        assertThat(none.choices().get(0).message().toolCalls()).isEmpty();
        assertThat(none.choices().get(0).message().content()).hasValueSatisfying(t -> assertThat(t).isNotBlank());
        assertThat(auto.choices().get(0).message().toolCalls().orElseThrow().get(0).asFunction().function().name())
                .isEqualTo("get_weather");
    }

    @Test
    void parallelToolResults_consecutiveToolMessages_areOneUserTurn() throws Exception {
        // An assistant turn with two tool calls (content null) and its two results, as OpenAI clients send them;
        // Converse accepts them only as one user turn holding both results.
        String body = """
                {"model":"claude-haiku","tools":[
                  {"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}},
                  {"type":"function","function":{"name":"get_time","parameters":{"type":"object"}}}],
                 "messages":[
                  {"role":"user","content":"Weather and time, please"},
                  {"role":"assistant","content":null,"tool_calls":[
                    {"id":"call_w1","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Rome\\"}"}},
                    {"id":"call_t1","type":"function","function":{"name":"get_time","arguments":"{}"}}]},
                  {"role":"tool","tool_call_id":"call_w1","content":"sunny"},
                  {"role":"tool","tool_call_id":"call_t1","content":[{"type":"text","text":"09:00"}]}]}
                """;

        HttpResponse<String> r = post("merger", body);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode answer = JSON.readTree(r.body());
        assertThat(answer.at("/choices/0/message/content").asText()).isNotBlank();
        assertThat(answer.at("/choices/0/message/refusal").isNull()).isTrue();
        assertThat(records.of("merger")).hasSize(1);
    }

    @Test
    void toolRequests_thatCannotBeSent_areRefusedWith400NamingTheField() throws Exception {
        String toolHistoryWithoutTools = """
                {"model":"claude-haiku","messages":[{"role":"user","content":"Hi"},
                  {"role":"assistant","tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{}"}}]},
                  {"role":"tool","tool_call_id":"call_1","content":"ok"}]}
                """;
        String badArguments = """
                {"model":"claude-haiku","tools":[{"type":"function","function":{"name":"f"}}],
                 "messages":[{"role":"user","content":"Hi"},
                  {"role":"assistant","tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"[1]"}}]},
                  {"role":"tool","tool_call_id":"call_1","content":"ok"}]}
                """;
        String unknownChoice = """
                {"model":"claude-haiku","tools":[{"type":"function","function":{"name":"f"}}],
                 "tool_choice":{"type":"function","function":{"name":"g"}},"messages":[{"role":"user","content":"Hi"}]}
                """;
        String badToolName = """
                {"model":"claude-haiku","tools":[{"type":"function","function":{"name":"no spaces"}}],
                 "messages":[{"role":"user","content":"Hi"}]}
                """;

        assertThat(error(post("merger", toolHistoryWithoutTools))).isEqualTo("tools");
        assertThat(error(post("merger", badArguments))).isEqualTo("messages[1].tool_calls[0].function.arguments");
        assertThat(error(post("merger", unknownChoice))).isEqualTo("tool_choice");
        assertThat(error(post("merger", badToolName))).isEqualTo("tools[0].function.name");
    }

    static final String REQUEST_ID = "req_[0-9a-f]{32}";

    private static ChatCompletionCreateParams hello(String model) {
        return ChatCompletionCreateParams.builder().model(model).addUserMessage("Hello").build();
    }

    @Test
    void errors_reachTheOfficialClientAsItsTypedExceptions_inOpenAiShape() {
        UnauthorizedException badKey = catchThrowableOfType(UnauthorizedException.class, () -> OpenAIOkHttpClient
                .builder().baseUrl("http://127.0.0.1:" + port + "/v1").apiKey("sk-nobody").maxRetries(0).build()
                .chat().completions().create(hello("claude-haiku")));
        NotFoundException unknownModel = catchThrowableOfType(NotFoundException.class,
                () -> client("errors").chat().completions().create(hello("gpt-9")));
        NotFoundException unknownModelById = catchThrowableOfType(NotFoundException.class,
                () -> client("errors").models().retrieve("gpt-9"));
        NotFoundException unknownRoute = catchThrowableOfType(NotFoundException.class,
                () -> client("errors").files().list());
        BadRequestException invalid = catchThrowableOfType(BadRequestException.class,
                () -> client("errors").chat().completions().create(hello("claude-haiku").toBuilder().n(2).build()));
        Model known = client("errors").models().retrieve("claude-haiku");

        assertThat(badKey.code()).hasValue("invalid_api_key");
        assertThat(unknownModel.code()).hasValue("model_not_found");
        assertThat(unknownModel.param()).hasValue("model");
        assertThat(unknownModelById.code()).hasValue("model_not_found");
        assertThat(unknownRoute.type()).hasValue("invalid_request_error");
        assertThat(unknownRoute.getMessage()).contains("GET /v1/files");
        assertThat(invalid.param()).hasValue("n");
        assertThat(known.id()).isEqualTo("claude-haiku");
        for (OpenAIServiceException e : List.of(badKey, unknownModel, unknownModelById, unknownRoute, invalid)) {
            assertThat(e.type()).hasValue("invalid_request_error");
            assertThat(e.headers().values("x-request-id")).singleElement().asString().matches(REQUEST_ID);
        }
    }

    @Test
    void rateLimit_isARateLimitExceptionWithRetryAfter_thatClientsMayRetry() {
        OpenAIClient client = client("slow");
        client.chat().completions().create(hello("claude-haiku"));

        RateLimitException refused = catchThrowableOfType(RateLimitException.class,
                () -> client.chat().completions().create(hello("claude-haiku")));

        assertThat(refused.code()).hasValue("rate_limit_exceeded");
        assertThat(refused.type()).hasValue("rate_limit_exceeded");
        long retryAfter = Long.parseLong(refused.headers().values("retry-after").get(0));
        assertThat(retryAfter).isBetween(1L, 60L);
        assertThat(refused.headers().values("x-should-retry")).isEmpty();
    }

    @Test
    void exhaustedBudget_isInsufficientQuota_andTheClientDoesNotRetry() {
        // Capped at 200 output tokens a call fits the budget once; the first call spends it all (200 tokens).
        emulator.script().forAnyModel().whenPromptContains("[spend]").replyTokens(200);
        ChatCompletionCreateParams spend = ChatCompletionCreateParams.builder().model("claude-haiku")
                .addUserMessage("Hello [spend]").maxCompletionTokens(200).build();
        client("broke").chat().completions().create(spend);
        long before = refusals("broke");
        OpenAIClient retrying = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + port + "/v1")
                .apiKey(GatewayTests.key("broke")).maxRetries(2).build();
        clients.add(retrying);

        RateLimitException refused = catchThrowableOfType(RateLimitException.class,
                () -> retrying.chat().completions().create(spend));

        assertThat(refused.type()).hasValue("insufficient_quota");
        assertThat(refused.code()).hasValue("insufficient_quota");
        assertThat(refused.headers().values("x-should-retry")).containsExactly("false");
        assertThat(refused.headers().values("retry-after")).hasSize(1);
        // One request reached the gateway: the client obeyed x-should-retry. (A retry would have been answered
        // before the client gave up, so its refusal would be recorded by now.)
        GatewayTests.await(() -> refusals("broke") > before);
        assertThat(refusals("broke") - before).isEqualTo(1);
    }

    private long refusals(String tenant) {
        return records.of(tenant).stream().filter(r -> r.outcome() == Outcome.REJECTED_BY_POLICY).count();
    }

    @Test
    void everyAnswer_carriesARequestId_unknownRoutesAndMethodsAnswerInOpenAiShape() throws Exception {
        HttpResponse<String> ok = post("errors", "{\"model\":\"claude-haiku\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"Hi\"}]}");
        HttpResponse<String> streamed = post("errors", "{\"model\":\"claude-haiku\",\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        HttpResponse<String> invalid = post("errors", "{}");
        HttpResponse<String> unknownRoute = send(HttpRequest.newBuilder(uri("/v1/embeddingz"))
                .header("Authorization", "Bearer " + GatewayTests.key("errors")).GET());
        HttpResponse<String> wrongMethod = send(HttpRequest.newBuilder(uri("/v1/chat/completions"))
                .header("Authorization", "Bearer " + GatewayTests.key("errors")).GET());
        HttpResponse<String> model = send(HttpRequest.newBuilder(uri("/v1/models/nova-lite"))
                .header("Authorization", "Bearer " + GatewayTests.key("errors")).GET());

        for (HttpResponse<String> r : List.of(ok, streamed, invalid, unknownRoute, wrongMethod, model)) {
            assertThat(r.headers().firstValue("x-request-id")).as(r.uri().toString()).get().asString()
                    .matches(REQUEST_ID);
        }
        assertThat(ok.headers().firstValue("x-request-id")).isNotEqualTo(streamed.headers().firstValue(
                "x-request-id"));
        assertThat(unknownRoute.statusCode()).isEqualTo(404);
        JsonNode notFound = JSON.readTree(unknownRoute.body()).path("error");
        assertThat(notFound.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(notFound.path("code").asText()).isEqualTo("unknown_url");
        assertThat(notFound.has("param")).isTrue();
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(wrongMethod.headers().firstValue("Allow")).hasValue("POST");
        assertThat(JSON.readTree(wrongMethod.body()).at("/error/code").asText()).isEqualTo("method_not_allowed");
        assertThat(JSON.readTree(model.body()).path("id").asText()).isEqualTo("nova-lite");
        assertThat(JSON.readTree(model.body()).path("object").asText()).isEqualTo("model");
    }

    static ResponseFormatJsonSchema personSchema() {
        return ResponseFormatJsonSchema.builder().jsonSchema(ResponseFormatJsonSchema.JsonSchema.builder()
                .name("person").strict(true).schema(ResponseFormatJsonSchema.JsonSchema.Schema.builder()
                        .putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of("name", Map.of("type", "string"))))
                        .putAdditionalProperty("required", JsonValue.from(List.of("name")))
                        .putAdditionalProperty("additionalProperties", JsonValue.from(false))
                        .build()).build()).build();
    }

    @Test
    void jsonSchema_onAModelWithoutStructuredOutput_is400NamingIt_onOneWithItIsServed() {
        OpenAIClient client = client("formats");
        int before = records.of("formats").size();

        BadRequestException refused = catchThrowableOfType(BadRequestException.class, () -> client.chat()
                .completions().create(hello("claude-haiku").toBuilder().responseFormat(personSchema()).build()));
        ChatCompletion served = client.chat().completions().create(hello("claude-haiku-45").toBuilder()
                .responseFormat(personSchema()).build());

        assertThat(refused.param()).hasValue("response_format");
        assertThat(refused.getMessage()).contains("'claude-haiku'", "claude-haiku-45");
        assertThat(served.choices().get(0).message().content()).isPresent();
        assertThat(records.of("formats")).hasSize(before + 1);
    }

    /** The answer an application wants, as openai-java derives its JSON schema from the class. */
    record City(String name, String country, long population, List<String> landmarks, boolean capital) {
    }

    @Test
    void structuredOutput_officialClientsClassApi_parsesTheAnswerIntoARecord() {
        OpenAIClient client = client("structured");

        StructuredChatCompletion<City> answer = client.chat().completions().create(ChatCompletionCreateParams
                .builder().model("claude-haiku-45").addUserMessage("Describe Lyon").responseFormat(City.class)
                .build());

        City city = answer.choices().get(0).message().content().orElseThrow();
        assertThat(city.name()).isNotNull();
        assertThat(city.country()).isNotNull();
        assertThat(city.landmarks()).isNotNull();
        assertThat(answer.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
        assertThat(answer.usage().orElseThrow().completionTokens())
                .isEqualTo(records.of("structured").get(records.of("structured").size() - 1).usage().outputTokens());
    }

    @Test
    void structuredOutput_streamed_accumulatesIntoJsonThatParsesIntoTheRecord() throws Exception {
        OpenAIClient client = client("structured");
        ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model("claude-haiku-45").addUserMessage("Describe Nantes")
                        .responseFormat(City.class).build())) {
            stream.stream().forEach(c -> chunks.add(acc.accumulate(c)));
        }

        String content = acc.chatCompletion().choices().get(0).message().content().orElseThrow();
        City city = JSON.readValue(content, City.class);
        assertThat(city.name()).isNotNull();
        // Streamed as text deltas, not as one chunk.
        assertThat(chunks.stream().filter(c -> c.choices().stream()
                .anyMatch(ch -> ch.delta().content().filter(t -> !t.isEmpty()).isPresent())).count())
                .isGreaterThan(1);
    }

    @Test
    void structuredOutput_schemaKeywordBedrockRefuses_is400NamingTheKeyword() {
        OpenAIClient client = client("structured");
        ResponseFormatJsonSchema withMinimum = ResponseFormatJsonSchema.builder().jsonSchema(
                ResponseFormatJsonSchema.JsonSchema.builder().name("age").strict(true)
                        .schema(ResponseFormatJsonSchema.JsonSchema.Schema.builder()
                                .putAdditionalProperty("type", JsonValue.from("object"))
                                .putAdditionalProperty("properties", JsonValue.from(Map.of("age",
                                        Map.of("type", "integer", "minimum", 0))))
                                .putAdditionalProperty("required", JsonValue.from(List.of("age")))
                                .putAdditionalProperty("additionalProperties", JsonValue.from(false))
                                .build()).build()).build();

        BadRequestException refused = catchThrowableOfType(BadRequestException.class, () -> client.chat()
                .completions().create(hello("claude-haiku-45").toBuilder().responseFormat(withMinimum).build()));

        BadRequestException refusedStream = catchThrowableOfType(BadRequestException.class, () -> client.chat()
                .completions().createStreaming(hello("claude-haiku-45").toBuilder().responseFormat(withMinimum)
                        .build()).close());

        for (BadRequestException e : List.of(refused, refusedStream)) {
            assertThat(e.param()).hasValue("response_format.json_schema.schema");
            assertThat(e.getMessage()).contains("minimum");
            assertThat(e.type()).hasValue("invalid_request_error");
        }
    }

    @Test
    void jsonObject_answersOneJsonObjectAsContent_wholeAndStreamed() throws Exception {
        OpenAIClient client = client("formats");
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("nova-lite")
                .addUserMessage("Describe Paris in JSON").responseFormat(ResponseFormatJsonObject.builder().build())
                .build();

        ChatCompletion whole = client.chat().completions().create(params);
        ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            stream.stream().forEach(acc::accumulate);
        }
        ChatCompletion streamed = acc.chatCompletion();

        for (ChatCompletion answer : List.of(whole, streamed)) {
            assertThat(answer.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
            assertThat(answer.choices().get(0).message().toolCalls().orElse(List.of())).isEmpty();
            assertThat(JSON.readTree(answer.choices().get(0).message().content().orElseThrow()).isObject()).isTrue();
        }
    }

    @Test
    void imageParts_dataUrlsAreSentAsImages_remoteUrlsAreRefused() {
        OpenAIClient client = client("formats");
        // Bedrock reads the image's header: a real 300 x 200 PNG.
        String png = "data:image/png;base64," + java.util.Base64.getEncoder().encodeToString(
                MessagesApiTest.png(300, 200));
        ChatCompletionContentPart question = ChatCompletionContentPart.ofText(ChatCompletionContentPartText.builder()
                .text("What is in this picture?").build());

        ChatCompletion textOnly = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("claude-haiku").addUserMessageOfArrayOfContentParts(List.of(question)).build());
        ChatCompletion withImage = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("claude-haiku").addUserMessageOfArrayOfContentParts(List.of(question, image(png))).build());
        BadRequestException remote = catchThrowableOfType(BadRequestException.class, () -> client.chat()
                .completions().create(ChatCompletionCreateParams.builder().model("claude-haiku")
                        .addUserMessageOfArrayOfContentParts(List.of(question,
                                image("https://example.com/cat.png"))).build()));

        // The image reached Bedrock: it is counted as input.
        assertThat(withImage.usage().orElseThrow().promptTokens())
                .isGreaterThan(textOnly.usage().orElseThrow().promptTokens());
        // As Bedrock counts Claude's images: ceil(300 * 200 / 750) = 80 tokens.
        assertThat(withImage.usage().orElseThrow().promptTokens() - textOnly.usage().orElseThrow().promptTokens())
                .isEqualTo(80);
        assertThat(remote.param()).hasValue("messages[0].content[1].image_url.url");
        assertThat(remote.getMessage()).contains("data URL");
    }

    private static ChatCompletionContentPart image(String url) {
        return ChatCompletionContentPart.ofImageUrl(ChatCompletionContentPartImage.builder()
                .imageUrl(ChatCompletionContentPartImage.ImageUrl.builder().url(url).build()).build());
    }

    @Test
    void openAiSettings_temperatureUpToTwoIsServed_logprobsAndSeveralChoicesAreRefused() {
        OpenAIClient client = client("formats");

        ChatCompletion hot = client.chat().completions().create(hello("claude-haiku").toBuilder().temperature(1.8)
                .build());
        BadRequestException logprobs = catchThrowableOfType(BadRequestException.class, () -> client.chat()
                .completions().create(hello("claude-haiku").toBuilder().logprobs(true).build()));

        assertThat(hot.choices().get(0).message().content()).isPresent();
        assertThat(logprobs.param()).hasValue("logprobs");
    }

    /** Asserts a 400 in OpenAI's shape and returns its param. */
    private static String error(HttpResponse<String> r) throws IOException {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        JsonNode error = JSON.readTree(r.body()).path("error");
        assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.path("message").asText()).isNotBlank();
        return error.path("param").asText();
    }

    HttpResponse<String> post(String tenant, String body) {
        return send(HttpRequest.newBuilder(uri("/v1/chat/completions"))
                .header("Authorization", "Bearer " + GatewayTests.key(tenant))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.timeout(Duration.ofMinutes(1)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }
}
