package dev.aip.gateway;

import static dev.aip.gateway.GatewayTests.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aip.core.tenant.TenantId;
import dev.aip.emulator.BedrockEmulator;
import dev.aip.emulator.FaultPlan;
import io.micrometer.core.instrument.MeterRegistry;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.UsageRecord;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The capacity caps over real HTTP: a tenant over its cap gets 429, the gateway over its cap 503, both at once with
 * {@code Retry-After} and OpenAI's error shape, and neither reaches Bedrock; the held calls still complete and give
 * their permits back. A client that stops reading loses its stream once the bounded buffer is full.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "aip.emulator.enabled=true",
    "aip.profiles.routes.claude-haiku=us.anthropic.claude-3-5-haiku-20241022-v1:0",
    "aip.tenants.cap-a.tier=standard",
    "aip.tenants.cap-b.tier=standard",
    "aip.gateway.max-attempts=1",
    "aip.gateway.max-in-flight=3",
    "aip.gateway.max-in-flight-per-tenant=2",
    "aip.gateway.stream-buffer-events=16"})
class GatewayCapacityTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String HELLO = "{\"model\":\"claude-haiku\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";
    static final String STREAM = "{\"model\":\"claude-haiku\",\"stream\":true,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";

    @DynamicPropertySource
    static void keys(DynamicPropertyRegistry registry) {
        GatewayTests.registerKeys(registry, List.of("cap-a", "cap-b"));
    }

    @LocalServerPort
    int port;

    @Autowired
    BedrockEmulator emulator;

    @Autowired
    InFlightLimits limits;

    @Autowired
    MeterRegistry registry;

    @Autowired
    GatewayTests.Records records;

    @TestConfiguration
    static class Sink {
        @Bean
        GatewayTests.Records testRecords() {
            return new GatewayTests.Records();
        }
    }

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    @AfterEach
    void clearFaults() {
        emulator.faults().clear();
    }

    @Test
    void overTheTenantsCap_is429_overTheGatewaysCap_is503_atOnceWithRetryAfter() throws Exception {
        // Provision both tenants' profiles first, then hold calls in flight with a slow model.
        assertThat(post("cap-a", HELLO).join().statusCode()).isEqualTo(200);
        assertThat(post("cap-b", HELLO).join().statusCode()).isEqualTo(200);
        emulator.faults().setGlobal(FaultPlan.builder().latency(Duration.ofSeconds(3)).build());
        long before = emulator.invocations().size();

        CompletableFuture<HttpResponse<String>> a1 = post("cap-a", HELLO);
        CompletableFuture<HttpResponse<String>> a2 = post("cap-a", STREAM);
        await(() -> limits.inFlight(TenantId.of("cap-a")) == 2);
        HttpResponse<String> tenantOver = post("cap-a", HELLO).get(2, TimeUnit.SECONDS);
        CompletableFuture<HttpResponse<String>> b1 = post("cap-b", HELLO);
        await(() -> limits.inFlight() == 3);
        assertThat(registry.get("aip.gateway.in-flight").gauge().value()).isEqualTo(3.0);
        HttpResponse<String> gatewayOver = post("cap-b", STREAM).get(2, TimeUnit.SECONDS);
        boolean heldStillRunning = !a1.isDone() && !a2.isDone() && !b1.isDone();

        assertThat(tenantOver.statusCode()).isEqualTo(429);
        assertThat(tenantOver.headers().firstValue("Retry-After")).hasValue("1");
        JsonNode e429 = JSON.readTree(tenantOver.body()).path("error");
        assertThat(e429.path("code").asText()).isEqualTo("too_many_concurrent_requests");
        assertThat(e429.path("type").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(e429.has("message") && e429.has("param")).isTrue();
        assertThat(gatewayOver.statusCode()).isEqualTo(503);
        assertThat(gatewayOver.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(JSON.readTree(gatewayOver.body()).at("/error/code").asText()).isEqualTo("gateway_overloaded");
        // Refused at once, not queued behind the 3-second calls: those were all still running when both refusals came.
        assertThat(heldStillRunning).isTrue();

        for (CompletableFuture<HttpResponse<String>> held : List.of(a1, a2, b1)) {
            assertThat(held.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
        await(() -> limits.inFlight() == 0);
        assertThat(limits.inFlight(TenantId.of("cap-a"))).isZero();
        // Only the three held calls reached Bedrock.
        assertThat(emulator.invocations()).hasSize((int) before + 3);
    }

    @Test
    void aClientThatStopsReading_losesItsStream_theCallIsCancelledAndSettledOnce() throws Exception {
        assertThat(post("cap-b", HELLO).join().statusCode()).isEqualTo(200);
        emulator.script().forAnyModel().whenPromptContains("[flood]").replyTokens(60_000);
        int before = records.all.size();
        String body = "{\"model\":\"claude-haiku\",\"stream\":true,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"Everything [flood]\"}]}";
        try (Socket socket = new Socket()) {
            // A small window and no reads: the gateway's writes back up to its bounded buffer.
            socket.setReceiveBufferSize(4096);
            socket.connect(new InetSocketAddress("127.0.0.1", port));
            socket.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n"
                    + "Authorization: Bearer sk-test-cap-b\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body)
                    .getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
            await(() -> records.all.size() > before);
        }
        UsageRecord record = records.all.get(before);
        assertThat(record.outcome()).isEqualTo(Outcome.CANCELLED);
        assertThat(records.all.stream().filter(r -> r.callId().equals(record.callId()))).hasSize(1);
        await(() -> limits.inFlight() == 0);
    }

    private CompletableFuture<HttpResponse<String>> post(String tenant, String body) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .header("Authorization", "Bearer sk-test-" + tenant).header("Content-Type", "application/json")
                .timeout(Duration.ofMinutes(1)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
