package dev.aip.core.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.ConfigurationException;
import dev.aip.core.profile.FakeInferenceProfileApi.FakeFailure;
import dev.aip.core.profile.FakeInferenceProfileApi.Op;
import dev.aip.core.profile.PlanAction.Kind;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ProfileLifecycleTest {

    private final FakeInferenceProfileApi api = new FakeInferenceProfileApi();
    private final List<Duration> sleeps = Collections.synchronizedList(new ArrayList<>());

    private ProfileLifecycle.Builder lifecycle() {
        return ProfileLifecycle.builder(api).routes(FakeInferenceProfileApi.routes()).sleeper(sleeps::add);
    }

    private static List<DesiredProfile> tenants(int n, Tier tier, String model) {
        List<DesiredProfile> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(DesiredProfile.of(TenantId.of("tenant-" + i), tier, model));
        }
        return list;
    }

    /** Counts listener calls. */
    static final class CountingListener implements ApplyListener {
        final AtomicInteger starts = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        final AtomicInteger finishes = new AtomicInteger();
        volatile int total = -1;

        @Override
        public void onStart(int total) {
            this.total = total;
            starts.incrementAndGet();
        }

        @Override
        public void onActionDone(PlanAction action, ActionResult result) {
            done.incrementAndGet();
        }

        @Override
        public void onFinish(ApplyResult summary) {
            finishes.incrementAndGet();
        }
    }

    @Test
    void plan_emptyAccount_createsEveryDesiredProfile() {
        ProfilePlan plan = lifecycle().build().plan(tenants(10, Tier.STANDARD, "claude-haiku"));

        assertThat(plan.actions()).hasSize(10).allSatisfy(a -> {
            assertThat(a.kind()).isEqualTo(Kind.CREATE);
            assertThat(a.reason()).isEqualTo("missing");
            assertThat(a.newProfile().tags()).containsEntry("TenantId", a.tenant().value());
        });
        assertThat(api.size()).isZero();
    }

    @Test
    void apply_thenPlanAgain_givesEmptyPlan() {
        ProfileLifecycle lifecycle = lifecycle().build();
        List<DesiredProfile> desired = tenants(50, Tier.STANDARD, "claude-haiku");
        CountingListener listener = new CountingListener();

        ApplyResult result = lifecycle.apply(lifecycle.plan(desired), listener);
        ProfilePlan again = lifecycle.plan(desired);

        assertThat(result.allSucceeded()).isTrue();
        assertThat(result.results()).hasSize(50);
        assertThat(listener.total).isEqualTo(50);
        assertThat(listener.done.get()).isEqualTo(50);
        assertThat(listener.starts.get()).isEqualTo(1);
        assertThat(listener.finishes.get()).isEqualTo(1);
        assertThat(again.isEmpty()).isTrue();
        assertThat(again.unchanged()).isEqualTo(50);
    }

    @Test
    void plan_afterTierChange_retagsWithDiff() {
        ProfileLifecycle lifecycle = lifecycle().build();
        lifecycle.apply(lifecycle.plan(tenants(3, Tier.STANDARD, "claude-haiku")), ApplyListener.NONE);
        List<DesiredProfile> desired = new ArrayList<>(tenants(3, Tier.STANDARD, "claude-haiku"));
        desired.set(1, DesiredProfile.of(TenantId.of("tenant-1"), Tier.PREMIUM, "claude-haiku"));

        ProfilePlan plan = lifecycle.plan(desired);

        assertThat(plan.actions()).singleElement().satisfies(a -> {
            assertThat(a.kind()).isEqualTo(Kind.RETAG);
            assertThat(a.tenant()).isEqualTo(TenantId.of("tenant-1"));
            assertThat(a.tagsToSet()).isEqualTo(Map.of("Tier", "premium"));
            assertThat(a.tagsToRemove()).isEmpty();
            assertThat(a.reason()).contains("Tier is standard, want premium");
        });
        lifecycle.apply(plan, ApplyListener.NONE);
        assertThat(lifecycle.plan(desired).isEmpty()).isTrue();
    }

    @Test
    void plan_schemaKeyNoLongerWanted_isRemovedButForeignTagsStay() {
        TagSchema withEnv = TagSchema.builder().environment("production").build();
        ProfileLifecycle before = lifecycle().schema(withEnv).build();
        before.apply(before.plan(tenants(1, Tier.STANDARD, "claude-haiku")), ApplyListener.NONE);
        String arn = api.all().get(0).arn();
        api.tag(arn, Map.of("Owner", "ops-team"));
        ProfileLifecycle after = lifecycle().schema(TagSchema.builder().environment("production")
                .costCenter("cc-1").build()).build();

        ProfilePlan plan = after.plan(tenants(1, Tier.STANDARD, "claude-haiku"));
        after.apply(plan, ApplyListener.NONE);

        assertThat(plan.actions()).singleElement().extracting(PlanAction::tagsToSet)
                .isEqualTo(Map.of("CostCenter", "cc-1"));
        assertThat(api.tagsOf(arn)).containsEntry("Owner", "ops-team").containsEntry("CostCenter", "cc-1");
        assertThat(after.plan(tenants(1, Tier.STANDARD, "claude-haiku")).isEmpty()).isTrue();
    }

    @Test
    void plan_tenantRemoved_deletesOnlyItsManagedProfile() {
        ProfileLifecycle lifecycle = lifecycle().build();
        lifecycle.apply(lifecycle.plan(tenants(3, Tier.STANDARD, "claude-haiku")), ApplyListener.NONE);
        InferenceProfile unmanaged = api.seed("hand-made", FakeInferenceProfileApi.HAIKU,
                Map.of("TenantId", "tenant-9"));
        InferenceProfile pool = lifecycle.ensurePoolProfile(Tier.STANDARD, "claude-haiku");

        ProfilePlan plan = lifecycle.plan(tenants(2, Tier.STANDARD, "claude-haiku"));

        assertThat(plan.actions()).singleElement().satisfies(a -> {
            assertThat(a.kind()).isEqualTo(Kind.DELETE);
            assertThat(a.tenant()).isEqualTo(TenantId.of("tenant-2"));
            assertThat(a.reason()).contains("no longer desired");
        });
        assertThat(plan.ignored()).isEqualTo(2);
        lifecycle.apply(plan, ApplyListener.NONE);
        assertThat(api.all()).extracting(InferenceProfile::arn).contains(unmanaged.arn(), pool.arn()).hasSize(4);
    }

    @Test
    void plan_tenantSwitchesModel_isOneReplaceThatCreatesThenDeletes() {
        ProfileLifecycle lifecycle = lifecycle().build();
        lifecycle.apply(lifecycle.plan(tenants(2, Tier.STANDARD, "claude-haiku")), ApplyListener.NONE);
        String oldArn = api.all().stream().filter(p -> p.name().startsWith("tenant-1")).findFirst().orElseThrow()
                .arn();
        List<DesiredProfile> desired = List.of(DesiredProfile.of(TenantId.of("tenant-0"), Tier.STANDARD,
                "claude-haiku"), DesiredProfile.of(TenantId.of("tenant-1"), Tier.STANDARD, "claude-sonnet"));

        ProfilePlan plan = lifecycle.plan(desired);
        ApplyResult result = lifecycle.apply(plan, ApplyListener.NONE);

        assertThat(plan.actions()).singleElement().satisfies(a -> {
            assertThat(a.kind()).isEqualTo(Kind.REPLACE);
            assertThat(a.profileArn()).isEqualTo(oldArn);
            assertThat(a.logicalModel()).isEqualTo("claude-sonnet");
            assertThat(a.reason()).contains("claude-haiku").contains("claude-sonnet");
        });
        assertThat(result.allSucceeded()).isTrue();
        assertThat(api.all()).extracting(InferenceProfile::arn).doesNotContain(oldArn).hasSize(2);
        assertThat(lifecycle.plan(desired).isEmpty()).isTrue();
    }

    @Test
    void plan_routeOfLogicalModelChanged_replacesUnderANewName() {
        ModelRoutes v1 = ModelRoutes.builder().route("chat", FakeInferenceProfileApi.HAIKU_SYSTEM_ARN).build();
        ModelRoutes v2 = ModelRoutes.builder().route("chat", FakeInferenceProfileApi.SONNET_SYSTEM_ARN).build();
        ProfileLifecycle before = ProfileLifecycle.builder(api).routes(v1).build();
        before.apply(before.plan(tenants(1, Tier.STANDARD, "chat")), ApplyListener.NONE);
        ProfileLifecycle after = ProfileLifecycle.builder(api).routes(v2).build();

        ProfilePlan plan = after.plan(tenants(1, Tier.STANDARD, "chat"));
        ApplyResult result = after.apply(plan, ApplyListener.NONE);

        assertThat(plan.actions()).singleElement().satisfies(a -> {
            assertThat(a.kind()).isEqualTo(Kind.REPLACE);
            assertThat(a.reason()).contains("model changed").contains(FakeInferenceProfileApi.SONNET);
        });
        assertThat(result.allSucceeded()).isTrue();
        assertThat(api.all()).singleElement().extracting(InferenceProfile::sourceModelId)
                .isEqualTo(FakeInferenceProfileApi.SONNET);
        assertThat(after.plan(tenants(1, Tier.STANDARD, "chat")).isEmpty()).isTrue();
    }

    @Test
    void plan_duplicateProfilesForOneKey_keepsNewestAndDeletesRest() {
        ProfileLifecycle lifecycle = lifecycle().build();
        Map<String, String> tags = TagSchema.defaults().tagsFor(TenantId.of("tenant-0"), Tier.STANDARD,
                "claude-haiku", Map.of());
        InferenceProfile older = api.seed("dup-1", FakeInferenceProfileApi.HAIKU, tags);
        InferenceProfile newer = api.seed("dup-2", FakeInferenceProfileApi.HAIKU, tags);

        ProfilePlan plan = lifecycle.plan(tenants(1, Tier.STANDARD, "claude-haiku"));

        assertThat(plan.actions()).singleElement().satisfies(a -> {
            assertThat(a.kind()).isEqualTo(Kind.DELETE);
            assertThat(a.profileArn()).isEqualTo(older.arn());
            assertThat(a.reason()).contains("duplicate of " + newer.arn());
        });
    }

    @Test
    void plan_ordersDeletesFirstThenRetagsReplacesCreates() {
        ProfileLifecycle lifecycle = lifecycle().build();
        lifecycle.apply(lifecycle.plan(tenants(4, Tier.STANDARD, "claude-haiku")), ApplyListener.NONE);
        List<DesiredProfile> desired = List.of(
                DesiredProfile.of(TenantId.of("tenant-1"), Tier.PREMIUM, "claude-haiku"),
                DesiredProfile.of(TenantId.of("tenant-2"), Tier.STANDARD, "claude-sonnet"),
                DesiredProfile.of(TenantId.of("tenant-3"), Tier.STANDARD, "claude-haiku"),
                DesiredProfile.of(TenantId.of("tenant-3"), Tier.STANDARD, "claude-sonnet"),
                DesiredProfile.of(TenantId.of("a-new"), Tier.STANDARD, "claude-haiku"));

        ProfilePlan plan = lifecycle.plan(desired);

        assertThat(plan.actions()).extracting(PlanAction::kind)
                .containsExactly(Kind.DELETE, Kind.RETAG, Kind.REPLACE, Kind.CREATE, Kind.CREATE);
        assertThat(plan.unchanged()).isEqualTo(1);
    }

    @Test
    void apply_throttled_retriesWithBackoffAndSucceeds() {
        ProfileLifecycle lifecycle = lifecycle().concurrency(1).build();
        ProfilePlan plan = lifecycle.plan(tenants(3, Tier.STANDARD, "claude-haiku"));
        api.throttleNext(Op.CREATE, 4);

        ApplyResult result = lifecycle.apply(plan, ApplyListener.NONE);

        assertThat(result.allSucceeded()).isTrue();
        assertThat(result.results().get(0).attempts()).isEqualTo(5);
        assertThat(sleeps).hasSize(4).allSatisfy(d -> assertThat(d).isBetween(Duration.ZERO,
                Duration.ofSeconds(5)));
        assertThat(api.size()).isEqualTo(3);
        assertThat(lifecycle.plan(tenants(3, Tier.STANDARD, "claude-haiku")).isEmpty()).isTrue();
    }

    @Test
    void apply_throttledBeyondMaxAttempts_reportsThrottledFailureAndContinues() {
        ProfileLifecycle lifecycle = lifecycle().concurrency(1).maxAttempts(3).build();
        ProfilePlan plan = lifecycle.plan(tenants(3, Tier.STANDARD, "claude-haiku"));
        api.throttleNext(Op.CREATE, 3);

        ApplyResult result = lifecycle.apply(plan, ApplyListener.NONE);

        assertThat(result.failed()).isEqualTo(1);
        assertThat(result.failures()).singleElement().satisfies(r -> {
            assertThat(r.failure()).isEqualTo(ControlPlaneFailure.THROTTLED);
            assertThat(r.attempts()).isEqualTo(3);
            assertThat(r.message()).contains("create");
        });
        assertThat(result.succeeded()).isEqualTo(2);
        assertThat(lifecycle.plan(tenants(3, Tier.STANDARD, "claude-haiku")).actions()).hasSize(1);
    }

    @Test
    void apply_nonRetryableFailure_isNotRetriedAndDoesNotAbortOthers() {
        ProfileLifecycle lifecycle = lifecycle().concurrency(1).build();
        ProfilePlan plan = lifecycle.plan(tenants(5, Tier.STANDARD, "claude-haiku"));
        api.failNext(Op.CREATE, new FakeFailure(ControlPlaneFailure.OTHER, "AccessDenied"));

        ApplyResult result = lifecycle.apply(plan, ApplyListener.NONE);

        assertThat(result.failed()).isEqualTo(1);
        assertThat(result.failures().get(0).attempts()).isEqualTo(1);
        assertThat(result.failures().get(0).message()).contains("AccessDenied");
        assertThat(api.size()).isEqualTo(4);
        assertThat(sleeps).isEmpty();
    }

    @Test
    void apply_quotaExceeded_reportsQuotaFailures() {
        api.quota(2);
        ProfileLifecycle lifecycle = lifecycle().build();

        ApplyResult result = lifecycle.apply(lifecycle.plan(tenants(4, Tier.STANDARD, "claude-haiku")),
                ApplyListener.NONE);

        assertThat(result.succeeded()).isEqualTo(2);
        assertThat(result.failures()).hasSize(2)
                .allSatisfy(r -> assertThat(r.failure()).isEqualTo(ControlPlaneFailure.QUOTA_EXCEEDED));
    }

    @Test
    void apply_runsAtMostConcurrencyActionsAtOnce() {
        int limit = 3;
        AtomicInteger running = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        CountDownLatch full = new CountDownLatch(limit);
        api.beforeCreate(() -> {
            peak.accumulateAndGet(running.incrementAndGet(), Math::max);
            full.countDown();
            try {
                // The first `limit` creates wait until all of them run at once; later ones pass straight through.
                full.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            running.decrementAndGet();
        });
        ProfileLifecycle lifecycle = lifecycle().concurrency(limit).build();

        ApplyResult result = lifecycle.apply(lifecycle.plan(tenants(20, Tier.STANDARD, "claude-haiku")),
                ApplyListener.NONE);

        assertThat(result.allSucceeded()).isTrue();
        assertThat(full.getCount()).isZero();
        assertThat(peak.get()).isEqualTo(limit);
    }

    @Test
    void apply_listenerThatThrows_doesNotDisturbApply() {
        ProfileLifecycle lifecycle = lifecycle().build();
        ApplyListener broken = new ApplyListener() {
            @Override
            public void onActionDone(PlanAction action, ActionResult result) {
                throw new IllegalStateException("progress bar broke");
            }
        };

        ApplyResult result = lifecycle.apply(lifecycle.plan(tenants(5, Tier.STANDARD, "claude-haiku")), broken);

        assertThat(result.allSucceeded()).isTrue();
    }

    @Test
    void apply_deleteOfProfileAlreadyGone_countsAsDone() {
        ProfileLifecycle lifecycle = lifecycle().build();
        lifecycle.apply(lifecycle.plan(tenants(1, Tier.STANDARD, "claude-haiku")), ApplyListener.NONE);
        ProfilePlan plan = lifecycle.plan(List.of());
        api.remove(plan.actions().get(0).profileArn());

        assertThat(lifecycle.apply(plan, ApplyListener.NONE).allSucceeded()).isTrue();
    }

    @Test
    void apply_createRepeatedAfterPartialRun_isIdempotent() {
        ProfileLifecycle lifecycle = lifecycle().build();
        ProfilePlan plan = lifecycle.plan(tenants(5, Tier.STANDARD, "claude-haiku"));

        lifecycle.apply(plan, ApplyListener.NONE);
        ApplyResult again = lifecycle.apply(plan, ApplyListener.NONE);

        assertThat(again.allSucceeded()).isTrue();
        assertThat(api.size()).isEqualTo(5);
    }

    @Test
    void plan_sameTenantAndModelTwice_throwsNamingThem() {
        List<DesiredProfile> desired = List.of(DesiredProfile.of(TenantId.of("a"), Tier.STANDARD, "claude-haiku"),
                DesiredProfile.of(TenantId.of("a"), Tier.PREMIUM, "claude-haiku"));

        assertThatThrownBy(() -> lifecycle().build().plan(desired))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tenant a is desired twice for model claude-haiku");
    }

    @Test
    void plan_unroutedModel_throwsConfigurationException() {
        assertThatThrownBy(() -> lifecycle().build().plan(tenants(1, Tier.STANDARD, "mystery")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("mystery");
    }

    @Test
    void ensurePoolProfile_twice_returnsSameProfile() {
        ProfileLifecycle lifecycle = lifecycle().build();

        InferenceProfile first = lifecycle.ensurePoolProfile(Tier.BASIC, "claude-haiku");
        InferenceProfile second = lifecycle.ensurePoolProfile(Tier.BASIC, "claude-haiku");

        assertThat(second.arn()).isEqualTo(first.arn());
        assertThat(first.name()).isEqualTo("pool-basic-claude-haiku");
        assertThat(api.tagsOf(first.arn())).containsEntry("TenantId", "pool:basic").containsEntry("Tier", "basic");
    }

    @Test
    void tag_invalidValue_throwsNamingTagBeforeAnyCall() {
        String arn = lifecycle().build().create(DesiredProfile.of(TenantId.of("a"), Tier.STANDARD,
                "claude-haiku")).arn();
        api.resetCounts();

        assertThatThrownBy(() -> lifecycle().build().tag(arn, Map.of("Team", "a,b")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Team").hasMessageContaining("a,b");
        assertThat(api.totalCalls()).isZero();
    }

    @Test
    void delete_missingProfile_isQuiet() {
        lifecycle().build().delete("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/x1");

        assertThat(api.calls(Op.DELETE)).isEqualTo(1);
    }
}
