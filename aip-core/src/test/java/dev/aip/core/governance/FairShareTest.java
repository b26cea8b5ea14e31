package dev.aip.core.governance;

import static dev.aip.core.governance.Gov.attempt;
import static dev.aip.core.governance.Gov.profile;
import static dev.aip.core.governance.Gov.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.BudgetExceededException;
import dev.aip.core.ConfigurationException;
import dev.aip.core.RateLimitExceededException;
import dev.aip.core.chat.Admission.Permit;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.Tier;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Fair share through {@link Governance}: when it sheds, what the refusal says, how the estimate moves. */
class FairShareTest {

    static final TenantContext BASIC = TenantContext.of("bronze").withTier(Tier.BASIC);
    static final TenantContext STANDARD = TenantContext.of("silver");
    static final TenantContext PREMIUM = TenantContext.of("gold").withTier(Tier.PREMIUM);

    final Gov.ManualClock clock = new Gov.ManualClock(Gov.T0);
    final Gov.ManualTicker ticker = new Gov.ManualTicker();

    Governance governance(FairShare fairShare) {
        return governance(PolicySet.of(TenantPolicy.EMPTY), fairShare);
    }

    Governance governance(PolicySet policies, FairShare fairShare) {
        Governance.Builder b = Governance.builder().policies(policies).priceCatalog(Gov.PRICES).clock(clock)
                .ticker(ticker);
        return fairShare == null ? b.build() : b.fairShare(fairShare).build();
    }

    /** Capacity 10,000 tokens per minute, no headroom: the numbers stay round. */
    static FairShare.Builder tenThousand() {
        return FairShare.builder().capacity(Gov.SOURCE, 10_000).headroom(BigDecimal.ZERO);
    }

    /** Admits a call of 1,000 estimated tokens (200 input + 800 output) and releases it at that usage. */
    static void use(Governance g, TenantContext tenant, int calls) {
        for (int i = 0; i < calls; i++) {
            Permit p = g.admit(tenant, request(200, 800), profile(tenant));
            p.release(List.of(attempt(tenant, TokenUsage.of(200, 800))));
        }
    }

    static UsageRecord throttled(TenantContext tenant, String code) {
        return attempt(tenant, TokenUsage.ZERO).toBuilder().outcome(Outcome.THROTTLED).errorCode(code).build();
    }

    static FairShareSnapshot.ModelState model(Governance g) {
        return g.fairShare().model(Gov.SOURCE, Gov.REGION).orElseThrow();
    }

    static long capacity(Governance g) {
        return model(g).capacityTokensPerMinute().orElseThrow();
    }

    @Test
    void admit_modelWithinItsCapacity_admitsATenantFarAboveItsShare() {
        Governance g = governance(tenThousand().build());
        use(g, STANDARD, 1);

        use(g, BASIC, 9);

        assertThat(model(g).recentTokens()).isEqualTo(10_000);
        assertThat(model(g).shed()).isZero();
    }

