package dev.aip.config.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.bedrock.BedrockInferenceProfileApi;
import dev.aip.core.governance.Governance;
import dev.aip.core.governance.PolicyStore;
import dev.aip.core.governance.PolicyWatcher;
import dev.aip.core.profile.ModelRoutes;
import dev.aip.core.profile.ProfileLifecycle;
import dev.aip.core.profile.ProfilePlan;
import dev.aip.core.profile.ProvisioningProfileResolver;
import dev.aip.core.profile.TenantProfileResolver;
import dev.aip.core.tenant.TenantContext;
import dev.aip.testkit.EmulatorFixture;
import dev.aip.testkit.LocalRedis;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the README's "Several replicas: configuration" snippets, as printed, against Redis and the emulator. */
class ReadmeConfigBusTest {

    @TempDir
    Path dir;

    @Test
    void readmeSnippets_watchAnnounceAndForget_work() throws Exception {
        String redisUri = LocalRedis.url();
        Path policyFile = Files.writeString(dir.resolve("policies.json"), "{\"defaults\": {\"requestsPerMinute\": 60}}");
        try (EmulatorFixture emulator = EmulatorFixture.start()) {
            BedrockInferenceProfileApi api = BedrockInferenceProfileApi.create(emulator.controlClient());
            ModelRoutes routes = ModelRoutes.builder().route(EmulatorFixture.MODEL, "arn:aws:bedrock:"
                    + emulator.emulator().region() + "::foundation-model/" + EmulatorFixture.SOURCE_MODEL).build();
            TenantProfileResolver resolver = ProvisioningProfileResolver.builder(api).routes(routes).build();
            ProfileLifecycle lifecycle = ProfileLifecycle.builder(api).routes(routes).build();

            PolicyStore policies = PolicyStore.fromFile(policyFile);      // the same file on every replica
            PolicyWatcher watcher = PolicyWatcher.builder(policies).interval(Duration.ofSeconds(5)).build().start();
            RedisConfigBus bus = RedisConfigBus.builder().uri(redisUri)  // "redis://host:6379"
                    .policies(watcher).resolver(resolver).build().start();
            Governance governance = Governance.builder().policies(policies).build();
            try (watcher; bus) {
                assertThat(governance).isNotNull();
                await(() -> bus.status().subscribed());
                Files.writeString(policyFile, "{\"defaults\": {\"requestsPerMinute\": 90}}");

                watcher.check();                               // this replica puts the changed file in force
                bus.publishPolicies();                         // every replica checks its own copy now

                assertThat(policies.current().defaults().requestsPerMinute()).isEqualTo(90L);
                String version = policies.version().orElseThrow();
                await(() -> version.equals(bus.status().announcedPolicyVersion()));

                TenantContext acme = TenantContext.of("acme");
                String old = resolver.resolve(acme, EmulatorFixture.MODEL).profileArn();
                ProfilePlan plan = lifecycle.plan(List.of());

                lifecycle.apply(plan, bus.profileChanges());   // every replica's resolver forgets what the plan changed

                await(() -> !resolver.resolvesWithoutBlocking(acme, EmulatorFixture.MODEL));
                assertThat(resolver.resolve(acme, EmulatorFixture.MODEL).profileArn()).isNotEqualTo(old);
            }
        }
    }

    private static void await(java.util.function.BooleanSupplier state) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!state.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("state not reached within 20 s");
            }
            Thread.sleep(5);
        }
    }
}
