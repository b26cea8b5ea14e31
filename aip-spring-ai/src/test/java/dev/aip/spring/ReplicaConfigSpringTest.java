package dev.aip.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.config.redis.RedisConfigBus;
import dev.aip.core.ConfigurationException;
import dev.aip.core.governance.PolicyStore;
import dev.aip.core.governance.PolicyWatcher;
import dev.aip.testkit.LocalRedis;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Policies across replicas in Spring Boot: {@code aip.policy-watch.enabled} watches the policy file,
 * {@code /actuator/aip} shows the version in force and reloads, and with {@code aip.redis.uri} a reload on one replica
 * reaches the others (two application contexts on one Redis, each with its own copy of the file).
 */
class ReplicaConfigSpringTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(AipAutoConfiguration.class, AipActuatorAutoConfiguration.class))
            .withPropertyValues("aip.region=us-east-1", "spring.ai.bedrock.aws.region=us-east-1",
                    "management.endpoints.web.exposure.include=aip,health",
                    "aip.policy-watch.interval=1h");

    @Test
    void policyWatch_fileChangedAndReloaded_endpointShowsTheNewVersion(@TempDir Path dir) throws Exception {
        Path file = write(dir.resolve("policies.yaml"), "defaults: { requestsPerMinute: 10 }\n");
        runner.withPropertyValues("aip.policy-file=" + file, "aip.policy-watch.enabled=true").run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(PolicyWatcher.class)
                    .doesNotHaveBean(RedisConfigBus.class);
            PolicyStore store = context.getBean(PolicyStore.class);
            AipEndpoint endpoint = context.getBean(AipEndpoint.class);
            write(file, "defaults: { requestsPerMinute: 20 }\n");

            Map<String, Object> reloaded = endpoint.write("policies", "reload");

            assertThat(reloaded).containsEntry("reloaded", true)
                    .containsEntry("version", store.version().orElseThrow());
            assertThat(store.current().defaults().requestsPerMinute()).isEqualTo(20L);
            assertThat(policies(endpoint.all())).containsEntry("version", store.version().orElseThrow())
                    .containsEntry("watched", true).containsEntry("reloads", 1L);
        });
    }

    @Test
    void policyWatch_invalidFile_keepsThePoliciesAndHealthShowsThemStale(@TempDir Path dir) throws Exception {
        Path file = write(dir.resolve("policies.yaml"), "defaults: { requestsPerMinute: 10 }\n");
        runner.withPropertyValues("aip.policy-file=" + file, "aip.policy-watch.enabled=true").run(context -> {
            PolicyStore store = context.getBean(PolicyStore.class);
            String before = store.version().orElseThrow();
            write(file, "defaults: { requestsPerMinute: -1 }\n");

            assertThatThrownBy(() -> context.getBean(AipEndpoint.class).write("policies", "reload"))
                    .isInstanceOf(ConfigurationException.class).hasMessageContaining("defaults.requestsPerMinute")
                    .hasMessageContaining("stay");

            assertThat(store.version()).contains(before);
            Health health = context.getBean(AipHealthIndicator.class).health();
            assertThat(health.getStatus()).as("the replica keeps serving").isEqualTo(Status.UP);
            @SuppressWarnings("unchecked")
            Map<String, Object> detail = (Map<String, Object>) health.getDetails().get("policies");
            assertThat(detail).containsEntry("status", "STALE").containsEntry("version", before);
            assertThat((String) detail.get("failure")).contains("defaults.requestsPerMinute");
        });
    }

    @Test
    void policyWatch_inlinePolicies_failsStartUpNamingWhatToSet() {
        runner.withPropertyValues("aip.policies.defaults.requests-per-minute=10", "aip.policy-watch.enabled=true")
                .run(context -> assertThat(context).hasFailed().getFailure()
                        .hasRootCauseInstanceOf(ConfigurationException.class)
                        .rootCause().hasMessageContaining("aip.policy-file"));
    }

    @Test
    void redisUri_reloadOnOneReplica_reachesTheOther(@TempDir Path dir) throws Exception {
        String redis = LocalRedis.url();
        String channel = "aip:test:" + UUID.randomUUID();
        Path fileA = write(dir.resolve("a.yaml"), "defaults: { requestsPerMinute: 10 }\n");
        Path fileB = write(dir.resolve("b.yaml"), "defaults: { requestsPerMinute: 10 }\n");
        ApplicationContextRunner replicas = runner.withPropertyValues("aip.redis.uri=" + redis,
                "aip.redis.config-channel=" + channel, "aip.policy-watch.enabled=true");
        replicas.withPropertyValues("aip.policy-file=" + fileA).run(a -> replicas
                .withPropertyValues("aip.policy-file=" + fileB).run(b -> {
                    assertThat(a).hasNotFailed().hasSingleBean(RedisConfigBus.class);
                    assertThat(b).hasNotFailed().hasSingleBean(RedisConfigBus.class);
                    await(() -> a.getBean(RedisConfigBus.class).status().subscribed()
                            && b.getBean(RedisConfigBus.class).status().subscribed());
                    // Each bus catches up once subscribed (its watcher checks the file): let that pass first.
                    await(() -> a.getBean(PolicyWatcher.class).status().checkedAt() != null
                            && b.getBean(PolicyWatcher.class).status().checkedAt() != null);
                    // The new file reaches both nodes (a ConfigMap update); replica A is told to reload.
                    write(fileA, "defaults: { requestsPerMinute: 30 }\n");
                    write(fileB, "defaults: { requestsPerMinute: 30 }\n");

                    Map<String, Object> reloaded = a.getBean(AipEndpoint.class).write("policies", "reload");

                    assertThat(reloaded).containsEntry("announcedTo", 2L);
                    PolicyStore storeB = b.getBean(PolicyStore.class);
                    PolicyWatcher watcherB = b.getBean(PolicyWatcher.class);
                    await(() -> reloaded.get("version").equals(storeB.version().orElse(null))
                            && reloaded.get("version").equals(watcherB.status().announcedVersion()));
                    assertThat(storeB.current().defaults().requestsPerMinute()).isEqualTo(30L);
                    Map<String, Object> shownByB = policies(b.getBean(AipEndpoint.class).all());
                    assertThat(shownByB).containsEntry("version", reloaded.get("version"))
                            .containsEntry("announcedVersion", reloaded.get("version"))
                            .containsEntry("upToDate", true);
                    assertThat(shownByB.get("configBus")).asInstanceOf(
                            org.assertj.core.api.InstanceOfAssertFactories.MAP).containsEntry("subscribed", true);
                }));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> policies(Map<String, Object> report) {
        return (Map<String, Object>) report.get("policies");
    }

    private static Path write(Path file, String text) throws Exception {
        return Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    /** Polls for a state, bounded: fails after 20 seconds (a hang, not a slow machine). */
    private static void await(BooleanSupplier state) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!state.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("state not reached within 20 s");
            }
            Thread.sleep(5);
        }
    }
}
