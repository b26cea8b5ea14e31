package dev.aip.core.governance;

import static dev.aip.core.governance.Gov.attempt;
import static dev.aip.core.governance.Gov.profile;
import static dev.aip.core.governance.Gov.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.RateLimitExceededException;
import dev.aip.core.chat.Admission.Permit;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.Tier;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.statistics.Statistics;

/**
 * Fair share for any capacity, mix of tiers and sequence of calls: shares never add up to more than the capacity and
 * honour every reservation; the estimate stays within its bounds; a refused call leaves nothing in the windows, and
 * the windows always hold exactly the settled tokens plus the reservations in flight.
 */
class FairShareProperties {

    private static final List<Tier> TIERS = List.of(Tier.PREMIUM, Tier.STANDARD, Tier.BASIC, Tier.of("gold"),
            Tier.of("trial"));

    /** A tier's weight, reservation (parts per million, before scaling to a total of at most 1) and tenants. */
    record TierMix(int weight, int reservedPpm, int tenants) {
    }

    @Provide
    Arbitrary<TierMix> tierMix() {
        return Combinators.combine(Arbitraries.integers().between(1, 1_000),
                Arbitraries.integers().between(0, 1_000_000).injectDuplicates(0.3).edgeCases(e -> e.add(0)),
                Arbitraries.integers().between(0, 40)).as(TierMix::new);
    }

    @Property(tries = 500)
    void shares_ofActiveTenants_sumToAtMostTheCapacityAndHonourEveryReservation(
            @ForAll @LongRange(max = 1L << 40) long capacity,
            @ForAll @Size(min = 1, max = 5) List<@From("tierMix") TierMix> mixes) {
        long ppmSum = mixes.stream().mapToLong(TierMix::reservedPpm).sum();
        FairShare.Builder b = FairShare.builder().reservedShare(Tier.PREMIUM, BigDecimal.ZERO);
        Map<Tier, Integer> active = new LinkedHashMap<>();
        for (int i = 0; i < mixes.size(); i++) {
            TierMix m = mixes.get(i);
            Tier tier = TIERS.get(i);
            long ppm = ppmSum > 1_000_000 ? m.reservedPpm() * 1_000_000L / ppmSum : m.reservedPpm();
            b.weight(tier, m.weight()).reservedShare(tier, BigDecimal.valueOf(ppm, 6));
            active.put(tier, m.tenants());
        }
        FairShare settings = b.build();

        Map<Tier, Long> shares = Shares.perTenant(capacity, active, settings);

        long sum = 0;
        for (Map.Entry<Tier, Integer> e : active.entrySet()) {
            if (e.getValue() == 0) {
                assertThat(shares).doesNotContainKey(e.getKey());
                continue;
            }
            long share = shares.get(e.getKey());
            assertThat(share).isNotNegative();
            long tierTotal = share * e.getValue();
            sum += tierTotal;
            long reserved = Shares.mulDiv(capacity, settings.reservedPpm(e.getKey()), 1_000_000);
            assertThat(tierTotal).as("tier %s keeps its reservation", e.getKey())
                    .isGreaterThanOrEqualTo(reserved - e.getValue());
        }
        assertThat(sum).isLessThanOrEqualTo(capacity);
    }

    @Property(tries = 500)
    void shares_ofTiersWithoutReservations_followTheirWeights(
            @ForAll @LongRange(min = 1_000_000, max = 1L << 40) long capacity,
            @ForAll @IntRange(min = 1, max = 1_000) int heavy, @ForAll @IntRange(min = 1, max = 1_000) int light,
            @ForAll @IntRange(min = 1, max = 30) int heavyTenants,
            @ForAll @IntRange(min = 1, max = 30) int lightTenants) {
        FairShare settings = FairShare.builder().reservedShare(Tier.PREMIUM, BigDecimal.ZERO)
                .weight(Tier.PREMIUM, Math.max(heavy, light)).weight(Tier.BASIC, Math.min(heavy, light)).build();

        Map<Tier, Long> shares = Shares.perTenant(capacity, Map.of(Tier.PREMIUM, heavyTenants, Tier.BASIC,
                lightTenants), settings);

        assertThat(shares.get(Tier.PREMIUM)).isGreaterThanOrEqualTo(shares.get(Tier.BASIC));
        long weights = (long) heavyTenants * Math.max(heavy, light) + (long) lightTenants * Math.min(heavy, light);
        assertThat(shares.get(Tier.BASIC)).isEqualTo(capacity * Math.min(heavy, light) / weights);
    }

    /** Advance time; admit a call of some tenant; release an open call, maybe throttled. */
    record Step(int kind, int seconds, int tenant, int tokens, int index, boolean throttle) {
    }

    @Provide
    Arbitrary<Step> steps() {
        return Combinators.combine(Arbitraries.integers().between(0, 2), Arbitraries.integers().between(0, 40),
                Arbitraries.integers().between(0, 2), Arbitraries.integers().between(1, 8_000),
                Arbitraries.integers().between(0, 50), Arbitraries.of(true, false)).as(Step::new);
    }

