package dev.aip.config.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.ConfigurationException;
import dev.aip.core.bedrock.BedrockInferenceProfileApi;
import dev.aip.core.governance.PolicyStore;
import dev.aip.core.governance.PolicyWatcher;
import dev.aip.core.profile.ApplyResult;
import dev.aip.core.profile.ModelRoutes;
import dev.aip.core.profile.ProfileLifecycle;
import dev.aip.core.profile.ProfilePlan;
import dev.aip.core.profile.ProvisioningProfileResolver;
import dev.aip.core.profile.TaggedProfile;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.testkit.EmulatorFixture;
import dev.aip.testkit.LocalRedis;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.bedrock.BedrockClient;

/**
 * Three replicas on one Redis: each has its own policy file (as each node mounts the same ConfigMap), its own policy
 * store and watcher, its own resolver, and a bus on one channel. Waits are bounded polls for a state, never timed
 * assertions.
 */
class RedisConfigBusTest {

    private static final String V1 = "{\"defaults\": {\"requestsPerMinute\": 5}}\n";
    private static final String V2 = "{\"defaults\": {\"requestsPerMinute\": 7}}\n";
    private static final String INVALID = "{\"defaults\": {\"requestsPerMinute\": -1}}\n";
    private static final TenantContext ACME = TenantContext.of("acme");

    @TempDir
    Path dir;

    private final String channel = "aip:test:" + UUID.randomUUID();
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    @Test
    void publishPolicies_onOneReplica_everyReplicaReloadsItsFileAndShowsTheVersion() throws IOException {
        List<Replica> replicas = replicas(3);
        replicas.forEach(r -> write(r, V2));
        replicas.get(0).watcher.check();

        long receivers = replicas.get(0).bus.publishPolicies();

        String v2 = sha(V2);
        assertThat(receivers).isEqualTo(3);
        awaitAll(replicas, r -> v2.equals(r.store.version().orElse(null)));
        for (Replica r : replicas) {
            assertThat(r.store.current().policyFor(ACME).requestsPerMinute()).isEqualTo(7L);
            assertThat(r.watcher.status().upToDate()).isTrue();
            assertThat(r.bus.status().announcedPolicyVersion()).isEqualTo(v2);
        }
    }

    @Test
    void publishPolicies_invalidNewFile_keepsTheOldPoliciesOnEveryReplicaAndShowsWhy() throws IOException {
        List<Replica> replicas = replicas(3);
        String v1 = sha(V1);
        String invalid = sha(INVALID);
        replicas.forEach(r -> write(r, INVALID));

        replicas.get(0).bus.publishPolicies(invalid);

        awaitAll(replicas, r -> invalid.equals(r.watcher.status().announcedVersion())
                && invalid.equals(r.watcher.status().failedVersion()));
        for (Replica r : replicas) {
            assertThat(r.store.version()).contains(v1);
            assertThat(r.store.current().policyFor(ACME).requestsPerMinute()).isEqualTo(5L);
            assertThat(r.watcher.status().failure()).contains("defaults.requestsPerMinute");
            assertThat(r.watcher.status().upToDate()).as("not enforcing what was announced").isFalse();
        }
    }

    @Test
    void start_afterAPublish_learnsTheAnnouncedVersionAndReportsWhetherItHasIt() throws IOException {
        List<Replica> first = replicas(1);
        write(first.get(0), V2);
        first.get(0).watcher.check();
        first.get(0).bus.publishPolicies();
        String v2 = sha(V2);

        Replica late = replica("late", V1);

        await(() -> v2.equals(late.bus.status().announcedPolicyVersion()), "the late replica reads the key");
        await(() -> v2.equals(late.watcher.status().announcedVersion()), "the late replica's watcher is told");
        assertThat(late.watcher.status().upToDate()).as("its file is still the old one").isFalse();
        write(late, V2);
        late.watcher.announced(v2);
        await(() -> late.watcher.status().upToDate(), "the late replica catches up from its file");
    }

