package dev.aip.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.bedrock.BedrockInferenceProfileApi;
import dev.aip.core.profile.TagDiscoveryProfileResolver;
import dev.aip.emulator.BedrockEmulator;
import dev.aip.emulator.FaultPlan;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrock.BedrockClient;

/**
 * The liveness and readiness probes: both up once started; on shutdown readiness goes OUT_OF_SERVICE while the
 * gateway still serves and a call is still in flight (before the drain), and liveness stays up; readiness waits for
 * the tag-discovery profile index.
 */
class GatewayProbesTest {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void shutdown_readinessOutOfServiceBeforeCallsDrain_livenessStaysUp() throws Exception {
        ConfigurableApplicationContext context = new SpringApplicationBuilder(GatewayApplication.class)
                .web(WebApplicationType.REACTIVE)
                .run("--server.port=0", "--spring.lifecycle.timeout-per-shutdown-phase=20s",
                        "--aip.gateway.shutdown-delay=3s", "--aip.emulator.enabled=true",
                        "--aip.profiles.routes.claude-haiku=us.anthropic.claude-3-5-haiku-20241022-v1:0",
                        "--aip.tenants.acme.tier=standard", "--aip.gateway.keys[0].tenant=acme",
                        "--aip.gateway.keys[0].sha256=" + ApiKeys.sha256Hex(GatewayTests.key("acme")));
        int port = ((WebServerApplicationContext) context).getWebServer().getPort();
        InFlightLimits limits = context.getBean(InFlightLimits.class);
        CompletableFuture<HttpResponse<String>> stream;
        CompletableFuture<Void> closing;
        try {
            assertThat(get(port, "/actuator/health/liveness").statusCode()).isEqualTo(200);
            HttpResponse<String> ready = get(port, "/actuator/health/readiness");
            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(ready.body()).contains("\"status\":\"UP\"", "readinessState", "profileIndex")
                    .doesNotContain("aipLedgerJdbc", "redis");

            // A stream that takes a second to start and a while to end: in flight when shutdown begins.
            context.getBean(BedrockEmulator.class).faults().setGlobal(FaultPlan.builder()
                    .timeToFirstToken(Duration.ofSeconds(1)).chunkDelay(Duration.ofMillis(10)).build());
            stream = http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/v1/chat/completions")).header("Authorization", "Bearer " + GatewayTests.key("acme"))
                    .header("Content-Type", "application/json").timeout(Duration.ofMinutes(1))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"claude-haiku\",\"stream\":true,"
                            + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            GatewayTests.await(() -> limits.inFlight() == 1);
        } finally {
            closing = CompletableFuture.runAsync(context::close);
        }

        HttpResponse<String> unready = null;
        while (!closing.isDone()) {
            HttpResponse<String> r = get(port, "/actuator/health/readiness");
            if (r.statusCode() == 503) {
                unready = r;
                break;
            }
        }
        assertThat(unready).as("readiness went OUT_OF_SERVICE while the gateway still served").isNotNull();
        assertThat(unready.body()).contains("OUT_OF_SERVICE");
        assertThat(limits.inFlight()).as("the call in flight is not drained yet").isEqualTo(1);
        assertThat(get(port, "/actuator/health/liveness").statusCode()).isEqualTo(200);

        closing.get(60, TimeUnit.SECONDS);
        HttpResponse<String> answered = stream.get(30, TimeUnit.SECONDS);
        assertThat(answered.statusCode()).isEqualTo(200);
        assertThat(answered.body()).endsWith("data: [DONE]\n\n");
        assertThat(limits.inFlight()).isZero();
    }

    @Test
    void profileIndex_tagIndexNotLoadedYet_outOfServiceUntilItLoads() {
        try (BedrockEmulator emulator = BedrockEmulator.builder().build().start();
             BedrockClient client = BedrockClient.builder().endpointOverride(emulator.endpoint())
                     .region(Region.of(emulator.region())).credentialsProvider(StaticCredentialsProvider.create(
                             AwsBasicCredentials.create("AKIDAIPTEST", "aip-test"))).build()) {
            TagDiscoveryProfileResolver tags = TagDiscoveryProfileResolver.builder(
                    BedrockInferenceProfileApi.create(client)).build();
            HealthIndicator readiness = new GatewayConfiguration().profileIndexHealthIndicator(tags);
            assertThat(readiness.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
            tags.refresh();
            assertThat(readiness.health().getStatus()).isEqualTo(Status.UP);
        }
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