    @Test
    void admit_congestedAndTenantAboveItsShare_refusesWithTheTypedFairShareError() {
        Governance g = governance(tenThousand().build());
        use(g, BASIC, 6);                              // at 0 s: 6,000
        ticker.advance(Duration.ofSeconds(10));
        use(g, STANDARD, 4);                           // at 10 s: 4,000; the model is full
        ticker.advance(Duration.ofSeconds(10));

        Decision d = g.tryAdmit(BASIC, request(200, 800), profile(BASIC));

        // Shares of 10,000 between a basic (weight 1) and a standard (weight 2) tenant: 3,333 and 6,666.
        assertThat(d.refusal()).isInstanceOfSatisfying(RateLimitExceededException.class, e -> {
            assertThat(e.limitName()).isEqualTo("fair-share");
            assertThat(e.tenant()).contains(BASIC.id());
            assertThat(e.retryable()).isTrue();
            assertThat(e.limit()).isEqualTo(3_333);
            assertThat(e.remaining()).isZero();
            // Its 6,000 of second 0 leave the 61-second window at 61 s, 41 s from now.
            assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(41));
            assertThat(e.getMessage()).contains("bronze", "basic", "3333", "10000", Gov.SOURCE);
        });
        assertThat(d.retryAfter()).contains(Duration.ofSeconds(41));
        FairShareSnapshot.ModelState m = model(g);
        assertThat(m.recentTokens()).as("the refused call left nothing").isEqualTo(10_000);
        assertThat(m.shed()).isEqualTo(1);
        assertThat(m.tenant(BASIC.id()).orElseThrow().shed()).isEqualTo(1);
        assertThat(m.tenant(BASIC.id()).orElseThrow().shareTokensPerMinute()).hasValue(3_333);
        assertThat(m.tenant(STANDARD.id()).orElseThrow().shareTokensPerMinute()).hasValue(6_666);
    }

    @Test
    void admit_congestedModel_tenantWithinItsShareIsStillAdmitted() {
        Governance g = governance(tenThousand().build());
        use(g, BASIC, 10);

        Decision d = g.tryAdmit(STANDARD, request(200, 800), profile(STANDARD));

        assertThat(d.admitted()).isTrue();
        assertThat(g.tryAdmit(BASIC, request(200, 800), profile(BASIC)).admitted()).isFalse();
        d.permit().release(List.of());
    }

    @Test
    void admit_retryAfter_isWhenTheModelHasRoomIfThatComesBeforeTheTenantsShare() {
        Governance g = governance(tenThousand().build());
        use(g, STANDARD, 6);                           // at 0 s: the standard tenant's 6,000
        ticker.advance(Duration.ofSeconds(30));
        use(g, BASIC, 4);                              // at 30 s: the basic tenant's 4,000
        ticker.advance(Duration.ofSeconds(10));

        Decision d = g.tryAdmit(BASIC, request(200, 800), profile(BASIC));

        // The basic tenant waits for its own 4,000 (leaving at 91 s) only if the model had no room before: the
        // standard tenant's 6,000 leave at 61 s, 21 s from now, and then the model is within its capacity.
        assertThat(d.retryAfter()).contains(Duration.ofSeconds(21));
        ticker.advance(Duration.ofSeconds(21));
        assertThat(g.tryAdmit(BASIC, request(200, 800), profile(BASIC)).admitted()).isTrue();
    }

    @Test
    void admit_tenantWithNothingInTheWindow_isAdmittedEvenWhenCongested() {
        Governance g = governance(tenThousand().build());
        use(g, STANDARD, 10);

        Decision d = g.tryAdmit(BASIC, request(1_000, 4_000), profile(BASIC));

        assertThat(d.admitted()).isTrue();
        d.permit().release(List.of());
        assertThat(model(g).recentTokens()).isEqualTo(10_000);
    }

    @Test
    void admit_reservedShareOfPremium_holdsAgainstManyLowerTenants() {
        Governance g = governance(tenThousand().build());
        List<TenantContext> basics = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            TenantContext b = TenantContext.of("b" + i).withTier(Tier.BASIC);
            basics.add(b);
            use(g, b, 1);
        }
        use(g, PREMIUM, 2);

        // By weight premium would get 4/12 = 3,333; its reserved 30 % is 3,000, so weight wins here. With 16 basic
        // tenants it would get 4/20 = 2,000, and the reservation lifts it to 3,000.
        assertThat(model(g).tenant(PREMIUM.id()).orElseThrow().shareTokensPerMinute()).hasValue(3_333);
        for (int i = 8; i < 16; i++) {
            TenantContext b = TenantContext.of("b" + i).withTier(Tier.BASIC);
            basics.add(b);
            g.tryAdmit(b, request(200, 800), profile(b));
        }
        assertThat(model(g).tenant(PREMIUM.id()).orElseThrow().shareTokensPerMinute()).hasValue(3_000);
        assertThat(g.tryAdmit(PREMIUM, request(200, 800), profile(PREMIUM)).admitted()).isTrue();
    }

    @Test
    void release_burstOfFiftyThrottles_decreasesTheEstimateOnce() {
        Governance g = governance(FairShare.builder().capacity(Gov.SOURCE, 100_000).build());
        List<Permit> permits = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            permits.add(g.admit(STANDARD, request(200, 800), profile(STANDARD)));
        }

        for (Permit p : permits) {
            p.release(List.of(throttled(STANDARD, "ThrottlingException")));
        }

        FairShareSnapshot.ModelState m = model(g);
        assertThat(m.throttles()).isEqualTo(50);
        assertThat(m.capacityDecreases()).isEqualTo(1);
        // β × min(estimate 100,000, the 50,000 in the window when the first throttle came) = 35,000.
        assertThat(m.capacityTokensPerMinute()).hasValue(35_000);
        assertThat(m.recentTokens()).isZero();
    }

    @Test
    void release_throttleAfterTheCooldown_decreasesAgainButNotWhileUseIsStillAboveTheEstimate() {
        Governance g = governance(FairShare.builder().capacity(Gov.SOURCE, 100_000).build());
        use(g, STANDARD, 40);
        Permit first = g.admit(STANDARD, request(200, 800), profile(STANDARD));
        first.release(List.of(throttled(STANDARD, "ThrottlingException")));
        assertThat(capacity(g)).isEqualTo(28_700);      // 0.7 × 41,000

        ticker.advance(Duration.ofSeconds(6));          // past the cooldown, but 40,000 are still in the minute
        Permit second = g.admit(PREMIUM, request(200, 800), profile(PREMIUM));
        second.release(List.of(throttled(PREMIUM, "ThrottlingException")));
        assertThat(capacity(g)).isEqualTo(28_700);
        assertThat(model(g).capacityDecreases()).isEqualTo(1);

        ticker.advance(Duration.ofSeconds(60));          // the minute has drained
        use(g, STANDARD, 5);
        Permit third = g.admit(STANDARD, request(200, 800), profile(STANDARD));
        third.release(List.of(throttled(STANDARD, "ThrottlingException")));
        // The estimate grew by 4 × 5,000 in the 60 s (15 s intervals), to 48,700; the window held 6,000.
        assertThat(capacity(g)).isEqualTo(4_200);
        assertThat(model(g).capacityDecreases()).isEqualTo(2);
    }

    @Test
    void capacity_withoutThrottles_growsByTheAdditiveIncreasePerIntervalUpToTheConfiguredCapacity() {
        Governance g = governance(FairShare.builder().capacity(Gov.SOURCE, 100_000).additiveIncrease(10_000)
                .build());
        use(g, STANDARD, 50);
        g.admit(STANDARD, request(200, 800), profile(STANDARD))
                .release(List.of(throttled(STANDARD, "ThrottlingException")));
        assertThat(capacity(g)).isEqualTo(35_700);      // 0.7 × 51,000

        ticker.advance(Duration.ofSeconds(14));
        assertThat(capacity(g)).isEqualTo(35_700);
        ticker.advance(Duration.ofSeconds(1));
        assertThat(capacity(g)).isEqualTo(45_700);
        ticker.advance(Duration.ofSeconds(45));
        assertThat(capacity(g)).isEqualTo(75_700);
        ticker.advance(Duration.ofMinutes(10));
        assertThat(capacity(g)).isEqualTo(100_000);
    }

    @Test
    void release_modelNotReady_isNotACapacitySignal() {
        Governance g = governance(FairShare.builder().capacity(Gov.SOURCE, 100_000).build());
        Permit p = g.admit(STANDARD, request(200, 800), profile(STANDARD));

        p.release(List.of(throttled(STANDARD, "ModelNotReadyException")));

        assertThat(model(g).throttles()).isZero();
        assertThat(capacity(g)).isEqualTo(100_000);
    }

    @Test
    void release_inStreamThrottlingException_isACapacitySignal() {
        Governance g = governance(FairShare.builder().capacity(Gov.SOURCE, 100_000).build());
        Permit p = g.admit(STANDARD, request(200, 800), profile(STANDARD));

        p.release(List.of(attempt(STANDARD, TokenUsage.ZERO).toBuilder().outcome(Outcome.STREAM_INTERRUPTED)
                .errorCode("ThrottlingException").build()));

        assertThat(model(g).throttles()).isEqualTo(1);
        assertThat(model(g).capacityDecreases()).isEqualTo(1);
    }

    @Test
    void release_noCapacityConfigured_firstThrottleSetsTheEstimateFromTheObservedLoad() {
        Governance g = governance(FairShare.defaults());
        use(g, STANDARD, 20);
        assertThat(model(g).capacityTokensPerMinute()).isEmpty();
        assertThat(model(g).congested()).isFalse();

        g.admit(STANDARD, request(200, 800), profile(STANDARD))
                .release(List.of(throttled(STANDARD, "ThrottlingException")));

        assertThat(capacity(g)).isEqualTo(14_700);      // 0.7 × 21,000
        assertThat(model(g).configuredCapacityTokensPerMinute()).isEmpty();
    }

    @Test
    void admit_refusedByTheBudgetAfterFairShare_givesBackTheFairShareReservation() {
        // Each call may cost up to 0.0042 USD (200 input at 1 USD, 800 output at 5 USD per million).
        PolicySet policies = PolicySet.of(TenantPolicy.builder().budget(Gov.monthly("0.006")).build());
        Governance g = governance(policies, tenThousand().build());
        Permit held = g.admit(STANDARD, request(200, 800), profile(STANDARD));

        Decision d = g.tryAdmit(STANDARD, request(200, 800), profile(STANDARD));

        assertThat(d.refusal()).isInstanceOf(BudgetExceededException.class);
        assertThat(model(g).recentTokens()).isEqualTo(1_000);
        assertThat(model(g).tenant(STANDARD.id()).orElseThrow().recentTokens()).isEqualTo(1_000);
        held.release(List.of());
    }

    @Test
    void admit_refusedByFairShare_givesBackTheTokenBucketAndTheSlot() {
        PolicySet policies = PolicySet.of(TenantPolicy.builder().tokensPerMinute(100_000L).maxConcurrentCalls(5)
                .build());
        Governance g = governance(policies, tenThousand().build());
        use(g, STANDARD, 4);
        use(g, BASIC, 6);
        long tokensBefore = g.availableTokens(BASIC);

        Decision d = g.tryAdmit(BASIC, request(200, 800), profile(BASIC));

        assertThat(d.refusal()).isInstanceOfSatisfying(RateLimitExceededException.class,
                e -> assertThat(e.limitName()).isEqualTo("fair-share"));
        assertThat(g.availableTokens(BASIC)).isEqualTo(tokensBefore);
        assertThat(g.inFlight(BASIC.id())).isZero();
        assertThat(g.openPermits()).isZero();
    }

    @Test
    void admit_afterASettlementAboveTheEstimateInAnEarlierSecond_seesTheModelCongested() {
        Governance g = governance(tenThousand().build());
        Permit held = g.admit(STANDARD, request(200, 800), profile(STANDARD));     // second 0: 1,000 reserved
        ticker.advance(Duration.ofSeconds(1));
        use(g, BASIC, 4);                                                          // second 1: 4,000

        held.release(List.of(attempt(STANDARD, TokenUsage.of(1_000, 7_000))));     // second 0 now holds 8,000

        assertThat(g.tryAdmit(BASIC, request(200, 800), profile(BASIC)).refusal())
                .isInstanceOf(RateLimitExceededException.class);
        assertThat(model(g).recentTokens()).isEqualTo(12_000);
    }

    @Test
    void release_settlesTheReservationToTheRealTokens() {
        Governance g = governance(tenThousand().build());
        Permit p = g.admit(STANDARD, request(200, 800), profile(STANDARD));
        assertThat(model(g).recentTokens()).isEqualTo(1_000);

        p.release(List.of(attempt(STANDARD, TokenUsage.of(210, 30)), attempt(STANDARD, TokenUsage.of(210, 90))));

        assertThat(model(g).recentTokens()).isEqualTo(540);
        assertThat(model(g).tenant(STANDARD.id()).orElseThrow().recentTokens()).isEqualTo(540);
    }

    @Test
    void release_attemptThatFailedOverToAnotherModel_countsThereAndFreesTheFirstModel() {
        Governance g = governance(tenThousand().capacity("other.model-v1:0", 10_000).build());
        Permit p = g.admit(STANDARD, request(200, 800), profile(STANDARD));
        ticker.advance(Duration.ofSeconds(2));

        p.release(List.of(throttled(STANDARD, "ThrottlingException"),
                attempt(STANDARD, TokenUsage.of(100, 300)).toBuilder().sourceModelId("other.model-v1:0").build()));

        FairShareSnapshot snapshot = g.fairShare();
        assertThat(snapshot.model(Gov.SOURCE, Gov.REGION).orElseThrow().recentTokens()).isZero();
        assertThat(snapshot.model(Gov.SOURCE, Gov.REGION).orElseThrow().throttles()).isEqualTo(1);
        FairShareSnapshot.ModelState other = snapshot.model("other.model-v1:0", Gov.REGION).orElseThrow();
        assertThat(other.recentTokens()).isEqualTo(400);
        assertThat(other.throttles()).isZero();
        assertThat(other.tenant(STANDARD.id()).orElseThrow().recentTokens()).isEqualTo(400);
    }

    @Test
    void sweep_expiredLease_keepsTheReservationInTheWindow() {
        Governance g = Governance.builder().policies(PolicySet.of(TenantPolicy.EMPTY)).clock(clock).ticker(ticker)
                .lease(Duration.ofSeconds(30)).fairShare(tenThousand().build()).build();
        g.admit(STANDARD, request(200, 800), profile(STANDARD));
        clock.advance(Duration.ofSeconds(31));

        assertThat(g.sweep()).isEqualTo(1);

        assertThat(model(g).recentTokens()).isEqualTo(1_000);
    }

    @Test
    void window_tokensOlderThanAMinute_leaveIt() {
        Governance g = governance(tenThousand().build());
        use(g, STANDARD, 3);
        ticker.advance(Duration.ofSeconds(60));
        assertThat(model(g).recentTokens()).isEqualTo(3_000);

        ticker.advance(Duration.ofSeconds(1));

        assertThat(model(g).recentTokens()).isZero();
        assertThat(model(g).tenant(STANDARD.id()).orElseThrow().shareTokensPerMinute()).isEmpty();
    }

    @Test
    void fairShare_notConfigured_countsNothingAndSaysSo() {
        Governance g = governance(null);
        use(g, STANDARD, 3);

        assertThat(g.fairShare().enabled()).isFalse();
        assertThat(g.fairShare().models()).isEmpty();
        assertThat(g.fairShare()).hasToString("fair share: off");
    }

    @Test
    void fairShare_fromThePolicySet_winsOverTheBuildersAndFollowsAReload() {
        PolicyStore store = PolicyStore.of(PolicySet.builder().fairShare(tenThousand().build()).build());
        Governance g = Governance.builder().policies(store).clock(clock).ticker(ticker)
                .fairShare(FairShare.builder().capacity(Gov.SOURCE, 50_000).build()).build();
        use(g, STANDARD, 1);
        assertThat(model(g).configuredCapacityTokensPerMinute()).hasValue(10_000);

        store.replace(PolicySet.of(TenantPolicy.EMPTY));

        assertThat(model(g).configuredCapacityTokensPerMinute()).hasValue(50_000);
        assertThat(model(g).recentTokens()).as("the window survives the reload").isEqualTo(1_000);
    }

    @Test
    void snapshot_printsOneLinePerModelAndTenant() {
        Governance g = governance(tenThousand().build());
        use(g, STANDARD, 7);
        use(g, BASIC, 3);
        g.tryAdmit(PREMIUM, request(200, 800), profile(PREMIUM));
        g.tryAdmit(BASIC, request(200, 800), profile(BASIC));

        String text = g.fairShare().toString();

        assertThat(text.lines()).hasSize(4);
        assertThat(text).contains(Gov.SOURCE + " @ " + Gov.REGION, "capacity 10000/10000 tpm", "used 11000",
                "CONGESTED", "shed 1");
        // Weights 4 + 2 + 1 active: the basic tenant's share is 10,000 / 7.
        assertThat(text.lines().skip(1)).anySatisfy(l -> assertThat(l).contains("bronze", "basic", "w1",
                "used 3000", "share 1428", "shed 1"));
    }

    @Test
    void admit_modelsAreSeparateQuotas() {
        Governance g = governance(tenThousand().capacity("other.model-v1:0", 10_000).build());
        use(g, BASIC, 10);

        Decision other = g.tryAdmit(BASIC, request(200, 800), profile(BASIC, "other.model-v1:0"));

        assertThat(other.admitted()).isTrue();
        assertThat(g.fairShare().models()).hasSize(2);
    }

    @Test
    void builder_invalidSettings_areConfigurationErrors() {
        assertThatThrownBy(() -> FairShare.builder().reservedShare(Tier.STANDARD, new BigDecimal("0.8")).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("add up to 1.10");
        assertThatThrownBy(() -> FairShare.builder().weight(Tier.BASIC, 0))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("weight of tier basic");
        assertThatThrownBy(() -> FairShare.builder().decrease(BigDecimal.ONE))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("decrease");
        assertThatThrownBy(() -> FairShare.builder().headroom(new BigDecimal("-0.1")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("headroom");
        assertThatThrownBy(() -> FairShare.builder().cooldown(Duration.ZERO))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("cooldown");
        assertThatThrownBy(() -> FairShare.builder().capacity("m", 500).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("minimumCapacity");
        assertThatThrownBy(() -> FairShare.builder().capacity("m@x", 5_000))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("'@'");
        assertThatThrownBy(() -> Governance.builder().fairShare(FairShare.defaults()).fairShare(FairShare.defaults()))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("fairShare was already set to");
    }

    @Test
    void settings_capacityLookup_prefersModelAtRegionThenModelThenDefault() {
        FairShare f = FairShare.builder().defaultCapacity(1_000).capacity("m", 2_000).capacity("m", "eu-west-1", 3_000)
                .build();

        assertThat(f.capacity("m", "eu-west-1")).hasValue(3_000);
        assertThat(f.capacity("m", "us-east-1")).hasValue(2_000);
        assertThat(f.capacity("n", "us-east-1")).hasValue(1_000);
        assertThat(FairShare.defaults().capacity("n", "us-east-1")).isEmpty();
        assertThat(FairShare.defaults().weight(Tier.of("gold-plus"))).isEqualTo(FairShare.DEFAULT_WEIGHT);
        assertThat(f.toBuilder().build().capacities()).isEqualTo(f.capacities());
    }
}
