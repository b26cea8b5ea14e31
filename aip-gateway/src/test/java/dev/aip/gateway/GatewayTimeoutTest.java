package dev.aip.gateway;

import static dev.aip.gateway.GatewayTests.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aip.core.chat.CallTimeoutException;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.UsageRecord;
import dev.aip.emulator.BedrockEmulator;
import dev.aip.emulator.FaultPlan;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
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
 * Call timeouts by tier over real HTTP: a basic tenant's call past its 1 s timeout is answered 504
 * {@code call_timeout} (or, mid-stream, ended with an error event), cancelled at Bedrock and recorded once as
 * {@code TIMEOUT}; a premium tenant's identical call, under its own longer timeout, completes.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "aip.emulator.enabled=true",
    "aip.profiles.routes.claude-haiku=us.anthropic.claude-3-5-haiku-20241022-v1:0",
    "aip.tenants.slow-basic.tier=basic",
    "aip.tenants.slow-premium.tier=premium",
    "aip.gateway.max-attempts=1",
    "aip.gateway.timeout=30s",
    "aip.gateway.tier-timeouts.basic=1s"})
class GatewayTimeoutTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String HELLO = "{\"model\":\"claude-haiku\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";
    static final String STREAM = "{\"model\":\"claude-haiku\",\"stream\":true,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";

    @DynamicPropertySource
    static void keys(DynamicPropertyRegistry registry) {
        GatewayTests.registerKeys(registry, List.of("slow-basic", "slow-premium"));
    }

    @TestConfiguration
    static class Sink {
        @Bean
        GatewayTests.Records testRecords() {
            return new GatewayTests.Records();
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    BedrockEmulator emulator;

    @Autowired
    InFlightLimits limits;

    @Autowired
    GatewayTests.Records records;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    @AfterEach
    void clearFaults() {
        emulator.faults().clear();
    }

    @Test
    void aWholeAnswerPastTheTiersTimeout_is504_recordedOnceAsTimeout_whileAPremiumCallCompletes() throws Exception {
        // Provision both tenants' profiles first, then slow the model past the basic tier's timeout.
        warmUp("slow-basic");
        warmUp("slow-premium");
        emulator.faults().setGlobal(FaultPlan.builder().latency(Duration.ofSeconds(2)).build());
        int basicBefore = records.of("slow-basic").size();

        HttpResponse<String> basic = post("slow-basic", HELLO);
        HttpResponse<String> premium = post("slow-premium", HELLO);

        assertThat(basic.statusCode()).as(basic.body()).isEqualTo(504);
        JsonNode error = JSON.readTree(basic.body()).path("error");
        assertThat(error.path("code").asText()).isEqualTo("call_timeout");
        assertThat(error.path("message").asText()).contains("timeout of 1 s");
        assertThat(premium.statusCode()).as(premium.body()).isEqualTo(200);

        await(() -> records.of("slow-basic").size() == basicBefore + 1);
        UsageRecord timedOut = records.of("slow-basic").get(basicBefore);
        assertThat(timedOut.outcome()).isEqualTo(Outcome.TIMEOUT);
        assertThat(timedOut.errorCode()).isEqualTo(CallTimeoutException.ERROR_CODE);
        assertThat(records.of("slow-premium")).last().extracting(UsageRecord::outcome).isEqualTo(Outcome.SUCCESS);
        await(() -> limits.inFlight() == 0);
        // Nothing later adds a second record for the abandoned call.
        Thread.sleep(1500);
        assertThat(records.of("slow-basic")).hasSize(basicBefore + 1);
    }

    @Test
    void aStreamPastTheTiersTimeout_endsWithAnErrorEvent_andIsRecordedOnceAsTimeout() throws Exception {
        warmUp("slow-basic");
        // First text after 200 ms, then a chunk every 400 ms: at least five chunks, so more than 2 s in all.
        emulator.faults().setGlobal(FaultPlan.builder().timeToFirstToken(Duration.ofMillis(200))
                .chunkDelay(Duration.ofMillis(400)).build());
        int before = records.of("slow-basic").size();

        HttpResponse<String> stream = post("slow-basic", STREAM);

        assertThat(stream.statusCode()).isEqualTo(200);
        List<String> data = stream.body().lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6))
                .toList();
        assertThat(data).anySatisfy(d -> assertThat(d).contains("\"content\""));
        JsonNode last = JSON.readTree(data.get(data.size() - 2));
        assertThat(last.at("/error/code").asText()).isEqualTo("call_timeout");
        assertThat(data).last().isEqualTo("[DONE]");

        await(() -> records.of("slow-basic").size() == before + 1);
        UsageRecord timedOut = records.of("slow-basic").get(before);
        assertThat(timedOut.outcome()).isEqualTo(Outcome.TIMEOUT);
        assertThat(timedOut.usage().outputTokens()).as("the text delivered is billed").isPositive();
        await(() -> limits.inFlight() == 0);
        Thread.sleep(2500);
        assertThat(records.of("slow-basic")).hasSize(before + 1);
    }

    /**
     * One successful call, so the tenant's profile exists before the model is slowed. Its first call also provisions
     * the profile, which on a busy machine can take longer than the basic tier's 1 s: such a call times out (504,
     * recorded before the counts the test compares are taken) and is made again.
     */
    private void warmUp(String tenant) {
        GatewayTests.await(() -> {
            try {
                HttpResponse<String> r = post(tenant, HELLO);
                assertThat(r.statusCode()).as(r.body()).isIn(200, 504);
                return r.statusCode() == 200;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private HttpResponse<String> post(String tenant, String body) throws Exception {
        return http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                        .header("Authorization", "Bearer sk-test-" + tenant).header("Content-Type", "application/json")
                        .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString()).get(30, TimeUnit.SECONDS);
    }
}
