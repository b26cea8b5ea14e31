package dev.aip.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import dev.aip.core.metering.Operation;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.UsageRecord;
import dev.aip.emulator.BedrockEmulator;
import dev.aip.emulator.FaultPlan;
import dev.aip.emulator.InvocationRecord;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@code POST /v1/embeddings} as applications meet it: OpenAI's official Java client and raw HTTP against the gateway
 * on the in-process emulator, whose Titan Text Embeddings V2 serves each tenant's application profile. One record
 * per input, equal to the emulator's invocation log per tenant and priced at the catalog's price.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "aip.emulator.enabled=true",
    "aip.profiles.routes.titan-embed=amazon.titan-embed-text-v2:0",
    "aip.profiles.routes.claude-haiku=us.anthropic.claude-3-5-haiku-20241022-v1:0",
    "aip.gateway.max-attempts=1",
    "aip.tenants.limited.tier=limited",
    "aip.tenants.hurried.tier=hurried",
    "aip.gateway.tier-timeouts.hurried=500ms"})
@Import(GatewayTests.Capture.class)
class GatewayEmbeddingsTest {

    static final ObjectMapper JSON = new ObjectMapper();
    /** Titan Text Embeddings V2, USD per 1M input tokens, as in the bundled price catalog. */
    static final BigDecimal TITAN_PER_MILLION = new BigDecimal("0.02");

    @DynamicPropertySource
    static void keysAndPolicies(DynamicPropertyRegistry registry) throws IOException {
        Path policies = Files.createTempFile("aip-gateway-embeddings-policies", ".yaml");
        policies.toFile().deleteOnExit();
        Files.writeString(policies, """
                defaults:
                  allowedModels: [titan-embed, claude-haiku]
                tenants:
                  chatonly:
                    allowedModels: [claude-haiku]
                tiers:
                  limited:
                    requestsPerMinute: 1
                """, StandardCharsets.UTF_8);
        registry.add("aip.policy-file", policies::toString);
        GatewayTests.registerKeys(registry, List.of("embedder", "raw", "errors", "limited", "chatonly",
                "hurried"));
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

    @AfterEach
    void close() {
        clients.forEach(OpenAIClient::close);
        emulator.faults().clear();
    }

    private OpenAIClient client(String tenant) {
        OpenAIClient c = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + port + "/v1")
                .apiKey(GatewayTests.key(tenant)).maxRetries(0).timeout(Duration.ofMinutes(1)).build();
        clients.add(c);
        return c;
    }

    private HttpResponse<String> post(String tenant, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/embeddings"))
                .header("Authorization", "Bearer " + GatewayTests.key(tenant))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The emulator's invocations made for a tenant (its requests carry the tenant in their metadata). */
    private List<InvocationRecord> served(String tenant) {
        return emulator.invocations().stream().filter(i -> tenant.equals(i.requestMetadata().get("tenantId")))
                .toList();
    }

    @Test
    void create_withOpenAiClient_embedsEachInputAndRecordsOneCallPerInput() {
        CreateEmbeddingResponse answer = client("embedder").embeddings().create(EmbeddingCreateParams.builder()
                .model("titan-embed").inputOfArrayOfStrings(List.of("first text", "second, longer text", "third"))
                .dimensions(256).user("end-user-7").build());

        assertThat(answer.data()).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(answer.data().get(i).index()).isEqualTo(i);
            assertThat(answer.data().get(i).embedding()).hasSize(256);
        }
        assertThat(answer.data().get(0).embedding()).isNotEqualTo(answer.data().get(1).embedding());
        assertThat(answer.model()).isEqualTo("titan-embed");

        List<InvocationRecord> server = served("embedder");
        assertThat(server).hasSize(3).allSatisfy(i -> {
            assertThat(i.operation()).isEqualTo("InvokeModel");
            assertThat(i.foundationModelId()).isEqualTo("amazon.titan-embed-text-v2:0");
            assertThat(i.profileArn()).isNotNull();
            assertThat(i.outcome()).isEqualTo(InvocationRecord.Outcome.SUCCESS);
        });
        long serverTokens = server.stream().mapToLong(InvocationRecord::inputTokens).sum();
        assertThat(answer.usage().promptTokens()).isEqualTo(serverTokens);
        assertThat(answer.usage().totalTokens()).isEqualTo(serverTokens);

        List<UsageRecord> mine = records.of("embedder");
        assertThat(mine).hasSize(3).allSatisfy(r -> {
            assertThat(r.operation()).isEqualTo(Operation.INVOKE_MODEL);
            assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
            assertThat(r.requestedModel()).isEqualTo("titan-embed");
            assertThat(r.usage().outputTokens()).isZero();
            assertThat(r.cost().amount()).hasValueSatisfying(c -> assertThat(c).isEqualByComparingTo(
                    TITAN_PER_MILLION.multiply(BigDecimal.valueOf(r.usage().inputTokens()))
                            .divide(BigDecimal.valueOf(1_000_000))));
        });
        assertThat(mine).extracting(UsageRecord::awsRequestId)
                .containsExactlyInAnyOrderElementsOf(server.stream().map(InvocationRecord::requestId).toList());
        for (UsageRecord r : mine) {
            InvocationRecord i = server.stream().filter(s -> s.requestId().equals(r.awsRequestId())).findFirst()
                    .orElseThrow();
            assertThat(r.usage().inputTokens()).isEqualTo(i.inputTokens());
            assertThat(r.profileArn()).isEqualTo(i.profileArn());
        }
    }

