package dev.aip.core.bedrock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.profile.ActionResult;
import dev.aip.core.profile.ApplyListener;
import dev.aip.core.profile.ApplyResult;
import dev.aip.core.profile.DesiredProfile;
import dev.aip.core.profile.InferenceProfile;
import dev.aip.core.profile.ModelRoutes;
import dev.aip.core.profile.PlanAction;
import dev.aip.core.profile.PlanAction.Kind;
import dev.aip.core.profile.ProfileLifecycle;
import dev.aip.core.profile.ProfilePlan;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import dev.aip.emulator.BedrockEmulator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.bedrock.BedrockClient;

/**
 * Plan and apply for 5,000 tenants against the emulator over HTTP, then a second round with tier changes, removed
 * tenants and model switches, and a run with throttled creates. Prints the elapsed times; asserts none.
 */
class ProfileReconciliationEmulatorTest {

    private static final int TENANTS = 5_000;

    private BedrockEmulator emulator;
    private BedrockClient client;

    @BeforeEach
    void start() {
        emulator = EmulatorControlPlane.startOrSkip(BedrockEmulator.builder().profileQuota(6_000));
        client = EmulatorControlPlane.client(emulator);
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

    /** Counts progress callbacks as a progress bar would. */
    static final class Progress implements ApplyListener {
        final AtomicInteger done = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        volatile int total = -1;
        volatile ApplyResult finished;

        @Override
        public void onStart(int total) {
            this.total = total;
        }

        @Override
        public void onActionDone(PlanAction action, ActionResult result) {
            done.incrementAndGet();
            if (!result.succeeded()) {
                failed.incrementAndGet();
            }
        }

        @Override
        public void onFinish(ApplyResult summary) {
            finished = summary;
        }
    }

    private static DesiredProfile desired(int i, Tier tier, String model) {
        return DesiredProfile.of(TenantId.of(String.format("tenant-%05d", i)), tier, model);
    }

    @Test
    void planApply_fiveThousandTenantsThenDrift_convergesToEmptyPlan() {
        CountingApi api = new CountingApi(BedrockInferenceProfileApi.create(client));
        ModelRoutes routes = ModelRoutes.builder()
                .route("claude-haiku", EmulatorControlPlane.systemProfileArn(emulator, EmulatorControlPlane.HAIKU))
                .route("claude-sonnet", EmulatorControlPlane.systemProfileArn(emulator,
                        EmulatorControlPlane.SONNET))
                .build();
        ProfileLifecycle lifecycle = ProfileLifecycle.builder(api).routes(routes).concurrency(8).build();
        List<DesiredProfile> desired = new ArrayList<>();
        for (int i = 0; i < TENANTS; i++) {
            desired.add(desired(i, i % 3 == 0 ? Tier.PREMIUM : Tier.STANDARD, "claude-haiku"));
        }

        long t0 = System.nanoTime();
        ProfilePlan plan = lifecycle.plan(desired);
        Progress progress = new Progress();
        ApplyResult created = lifecycle.apply(plan, progress);
        long t1 = System.nanoTime();
        ProfilePlan replan = lifecycle.plan(desired);
        long t2 = System.nanoTime();

        assertThat(plan.count(Kind.CREATE)).isEqualTo(TENANTS);
        assertThat(created.failures()).isEmpty();
        assertThat(progress.total).isEqualTo(TENANTS);
        assertThat(progress.done.get()).isEqualTo(TENANTS);
        assertThat(progress.failed.get()).isZero();
        assertThat(progress.finished).isSameAs(created);
        assertThat(replan.actions()).isEmpty();
        assertThat(replan.unchanged()).isEqualTo(TENANTS);

        // Drift: 100 tenants change tier, 50 leave, 20 switch model.
        List<DesiredProfile> next = new ArrayList<>();
        for (int i = 0; i < TENANTS; i++) {
            DesiredProfile d = desired.get(i);
            if (i < 100) {
                next.add(desired(i, d.tier().equals(Tier.PREMIUM) ? Tier.BASIC : Tier.PREMIUM, "claude-haiku"));
            } else if (i < 150) {
                continue;
            } else if (i < 170) {
                next.add(desired(i, d.tier(), "claude-sonnet"));
            } else {
                next.add(d);
            }
        }
        long t3 = System.nanoTime();
        ProfilePlan drift = lifecycle.plan(next);
        Progress driftProgress = new Progress();
        ApplyResult applied = lifecycle.apply(drift, driftProgress);
        ProfilePlan settled = lifecycle.plan(next);
        long t4 = System.nanoTime();

        assertThat(drift.count(Kind.RETAG)).isEqualTo(100);
        assertThat(drift.count(Kind.DELETE)).isEqualTo(50);
        assertThat(drift.count(Kind.REPLACE)).isEqualTo(20);
        assertThat(drift.count(Kind.CREATE)).isZero();
        assertThat(drift.actions()).filteredOn(a -> a.kind() == Kind.RETAG)
                .allSatisfy(a -> assertThat(a.tagsToSet()).containsOnlyKeys("Tier"));
        assertThat(applied.failures()).isEmpty();
        assertThat(driftProgress.done.get()).isEqualTo(170);
        assertThat(settled.actions()).isEmpty();
        List<InferenceProfile> all = api.listAllApplicationProfiles();
        assertThat(all).hasSize(TENANTS - 50);
        assertThat(all).filteredOn(p -> p.sourceModelId().equals(EmulatorControlPlane.SONNET)).hasSize(20)
                .allSatisfy(p -> assertThat(p.name()).endsWith("-claude-sonnet"));

        System.out.printf("5,000-tenant reconciliation against the emulator: plan+apply %s, re-plan %s,"
                        + " drift plan+apply+re-plan %s, %d control-plane calls%n",
                Duration.ofNanos(t1 - t0), Duration.ofNanos(t2 - t1), Duration.ofNanos(t4 - t3), api.calls.get());
    }

    @Test
    void apply_withThrottledCreates_retriesAndConverges() {
        CountingApi api = new CountingApi(BedrockInferenceProfileApi.create(client));
        ModelRoutes routes = ModelRoutes.builder()
                .route("claude-haiku", EmulatorControlPlane.foundationModelArn(emulator, EmulatorControlPlane.HAIKU))
                .build();
        ProfileLifecycle lifecycle = ProfileLifecycle.builder(api).routes(routes).concurrency(4)
                .backoff(Duration.ofMillis(1), Duration.ofMillis(5)).maxAttempts(20).build();
        List<DesiredProfile> desired = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            desired.add(DesiredProfile.of(TenantId.of("throttled-" + i), Tier.STANDARD, "claude-haiku"));
        }
        ProfilePlan plan = lifecycle.plan(desired);
        api.throttleCreates.set(25);

        ApplyResult result = lifecycle.apply(plan, ApplyListener.NONE);

        assertThat(result.failures()).isEmpty();
        assertThat(api.creates.get()).isEqualTo(40 + 25);
        assertThat(result.results().stream().mapToInt(ActionResult::attempts).sum()).isEqualTo(40 + 25);
        assertThat(lifecycle.plan(desired).actions()).isEmpty();
    }
}
