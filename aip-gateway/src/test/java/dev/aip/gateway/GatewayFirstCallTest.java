package dev.aip.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.profile.TenantProfileResolver;
import dev.aip.core.tenant.TenantContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A tenant's first calls, whose profile is created at Bedrock (blocking control-plane calls), never wait on the
 * server's I/O threads: they start on a thread that may wait, while calls whose profile is in memory start where
 * they arrived. Concurrent first calls of several tenants, whole answers and streams, all complete and are metered.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "aip.emulator.enabled=true",
    "aip.profiles.routes.claude-haiku=us.anthropic.claude-3-5-haiku-20241022-v1:0",
    "aip.gateway.max-attempts=1"})
class GatewayFirstCallTest {

    static final List<String> TENANTS = List.of("first-a", "first-b", "first-c", "first-d");

    @DynamicPropertySource
    static void keys(DynamicPropertyRegistry registry) {
        TENANTS.forEach(tenant -> registry.add("aip.tenants." + tenant + ".tier", () -> "standard"));
        GatewayTests.registerKeys(registry, TENANTS);
    }

    /** Notes the thread of every resolution that was not in memory. */
    static final class Recording implements TenantProfileResolver {
        final TenantProfileResolver delegate;
        final List<String> slowResolutionThreads = new CopyOnWriteArrayList<>();

        Recording(TenantProfileResolver delegate) {
            this.delegate = delegate;
        }

        @Override
        public ResolvedProfile resolve(TenantContext tenant, String logicalModel) {
            note(tenant, logicalModel);
            return delegate.resolve(tenant, logicalModel);
        }

        @Override
        public List<ResolvedProfile> resolveAll(TenantContext tenant, String logicalModel) {
            note(tenant, logicalModel);
            return delegate.resolveAll(tenant, logicalModel);
        }

        @Override
        public Optional<ResolvedProfile> resolveArn(TenantContext tenant, String profileArn) {
            return delegate.resolveArn(tenant, profileArn);
        }

        @Override
        public boolean resolvesWithoutBlocking(TenantContext tenant, String logicalModel) {
            return delegate.resolvesWithoutBlocking(tenant, logicalModel);
        }

        private void note(TenantContext tenant, String logicalModel) {
            if (!delegate.resolvesWithoutBlocking(tenant, logicalModel)) {
                slowResolutionThreads.add(Thread.currentThread().getName());
            }
        }
    }

    @TestConfiguration
    static class Spy {
        @Bean
        static BeanPostProcessor recordingResolver() {
            return new BeanPostProcessor() {
                @Override
                public Object postProcessAfterInitialization(Object bean, String name) {
                    return bean instanceof TenantProfileResolver r && !(bean instanceof Recording)
                            ? new Recording(r) : bean;
                }
            };
        }

        @Bean
        GatewayTests.Records testRecords() {
            return new GatewayTests.Records();
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    TenantProfileResolver resolver;

    @Autowired
    GatewayTests.Records records;

    @Autowired
    InFlightLimits limits;

    @Test
    void concurrentFirstCalls_resolveOffTheServersIoThreads_andAllComplete() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            String tenant = TENANTS.get(i % TENANTS.size());
            boolean stream = i % 3 == 0;
            String body = "{\"model\":\"claude-haiku\",\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\","
                    + "\"content\":\"First " + i + "\"}]}";
            calls.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                            + "/v1/chat/completions")).header("Authorization", "Bearer " + GatewayTests.key(tenant))
                    .header("Content-Type", "application/json").timeout(Duration.ofSeconds(60))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> call : calls) {
            assertThat(call.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }

        List<String> threads = ((Recording) resolver).slowResolutionThreads;
        assertThat(threads).as("each tenant's profile was created on its first calls").isNotEmpty();
        assertThat(threads).as("no server I/O thread waited for the control plane")
                .allSatisfy(t -> assertThat(t).doesNotContain("-http-").startsWith("boundedElastic"));
        List<UsageRecord> mine = records.all.stream().filter(r -> TENANTS.contains(r.tenant().value())).toList();
        assertThat(mine).hasSize(24).allMatch(r -> r.outcome() == Outcome.SUCCESS);
        GatewayTests.await(() -> limits.inFlight() == 0);
        for (String tenant : TENANTS) {
            assertThat(resolver.resolvesWithoutBlocking(TenantContext.of(tenant), "claude-haiku")).isTrue();
        }
    }
}