    @Test
    void profileChanges_planDeletesAProfileCachedOnEveryReplica_everyResolverForgetsItAndResolvesOneNewProfile() {
        try (EmulatorFixture emulator = EmulatorFixture.start()) {
            BedrockClient control = emulator.controlClient();
            BedrockInferenceProfileApi api = BedrockInferenceProfileApi.create(control);
            ModelRoutes routes = ModelRoutes.builder().route(EmulatorFixture.MODEL, "arn:aws:bedrock:"
                    + emulator.emulator().region() + "::foundation-model/" + EmulatorFixture.SOURCE_MODEL).build();
            List<ProvisioningProfileResolver> resolvers = new ArrayList<>();
            List<RedisConfigBus> buses = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ProvisioningProfileResolver resolver = ProvisioningProfileResolver.builder(api).routes(routes).build();
                resolvers.add(resolver);
                buses.add(bus(b -> b.resolver(resolver)));
            }
            String old = resolvers.get(0).resolve(ACME, EmulatorFixture.MODEL).profileArn();
            for (ProvisioningProfileResolver r : resolvers) {
                assertThat(r.resolve(ACME, EmulatorFixture.MODEL).profileArn()).isEqualTo(old);
            }
            awaitSubscribed(buses);
            ProfileLifecycle lifecycle = ProfileLifecycle.builder(api).routes(routes).build();
            ProfilePlan plan = lifecycle.plan(List.of());

            ApplyResult applied = lifecycle.apply(plan, buses.get(0).profileChanges());

            assertThat(applied.results()).singleElement().satisfies(r -> assertThat(r.succeeded()).isTrue());
            for (ProvisioningProfileResolver r : resolvers) {
                await(() -> !r.resolvesWithoutBlocking(ACME, EmulatorFixture.MODEL), "every resolver forgets it");
            }
            List<String> now = resolvers.stream()
                    .map(r -> r.resolve(ACME, EmulatorFixture.MODEL).profileArn()).toList();
            assertThat(now).doesNotContain(old).containsOnly(now.get(0));
            assertThat(lifecycle.list()).filteredOn(p -> ACME.id().value().equals(p.tags().get("TenantId")))
                    .extracting(TaggedProfile::profile).extracting(p -> p.arn()).containsExactly(now.get(0));
        }
    }

    @Test
    void reconnect_versionAnnouncedWithoutAMessage_isLearnedWhenTheBusSubscribesAgain() throws IOException {
        Replica r = replicas(1).get(0);
        String v2 = sha(V2);
        write(r, V2);
        io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create(LocalRedis.url());
        try (var raw = client.connect()) {
            raw.sync().set(channel + ":policies", v2); // as if the message had been lost
            assertThat(r.bus.status().announcedPolicyVersion()).isNull();

            raw.sync().clientKill(io.lettuce.core.KillArgs.Builder.typePubsub());

            await(() -> v2.equals(r.store.version().orElse(null)), "the replica catches up after reconnecting");
            assertThat(r.bus.status().announcedPolicyVersion()).isEqualTo(v2);
            assertThat(r.watcher.status().upToDate()).isTrue();
        } finally {
            client.shutdown();
        }
    }

    @Test
    void message_malformedOrFromAnotherFormat_isCountedAndIgnored() throws IOException {
        List<Replica> replicas = replicas(1);
        Replica r = replicas.get(0);
        io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create(LocalRedis.url());
        try (var raw = client.connect()) {
            raw.sync().publish(channel, "not json");
            raw.sync().publish(channel, "{\"v\":2,\"type\":\"policies\",\"version\":\"x\"}");
            raw.sync().publish(channel, "{\"v\":1,\"type\":\"policies\"}");
        } finally {
            client.shutdown();
        }

        await(() -> r.bus.status().received() == 3, "the messages arrive");
        assertThat(r.bus.status().announcedPolicyVersion()).isNull();
        assertThat(r.store.version()).contains(sha(V1));
    }

    @Test
    void start_redisUnreachable_startsAndKeepsTrying() {
        RedisConfigBus bus = RedisConfigBus.builder().uri(LocalRedis.unreachableUrl()).channel(channel)
                .timeout(Duration.ofMillis(200)).reconnectInterval(Duration.ofMillis(50)).build();
        closing.add(bus);

        bus.start();

        assertThat(bus.status().subscribed()).isFalse();
    }

    @Test
    void publishPolicies_notAVersion_isRefusedSayingWhatAVersionIs() {
        RedisConfigBus bus = RedisConfigBus.builder().uri(LocalRedis.unreachableUrl()).build();
        closing.add(bus);

        assertThatThrownBy(() -> bus.publishPolicies("v2")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SHA-256");
        assertThatThrownBy(bus::publishPolicies).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("PolicyWatcher");
    }

    @Test
    void builder_withoutUriOrWithAnInvalidOne_isAConfigurationError() {
        assertThatThrownBy(() -> RedisConfigBus.builder().build()).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("uri");
        assertThatThrownBy(() -> RedisConfigBus.builder().uri("http://nowhere").build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("redis://");
    }

    @Test
    void configMessage_roundTrips() {
        ConfigMessage profile = ConfigMessage.profile(TenantId.of("acme"), "claude-haiku", "r1");
        ConfigMessage policies = ConfigMessage.policies("ab".repeat(32), "r2");

        assertThat(ConfigMessage.decode(profile.encode())).isEqualTo(profile);
        assertThat(ConfigMessage.decode(policies.encode())).isEqualTo(policies);
    }

    /** One replica: its own policy file, store, watcher (polling hourly: only announcements trigger) and bus. */
    private record Replica(Path file, PolicyStore store, PolicyWatcher watcher, RedisConfigBus bus) {
    }

    private List<Replica> replicas(int n) throws IOException {
        List<Replica> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(replica("replica-" + i, V1));
        }
        awaitSubscribed(out.stream().map(Replica::bus).toList());
        // Each bus catches up once subscribed (no version announced yet: its watcher checks the file); wait for it,
        // so that no test mistakes that check for one its own steps caused.
        awaitAll(out, r -> r.watcher.status().checkedAt() != null);
        return out;
    }

    private Replica replica(String name, String policies) throws IOException {
        Path file = dir.resolve(name + ".json");
        Files.writeString(file, policies);
        PolicyStore store = PolicyStore.fromFile(file);
        PolicyWatcher watcher = PolicyWatcher.builder(store).interval(Duration.ofHours(1)).build().start();
        closing.add(watcher);
        RedisConfigBus bus = bus(b -> b.policies(watcher));
        return new Replica(file, store, watcher, bus);
    }

    private RedisConfigBus bus(java.util.function.Consumer<RedisConfigBus.Builder> settings) {
        RedisConfigBus.Builder b = RedisConfigBus.builder().uri(LocalRedis.url()).channel(channel);
        settings.accept(b);
        RedisConfigBus bus = b.build();
        closing.add(bus);
        return bus.start();
    }

    /** The version a replica shows for a policy text: its SHA-256 in lowercase hex. */
    private static String sha(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static void write(Replica r, String text) {
        try {
            Files.writeString(r.file, text);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void awaitSubscribed(List<RedisConfigBus> buses) {
        for (RedisConfigBus b : buses) {
            await(() -> b.status().subscribed(), "every bus subscribes");
        }
    }

    private static void awaitAll(List<Replica> replicas, java.util.function.Predicate<Replica> state) {
        for (Replica r : replicas) {
            await(() -> state.test(r), "replica " + r.file.getFileName());
        }
    }

    /** Polls for a state, bounded: fails after 20 seconds (a hang, not a slow machine). */
    private static void await(BooleanSupplier state, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!state.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not reached: " + what);
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
