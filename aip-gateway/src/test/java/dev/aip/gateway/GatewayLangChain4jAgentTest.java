package dev.aip.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.UsageRecord;
import dev.aip.emulator.BedrockEmulator;
import dev.aip.emulator.InvocationRecord;
import dev.aip.emulator.Script;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.http.client.jdk.JdkHttpClient;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.service.AiServices;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * An agent framework through the gateway as applications run it: LangChain4j's OpenAI chat model, pointed at the
 * gateway's OpenAI endpoint with a tenant's key, drives an {@link AiServices} agent with two tools on the in-process
 * emulator. Every model call of the agent's tool loop is one usage record, equal to the emulator's own log.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "aip.emulator.enabled=true",
    "aip.profiles.routes.claude-haiku=us.anthropic.claude-3-5-haiku-20241022-v1:0",
    "aip.gateway.max-attempts=1"})
@Import(GatewayTests.Capture.class)
class GatewayLangChain4jAgentTest {

    static final List<String> TENANTS = List.of("lc-agent");

    @DynamicPropertySource
    static void keysAndPolicies(DynamicPropertyRegistry registry) throws IOException {
        Path policies = Files.createTempFile("aip-gateway-langchain4j-policies", ".yaml");
        policies.toFile().deleteOnExit();
        Files.writeString(policies, """
                defaults:
                  allowedModels: [claude-haiku]
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

    /** The agent's contract: one question in, the final answer out, tools called in between. */
    interface TravelAgent {
        String answer(String question);
    }

    /** The agent's two tools; records what the model asked for. */
    static final class TravelTools {
        final List<String> calls = new CopyOnWriteArrayList<>();

        @Tool("The current weather in a city")
        String getWeather(@P("the city") String city) {
            calls.add("getWeather(" + city + ")");
            return "{\"sky\":\"clear\",\"celsius\":24}";
        }

        @Tool("The local time in an IANA time zone")
        String getTime(@P("the time zone, e.g. Europe/Rome") String zone) {
            calls.add("getTime(" + zone + ")");
            return "09:00";
        }
    }

    private TravelAgent agent(String tenant, TravelTools tools) {
        OpenAiChatModel model = OpenAiChatModel.builder()
                .baseUrl("http://127.0.0.1:" + port + "/v1")
                .apiKey(GatewayTests.key(tenant))
                .modelName("claude-haiku")
                .httpClientBuilder(JdkHttpClient.builder().httpClientBuilder(HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)))
                .timeout(Duration.ofMinutes(1))
                .maxRetries(0)
                .build();
        return AiServices.builder(TravelAgent.class).chatModel(model).tools(tools).build();
    }

    @Test
    void aiServicesAgent_twoToolsCalledInOneTurn_answersAndRecordsEqualTheEmulatorsLog() {
        emulator.script().forAnyModel().whenPromptContains("weather and the time in Rome")
                .useTools(List.of(Script.toolCall("getWeather", "{\"city\":\"Rome\"}"),
                        Script.toolCall("getTime", "{\"zone\":\"Europe/Rome\"}")), "Sunny, and 09:00 in Rome.");
        TravelTools tools = new TravelTools();

        String answer = agent("lc-agent", tools).answer("What are the weather and the time in Rome?");

        assertThat(answer).isEqualTo("Sunny, and 09:00 in Rome.");
        assertThat(tools.calls).containsExactly("getWeather(Rome)", "getTime(Europe/Rome)");
        List<UsageRecord> ours = records.of("lc-agent");
        assertThat(ours).hasSize(2).allMatch(r -> r.outcome() == Outcome.SUCCESS);
        assertThat(ours).allMatch(r -> r.cost().amount().orElseThrow().signum() > 0);
        assertRecordsEqualTheEmulatorsLog("lc-agent");
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
}
