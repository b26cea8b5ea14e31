package dev.aip.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.UsageRecord;
import dev.aip.emulator.BedrockEmulator;
import dev.aip.emulator.FaultPlan;
import dev.aip.emulator.InvocationRecord;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * 500 SSE streams at once, each waiting a second for its first token, on the gateway's default (small) Reactor Netty
 * event-loop pool: all complete, and each is metered exactly once. On Tomcat this needed a thread per stream.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "aip.emulator.enabled=true",
    "aip.profiles.routes.claude-haiku=us.anthropic.claude-3-5-haiku-20241022-v1:0",
    "aip.gateway.max-attempts=1",
    // The async Bedrock client's concurrent streams (NettyNioAsyncHttpClient maxConcurrency).
    "aip.http.max-connections=600"})
class GatewayLoadTest {

    static final int STREAMS = 500;
    static final List<String> TENANTS = List.of("load-a", "load-b", "load-c", "load-d", "load-e");

    @DynamicPropertySource
    static void keys(DynamicPropertyRegistry registry) {
        TENANTS.forEach(tenant -> registry.add("aip.tenants." + tenant + ".tier", () -> "standard"));
        GatewayTests.registerKeys(registry, TENANTS);
    }

    @TestConfiguration
    static class Slow {

        /**
         * The emulator, with a one-second time to first token, paced by timers on a small worker pool (8 workers
         * for 500 streams: none is held while a stream waits). The gateway itself keeps its default event loops.
         */
        @Bean(destroyMethod = "close")
        BedrockEmulator aipEmulator() {
            return BedrockEmulator.builder().workerThreads(8)
                    .faults(FaultPlan.builder().timeToFirstToken(Duration.ofSeconds(1)).build()).build().start();
        }

        @Bean
        GatewayTests.Records testRecords() {
            return new GatewayTests.Records();
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    GatewayTests.Records records;

    @Autowired
    InFlightLimits limits;

    @Autowired
    BedrockEmulator emulator;

    @Test
    void fiveHundredSlowStreams_allComplete_eachMeteredOnce() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(30)).build();
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        long started = System.nanoTime();
        for (int i = 0; i < STREAMS; i++) {
            String tenant = TENANTS.get(i % TENANTS.size());
            String body = "{\"model\":\"claude-haiku\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Stream " + i + "\"}]}";
            calls.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                            + "/v1/chat/completions")).header("Authorization", "Bearer sk-test-" + tenant)
                    .header("Content-Type", "application/json").timeout(Duration.ofMinutes(2))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        List<String> recordIds = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> call : calls) {
            HttpResponse<String> r = call.get(2, TimeUnit.MINUTES);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).endsWith("data: [DONE]\n\n");
            String usage = r.body().lines().filter(l -> l.contains("\"record_id\"")).findFirst().orElseThrow();
            recordIds.add(GatewayHttpTest.JSON.readTree(usage.substring(6)).at("/aip/record_id").asText());
        }
        long elapsed = System.nanoTime() - started;

        List<UsageRecord> mine = records.all.stream().filter(r -> TENANTS.contains(r.tenant().value())).toList();
        assertThat(mine).hasSize(STREAMS).allMatch(r -> r.outcome() == Outcome.SUCCESS);
        Map<String, Long> perCall = mine.stream().collect(Collectors.groupingBy(UsageRecord::callId,
                Collectors.counting()));
        assertThat(perCall).hasSize(STREAMS).allSatisfy((call, n) -> assertThat(n).isEqualTo(1));
        assertThat(mine.stream().map(UsageRecord::recordId).collect(Collectors.toSet()))
                .containsExactlyInAnyOrderElementsOf(recordIds);
        assertThat(limits.inFlight()).isZero();
        // Concurrent, not one after another: the emulator's own records show the streams' first-token waits side by
        // side (one after another, at most one would be waiting at a time).
        System.out.println(STREAMS + " slow streams took " + Duration.ofNanos(elapsed).toMillis() + " ms");
        assertThat(InvocationRecord.peakInFlight(emulator.invocations())).as("streams in flight at once at the emulator")
                .isGreaterThan(50);
    }
}
