package dev.aip.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aip.core.metering.Operation;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.UsageProvenance;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantId;
import dev.aip.emulator.BedrockEmulator;
import dev.aip.emulator.FaultPlan;
import dev.aip.emulator.InvocationRecord;
import io.micrometer.core.instrument.MeterRegistry;
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
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.embedded.netty.NettyWebServer;
import org.springframework.boot.web.reactive.context.ReactiveWebServerApplicationContext;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The gateway (Spring WebFlux on Reactor Netty) over real HTTP (the JDK's client) on a random port, on the in-process
 * emulator: answers in OpenAI's shape, streams, refusals with their status codes, and usage records that equal the
 * emulator's books.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "aip.emulator.enabled=true",
    "aip.profiles.routes.claude-haiku=us.anthropic.claude-3-5-haiku-20241022-v1:0",
    "aip.profiles.routes.nova-lite=us.amazon.nova-lite-v1:0",
    "aip.tenants.acme.tier=premium",
    "aip.tenants.limited.tier=basic",
    "aip.gateway.max-body-bytes=4096",
    "aip.gateway.max-attempts=1",
    "management.endpoints.web.exposure.include=health,aip"})
@Import(GatewayTests.Capture.class)
class GatewayHttpTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String HELLO = "{\"model\":\"claude-haiku\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";
    static final List<String> TENANTS = List.of("acme", "globex", "limited", "quitter", "load-1", "load-2", "load-3");

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

    static String key(String tenant) {
        return GatewayTests.key(tenant);
    }

    @LocalServerPort
    int port;

    @Autowired
    GatewayTests.Records records;

    @Autowired
    BedrockEmulator emulator;

    @Autowired
    MeterRegistry registry;

    @Autowired
    InFlightLimits limits;

    @Autowired
    ApplicationContext context;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    @Test
    void chatCompletion_validKey_answersInOpenAiShapeWithUsageAndCost() throws Exception {
        HttpResponse<String> r = post("acme", HELLO);

        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("object").asText()).isEqualTo("chat.completion");
        assertThat(body.path("model").asText()).isEqualTo("claude-haiku");
        assertThat(body.at("/choices/0/message/role").asText()).isEqualTo("assistant");
        assertThat(body.at("/choices/0/message/content").asText()).isNotBlank();
        assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        String recordId = r.headers().firstValue("x-aip-record-id").orElseThrow();
        UsageRecord record = records.all.stream().filter(x -> x.recordId().equals(recordId)).findFirst()
                .orElseThrow();
        assertThat(body.at("/usage/prompt_tokens").asLong()).isEqualTo(record.usage().totalInputTokens());
        assertThat(body.at("/usage/completion_tokens").asLong()).isEqualTo(record.usage().outputTokens());
        assertThat(body.at("/usage/total_tokens").asLong()).isEqualTo(record.usage().totalTokens());
        assertThat(body.at("/usage/prompt_tokens_details/cached_tokens").asLong()).isZero();
        assertThat(r.headers().firstValue("x-aip-output-tokens")).hasValue(
                Long.toString(record.usage().outputTokens()));
        assertThat(r.headers().firstValue("x-aip-cost-usd")).hasValue(
                record.cost().amount().orElseThrow().toPlainString());
        InvocationRecord truth = emulator.invocations().stream()
                .filter(i -> i.requestId().equals(record.awsRequestId())).findFirst().orElseThrow();
        assertThat(truth.outputTokens()).isEqualTo(record.usage().outputTokens());
        assertThat(truth.requestMetadata()).containsEntry("tenantId", "acme").containsEntry("tier", "premium");
    }

    @Test
    void stream_sendsSseChunks_usageInTheLastChunk_thenDone() throws Exception {
        HttpResponse<String> r = post("globex", "{\"model\":\"claude-haiku\",\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"system\",\"content\":"
                + "\"Be brief.\"},{\"role\":\"user\",\"content\":\"Tell me about tides\"}]}");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/event-stream");
        List<String> data = r.body().lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
        assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
        List<JsonNode> chunks = new ArrayList<>();
        for (String d : data.subList(0, data.size() - 1)) {
            chunks.add(JSON.readTree(d));
        }
        assertThat(chunks).allMatch(c -> c.path("object").asText().equals("chat.completion.chunk"));
        assertThat(chunks.get(0).at("/choices/0/delta/role").asText()).isEqualTo("assistant");
        String text = chunks.stream().map(c -> c.at("/choices/0/delta/content").asText("")).collect(
                Collectors.joining());
        assertThat(text).isNotBlank();
        JsonNode last = chunks.get(chunks.size() - 1);
        assertThat(last.path("choices")).isEmpty();
        assertThat(chunks.get(chunks.size() - 2).at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        UsageRecord record = records.of("globex").stream()
                .filter(x -> x.recordId().equals(last.at("/aip/record_id").asText())).findFirst().orElseThrow();
        assertThat(record.operation()).isEqualTo(Operation.CONVERSE_STREAM);
        assertThat(last.at("/usage/completion_tokens").asLong()).isEqualTo(record.usage().outputTokens());
        assertThat(last.at("/usage/prompt_tokens").asLong()).isEqualTo(record.usage().totalInputTokens());
        assertThat(last.at("/aip/cost_usd").asText()).isEqualTo(record.cost().amount().orElseThrow()
                .toPlainString());
    }

    @Test
    void badKey_is401_withoutDetail() throws Exception {
        HttpResponse<String> wrong = send(HttpRequest.newBuilder(uri("/v1/chat/completions"))
                .header("Authorization", "Bearer sk-test-nobody").POST(HttpRequest.BodyPublishers.ofString(HELLO)));
        HttpResponse<String> missing = send(HttpRequest.newBuilder(uri("/v1/models")).GET());

        for (HttpResponse<String> r : List.of(wrong, missing)) {
            assertThat(r.statusCode()).isEqualTo(401);
            JsonNode error = JSON.readTree(r.body()).path("error");
            assertThat(error.path("message").asText()).isEqualTo("Invalid API key.");
            assertThat(error.path("code").asText()).isEqualTo("invalid_api_key");
            assertThat(r.body()).doesNotContain("acme", "sk-test");
        }
    }

    @Test
    void badRequests_areRefusedWithTheirStatus_andNeverReachBedrock() throws Exception {
        long before = emulator.invocations().size();
        int recordsBefore = records.of("acme").size();

        HttpResponse<String> badJson = post("acme", "{\"model\": \"claude-haiku\", \"messages\": [");
        HttpResponse<String> noMessages = post("acme", "{\"model\":\"claude-haiku\",\"messages\":[]}");
        HttpResponse<String> badTemperature = post("acme", "{\"model\":\"claude-haiku\",\"temperature\":2.5,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        HttpResponse<String> oversize = post("acme", "{\"model\":\"claude-haiku\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"" + "x".repeat(5000) + "\"}]}");
        HttpResponse<String> unknownModel = post("acme", HELLO.replace("claude-haiku", "gpt-9"));
        HttpResponse<String> disallowed = post("limited", HELLO);

        assertThat(badJson.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(badJson.body()).at("/error/type").asText()).isEqualTo("invalid_request_error");
        assertThat(noMessages.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(noMessages.body()).at("/error/param").asText()).isEqualTo("messages");
        assertThat(badTemperature.statusCode()).isEqualTo(400);
        assertThat(oversize.statusCode()).isEqualTo(413);
        assertThat(unknownModel.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(unknownModel.body()).at("/error/code").asText()).isEqualTo("model_not_found");
        assertThat(disallowed.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(disallowed.body()).at("/error/code").asText()).isEqualTo("model_not_allowed");
        assertThat(emulator.invocations()).hasSize((int) before);
        assertThat(records.of("acme")).hasSize(recordsBefore);
    }

    @Test
    void models_listsWhatTheTenantMayUse() throws Exception {
        HttpResponse<String> limited = send(HttpRequest.newBuilder(uri("/v1/models"))
                .header("Authorization", "Bearer " + key("limited")).GET());
        HttpResponse<String> acme = send(HttpRequest.newBuilder(uri("/v1/models"))
                .header("Authorization", "Bearer " + key("acme")).GET());

        assertThat(ids(limited)).containsExactly("nova-lite");
        assertThat(ids(acme)).containsExactlyInAnyOrder("claude-haiku", "nova-lite");
    }

    @Test
    void rateLimit_is429WithRetryAfter_andARejectedRecord() throws Exception {
        String nova = HELLO.replace("claude-haiku", "nova-lite");
        List<Integer> statuses = new ArrayList<>();
        HttpResponse<String> refused = null;
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> r = post("limited", nova);
            statuses.add(r.statusCode());
            if (r.statusCode() == 429) {
                refused = r;
            }
        }

        assertThat(statuses).containsExactly(200, 200, 200, 429);
        assertThat(Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow())).isPositive();
        assertThat(JSON.readTree(refused.body()).at("/error/code").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(records.of("limited")).extracting(UsageRecord::outcome)
                .containsExactly(Outcome.SUCCESS, Outcome.SUCCESS, Outcome.SUCCESS, Outcome.REJECTED_BY_POLICY);
        String aip = send(HttpRequest.newBuilder(uri("/actuator/aip/limited")).GET()).body();
        assertThat(JSON.readTree(aip).at("/limits/refusals/requests-per-minute").asLong()).isEqualTo(1);
    }

    @Test
    void concurrentClients_ofSeveralTenants_recordsEqualTheEmulatorsBooks() throws Exception {
        List<String> tenants = List.of("load-1", "load-2", "load-3");
        ExecutorService pool = Executors.newFixedThreadPool(12);
        try {
            List<Future<Integer>> calls = new ArrayList<>();
            for (int i = 0; i < 48; i++) {
                String tenant = tenants.get(i % 3);
                boolean stream = i % 4 == 0;
                String body = "{\"model\":\"claude-haiku\",\"stream\":" + stream + ",\"messages\":[{\"role\":"
                        + "\"user\",\"content\":\"Draft note " + i + " for " + tenant + "\"}]}";
                calls.add(pool.submit(() -> post(tenant, body).statusCode()));
            }
            for (Future<Integer> f : calls) {
                assertThat(f.get(2, TimeUnit.MINUTES)).isEqualTo(200);
            }
        } finally {
            pool.shutdownNow();
        }

        List<UsageRecord> mine = records.all.stream().filter(r -> tenants.contains(r.tenant().value())).toList();
        assertThat(mine).hasSize(48).allMatch(r -> r.outcome() == Outcome.SUCCESS
                && r.provenance() == UsageProvenance.REPORTED);
        Set<String> profiles = mine.stream().map(UsageRecord::profileArn).collect(Collectors.toSet());
        assertThat(profiles).hasSize(3);
        Map<String, List<Long>> ours = mine.stream().collect(Collectors.groupingBy(UsageRecord::profileArn,
                Collectors.collectingAndThen(Collectors.toList(), rs -> List.of((long) rs.size(),
                        rs.stream().mapToLong(r -> r.usage().inputTokens()).sum(),
                        rs.stream().mapToLong(r -> r.usage().outputTokens()).sum()))));
        Map<String, List<Long>> truth = emulator.invocations().stream().filter(i -> profiles.contains(i.profileArn()))
                .collect(Collectors.groupingBy(InvocationRecord::profileArn, Collectors.collectingAndThen(
                        Collectors.toList(), is -> List.of((long) is.size(),
                                is.stream().mapToLong(InvocationRecord::inputTokens).sum(),
                                is.stream().mapToLong(InvocationRecord::outputTokens).sum()))));
        assertThat(ours).isEqualTo(truth);
        for (String tenant : tenants) {
            String profile = records.of(tenant).get(0).profileArn();
            assertThat(records.of(tenant)).allMatch(r -> r.profileArn().equals(profile));
        }
    }

    @Test
    void clientDisconnectingMidStream_leavesOneSettledRecord() throws Exception {
        // First call provisions the tenant's profile; then its streams are slowed down per chunk.
        assertThat(post("quitter", HELLO).statusCode()).isEqualTo(200);
        String profile = records.of("quitter").get(0).profileArn();
        emulator.faults().set(profile, FaultPlan.builder().chunkDelay(Duration.ofMillis(20)).build());
        emulator.script().forModel(profile).whenPromptContains("[long]").replyTokens(3000);

        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(uri("/v1/chat/completions"))
                .header("Authorization", "Bearer " + key("quitter")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"claude-haiku\",\"stream\":true,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Write it all [long]\"}]}")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        try (InputStream in = r.body()) {
            BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            int contentChunks = 0;
            while (contentChunks < 3) {
                String line = lines.readLine();
                assertThat(line).isNotNull();
                if (line.contains("\"content\":\"") && !line.contains("\"content\":\"\"")) {
                    contentChunks++;
                }
            }
        }

        // The gateway notices at its next write; wait (bounded) for the attempt to settle.
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (records.of("quitter").size() < 2 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
        List<UsageRecord> quitter = records.of("quitter");
        assertThat(quitter).hasSize(2);
        UsageRecord abandoned = quitter.get(1);
        assertThat(abandoned.outcome()).isEqualTo(Outcome.CANCELLED);
        assertThat(abandoned.operation()).isEqualTo(Operation.CONVERSE_STREAM);
        assertThat(records.all.stream().filter(x -> x.callId().equals(abandoned.callId()))).hasSize(1);
        // The call's capacity permit goes back as the call ends, right after its record (on the gateway's thread).
        GatewayTests.await(() -> limits.inFlight(TenantId.of("quitter")) == 0);
    }

    @Test
    void servesOnReactorNetty() {
        assertThat(((ReactiveWebServerApplicationContext) context).getWebServer()).isInstanceOf(
                NettyWebServer.class);
    }

    @Test
    void healthAndMeters_reportTheLedgerResolverAndBoundedGenAiMeters() throws Exception {
        assertThat(post("acme", HELLO).statusCode()).isEqualTo(200);

        JsonNode health = JSON.readTree(send(HttpRequest.newBuilder(uri("/actuator/health")).GET()).body());
        assertThat(health.at("/components/aip/status").asText()).isEqualTo("UP");
        assertThat(health.at("/components/aip/details/profileResolver/type").asText())
                .isEqualTo("ProvisioningProfileResolver");
        assertThat(registry.find("gen_ai.client.token.usage").tag("gen_ai.token.type", "output")
                .tag("gen_ai.request.model", "claude-haiku").tag("aip.tier", "premium").summary()).isNotNull();
        assertThat(registry.find("gen_ai.client.operation.duration").timers()).isNotEmpty();
        // Usage meters carry no tenant tag unless tenants are listed in aip.metrics.tenant-tag.
        assertThat(registry.find("gen_ai.client.token.usage").meters())
                .allMatch(m -> m.getId().getTag("aip.tenant") == null);
        // The gateway's own meters are per tenant: tenants are the configured keys, a bounded set.
        assertThat(registry.find("aip.gateway.requests").tag("aip.tenant", "acme").tag("http.status", "200")
                .counter().count()).isPositive();
        assertThat(registry.find("aip.gateway.requests").meters()).allMatch(m -> TENANTS.contains(
                m.getId().getTag("aip.tenant")) || "none".equals(m.getId().getTag("aip.tenant")));
    }

    private List<String> ids(HttpResponse<String> r) throws IOException {
        List<String> ids = new ArrayList<>();
        JSON.readTree(r.body()).path("data").forEach(m -> ids.add(m.path("id").asText()));
        return ids;
    }

    private HttpResponse<String> post(String tenant, String body) {
        return send(HttpRequest.newBuilder(uri("/v1/chat/completions"))
                .header("Authorization", "Bearer " + key(tenant)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.timeout(Duration.ofMinutes(2)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }
}
