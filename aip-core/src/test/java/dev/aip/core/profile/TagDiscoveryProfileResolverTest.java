package dev.aip.core.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.ProfileResolutionException;
import dev.aip.core.UnknownTenantException;
import dev.aip.core.profile.FakeInferenceProfileApi.Op;
import dev.aip.core.profile.ProvisioningProfileResolverTest.MutableClock;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TagDiscoveryProfileResolverTest {

    private final FakeInferenceProfileApi api = new FakeInferenceProfileApi();
    private final MutableClock clock = new MutableClock();

    private InferenceProfile tenantProfile(String tenant, String model) {
        return api.seed(tenant + "-" + model, FakeInferenceProfileApi.HAIKU,
                Map.of("TenantId", tenant, "Model", model, "ManagedBy", "aip"));
    }

    private TagDiscoveryProfileResolver.Builder resolver() {
        return TagDiscoveryProfileResolver.builder(api).clock(clock).scanParallelism(1).sleeper(d -> { });
    }

    @Test
    void resolve_onceWarm_makesZeroControlPlaneCalls() {
        for (int i = 0; i < 30; i++) {
            tenantProfile("t" + i, "claude-haiku");
        }
        TagDiscoveryProfileResolver resolver = resolver().build();
        assertThat(resolver.resolvesWithoutBlocking(TenantContext.of("t1"), "claude-haiku"))
                .as("not indexed yet").isFalse();
        resolver.refresh();
        api.resetCounts();
        assertThat(resolver.resolvesWithoutBlocking(TenantContext.of("t1"), "claude-haiku")).isTrue();
        assertThat(resolver.resolvesWithoutBlocking(TenantContext.of("nobody"), "claude-haiku")).isFalse();

        for (int round = 0; round < 100; round++) {
            for (int i = 0; i < 30; i++) {
                ResolvedProfile p = resolver.resolve(TenantContext.of("t" + i), "claude-haiku");
                assertThat(p.tenant().value()).isEqualTo("t" + i);
            }
        }

        assertThat(api.totalCalls()).isZero();
    }

    @Test
    void refresh_readsAllPagesAndTags() {
        for (int i = 0; i < 2500; i++) {
            tenantProfile("t" + i, "claude-haiku");
        }
        TagDiscoveryProfileResolver resolver = resolver().build();

        resolver.refresh();

        assertThat(api.calls(Op.LIST)).isEqualTo(3);
        assertThat(api.calls(Op.TAGS)).isEqualTo(2500);
        assertThat(resolver.resolve(TenantContext.of("t2499"), "claude-haiku").pooled()).isFalse();
    }

    @Test
    void refresh_picksUpNewAndDeletedProfiles() {
        InferenceProfile old = tenantProfile("old", "claude-haiku");
        TagDiscoveryProfileResolver resolver = resolver().minRefreshInterval(Duration.ofHours(1)).build();
        resolver.refresh();
        assertThat(resolver.resolve(TenantContext.of("old"), "claude-haiku").profileArn()).isEqualTo(old.arn());

        api.remove(old.arn());
        InferenceProfile fresh = tenantProfile("new", "claude-haiku");
        resolver.refresh();

        assertThat(resolver.resolve(TenantContext.of("new"), "claude-haiku").profileArn()).isEqualTo(fresh.arn());
        assertThatThrownBy(() -> resolver.resolve(TenantContext.of("old"), "claude-haiku"))
                .isInstanceOf(UnknownTenantException.class);
    }

    @Test
    void resolve_missForNewProfile_refreshesOnceAndFindsIt() {
        TagDiscoveryProfileResolver resolver = resolver().build();
        resolver.refresh();
        InferenceProfile added = tenantProfile("late", "claude-haiku");

        ResolvedProfile p = resolver.resolve(TenantContext.of("late"), "claude-haiku");

        assertThat(p.profileArn()).isEqualTo(added.arn());
    }

    @Test
    void resolve_burstOfMissesForUnknownTenants_triggersAtMostOneRefresh() throws Exception {
        tenantProfile("known", "claude-haiku");
        TagDiscoveryProfileResolver resolver = resolver().build();
        resolver.refresh();
        api.resetCounts();
        int threads = 32;
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int n = t;
                futures.add(pool.submit(() -> {
                    start.await();
                    int unknown = 0;
                    for (int i = 0; i < 50; i++) {
                        try {
                            resolver.resolve(TenantContext.of("ghost-" + n + "-" + i), "claude-haiku");
                        } catch (UnknownTenantException expected) {
                            unknown++;
                        }
                    }
                    return unknown;
                }));
            }
            int unknown = 0;
            for (Future<Integer> f : futures) {
                unknown += f.get(30, TimeUnit.SECONDS);
            }

            assertThat(unknown).isEqualTo(threads * 50);
            assertThat(api.calls(Op.LIST)).isEqualTo(1);
            assertThat(api.calls(Op.TAGS)).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void resolve_missAfterMinRefreshInterval_refreshesAgain() {
        TagDiscoveryProfileResolver resolver = resolver().minRefreshInterval(Duration.ofSeconds(30)).build();
        assertThatThrownBy(() -> resolver.resolve(TenantContext.of("ghost"), "claude-haiku"))
                .isInstanceOf(UnknownTenantException.class);
        assertThatThrownBy(() -> resolver.resolve(TenantContext.of("ghost"), "claude-haiku"))
                .isInstanceOf(UnknownTenantException.class);
        assertThat(api.calls(Op.LIST)).isEqualTo(1);

        clock.advance(Duration.ofSeconds(31));
        tenantProfile("ghost", "claude-haiku");

        assertThat(resolver.resolve(TenantContext.of("ghost"), "claude-haiku").pooled()).isFalse();
        assertThat(api.calls(Op.LIST)).isEqualTo(2);
    }

    @Test
    void resolve_profileNamedForTenantButTaggedForAnother_isNeverReturnedForTheNamedTenant() {
        // Name says acme, tag says globex: the tag decides.
        InferenceProfile misnamed = api.seed("acme-claude-haiku", FakeInferenceProfileApi.HAIKU,
                Map.of("TenantId", "globex", "Model", "claude-haiku"));
        TagDiscoveryProfileResolver resolver = resolver().build();
        resolver.refresh();

        assertThatThrownBy(() -> resolver.resolve(TenantContext.of("acme"), "claude-haiku"))
                .isInstanceOf(UnknownTenantException.class);
        assertThat(resolver.resolve(TenantContext.of("globex"), "claude-haiku").profileArn())
                .isEqualTo(misnamed.arn());
    }

    @Test
    void resolve_afterTagsSwapped_followsTheTagsNotTheNames() {
        InferenceProfile a = tenantProfile("a", "claude-haiku");
        InferenceProfile b = tenantProfile("b", "claude-haiku");
        TagDiscoveryProfileResolver resolver = resolver().build();
        resolver.refresh();
        api.setTags(a.arn(), Map.of("TenantId", "b", "Model", "claude-haiku"));
        api.setTags(b.arn(), Map.of("TenantId", "a", "Model", "claude-haiku"));

        resolver.refresh();

        assertThat(resolver.resolve(TenantContext.of("a"), "claude-haiku").profileArn()).isEqualTo(b.arn());
        assertThat(resolver.resolve(TenantContext.of("b"), "claude-haiku").profileArn()).isEqualTo(a.arn());
    }

    @Test
    void resolve_profileWithoutOwnerTag_isNeverReturned() {
        api.seed("acme-claude-haiku", FakeInferenceProfileApi.HAIKU, Map.of("Model", "claude-haiku"));
        TagDiscoveryProfileResolver resolver = resolver().build();
        resolver.refresh();

        assertThatThrownBy(() -> resolver.resolve(TenantContext.of("acme"), "claude-haiku"))
                .isInstanceOf(UnknownTenantException.class)
                .hasMessageContaining("TenantId=acme");
    }

    @Test
    void resolve_withoutModelTag_matchesBySourceModelId() {
        InferenceProfile p = api.seed("x", FakeInferenceProfileApi.HAIKU, Map.of("TenantId", "acme"));
        TagDiscoveryProfileResolver resolver = resolver().build();
        resolver.refresh();

        assertThat(resolver.resolve(TenantContext.of("acme"), FakeInferenceProfileApi.HAIKU).profileArn())
                .isEqualTo(p.arn());
    }

    @Test
    void resolve_twoProfilesForOneTenantAndModel_newestWins() {
        tenantProfile("acme", "claude-haiku");
        InferenceProfile newer = api.seed("acme-2", FakeInferenceProfileApi.HAIKU,
                Map.of("TenantId", "acme", "Model", "claude-haiku"));
        TagDiscoveryProfileResolver resolver = resolver().build();
        resolver.refresh();

        assertThat(resolver.resolve(TenantContext.of("acme"), "claude-haiku").profileArn()).isEqualTo(newer.arn());
    }

    @Test
    void resolve_managedOnly_ignoresUnmanagedProfiles() {
        api.seed("manual", FakeInferenceProfileApi.HAIKU, Map.of("TenantId", "acme", "Model", "claude-haiku"));
        TagDiscoveryProfileResolver resolver = resolver().managedOnly(true).build();
        resolver.refresh();

        assertThatThrownBy(() -> resolver.resolve(TenantContext.of("acme"), "claude-haiku"))
                .isInstanceOf(UnknownTenantException.class);
    }

    @Test
    void resolve_poolFallback_servesUnknownTenantFromItsTierPool() {
        InferenceProfile pool = api.seed("pool-premium-claude-haiku", FakeInferenceProfileApi.HAIKU,
                Map.of("TenantId", "pool:premium", "Model", "claude-haiku", "ManagedBy", "aip"));
        TagDiscoveryProfileResolver resolver = resolver().poolFallback(true).build();
        resolver.refresh();

        ResolvedProfile premium = resolver.resolve(new TenantContext(TenantId.of("x"), Tier.PREMIUM, Map.of()),
                "claude-haiku");

        assertThat(premium.pooled()).isTrue();
        assertThat(premium.profileArn()).isEqualTo(pool.arn());
        assertThatThrownBy(() -> resolver.resolve(TenantContext.of("x"), "claude-haiku"))
                .isInstanceOf(UnknownTenantException.class);
    }

    @Test
    void resolve_whenRefreshFails_throwsRetryableResolutionException() {
        TagDiscoveryProfileResolver resolver = resolver().build();
        api.throttleNext(Op.LIST, 100);

        assertThatThrownBy(() -> resolver.resolve(TenantContext.of("acme"), "claude-haiku"))
                .isInstanceOfSatisfying(ProfileResolutionException.class, e -> assertThat(e.retryable()).isTrue());
    }

    @Test
    void refresh_whenFails_keepsPreviousIndex() {
        InferenceProfile p = tenantProfile("acme", "claude-haiku");
        TagDiscoveryProfileResolver resolver = resolver().build();
        resolver.refresh();
        api.failNext(Op.LIST, new FakeInferenceProfileApi.FakeFailure(ControlPlaneFailure.OTHER, "denied"));

        assertThatThrownBy(resolver::refresh).isInstanceOf(ProfileResolutionException.class);
        assertThat(resolver.resolve(TenantContext.of("acme"), "claude-haiku").profileArn()).isEqualTo(p.arn());
    }

    @Test
    void refresh_whenThrottled_retriesAndSucceeds() {
        tenantProfile("acme", "claude-haiku");
        TagDiscoveryProfileResolver resolver = resolver().build();
        api.throttleNext(Op.TAGS, 1);

        resolver.refresh();

        assertThat(resolver.resolve(TenantContext.of("acme"), "claude-haiku").pooled()).isFalse();
    }

    @Test
    void start_runsBackgroundRefreshOnInjectedExecutor() throws Exception {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1);
        try (TagDiscoveryProfileResolver resolver = resolver().executor(executor)
                .refreshInterval(Duration.ofMillis(1)).minRefreshInterval(Duration.ofHours(1)).build()) {
            resolver.start();
            tenantProfile("later", "claude-haiku");
            int listsBefore = api.calls(Op.LIST);
            // Background refreshes run on the executor's single thread; a task queued behind a running refresh
            // runs after it has finished. The first list call counted after the profile was added belongs to a
            // refresh that saw it.
            while (api.calls(Op.LIST) < listsBefore + 1) {
                executor.submit(() -> { }).get(10, TimeUnit.SECONDS);
            }
            executor.submit(() -> { }).get(10, TimeUnit.SECONDS);
            executor.shutdown();
            assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            int listsAfterBackground = api.calls(Op.LIST);

            ResolvedProfile p = resolver.resolve(TenantContext.of("later"), "claude-haiku");

            assertThat(p.pooled()).isFalse();
            assertThat(api.calls(Op.LIST)).isEqualTo(listsAfterBackground);
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void resolve_concurrentWithRefreshes_alwaysReturnsTheTenantsOwnProfile() throws Exception {
        for (int i = 0; i < 50; i++) {
            tenantProfile("t" + i, "claude-haiku");
        }
        TagDiscoveryProfileResolver resolver = resolver().build();
        resolver.refresh();
        int readers = 8;
        CyclicBarrier start = new CyclicBarrier(readers + 1);
        ExecutorService pool = Executors.newFixedThreadPool(readers + 1);
        try {
            List<Future<Integer>> futures = new ArrayList<>();
            for (int r = 0; r < readers; r++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    int checked = 0;
                    for (int round = 0; round < 200; round++) {
                        for (int i = 0; i < 50; i++) {
                            ResolvedProfile p = resolver.resolve(TenantContext.of("t" + i), "claude-haiku");
                            assertThat(api.tagsOf(p.profileArn())).containsEntry("TenantId", "t" + i);
                            checked++;
                        }
                    }
                    return checked;
                }));
            }
            futures.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < 20; i++) {
                    resolver.refresh();
                }
                return 0;
            }));
            int checked = 0;
            for (Future<Integer> f : futures) {
                checked += f.get(60, TimeUnit.SECONDS);
            }

            assertThat(checked).isEqualTo(readers * 200 * 50);
        } finally {
            pool.shutdownNow();
        }
    }
}
