package dev.aip.core.bedrock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.ProfileResolutionException;
import dev.aip.core.profile.InferenceProfile;
import dev.aip.core.profile.ModelRoutes;
import dev.aip.core.profile.ProfileLifecycle;
import dev.aip.core.profile.ProfileModelLookup;
import dev.aip.core.profile.ProvisioningProfileResolver;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.profile.StaticProfileResolver;
import dev.aip.core.profile.TagDiscoveryProfileResolver;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import dev.aip.emulator.BedrockEmulator;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.bedrock.BedrockClient;

/** The resolvers over the SDK binding and the emulator: provisioning, quota fallback, discovery, ownership. */
class ProfileResolutionEmulatorTest {

    private static final int QUOTA = 5;

    private BedrockEmulator emulator;
    private BedrockClient client;
    private CountingApi api;
    private ModelRoutes routes;

    @BeforeEach
    void start() {
        emulator = EmulatorControlPlane.startOrSkip(BedrockEmulator.builder().profileQuota(QUOTA));
        client = EmulatorControlPlane.client(emulator);
        api = new CountingApi(BedrockInferenceProfileApi.create(client));
        routes = ModelRoutes.builder()
                .route("claude-haiku", EmulatorControlPlane.systemProfileArn(emulator, EmulatorControlPlane.HAIKU))
                .build();
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (emulator != null) {
            emulator.close();
        }
    }

    @Test
    void resolve_beyondProfileQuota_fallsBackToTierPool() {
        // One profile of the quota goes to the standard tier's pool, created ahead of time.
        InferenceProfile pool = ProfileLifecycle.builder(api).routes(routes).build()
                .ensurePoolProfile(Tier.STANDARD, "claude-haiku");
        ProvisioningProfileResolver resolver = ProvisioningProfileResolver.builder(api).routes(routes).build();
        List<ResolvedProfile> resolved = new ArrayList<>();

        for (int i = 0; i <= QUOTA; i++) {
            resolved.add(resolver.resolve(TenantContext.of("tenant-" + i), "claude-haiku"));
        }

        assertThat(resolved.subList(0, QUOTA - 1)).allSatisfy(p -> assertThat(p.pooled()).isFalse());
        assertThat(resolved.subList(QUOTA - 1, QUOTA + 1)).allSatisfy(p -> {
            assertThat(p.pooled()).isTrue();
            assertThat(p.profileArn()).isEqualTo(pool.arn());
            assertThat(p.sourceModelId()).isEqualTo(EmulatorControlPlane.HAIKU);
        });
        assertThat(resolved.get(QUOTA).tenant()).isEqualTo(TenantId.of("tenant-" + QUOTA));
    }

    @Test
    void resolve_beyondQuotaWithoutPool_failsNamingTheQuota() {
        ProvisioningProfileResolver resolver = ProvisioningProfileResolver.builder(api).routes(routes).build();
        for (int i = 0; i < QUOTA; i++) {
            resolver.resolve(TenantContext.of("tenant-" + i), "claude-haiku");
        }

        assertThatThrownBy(() -> resolver.resolve(TenantContext.of("one-too-many"), "claude-haiku"))
                .isInstanceOfSatisfying(ProfileResolutionException.class, e -> {
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.getMessage()).contains("quota");
                });
    }

    @Test
    void resolve_fiftyConcurrentFirstCallsOverTheWire_createOneProfile() throws Exception {
        ProvisioningProfileResolver resolver = ProvisioningProfileResolver.builder(api).routes(routes).build();
        int threads = 50;
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<ResolvedProfile>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return resolver.resolve(TenantContext.of("rush"), "claude-haiku");
                }));
            }
            Set<String> arns = new HashSet<>();
            for (Future<ResolvedProfile> f : futures) {
                arns.add(f.get(30, TimeUnit.SECONDS).profileArn());
            }

            assertThat(arns).hasSize(1);
            assertThat(api.creates.get()).isEqualTo(1);
            assertThat(BedrockInferenceProfileApi.create(client).listAllApplicationProfiles()).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void discovery_warm_makesNoCallsAndHonoursOwnershipTags() {
        ProvisioningProfileResolver provisioning = ProvisioningProfileResolver.builder(api).routes(routes).build();
        ResolvedProfile a = provisioning.resolve(TenantContext.of("a"), "claude-haiku");
        ResolvedProfile b = provisioning.resolve(TenantContext.of("b"), "claude-haiku");
        // Swap the owner tags behind the library's back: the tags decide, not the names.
        api.tag(a.profileArn(), Map.of("TenantId", "b"));
        api.tag(b.profileArn(), Map.of("TenantId", "a"));
        try (TagDiscoveryProfileResolver discovery = TagDiscoveryProfileResolver.builder(api).build()) {
            discovery.refresh();
            int before = api.calls.get();

            for (int i = 0; i < 1_000; i++) {
                assertThat(discovery.resolve(TenantContext.of("a"), "claude-haiku").profileArn())
                        .isEqualTo(b.profileArn());
                assertThat(discovery.resolve(TenantContext.of("b"), "claude-haiku").profileArn())
                        .isEqualTo(a.profileArn());
            }

            assertThat(api.calls.get()).isEqualTo(before);
        }
    }

    @Test
    void staticResolver_mappedToAnotherTenantsProfile_refuses() {
        ResolvedProfile b = ProvisioningProfileResolver.builder(api).routes(routes).build()
                .resolve(TenantContext.of("b"), "claude-haiku");
        StaticProfileResolver resolver = StaticProfileResolver.builder().api(api)
                .profile(TenantId.of("a"), "claude-haiku", b.profileArn()).build();

        assertThatThrownBy(() -> resolver.resolve(TenantContext.of("a"), "claude-haiku"))
                .isInstanceOf(ProfileResolutionException.class)
                .hasMessageContaining("belongs to b").hasMessageContaining("tenant a");
    }

    @Test
    void modelLookup_applicationProfileArn_findsSourceModelOnce() {
        ResolvedProfile p = ProvisioningProfileResolver.builder(api).routes(routes).build()
                .resolve(TenantContext.of("a"), "claude-haiku");
        ProfileModelLookup lookup = ProfileModelLookup.create(api);
        int before = api.calls.get();

        String first = lookup.sourceModelId(p.profileArn());
        String second = lookup.sourceModelId(p.profileArn());

        assertThat(first).isEqualTo(EmulatorControlPlane.HAIKU).isEqualTo(second);
        assertThat(api.calls.get()).isEqualTo(before + 1);
    }
}