    @Test
    void post_rawStringInput_answersOpenAiShapeWithDefaultSizeAndBase64MatchingFloats() throws Exception {
        HttpResponse<String> floats = post("raw", "{\"model\":\"titan-embed\",\"input\":\"one text\"}");
        HttpResponse<String> encoded = post("raw", "{\"model\":\"titan-embed\",\"input\":\"one text\","
                + "\"encoding_format\":\"base64\"}");

        assertThat(floats.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(floats.body());
        assertThat(body.get("object").asText()).isEqualTo("list");
        assertThat(body.at("/data/0/object").asText()).isEqualTo("embedding");
        assertThat(body.at("/data/0/index").asInt()).isZero();
        assertThat(body.at("/data/0/embedding")).hasSize(1024);
        assertThat(body.get("model").asText()).isEqualTo("titan-embed");
        assertThat(body.at("/usage/prompt_tokens").asLong()).isEqualTo(body.at("/usage/total_tokens").asLong())
                .isEqualTo(served("raw").get(0).inputTokens());

        assertThat(encoded.statusCode()).isEqualTo(200);
        byte[] bytes = Base64.getDecoder().decode(JSON.readTree(encoded.body()).at("/data/0/embedding").asText());
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(bytes).hasSize(1024 * Float.BYTES);
        for (int i = 0; i < 1024; i++) {
            assertThat(buffer.getFloat()).isEqualTo(body.at("/data/0/embedding/" + i).floatValue());
        }
        assertThat(records.of("raw")).hasSize(2);
    }

    @Test
    void create_badRequests_areOpenAiErrorsNamingTheProblem() throws Exception {
        OpenAIClient c = client("errors");
        BadRequestException chat = catchThrowableOfType(BadRequestException.class, () -> c.embeddings()
                .create(EmbeddingCreateParams.builder().model("claude-haiku").input("x").build()));
        assertThat(chat.statusCode()).isEqualTo(400);
        assertThat(chat.getMessage()).contains("not an embedding model").contains("titan-embed");

        NotFoundException unknown = catchThrowableOfType(NotFoundException.class, () -> c.embeddings()
                .create(EmbeddingCreateParams.builder().model("text-embedding-3-small").input("x").build()));
        assertThat(unknown.statusCode()).isEqualTo(404);

        BadRequestException size = catchThrowableOfType(BadRequestException.class, () -> c.embeddings()
                .create(EmbeddingCreateParams.builder().model("titan-embed").input("x").dimensions(300).build()));
        assertThat(size.getMessage()).contains("256, 512 or 1024");

        BadRequestException tokens = catchThrowableOfType(BadRequestException.class, () -> c.embeddings()
                .create(EmbeddingCreateParams.builder().model("titan-embed").inputOfArrayOfTokens(List.of(1L, 2L))
                        .build()));
        assertThat(tokens.getMessage()).contains("token arrays");

        HttpResponse<String> empty = post("errors", "{\"model\":\"titan-embed\",\"input\":[\"a\",\"\"]}");
        assertThat(empty.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(empty.body()).at("/error/param").asText()).isEqualTo("input[1]");
        assertThat(JSON.readTree(empty.body()).at("/error/type").asText()).isEqualTo("invalid_request_error");

        UnauthorizedException noKey = catchThrowableOfType(UnauthorizedException.class, () -> OpenAIOkHttpClient
                .builder().baseUrl("http://127.0.0.1:" + port + "/v1").apiKey("sk-wrong").maxRetries(0).build()
                .embeddings().create(EmbeddingCreateParams.builder().model("titan-embed").input("x").build()));
        assertThat(noKey.statusCode()).isEqualTo(401);

        assertThat(served("errors")).isEmpty();
        assertThat(records.of("errors")).isEmpty();
    }

    @Test
    void create_modelTheTenantMayNotUse_is403() throws Exception {
        HttpResponse<String> refused = post("chatonly", "{\"model\":\"titan-embed\",\"input\":\"x\"}");

        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(refused.body()).at("/error/code").asText()).isEqualTo("model_not_allowed");
        assertThat(served("chatonly")).isEmpty();
    }

    @Test
    void create_overTheTenantsRateLimit_embedsWhatFitsAndRefusesTheRestAs429() {
        RateLimitException limited = catchThrowableOfType(RateLimitException.class, () -> client("limited")
                .embeddings().create(EmbeddingCreateParams.builder().model("titan-embed")
                        .inputOfArrayOfStrings(List.of("fits", "over the limit")).build()));

        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().values("Retry-After")).isNotEmpty();
        assertThat(served("limited")).hasSize(1);
        assertThat(records.of("limited")).extracting(UsageRecord::outcome)
                .containsExactly(Outcome.SUCCESS, Outcome.REJECTED_BY_POLICY);
    }

    @Test
    void post_callPastTheTiersTimeout_is504RecordedAsTimeout() throws Exception {
        // Provision the tenant's profile first, then slow the model past the tier's timeout.
        assertThat(post("hurried", "{\"model\":\"titan-embed\",\"input\":\"warm up\"}").statusCode())
                .isEqualTo(200);
        emulator.faults().setGlobal(FaultPlan.builder().latency(Duration.ofSeconds(3)).build());

        HttpResponse<String> late = post("hurried", "{\"model\":\"titan-embed\",\"input\":\"too slow\"}");

        assertThat(late.statusCode()).as(late.body()).isEqualTo(504);
        assertThat(JSON.readTree(late.body()).at("/error/type").asText()).isEqualTo("api_error");
        // The timed-out attempt is settled by the SDK's failure hook, which may run just after the answer left.
        GatewayTests.await(() -> records.of("hurried").size() == 2);
        assertThat(records.of("hurried")).extracting(UsageRecord::outcome)
                .containsExactly(Outcome.SUCCESS, Outcome.TIMEOUT);
    }
}
