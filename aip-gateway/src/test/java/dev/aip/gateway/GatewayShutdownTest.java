package dev.aip.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.UsageRecord;
import dev.aip.emulator.BedrockEmulator;
import dev.aip.emulator.FaultPlan;
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
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Graceful shutdown with streams in flight: the gateway stops taking requests, streams that end within the grace
 * period end normally, the rest are cancelled when it runs out, and every one is settled exactly once.
 */
class GatewayShutdownTest {

    static final List<String> TENANTS = List.of("short", "long");

    @Configuration(proxyBeanMethods = false)
    static class Sink {
        @Bean
        GatewayTests.Records testRecords() {
            return new GatewayTests.Records();
        }
    }

    @Test
    void shutdownWithStreamsInFlight_finishesOrCancelsEach_andSettlesEachOnce() throws Exception {
        List<String> properties = new ArrayList<>(List.of(
                "server.port=0",
                "server.shutdown=graceful",
                "spring.lifecycle.timeout-per-shutdown-phase=4s",
                "aip.emulator.enabled=true",
                "aip.profiles.routes.claude-haiku=us.anthropic.claude-3-5-haiku-20241022-v1:0",
                "aip.gateway.max-attempts=1",
                "management.endpoints.web.exposure.include=health"));
        for (int i = 0; i < TENANTS.size(); i++) {
            properties.add("aip.tenants." + TENANTS.get(i) + ".tier=standard");
            properties.add("aip.gateway.keys[" + i + "].tenant=" + TENANTS.get(i));
            properties.add("aip.gateway.keys[" + i + "].sha256=" + ApiKeys.sha256Hex(GatewayTests.key(TENANTS.get(i))));
        }
        ConfigurableApplicationContext context = new SpringApplicationBuilder(GatewayApplication.class, Sink.class)
                .web(WebApplicationType.REACTIVE)
                // As arguments: they must win over application.yaml (builder properties are only defaults).
                .run(properties.stream().map(p -> "--" + p).toArray(String[]::new));
        GatewayTests.Records records = context.getBean(GatewayTests.Records.class);
        InFlightLimits limits = context.getBean(InFlightLimits.class);
        int port = ((WebServerApplicationContext) context).getWebServer().getPort();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<CompletableFuture<HttpResponse<String>>> shortStreams = new ArrayList<>();
        List<CompletableFuture<HttpResponse<String>>> longStreams = new ArrayList<>();
        try {
            BedrockEmulator emulator = context.getBean(BedrockEmulator.class);
            // Every stream takes a second to start; "[long]" ones then run for about 15 s, past the 4 s grace.
            emulator.faults().setGlobal(FaultPlan.builder().timeToFirstToken(Duration.ofSeconds(1))
                    .chunkDelay(Duration.ofMillis(20)).build());
            emulator.script().forAnyModel().whenPromptContains("[long]").replyTokens(3000);
            for (int i = 0; i < 3; i++) {
                shortStreams.add(stream(http, port, "short", "Brief " + i));
                longStreams.add(stream(http, port, "long", "Everything [long] " + i));
            }
            GatewayTests.await(() -> limits.inFlight() == 6);
        } finally {
            context.close();
        }

        for (CompletableFuture<HttpResponse<String>> s : shortStreams) {
            HttpResponse<String> r = s.get(30, TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).endsWith("data: [DONE]\n\n");
        }
        for (CompletableFuture<HttpResponse<String>> s : longStreams) {
            // Cut at the grace period's end: the client sees the connection close (or a body without [DONE]).
            HttpResponse<String> r = s.handle((ok, failed) -> ok).get(30, TimeUnit.SECONDS);
            assertThat(r == null || !r.body().endsWith("data: [DONE]\n\n")).isTrue();
        }
        Map<String, List<Outcome>> outcomes = records.all.stream().collect(Collectors.groupingBy(
                r -> r.tenant().value(), Collectors.mapping(UsageRecord::outcome, Collectors.toList())));
        assertThat(outcomes.get("short")).containsExactly(Outcome.SUCCESS, Outcome.SUCCESS, Outcome.SUCCESS);
        assertThat(outcomes.get("long")).containsExactly(Outcome.CANCELLED, Outcome.CANCELLED, Outcome.CANCELLED);
        assertThat(records.all.stream().collect(Collectors.groupingBy(UsageRecord::callId, Collectors.counting())))
                .hasSize(6).allSatisfy((call, n) -> assertThat(n).isEqualTo(1));
        assertThat(limits.inFlight()).isZero();
    }

    private static CompletableFuture<HttpResponse<String>> stream(HttpClient http, int port, String tenant,
                                                                 String prompt) {
        String body = "{\"model\":\"claude-haiku\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\""
                + prompt + "\"}]}";
        return http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .header("Authorization", "Bearer sk-test-" + tenant).header("Content-Type", "application/json")
                .timeout(Duration.ofMinutes(1)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