    @Property(tries = 300)
    void estimate_underAnyThrottlesAndTime_staysWithinTheMinimumAndTheConfiguredCapacity(
            @ForAll @LongRange(min = 1_000, max = 10_000_000) long ceiling,
            @ForAll @IntRange(min = 1, max = 999) int betaPerMille,
            @ForAll @LongRange(min = 1, max = 1_000) long minimum,
            @ForAll boolean configured,
            @ForAll @Size(max = 60) List<@From("steps") Step> steps) {
        FairShare.Builder b = FairShare.builder().minimumCapacity(minimum)
                .decrease(BigDecimal.valueOf(betaPerMille, 3));
        if (configured) {
            b.capacity(Gov.SOURCE, ceiling);
        }
        Run run = new Run(b.build(), PolicySet.of(TenantPolicy.EMPTY));

        for (Step step : steps) {
            run.apply(step);
            OptionalLong estimate = run.model().capacityTokensPerMinute();
            if (run.model().recentTokens() == 0 && run.model().tenants().isEmpty()) {
                continue;   // no call yet
            }
            if (configured) {
                assertThat(estimate.getAsLong()).isBetween(minimum, ceiling);
            } else if (estimate.isPresent()) {
                assertThat(estimate.getAsLong()).isBetween(minimum, FairShareController.MAX_CAPACITY);
            }
        }
    }

    @Property(tries = 300)
    void anySequence_refusedCallsConsumeNothingAndWindowsHoldSettledPlusReserved(
            @ForAll @LongRange(min = 1_000, max = 40_000) long capacity,
            @ForAll boolean withBudget,
            @ForAll @Size(max = 80) List<@From("steps") Step> steps) {
        TenantPolicy policy = withBudget ? TenantPolicy.builder().budget(Gov.monthly("0.02")).build()
                : TenantPolicy.EMPTY;
        Run run = new Run(FairShare.builder().capacity(Gov.SOURCE, capacity).build(), PolicySet.of(policy));

        for (Step step : steps) {
            if (step.kind() == 0) {
                continue;   // time stands still here, so every token stays in the window
            }
            run.apply(step);
            FairShareSnapshot.ModelState m = run.model();
            assertThat(m.recentTokens()).isEqualTo(run.expectedTotal());
            for (int t = 0; t < Run.TENANTS.size(); t++) {
                TenantContext tenant = Run.TENANTS.get(t);
                long expected = run.expectedOf(t);
                assertThat(m.tenant(tenant.id()).map(FairShareSnapshot.TenantState::recentTokens).orElse(0L))
                        .as("window of %s", tenant.id()).isEqualTo(expected);
            }
        }
    }

    /** A Governance with fair share, driven by steps, and what its windows should hold if time stands still. */
    static final class Run {
        static final List<TenantContext> TENANTS = List.of(TenantContext.of("p").withTier(Tier.PREMIUM),
                TenantContext.of("s"), TenantContext.of("b").withTier(Tier.BASIC));

        record Open(Permit permit, int tenant, long tokens) {
        }

        final Gov.ManualTicker ticker = new Gov.ManualTicker();
        final Governance governance;
        final List<Open> open = new ArrayList<>();
        final Map<Integer, Long> settled = new HashMap<>();

        Run(FairShare fairShare, PolicySet policies) {
            governance = Governance.builder().policies(policies).priceCatalog(Gov.PRICES)
                    .clock(new Gov.ManualClock(Gov.T0)).ticker(ticker).fairShare(fairShare).build();
        }

        void apply(Step step) {
            switch (step.kind()) {
                case 0 -> ticker.advance(Duration.ofSeconds(step.seconds()));
                case 1 -> {
                    TenantContext tenant = TENANTS.get(step.tenant());
                    int input = Math.max(1, step.tokens() / 5);
                    int output = Math.max(1, step.tokens() - input);
                    long before = model().recentTokens();
                    long beforeTenant = recentOf(tenant);
                    Decision d = governance.tryAdmit(tenant, request(input, output), profile(tenant));
                    Statistics.label("admission").collect(d.admitted() ? "admitted"
                            : d.refusal() instanceof RateLimitExceededException ? "fair-share" : "other refusal");
                    if (d.admitted()) {
                        open.add(new Open(d.permit(), step.tenant(), input + output));
                    } else {
                        assertThat(model().recentTokens()).as("a refused call consumes nothing").isEqualTo(before);
                        assertThat(recentOf(tenant)).isEqualTo(beforeTenant);
                    }
                }
                default -> {
                    if (open.isEmpty()) {
                        return;
                    }
                    Open o = open.remove(step.index() % open.size());
                    TenantContext tenant = TENANTS.get(o.tenant());
                    if (step.throttle()) {
                        o.permit().release(List.of(attempt(tenant, TokenUsage.ZERO).toBuilder()
                                .outcome(Outcome.THROTTLED).errorCode("ThrottlingException").build()));
                    } else {
                        long used = step.tokens();
                        o.permit().release(List.of(attempt(tenant, TokenUsage.of(used / 2, used - used / 2))));
                        settled.merge(o.tenant(), used, Long::sum);
                    }
                }
            }
        }

        FairShareSnapshot.ModelState model() {
            return governance.fairShare().model(Gov.SOURCE, Gov.REGION)
                    .orElse(new FairShareSnapshot.ModelState(Gov.SOURCE, Gov.REGION, OptionalLong.empty(),
                            OptionalLong.empty(), 0, false, 0, 0, 0, List.of()));
        }

        long recentOf(TenantContext tenant) {
            return model().tenant(tenant.id()).map(FairShareSnapshot.TenantState::recentTokens).orElse(0L);
        }

        long expectedOf(int tenant) {
            return settled.getOrDefault(tenant, 0L)
                    + open.stream().filter(o -> o.tenant() == tenant).mapToLong(Open::tokens).sum();
        }

        long expectedTotal() {
            long sum = 0;
            for (int t = 0; t < TENANTS.size(); t++) {
                sum += expectedOf(t);
            }
            return sum;
        }
    }
}
