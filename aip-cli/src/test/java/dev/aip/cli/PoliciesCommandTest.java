package dev.aip.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.config.redis.RedisConfigBus;
import dev.aip.core.governance.PolicyStore;
import dev.aip.core.governance.PolicyWatcher;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.profile.TenantProfileResolver;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.emulator.BedrockEmulator;
import dev.aip.testkit.LocalRedis;
import io.lettuce.core.RedisClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code aip policies publish} and the {@code --redis-uri} of {@code aip profiles apply|delete}, on a real Redis. */
class PoliciesCommandTest {

    static final String POLICIES = "{\"defaults\": {\"requestsPerMinute\": 12}}\n";

    @TempDir
    Path dir;

    private final String channel = "aip:test:" + UUID.randomUUID();

    @Test
    void publish_validFile_announcesItsVersionAndEveryReplicaPutsItsCopyInForce() throws IOException {
        Path published = Files.writeString(dir.resolve("policies.json"), POLICIES);
        Path replicaCopy = Files.writeString(dir.resolve("replica.json"), "{}\n");
        PolicyStore store = PolicyStore.fromFile(replicaCopy);
        try (PolicyWatcher watcher = PolicyWatcher.builder(store).interval(Duration.ofHours(1)).build().start();
             RedisConfigBus replica = RedisConfigBus.builder().uri(LocalRedis.url()).channel(channel)
                     .policies(watcher).build().start()) {
            await(() -> replica.status().subscribed() && watcher.status().checkedAt() != null);
            Files.writeString(replicaCopy, POLICIES); // the new file reaches the replica first

            CliRun.Result result = CliRun.run("policies", "publish", published.toString(), "--redis-uri",
                    LocalRedis.url(), "--redis-channel", channel);

            String version = PolicyStore.fromFile(published).version().orElseThrow();
            assertThat(result.exitCode()).as(result.err()).isZero();
            assertThat(result.out()).contains("version " + version, "Announced to 1 replica(s) on " + channel);
            await(() -> version.equals(store.version().orElse(null))
                    && version.equals(watcher.status().announcedVersion()));
            assertThat(watcher.status().upToDate()).isTrue();
        }
    }

    @Test
    void publish_invalidFile_exits2AndAnnouncesNothing() throws IOException {
        Path invalid = Files.writeString(dir.resolve("policies.json"), "{\"defaults\": {\"requestsPerMinute\": 0}}");

        CliRun.Result result = CliRun.run("policies", "publish", invalid.toString(), "--redis-uri",
                LocalRedis.url(), "--redis-channel", channel);

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.error()).contains("defaults.requestsPerMinute");
        RedisClient client = RedisClient.create(LocalRedis.url());
        try (var redis = client.connect()) {
            assertThat(redis.sync().get(channel + ":policies")).as("no version announced").isNull();
        } finally {
            client.shutdown();
        }
    }

    @Test
    void publish_withoutRedisUri_exits2SayingItIsNeeded() throws IOException {
        Path file = Files.writeString(dir.resolve("policies.json"), POLICIES);

        CliRun.Result result = CliRun.run("policies", "publish", file.toString());

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.error()).contains("--redis-uri is required");
    }

    @Test
    void profilesDelete_withRedisUri_everyReplicaResolverForgetsTheDeletedProfile() throws IOException {
        List<String> forgotten = new CopyOnWriteArrayList<>();
        TenantProfileResolver replicaResolver = new TenantProfileResolver() {
            @Override
            public ResolvedProfile resolve(TenantContext tenant, String logicalModel) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void invalidate(TenantId tenant, String logicalModel) {
                forgotten.add(tenant + "/" + logicalModel);
            }
        };
        try (BedrockEmulator emulator = BedrockEmulator.builder().build().start();
             RedisConfigBus replica = RedisConfigBus.builder().uri(LocalRedis.url()).channel(channel)
                     .resolver(replicaResolver).build().start()) {
            String endpoint = emulator.endpoint().toString();
            Path tenants = Files.writeString(dir.resolve("tenants.csv"),
                    "tenant,tier,model\ntenant-a,premium,claude-sonnet\ntenant-b,standard,claude-haiku\n");
            Path gone = Files.writeString(dir.resolve("gone.csv"), "tenant,tier,model\ntenant-b,standard,claude-haiku\n");
            assertThat(CliRun.run("profiles", "apply", "--tenants", tenants.toString(), "--endpoint", endpoint)
                    .exitCode()).isZero();
            await(() -> replica.status().subscribed());

            CliRun.Result deleted = CliRun.run("profiles", "delete", "--tenants", gone.toString(), "--endpoint",
                    endpoint, "--yes", "--redis-uri", LocalRedis.url(), "--redis-channel", channel);

            assertThat(deleted.exitCode()).as(deleted.err()).isZero();
            assertThat(deleted.out()).contains("Announced the changed profiles on " + channel);
            await(() -> forgotten.contains("tenant-b/claude-haiku"));
            assertThat(forgotten).containsExactly("tenant-b/claude-haiku");
        }
    }

    /** Polls for a state, bounded: fails after 20 seconds (a hang, not a slow machine). */
    private static void await(BooleanSupplier state) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!state.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("state not reached within 20 s");
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
