package dev.aip.core.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.ConfigurationException;
import dev.aip.core.ProfileResolutionException;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import dev.aip.core.profile.FakeInferenceProfileApi.FakeFailure;
import dev.aip.core.profile.FakeInferenceProfileApi.Op;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ProvisioningProfileResolverTest {

    private final FakeInferenceProfileApi api = new FakeInferenceProfileApi();

    private ProvisioningProfileResolver.Builder resolver() {
        return ProvisioningProfileResolver.builder(api).routes(FakeInferenceProfileApi.routes());
    }

    @Test
    void resolve_newTenant_createsTaggedProfileAndReturnsIt() {
        ProvisioningProfileResolver resolver = resolver().build();

        ResolvedProfile p = resolver.resolve(new TenantContext(TenantId.of("acme"), Tier.PREMIUM, Map.of()),
                "claude-haiku");

        assertThat(p.pooled()).isFalse();
        assertThat(p.tenant()).isEqualTo(TenantId.of("acme"));
        assertThat(p.sourceModelId()).isEqualTo(FakeInferenceProfileApi.HAIKU);
        assertThat(p.region()).isEqualTo("us-east-1");
        assertThat(p.profileArn()).endsWith("/" + p.profileId());
        assertThat(api.tagsOf(p.profileArn())).containsEntry("TenantId", "acme").containsEntry("Tier", "premium")
                .containsEntry("Model", "claude-haiku").containsEntry("ManagedBy", "aip");
        assertThat(api.all()).singleElement().extracting(InferenceProfile::name).isEqualTo("acme-claude-haiku");
    }

    @Test
    void resolve_secondCall_makesNoControlPlaneCall() {
        ProvisioningProfileResolver resolver = resolver().build();
        ResolvedProfile first = resolver.resolve(TenantContext.of("acme"), "claude-haiku");
        api.resetCounts();

        ResolvedProfile again = resolver.resolve(TenantContext.of("acme"), "claude-haiku");

        assertThat(again).isEqualTo(first);
        assertThat(api.totalCalls()).isZero();
    }

    @Test
    void resolve_fiftyConcurrentFirstCalls_createExactlyOneProfile() throws Exception {
        ProvisioningProfileResolver resolver = resolver().build();
        int threads = 50;
        CyclicBarrier start = new CyclicBarrier(threads);
        // Hold the single create until every thread has passed the barrier and had the chance to pile up.
        CountDownLatch allArrived = new CountDownLatch(threads);
        api.beforeCreate(() -> awaitQuietly(allArrived));
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<ResolvedProfile>> results = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    allArrived.countDown();
                    return resolver.resolve(TenantContext.of("new-tenant"), "claude-haiku");
                }));
            }
            Set<String> arns = new HashSet<>();
            for (Future<ResolvedProfile> f : results) {
                arns.add(f.get(30, TimeUnit.SECONDS).profileArn());
            }

            assertThat(api.calls(Op.CREATE)).isEqualTo(1);
            assertThat(arns).hasSize(1);
            assertThat(api.size()).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void resolve_manyTenantsConcurrently_createsOneProfilePerTenantAndNeverMixesThemUp() throws Exception {
        ProvisioningProfileResolver resolver = resolver().build();
        int tenants = 200;
        int threads = 16;
        int rounds = 5;
        CyclicBarrier start = new CyclicBarrier(threads);
        ConcurrentHashMap<TenantId, Set<String>> seen = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int offset = t;
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int r = 0; r < rounds; r++) {
                        for (int i = 0; i < tenants; i++) {
                            TenantId id = TenantId.of("t" + ((i + offset * 7) % tenants));
                            ResolvedProfile p = resolver.resolve(TenantContext.of(id), "claude-haiku");
                            assertThat(p.tenant()).isEqualTo(id);
                            seen.computeIfAbsent(id, k -> ConcurrentHashMap.newKeySet()).add(p.profileArn());
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(api.calls(Op.CREATE)).isEqualTo(tenants);
        assertThat(seen).hasSize(tenants);
        seen.forEach((tenant, arns) -> {
            assertThat(arns).hasSize(1);
            assertThat(api.tagsOf(arns.iterator().next())).containsEntry("TenantId", tenant.value());
        });
    }

    @Test
    void resolve_afterFailedCreate_retriesOnNextCall() {
        ProvisioningProfileResolver resolver = resolver().build();
        api.throttleNext(Op.CREATE, 1);

        assertThatThrownBy(() -> resolver.resolve(TenantContext.of("acme"), "claude-haiku"))
                .isInstanceOfSatisfying(ProfileResolutionException.class, e -> {
                    assertThat(e.retryable()).isTrue();
                    assertThat(e.tenant()).contains(TenantId.of("acme"));
                    assertThat(e.getCause()).isInstanceOf(FakeFailure.class);
                });
        ResolvedProfile p = resolver.resolve(TenantContext.of("acme"), "claude-haiku");

        assertThat(p.pooled()).isFalse();
        assertThat(api.calls(Op.CREATE)).isEqualTo(2);
    }

    @Test
    void resolve_whenRecreatedInAnotherProcess_reusesProfileByIdempotentToken() {
        ResolvedProfile first = resolver().build().resolve(TenantContext.of("acme"), "claude-haiku");

        ResolvedProfile second = resolver().build().resolve(TenantContext.of("acme"), "claude-haiku");

        assertThat(second.profileArn()).isEqualTo(first.profileArn());
        assertThat(api.size()).isEqualTo(1);
    }

    @Test
    void resolve_quotaReached_fallsBackToTierPoolProfile() {
        ProfileLifecycle lifecycle = ProfileLifecycle.builder(api).routes(FakeInferenceProfileApi.routes()).build();
        InferenceProfile pool = lifecycle.ensurePoolProfile(Tier.STANDARD, "claude-haiku");
        api.quota(3);
        ProvisioningProfileResolver resolver = resolver().build();

        ResolvedProfile a = resolver.resolve(TenantContext.of("a"), "claude-haiku");
        ResolvedProfile b = resolver.resolve(TenantContext.of("b"), "claude-haiku");
        ResolvedProfile c = resolver.resolve(TenantContext.of("c"), "claude-haiku");
        ResolvedProfile d = resolver.resolve(TenantContext.of("d"), "claude-haiku");

        assertThat(List.of(a, b)).allSatisfy(p -> assertThat(p.pooled()).isFalse());
        assertThat(List.of(c, d)).allSatisfy(p -> {
            assertThat(p.pooled()).isTrue();
            assertThat(p.profileArn()).isEqualTo(pool.arn());
            assertThat(p.sourceModelId()).isEqualTo(FakeInferenceProfileApi.HAIKU);
        });
        assertThat(c.tenant()).isEqualTo(TenantId.of("c"));
        assertThat(api.tagsOf(pool.arn())).containsEntry("TenantId", "pool:standard");
    }

    @Test
    void resolve_quotaReachedWithConfiguredPool_usesConfiguredPoolPerTier() {
        InferenceProfile premiumPool = api.seed("premium-pool", FakeInferenceProfileApi.HAIKU, Map.of());
        api.quota(1);
        ProvisioningProfileResolver resolver = resolver()
                .poolProfile(Tier.PREMIUM, "claude-haiku", premiumPool.arn())
                .build();

        ResolvedProfile p = resolver.resolve(new TenantContext(TenantId.of("big"), Tier.PREMIUM, Map.of()),
                "claude-haiku");

        assertThat(p.pooled()).isTrue();
        assertThat(p.profileArn()).isEqualTo(premiumPool.arn());
    }

    @Test
    void resolve_quotaReachedAndNoPoolPossible_failsNotRetryable() {
        api.quota(0);
        ProvisioningProfileResolver resolver = resolver().build();

        assertThatThrownBy(() -> resolver.resolve(TenantContext.of("acme"), "claude-haiku"))
                .isInstanceOfSatisfying(ProfileResolutionException.class, e -> {
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.getMessage()).contains("quota").contains("standard").contains("ensurePoolProfile");
                });
    }

    @Test
    void resolve_pooledTenantAfterRecheckInterval_getsOwnProfileOnceQuotaAllows() {
        MutableClock clock = new MutableClock();
        ProfileLifecycle.builder(api).routes(FakeInferenceProfileApi.routes()).build()
                .ensurePoolProfile(Tier.STANDARD, "claude-haiku");
        api.quota(1);
        ProvisioningProfileResolver resolver = resolver().clock(clock).pooledRecheckInterval(Duration.ofMinutes(10))
                .build();
        assertThat(resolver.resolve(TenantContext.of("acme"), "claude-haiku").pooled()).isTrue();
        api.quota(10);

        boolean stillPooled = resolver.resolve(TenantContext.of("acme"), "claude-haiku").pooled();
        clock.advance(Duration.ofMinutes(11));
        boolean laterPooled = resolver.resolve(TenantContext.of("acme"), "claude-haiku").pooled();

        assertThat(stillPooled).isTrue();
        assertThat(laterPooled).isFalse();
    }

    @Test
    void resolvesWithoutBlocking_onlyWhileTheProfileIsCachedAndNotDueForARecheck() {
        MutableClock clock = new MutableClock();
        ProfileLifecycle.builder(api).routes(FakeInferenceProfileApi.routes()).build()
                .ensurePoolProfile(Tier.STANDARD, "claude-haiku");
        ProvisioningProfileResolver resolver = resolver().clock(clock).pooledRecheckInterval(Duration.ofMinutes(10))
                .build();
        TenantContext acme = TenantContext.of("acme");
        TenantContext globex = TenantContext.of("globex");

        assertThat(resolver.resolvesWithoutBlocking(acme, "claude-haiku")).as("first call").isFalse();
        resolver.resolve(acme, "claude-haiku");
        api.resetCounts();
        assertThat(resolver.resolvesWithoutBlocking(acme, "claude-haiku")).isTrue();
        assertThat(resolver.resolvesWithoutBlocking(acme, "claude-sonnet")).as("another model").isFalse();
        assertThat(api.calls(Op.CREATE)).as("asking never calls the control plane").isZero();

        // A pooled tenant is answered from memory until its recheck is due.
        api.quota(2);   // the pool profile and acme's: none left for globex
        assertThat(resolver.resolve(globex, "claude-haiku").pooled()).isTrue();
        assertThat(resolver.resolvesWithoutBlocking(globex, "claude-haiku")).isTrue();
        clock.advance(Duration.ofMinutes(11));
        assertThat(resolver.resolvesWithoutBlocking(globex, "claude-haiku")).isFalse();
    }

    @Test
    void resolve_withLookupFindingExistingProfile_doesNotCreate() {
        InferenceProfile existing = api.seed("legacy-name", FakeInferenceProfileApi.HAIKU,
                Map.of("TenantId", "acme", "Model", "claude-haiku"));
        TagDiscoveryProfileResolver discovery = TagDiscoveryProfileResolver.builder(api).build();
        ProvisioningProfileResolver resolver = resolver().lookup(discovery).build();

        ResolvedProfile p = resolver.resolve(TenantContext.of("acme"), "claude-haiku");

        assertThat(p.profileArn()).isEqualTo(existing.arn());
        assertThat(api.calls(Op.CREATE)).isZero();
    }

    @Test
    void resolve_nameTakenByAnotherTenantsProfile_failsWithoutUsingIt() {
        // A profile named like acme's, but tagged for another tenant: never acme's, whatever its name.
        api.seed("acme-claude-haiku", FakeInferenceProfileApi.HAIKU,
                Map.of("TenantId", "globex", "Model", "claude-haiku"));
        TagDiscoveryProfileResolver discovery = TagDiscoveryProfileResolver.builder(api).build();
        ProvisioningProfileResolver resolver = resolver().lookup(discovery).build();

        assertThatThrownBy(() -> resolver.resolve(TenantContext.of("acme"), "claude-haiku"))
                .isInstanceOfSatisfying(ProfileResolutionException.class, e -> {
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.getMessage()).contains("acme-claude-haiku").contains("acme");
                });
    }

    @Test
    void resolve_createdProfileTaggedForAnotherTenant_isRefused() {
        // Simulates a control plane that answered the create with someone else's profile.
        InferenceProfile foreign = api.seed("foreign", FakeInferenceProfileApi.HAIKU, Map.of("TenantId", "globex"));
        InferenceProfileApi lying = new DelegatingApi(api) {
            @Override
            public InferenceProfile create(NewProfile profile) {
                return foreign;
            }
        };
        ProvisioningProfileResolver resolver = ProvisioningProfileResolver.builder(lying)
                .routes(FakeInferenceProfileApi.routes()).build();

        assertThatThrownBy(() -> resolver.resolve(TenantContext.of("acme"), "claude-haiku"))
                .isInstanceOfSatisfying(ProfileResolutionException.class, e -> {
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.getMessage()).contains("globex").contains("acme").contains(foreign.arn());
                });
    }

    @Test
    void resolve_unknownLogicalModel_throwsConfigurationExceptionNamingIt() {
        ProvisioningProfileResolver resolver = resolver().build();

        assertThatThrownBy(() -> resolver.resolve(TenantContext.of("acme"), "gpt-9"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("gpt-9");
    }

    @Test
    void build_withoutRoutes_throwsConfigurationException() {
        assertThatThrownBy(() -> ProvisioningProfileResolver.builder(api).build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("routes");
    }

    @Test
    void resolveArn_profilesItResolvedWithoutLookup_tellsOwnFromAnothersWithoutAControlPlaneCall() {
        ProvisioningProfileResolver resolver = resolver().build();
        ResolvedProfile acme = resolver.resolve(TenantContext.of("acme"), "claude-haiku");
        ResolvedProfile globex = resolver.resolve(TenantContext.of("globex"), "claude-haiku");
        api.resetCounts();

        assertThat(resolver.resolveArn(TenantContext.of("acme"), acme.profileArn())).hasValueSatisfying(p -> {
            assertThat(p.pooled()).isFalse();
            assertThat(p.tenant()).isEqualTo(TenantId.of("acme"));
            assertThat(p.logicalModel()).isEqualTo("claude-haiku");
            assertThat(p.sourceModelId()).isEqualTo(FakeInferenceProfileApi.HAIKU);
        });
        assertThatThrownBy(() -> resolver.resolveArn(TenantContext.of("acme"), globex.profileArn()))
                .isInstanceOfSatisfying(ProfileResolutionException.class, e -> {
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.tenant()).contains(TenantId.of("acme"));
                    assertThat(e.getMessage()).contains(globex.profileArn()).doesNotContain("globex ");
                });
        assertThat(api.totalCalls()).isZero();
    }

    @Test
    void resolveArn_profileCreatedElsewhere_readsItsTagsOnceAndRemembersTheAnswer() {
        InferenceProfile globex = api.seed("globex-haiku", FakeInferenceProfileApi.HAIKU,
                Map.of("TenantId", "globex", "Model", "claude-haiku"));
        InferenceProfile acme = api.seed("acme-haiku", FakeInferenceProfileApi.HAIKU,
                Map.of("TenantId", "acme", "Model", "claude-haiku"));
        ProvisioningProfileResolver resolver = resolver().build();

        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> resolver.resolveArn(TenantContext.of("acme"), globex.arn()))
                    .isInstanceOfSatisfying(ProfileResolutionException.class, e -> assertThat(e.retryable()).isFalse());
            assertThat(resolver.resolveArn(TenantContext.of("acme"), acme.arn())).hasValueSatisfying(p -> {
                assertThat(p.pooled()).isFalse();
                assertThat(p.logicalModel()).isEqualTo("claude-haiku");
                assertThat(p.sourceModelId()).isEqualTo(FakeInferenceProfileApi.HAIKU);
            });
        }
        assertThat(api.calls(Op.TAGS)).isEqualTo(2);
        assertThat(api.calls(Op.CREATE)).isZero();
    }

    @Test
    void resolveArn_withLookupThatMissesAProfile_readsItsTags() {
        TagDiscoveryProfileResolver discovery = TagDiscoveryProfileResolver.builder(api).scanParallelism(1).build();
        discovery.refresh();
        // Created after the index was loaded, and named within the index's refresh rate limit.
        discovery.resolveArn(TenantContext.of("acme"), "arn:aws:bedrock:us-east-1:123456789012:"
                + "application-inference-profile/nothing");
        InferenceProfile globex = api.seed("globex-haiku", FakeInferenceProfileApi.HAIKU,
                Map.of("TenantId", "globex", "Model", "claude-haiku"));
        ProvisioningProfileResolver resolver = resolver().lookup(discovery).build();

        assertThat(discovery.resolveArn(TenantContext.of("acme"), globex.arn())).isEmpty();
        assertThatThrownBy(() -> resolver.resolveArn(TenantContext.of("acme"), globex.arn()))
                .isInstanceOf(ProfileResolutionException.class);
        assertThat(resolver.resolveArn(TenantContext.of("globex"), globex.arn())).isPresent();
    }

    @Test
    void resolveArn_unknownOrForeignIds_areEmptyAndSharedProfilesShared() {
        InferenceProfile untagged = api.seed("untagged", FakeInferenceProfileApi.HAIKU, Map.of());
        InferenceProfile pool = api.seed("pool-standard-claude-haiku", FakeInferenceProfileApi.HAIKU,
                Map.of("TenantId", "pool:standard", "Model", "claude-haiku"));
        ProvisioningProfileResolver resolver = resolver().build();
        TenantContext acme = TenantContext.of("acme");

        assertThat(resolver.resolveArn(acme, untagged.arn())).isEmpty();
        assertThat(resolver.resolveArn(acme, "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/"
                + "gone")).isEmpty();
        assertThat(resolver.resolveArn(acme, "arn:aws:bedrock:us-east-1::foundation-model/"
                + FakeInferenceProfileApi.HAIKU)).isEmpty();
        assertThat(resolver.resolveArn(acme, "claude-haiku")).isEmpty();
        assertThat(resolver.resolveArn(acme, FakeInferenceProfileApi.HAIKU_SYSTEM_ARN))
                .hasValueSatisfying(p -> assertThat(p.pooled()).isTrue());
        assertThat(resolver.resolveArn(acme, pool.arn())).hasValueSatisfying(p -> {
            assertThat(p.pooled()).isTrue();
            assertThat(p.tenant()).isEqualTo(acme.id());
            assertThat(p.sourceModelId()).isEqualTo(FakeInferenceProfileApi.HAIKU);
        });
    }

    @Test
    void resolveArn_configuredAndFallbackPools_areShared() {
        InferenceProfile configured = api.seed("premium-pool", FakeInferenceProfileApi.HAIKU, Map.of());
        ProvisioningProfileResolver resolver = resolver().poolProfile(Tier.PREMIUM, "claude-haiku", configured.arn())
                .build();

        assertThat(resolver.resolveArn(TenantContext.of("acme"), configured.arn())).hasValueSatisfying(p -> {
            assertThat(p.pooled()).isTrue();
            assertThat(p.logicalModel()).isEqualTo("claude-haiku");
        });
    }

    @Test
    void resolveArn_unknownProfileTaggedLater_isAskedAgainOnlyAfterTheRecheck() {
        MutableClock clock = new MutableClock();
        InferenceProfile later = api.seed("later", FakeInferenceProfileApi.HAIKU, Map.of());
        ProvisioningProfileResolver resolver = resolver().clock(clock).build();
        TenantContext acme = TenantContext.of("acme");

        assertThat(resolver.resolveArn(acme, later.arn())).isEmpty();
        api.setTags(later.arn(), Map.of("TenantId", "acme", "Model", "claude-haiku"));
        assertThat(resolver.resolveArn(acme, later.arn())).isEmpty();
        assertThat(api.calls(Op.TAGS)).isEqualTo(1);

        clock.advance(ProvisioningProfileResolver.UNKNOWN_RECHECK);
        assertThat(resolver.resolveArn(acme, later.arn())).hasValueSatisfying(p -> assertThat(p.pooled()).isFalse());
        assertThat(api.calls(Op.TAGS)).isEqualTo(2);
    }

    @Test
    void resolveArn_controlPlaneFailure_isRetryableAndNotRemembered() {
        InferenceProfile acme = api.seed("acme-haiku", FakeInferenceProfileApi.HAIKU,
                Map.of("TenantId", "acme", "Model", "claude-haiku"));
        ProvisioningProfileResolver resolver = resolver().build();
        api.throttleNext(Op.TAGS, 1);

        assertThatThrownBy(() -> resolver.resolveArn(TenantContext.of("acme"), acme.arn()))
                .isInstanceOfSatisfying(ProfileResolutionException.class, e -> {
                    assertThat(e.retryable()).isTrue();
                    assertThat(e.getMessage()).contains(acme.arn());
                });
        assertThat(resolver.resolveArn(TenantContext.of("acme"), acme.arn())).isPresent();
    }

    @Test
    void resolveArn_manyNamedArns_remembersABoundedNumber() {
        ProvisioningProfileResolver resolver = resolver().build();
        TenantContext acme = TenantContext.of("acme");

        for (int i = 0; i <= ProvisioningProfileResolver.KNOWN_ARNS + 10; i++) {
            resolver.resolveArn(acme, "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/p" + i);
        }

        assertThat(resolver.knownArns()).isEqualTo(ProvisioningProfileResolver.KNOWN_ARNS);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A clock tests move by hand. */
    static final class MutableClock extends Clock {
        private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));

        void advance(Duration d) {
            now.updateAndGet(t -> t.plus(d));
        }

        @Override
        public Instant instant() {
            return now.get();
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
