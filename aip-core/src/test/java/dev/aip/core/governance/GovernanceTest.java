package dev.aip.core.governance;

import static dev.aip.core.governance.Gov.ACME;
import static dev.aip.core.governance.Gov.T0;
import static dev.aip.core.governance.Gov.attempt;
import static dev.aip.core.governance.Gov.cost;
import static dev.aip.core.governance.Gov.monthly;
import static dev.aip.core.governance.Gov.profile;
import static dev.aip.core.governance.Gov.request;
import static dev.aip.core.governance.Gov.usd;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.BudgetExceededException;
import dev.aip.core.ConfigurationException;
import dev.aip.core.PolicyViolationException;
import dev.aip.core.RateLimitExceededException;
import dev.aip.core.chat.Admission.Permit;
import dev.aip.core.chat.AdmissionRequest;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.metering.Cost;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import dev.aip.core.profile.ResolvedProfile;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GovernanceTest {

    private final Gov.ManualClock clock = new Gov.ManualClock(T0);
    private final Gov.ManualTicker ticker = new Gov.ManualTicker();
    private final List<BudgetAlert> alerts = new ArrayList<>();

    private Governance governance(TenantPolicy policy) {
        return governance(PolicyStore.of(PolicySet.of(policy)));
    }

    private Governance governance(PolicyStore store) {
        return Governance.builder().policies(store).priceCatalog(Gov.PRICES).clock(clock).ticker(ticker)
                .budgetListener(alerts::add).lease(Duration.ofMinutes(10)).build();
    }

    private static Permit admit(Governance g, AdmissionRequest request) {
        return g.admit(ACME, request, profile(ACME));
    }

    private static void assertNothingHeld(Governance g) {
        assertThat(g.inFlight(ACME.id())).isZero();
        assertThat(g.openPermits()).isZero();
        assertThat(g.budgetUsage(ACME).reservedUsd()).isEqualByComparingTo("0");
    }

    // --- model policy ---------------------------------------------------------------------------------------

    @Test
    void admit_modelNotAllowed_throwsPolicyViolationNotRetryable() {
        Governance g = governance(TenantPolicy.builder().allowedModels("haiku").maxConcurrentCalls(1).build());

        assertThatThrownBy(() -> admit(g, request("sonnet", 10, 10)))
                .isInstanceOfSatisfying(PolicyViolationException.class, e -> {
                    assertThat(e.rule()).isEqualTo("allowed-models");
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.tenant()).contains(ACME.id());
                    assertThat(e.getMessage()).contains("sonnet", "haiku");
                });
        assertNothingHeld(g);
    }

    @Test
    void admit_profileArnNamedDirectly_isAllowedByTheLogicalModelItServes() {
        Governance g = governance(TenantPolicy.builder().allowedModels(Gov.MODEL).build());
        ResolvedProfile own = profile(ACME);

        g.admit(ACME, request(own.profileArn(), 10, 10), own).release(List.of());
        ResolvedProfile other = new ResolvedProfile(ACME.id(), "sonnet", own.profileArn() + "x", own.profileId() + "x",
                own.sourceModelId(), own.region(), false);
        assertThatThrownBy(() -> g.admit(ACME, request(other.profileArn(), 10, 10), other))
                .isInstanceOfSatisfying(PolicyViolationException.class,
                        e -> assertThat(e.rule()).isEqualTo("allowed-models"));

        assertNothingHeld(g);
    }

    @Test
    void admit_anyModelWildcard_admits() {
        Governance g = governance(TenantPolicy.builder().allowedModels("*").build());

        admit(g, request("sonnet", 10, 10)).release(List.of());

        assertNothingHeld(g);
    }

    @Test
    void admit_maxTokensAboveCap_throwsPolicyViolationNamingTheCap() {
        Governance g = governance(TenantPolicy.builder().maxOutputTokens(500).build());

        assertThatThrownBy(() -> admit(g, request(10, 501)))
                .isInstanceOfSatisfying(PolicyViolationException.class, e -> {
                    assertThat(e.rule()).isEqualTo("max-output-tokens");
                    assertThat(e.getMessage()).contains("500", "501");
                });
        admit(g, request(10, 500)).release(List.of());
    }

    @Test
    void admit_withoutMaxTokens_reservesThePolicyCapAsOutput() {
        Governance g = governance(TenantPolicy.builder().maxOutputTokens(300).tokensPerMinute(10_000L).build());

        Permit permit = admit(g, request(100, null));

        assertThat(g.availableTokens(ACME)).isEqualTo(10_000 - 100 - 300);
        permit.release(List.of());
    }

    @Test
    void admit_withoutMaxTokensOrCap_reservesTheDefaultOutput() {
        Governance g = governance(TenantPolicy.builder().tokensPerMinute(10_000L).build());

        Permit permit = admit(g, request(100, null));

        assertThat(g.availableTokens(ACME)).isEqualTo(10_000 - 100 - 4096);
        permit.release(List.of());
    }

    // --- concurrency ----------------------------------------------------------------------------------------

    @Test
    void admit_atConcurrencyCap_throwsRetryableRateLimitUntilACallEnds() {
        Governance g = governance(TenantPolicy.builder().maxConcurrentCalls(2).build());
        Permit first = admit(g, request(10, 10));
        admit(g, request(10, 10));

        assertThatThrownBy(() -> admit(g, request(10, 10)))
                .isInstanceOfSatisfying(RateLimitExceededException.class, e -> {
                    assertThat(e.limitName()).isEqualTo("concurrent-calls");
                    assertThat(e.limit()).isEqualTo(2);
                    assertThat(e.remaining()).isZero();
                    assertThat(e.retryAfter()).isPositive();
                    assertThat(e.retryable()).isTrue();
                });
        assertThat(g.inFlight(ACME.id())).isEqualTo(2);

        first.release(List.of());

        assertThat(g.inFlight(ACME.id())).isEqualTo(1);
        admit(g, request(10, 10));
        assertThat(g.inFlight(ACME.id())).isEqualTo(2);
    }

    // --- request rate ---------------------------------------------------------------------------------------

    @Test
    void admit_requestRateExhausted_throwsWithRemainingAndRetryAfterThenRefills() {
        Governance g = governance(TenantPolicy.builder().requestsPerMinute(2L).build());
        admit(g, request(1, 1)).release(List.of());
        admit(g, request(1, 1)).release(List.of());

        assertThatThrownBy(() -> admit(g, request(1, 1)))
                .isInstanceOfSatisfying(RateLimitExceededException.class, e -> {
                    assertThat(e.limitName()).isEqualTo("requests-per-minute");
                    assertThat(e.limit()).isEqualTo(2);
                    assertThat(e.remaining()).isZero();
                    assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(30));
                    assertThat(e.retryable()).isTrue();
                    assertThat(e.getMessage()).contains("2 requests per minute");
                });

        ticker.advance(Duration.ofSeconds(30));
        admit(g, request(1, 1)).release(List.of());
    }

    // --- token rate -----------------------------------------------------------------------------------------

    @Test
    void admit_tokenRateExhausted_refusesAndGivesBackTheSlotAndTheRequest() {
        Governance g = governance(TenantPolicy.builder().tokensPerMinute(500L).requestsPerMinute(10L)
                .maxConcurrentCalls(5).build());
        admit(g, request(100, 100));
        admit(g, request(100, 100));

        assertThatThrownBy(() -> admit(g, request(100, 100)))
                .isInstanceOfSatisfying(RateLimitExceededException.class, e -> {
                    assertThat(e.limitName()).isEqualTo("tokens-per-minute");
                    assertThat(e.limit()).isEqualTo(500);
                    assertThat(e.remaining()).isEqualTo(100);
                    assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(12));
                });
        assertThat(g.inFlight(ACME.id())).isEqualTo(2);
        assertThat(g.availableRequests(ACME)).isEqualTo(8);
        assertThat(g.availableTokens(ACME)).isEqualTo(100);
    }

    @Test
    void release_usedLessThanReserved_refundsTheDifference() {
        Governance g = governance(TenantPolicy.builder().tokensPerMinute(1000L).build());
        Permit permit = admit(g, request(100, 400));
        assertThat(g.availableTokens(ACME)).isEqualTo(500);

        permit.release(List.of(attempt(ACME, TokenUsage.of(90, 60))));

        assertThat(g.availableTokens(ACME)).isEqualTo(1000 - 150);
    }

    @Test
    void release_usedMoreThanReserved_debitsTheExtraSoLaterCallsWait() {
        Governance g = governance(TenantPolicy.builder().tokensPerMinute(1000L).build());
        Permit permit = admit(g, request(100, 100));

        permit.release(List.of(attempt(ACME, new TokenUsage(300, 600, 200, 100))));

        assertThat(g.availableTokens(ACME)).isEqualTo(1000 - 1200);
        assertThatThrownBy(() -> admit(g, request(1, 1)))
                .isInstanceOfSatisfying(RateLimitExceededException.class,
                        e -> assertThat(e.retryAfter()).isGreaterThan(Duration.ofSeconds(12)));
    }

    @Test
    void release_severalAttempts_settlesTheirSum() {
        Governance g = governance(TenantPolicy.builder().tokensPerMinute(1000L).budget(monthly("1")).build());
        Permit permit = admit(g, request(100, 100));

        permit.release(List.of(attempt(ACME, TokenUsage.of(100, 0)), attempt(ACME, TokenUsage.of(100, 50))));

        assertThat(g.availableTokens(ACME)).isEqualTo(1000 - 250);
        assertThat(g.budgetUsage(ACME).spentUsd()).isEqualByComparingTo(cost(200, 50));
    }

    @Test
    void release_withoutAttempts_refundsEverything() {
        Governance g = governance(TenantPolicy.builder().tokensPerMinute(1000L).budget(monthly("1")).build());

        admit(g, request(100, 100)).release(List.of());

        assertThat(g.availableTokens(ACME)).isEqualTo(1000);
        assertThat(g.budgetUsage(ACME)).isEqualTo(new BudgetStore.Usage(BigDecimal.ZERO, BigDecimal.ZERO, 0));
    }

    @Test
    void admit_callLargerThanTheWholeTokenLimit_isAPolicyViolationNotARetry() {
        Governance g = governance(TenantPolicy.builder().tokensPerMinute(1000L).maxConcurrentCalls(1).build());

        assertThatThrownBy(() -> admit(g, request(600, 500)))
                .isInstanceOfSatisfying(PolicyViolationException.class,
                        e -> assertThat(e.rule()).isEqualTo("tokens-per-minute"));
        assertNothingHeld(g);
    }

    // --- budget ---------------------------------------------------------------------------------------------

    @Test
    void admit_reservesTheWorstCaseAtTheHighestInputPrice() {
        var prices = Gov.PRICES.withOverride(new dev.aip.core.pricing.ModelPrice(Gov.SOURCE, "*", BigDecimal.ONE,
                new BigDecimal("5"), new BigDecimal("0.1"), new BigDecimal("1.25")));
        Governance g = Governance.builder().policies(PolicySet.of(TenantPolicy.builder().budget(monthly("1"))
                .build())).priceCatalog(prices).clock(clock).ticker(ticker).build();

        admit(g, request(1000, 100));

        assertThat(g.budgetUsage(ACME).reservedUsd()).isEqualByComparingTo("0.00175");
    }

    @Test
    void release_settlesTheBudgetToTheRealCost() {
        Governance g = governance(TenantPolicy.builder().budget(monthly("1")).build());
        Permit permit = admit(g, request(100, 100));
        assertThat(g.budgetUsage(ACME).reservedUsd()).isEqualByComparingTo("0.0006");

        permit.release(List.of(attempt(ACME, TokenUsage.of(80, 20))));

        assertThat(g.budgetUsage(ACME)).satisfies(u -> {
            assertThat(u.spentUsd()).isEqualByComparingTo("0.00018");
            assertThat(u.reservedUsd()).isEqualByComparingTo("0");
            assertThat(u.openReservations()).isZero();
        });
    }

    @Test
    void release_calledTwice_settlesOnce() {
        Governance g = governance(TenantPolicy.builder().budget(monthly("1")).maxConcurrentCalls(3)
                .tokensPerMinute(1000L).build());
        Permit permit = admit(g, request(100, 100));
        List<UsageRecord> attempts = List.of(attempt(ACME, TokenUsage.of(100, 100)));

        permit.release(attempts);
        permit.release(attempts);

        assertThat(g.budgetUsage(ACME).spentUsd()).isEqualByComparingTo("0.0006");
        assertThat(g.availableTokens(ACME)).isEqualTo(800);
        assertNothingHeld(g);
    }

    @Test
    void admit_budgetHeadroomTooSmall_throwsBudgetExceededAndGivesBackEverything() {
        clock.set(Instant.parse("2026-03-31T20:00:00Z"));
        Governance g = governance(TenantPolicy.builder().budget(monthly("0.001", ZoneId.of("Europe/Berlin")))
                .maxConcurrentCalls(5).requestsPerMinute(10L).tokensPerMinute(10_000L).build());
        Permit first = admit(g, request(100, 100));

        assertThatThrownBy(() -> admit(g, request(100, 100)))
                .isInstanceOfSatisfying(BudgetExceededException.class, e -> {
                    assertThat(e.limitName()).isEqualTo("budget-usd");
                    assertThat(e.period()).isEqualTo("2026-03");
                    assertThat(e.limit()).isEqualByComparingTo("0.001");
                    assertThat(e.remaining()).isEqualByComparingTo("0.0004");
                    assertThat(e.requested()).isEqualByComparingTo("0.0006");
                    // Midnight of April 1st in Berlin (summer time) is 22:00 UTC.
                    assertThat(e.retryAfter()).isEqualTo(Duration.ofHours(2));
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.getMessage()).contains("0.0004", "0.001");
                });
        assertThat(g.inFlight(ACME.id())).isEqualTo(1);
        assertThat(g.availableRequests(ACME)).isEqualTo(9);
        assertThat(g.availableTokens(ACME)).isEqualTo(10_000 - 200);
        assertThat(g.budgetUsage(ACME).reservedUsd()).isEqualByComparingTo("0.0006");

        first.release(List.of(attempt(ACME, TokenUsage.of(100, 10))));
        admit(g, request(100, 100));
    }

    @Test
    void admit_headroomExactlyTheWorstCase_admits() {
        Governance g = governance(TenantPolicy.builder().budget(monthly("0.0012")).build());

        admit(g, request(100, 100));
        admit(g, request(100, 100));

        assertThat(g.budgetUsage(ACME).reservedUsd()).isEqualByComparingTo("0.0012");
        assertThatThrownBy(() -> admit(g, request(1, 1))).isInstanceOf(BudgetExceededException.class);
    }

    @Test
    void admit_worstCaseAboveTheWholeBudget_isAPolicyViolation() {
        Governance g = governance(TenantPolicy.builder().budget(monthly("0.0001")).build());

        assertThatThrownBy(() -> admit(g, request(100, 100)))
                .isInstanceOfSatisfying(PolicyViolationException.class,
                        e -> assertThat(e.rule()).isEqualTo("budget-usd"));
    }

    @Test
    void admit_budgetedModelWithoutPrice_isRefusedNotFreeOfCharge() {
        Governance g = governance(TenantPolicy.builder().budget(monthly("1")).maxConcurrentCalls(1).build());

        assertThatThrownBy(() -> g.admit(ACME, request(10, 10), profile(ACME, "unknown.model-v9")))
                .isInstanceOfSatisfying(PolicyViolationException.class,
                        e -> assertThat(e.getMessage()).contains("unknown.model-v9", "no price"));
        assertNothingHeld(g);
    }

    @Test
    void release_recordWithoutCost_isRepricedFromTheCatalog() {
        Governance g = governance(TenantPolicy.builder().budget(monthly("1")).build());
        Permit permit = admit(g, request(100, 100));
        UsageRecord unpriced = attempt(ACME, TokenUsage.of(50, 10)).toBuilder().cost(Cost.unknownModel("other"))
                .build();

        permit.release(List.of(unpriced));

        assertThat(g.budgetUsage(ACME).spentUsd()).isEqualByComparingTo(cost(50, 10));
    }

    @Test
    void release_recordThatCannotBePriced_isChargedItsReservation() {
        Governance g = governance(TenantPolicy.builder().budget(monthly("1")).build());
        Permit permit = admit(g, request(100, 100));
        UsageRecord unpriceable = attempt(ACME, TokenUsage.of(50, 10)).toBuilder().sourceModelId("mystery.model")
                .cost(Cost.unknownModel("other")).build();

        permit.release(List.of(unpriceable));

        assertThat(g.budgetUsage(ACME).spentUsd()).isEqualByComparingTo("0.0006");
    }

    @Test
    void release_callEndingInTheNextPeriod_settlesInThePeriodItWasAdmittedIn() {
        clock.set(Instant.parse("2026-03-31T23:59:00Z"));
        Governance g = governance(TenantPolicy.builder().budget(monthly("0.001")).build());
        Permit permit = admit(g, request(100, 100));
        clock.set(Instant.parse("2026-04-01T00:01:00Z"));

        assertThat(g.budgetUsage(ACME)).isEqualTo(BudgetStore.Usage.NONE);
        permit.release(List.of(attempt(ACME, TokenUsage.of(100, 100))));

        assertThat(g.budgetUsage(ACME)).isEqualTo(BudgetStore.Usage.NONE);
        admit(g, request(100, 100));
        assertThat(g.budgetUsage(ACME).reservedUsd()).isEqualByComparingTo("0.0006");
    }

    @Test
    void release_crossingThresholds_firesEachOnceOnSettledSpendOnly() {
        Governance g = governance(TenantPolicy.builder().budget(monthly("0.001")).build());
        Permit a = admit(g, request(100, 100));
        assertThat(alerts).isEmpty();

        a.release(List.of(attempt(ACME, TokenUsage.of(300, 100))));      // 0.0008: 80 %
        assertThat(alerts).extracting(BudgetAlert::threshold).containsExactly(new BigDecimal("0.8"));

        admit(g, request(10, 10)).release(List.of(attempt(ACME, TokenUsage.of(10, 10))));   // 0.00086
        assertThat(alerts).hasSize(1);

        admit(g, request(10, 10)).release(List.of(attempt(ACME, TokenUsage.of(40, 20))));   // 0.001: 100 %
        assertThat(alerts).extracting(BudgetAlert::threshold)
                .containsExactly(new BigDecimal("0.8"), BigDecimal.ONE);
        assertThat(alerts.get(1)).satisfies(alert -> {
            assertThat(alert.key().tenant()).isEqualTo(ACME.id());
            assertThat(alert.key().period()).isEqualTo("2026-03");
            assertThat(alert.limitUsd()).isEqualByComparingTo("0.001");
            assertThat(alert.spentUsd()).isEqualByComparingTo("0.001");
        });
    }

    @Test
    void release_throwingListener_neverReachesTheCaller() {
        Governance g = Governance.builder().policies(PolicySet.of(TenantPolicy.builder().budget(monthly("0.001"))
                        .maxConcurrentCalls(1).build())).priceCatalog(Gov.PRICES).clock(clock).ticker(ticker)
                .budgetListener(alert -> {
                    throw new IllegalStateException("pager down");
                }).build();

        admit(g, request(100, 100)).release(List.of(attempt(ACME, TokenUsage.of(1000, 0))));

        assertNothingHeld(g);
        assertThat(g.budgetUsage(ACME).spentUsd()).isEqualByComparingTo("0.001");
    }

    // --- decisions ------------------------------------------------------------------------------------------

    @Test
    void tryAdmit_refused_returnsTheTypedRefusalWithoutThrowing() {
        Governance g = governance(TenantPolicy.builder().requestsPerMinute(1L).build());
        Decision first = g.tryAdmit(ACME, request(1, 1), profile(ACME));

        Decision second = g.tryAdmit(ACME, request(1, 1), profile(ACME));

        assertThat(first.admitted()).isTrue();
        assertThat(first.retryAfter()).isEmpty();
        assertThat(second.admitted()).isFalse();
        assertThat(second.permit()).isNull();
        assertThat(second.refusal()).isInstanceOf(RateLimitExceededException.class);
        assertThat(second.retryAfter()).contains(Duration.ofMinutes(1));
    }

    @Test
    void tryAdmit_policyViolation_hasNoRetryAfter() {
        Governance g = governance(TenantPolicy.builder().allowedModels().build());

        Decision d = g.tryAdmit(ACME, request(1, 1), profile(ACME));

        assertThat(d.refusal()).isInstanceOf(PolicyViolationException.class);
        assertThat(d.retryAfter()).isEmpty();
    }

    // --- leases ---------------------------------------------------------------------------------------------

    @Test
    void sweep_permitPastItsLease_isSettledAtItsReservationAndFreesItsSlot() {
        Governance g = governance(TenantPolicy.builder().maxConcurrentCalls(1).tokensPerMinute(1000L)
                .budget(monthly("1")).build());
        Permit forgotten = admit(g, request(100, 100));

        clock.advance(Duration.ofMinutes(9));
        assertThat(g.sweep()).isZero();
        clock.advance(Duration.ofMinutes(1));
        assertThat(g.sweep()).isEqualTo(1);

        assertThat(g.expiredLeases()).isEqualTo(1);
        assertThat(g.inFlight(ACME.id())).isZero();
        assertThat(g.openPermits()).isZero();
        assertThat(g.budgetUsage(ACME)).satisfies(u -> {
            assertThat(u.spentUsd()).isEqualByComparingTo("0.0006");
            assertThat(u.reservedUsd()).isEqualByComparingTo("0");
        });
        assertThat(g.availableTokens(ACME)).isEqualTo(800);

        forgotten.release(List.of(attempt(ACME, TokenUsage.of(1, 1))));
        assertThat(g.budgetUsage(ACME).spentUsd()).isEqualByComparingTo("0.0006");
        assertThat(g.availableTokens(ACME)).isEqualTo(800);
        admit(g, request(100, 100));
    }

    @Test
    void admit_afterLeasesEnded_sweepsOnTheWaySoAForgottenPermitCannotBlockTheTenant() {
        Governance g = governance(TenantPolicy.builder().maxConcurrentCalls(1).build());
        admit(g, request(1, 1));
        assertThatThrownBy(() -> admit(g, request(1, 1))).isInstanceOf(RateLimitExceededException.class);

        clock.advance(Duration.ofMinutes(11));

        admit(g, request(1, 1));
        assertThat(g.expiredLeases()).isEqualTo(1);
    }

    // --- policies -------------------------------------------------------------------------------------------

    @Test
    void admit_usesTheTenantsLayerOverItsTierOverTheDefaults() {
        PolicySet set = PolicySet.builder()
                .defaults(TenantPolicy.builder().maxConcurrentCalls(1).allowedModels("chat").build())
                .tier(Tier.PREMIUM, TenantPolicy.builder().maxConcurrentCalls(3).build())
                .tenant(TenantId.of("globex"), TenantPolicy.builder().tier(Tier.PREMIUM).build())
                .build();
        Governance g = governance(PolicyStore.of(set));
        TenantContext premium = new TenantContext(TenantId.of("initech"), Tier.PREMIUM, Map.of());
        TenantContext globex = TenantContext.of("globex");

        for (int i = 0; i < 3; i++) {
            g.admit(premium, request(1, 1), profile(premium));
            g.admit(globex, request(1, 1), profile(globex));
        }
        admit(g, request(1, 1));

        assertThatThrownBy(() -> g.admit(premium, request(1, 1), profile(premium)))
                .isInstanceOf(RateLimitExceededException.class);
        assertThatThrownBy(() -> admit(g, request(1, 1))).isInstanceOf(RateLimitExceededException.class);
        assertThatThrownBy(() -> g.admit(globex, request("other", 1, 1), profile(globex)))
                .isInstanceOf(PolicyViolationException.class);
    }

    @Test
    void replace_policies_newCallsSeeThemWhileInFlightCallsSettleUnderTheirOwn() {
        PolicyStore store = PolicyStore.of(PolicySet.of(TenantPolicy.builder().budget(monthly("0.001"))
                .tokensPerMinute(1000L).build()));
        Governance g = governance(store);
        Permit admittedUnderOld = admit(g, request(100, 100));

        store.replace(PolicySet.of(TenantPolicy.builder().budget(monthly("0.01")).tokensPerMinute(500L).build()));

        assertThat(g.availableTokens(ACME)).as("level kept, capped at the new limit").isEqualTo(500);
        admittedUnderOld.release(List.of(attempt(ACME, TokenUsage.of(100, 100))));
        assertThat(g.availableTokens(ACME)).isEqualTo(500);
        assertThat(alerts).as("0.0006 is 60 %% of the 0.001 budget it was admitted under: below every threshold")
                .isEmpty();
        for (int i = 0; i < 2; i++) {
            admit(g, request(100, 100));
        }
        assertThatThrownBy(() -> admit(g, request(100, 100)))
                .isInstanceOfSatisfying(RateLimitExceededException.class, e -> assertThat(e.limit()).isEqualTo(500));
    }

    @Test
    void builder_withoutPolicies_failsWithAConfigurationError() {
        assertThatThrownBy(() -> Governance.builder().build()).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("policies");
        assertThatThrownBy(() -> Governance.builder().lease(Duration.ofMinutes(1)).lease(Duration.ofMinutes(2)))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("Governance.lease was already set to PT1M; cannot set it to PT2M");
    }
}
