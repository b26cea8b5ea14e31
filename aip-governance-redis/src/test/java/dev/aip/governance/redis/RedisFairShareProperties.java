package dev.aip.governance.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.AipException;
import dev.aip.core.chat.Admission.Permit;
import dev.aip.core.governance.Decision;
import dev.aip.core.governance.FairShare;
import dev.aip.core.governance.FairShareSnapshot;
import dev.aip.core.governance.Governance;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.Tier;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.statistics.Statistics;

/**
 * One instance with fair share on Redis decides exactly as one instance with fair share in memory, on arbitrary
 * settings (configured capacity or none, headroom, β, additive step, weights, a reserved share) and arbitrary
 * sequences of calls of five tenants of four tiers on two models, releases (below, at and above the estimate; with a
 * throttle, on the reserved model or after a fail-over to the other) and clock moves: every decision is the same, a
 * refusal's message (share, use, capacity, model use, retry-after) is the same, and at the end the snapshots agree on
 * every model's estimate, use, throttles, decreases and shed calls. The Lua scripts thus replay the local windows,
 * AIMD estimate and share arithmetic exactly.
 */
@AddLifecycleHook(RedisRequired.class)
class RedisFairShareProperties {

    static final List<TenantContext> TENANTS = List.of(
            TenantContext.of("gold").withTier(Tier.PREMIUM),
            TenantContext.of("silver"),
            TenantContext.of("bronze-a").withTier(Tier.BASIC),
            TenantContext.of("bronze-b").withTier(Tier.BASIC),
            TenantContext.of("partner").withTier(Tier.of("partner")));
    static final List<String> MODELS = List.of(Gov.SOURCE, Replicas.OTHER);

    sealed interface Op permits Call, Release, Advance {
    }

    /** A call of {@code tokens} estimated tokens. */
    record Call(int tenant, int model, int tokens) implements Op {
    }

    /** Releases open permit {@code index}: used {@code percent} of its estimate, maybe after a throttle. */
    record Release(int index, int percent, boolean throttledFirst, boolean failover) implements Op {
    }

    /** Moves the clock. */
    record Advance(long millis) implements Op {
    }

    @Provide
    Arbitrary<FairShare> settings() {
        Arbitrary<Long> capacity = Arbitraries.of(-1L, 5_000L, 20_000L, 40_000L, 250_000L);
        Arbitrary<String> headroom = Arbitraries.of("0", "0.1", "0.25");
        Arbitrary<String> decrease = Arbitraries.of("0.5", "0.7", "0.333333");
        Arbitrary<Long> step = Arbitraries.of(-1L, 1_000L, 7_777L);
        Arbitrary<List<Integer>> weights = Arbitraries.integers().between(1, 1_000).list().ofSize(3);
        Arbitrary<String> reserved = Arbitraries.of("0", "0.3", "0.55", "0.123457");
        return Combinators.combine(capacity, headroom, decrease, step, weights, reserved)
                .as((c, h, d, s, w, r) -> {
                    FairShare.Builder b = FairShare.builder().headroom(new BigDecimal(h))
                            .decrease(new BigDecimal(d)).weight(Tier.PREMIUM, w.get(0))
                            .weight(Tier.STANDARD, w.get(1)).weight(Tier.BASIC, w.get(2))
                            .reservedShare(Tier.PREMIUM, new BigDecimal(r))
                            .increaseInterval(Duration.ofSeconds(7)).cooldown(Duration.ofSeconds(3));
                    if (c > 0) {
                        b.capacity(Gov.SOURCE, c);
                    }
                    if (s > 0) {
                        b.additiveIncrease(s);
                    }
                    return b.build();
                });
    }

    @Provide
    Arbitrary<Op> op() {
        Arbitrary<Op> call = Combinators.combine(Arbitraries.integers().between(0, TENANTS.size() - 1),
                Arbitraries.integers().between(0, 9), Arbitraries.integers().between(200, 12_000))
                .as((t, m, tokens) -> new Call(t, m < 8 ? 0 : 1, tokens));
        Arbitrary<Op> release = Combinators.combine(Arbitraries.integers().between(0, 50),
                Arbitraries.integers().between(0, 200), Arbitraries.integers().between(0, 3),
                Arbitraries.integers().between(0, 5))
                .as((i, p, t, f) -> new Release(i, p, t == 0, f == 0));
        Arbitrary<Op> advance = Arbitraries.longs().between(0, 12_000).map(Advance::new);
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, call), net.jqwik.api.Tuple.of(3, release),
                net.jqwik.api.Tuple.of(1, advance));
    }

    @Property(tries = 100)
    void redisState_oneInstance_decidesExactlyAsTheLocalState(@ForAll("settings") FairShare settings,
                                                              @ForAll @Size(min = 1, max = 120) List<@From("op") Op> ops) {
        try (Replicas local = new Replicas(1, false, settings); Replicas redis = new Replicas(1, true, settings)) {
            redis.clock.set(local.clock.instant());
            Governance l = local.get(0);
            Governance r = redis.get(0);
            List<Permit[]> open = new ArrayList<>();
            int step = 0;
            int shed = 0;
            for (Op op : ops) {
                step++;
                if (op instanceof Call c) {
                    TenantContext tenant = TENANTS.get(c.tenant());
                    String model = MODELS.get(c.model());
                    Decision dl = l.tryAdmit(tenant, Gov.request(100, c.tokens() - 100),
                            Replicas.profile(tenant, model));
                    Decision dr = r.tryAdmit(tenant, Gov.request(100, c.tokens() - 100),
                            Replicas.profile(tenant, model));
                    assertThat(dr.admitted()).as("step %d: %s (local: %s)", step, op, message(dl.refusal()))
                            .isEqualTo(dl.admitted());
                    if (dl.admitted()) {
                        open.add(new Permit[] {dl.permit(), dr.permit()});
                    } else {
                        shed++;
                        assertThat(message(dr.refusal())).as("step %d: %s", step, op)
                                .isEqualTo(message(dl.refusal()));
                    }
                } else if (op instanceof Release rel) {
                    if (open.isEmpty()) {
                        continue;
                    }
                    Permit[] p = open.remove(rel.index() % open.size());
                    List<UsageRecord> attempts = attempts(p[0], rel);
                    p[0].release(attempts);
                    p[1].release(attempts);
                } else if (op instanceof Advance a) {
                    local.clock.advance(Duration.ofMillis(a.millis()));
                    redis.clock.advance(Duration.ofMillis(a.millis()));
                }
            }
            assertThat(r.failOpenAdmissions()).as("every decision was made on Redis").isZero();
            FairShareSnapshot snapshot = r.fairShare();
            assertSameModels(l.fairShare(), snapshot);
            Statistics.label("calls shed").collect(shed > 0);
            Statistics.label("estimate decreased").collect(snapshot.models().stream()
                    .anyMatch(m -> m.capacityDecreases() > 0));
        }
        Statistics.label("calls shed").coverage(c -> c.check(true).percentage(p -> p >= 5));
        Statistics.label("estimate decreased").coverage(c -> c.check(true).percentage(p -> p >= 5));
    }

    private static List<UsageRecord> attempts(Permit permit, Release rel) {
        TenantContext tenant = TENANTS.get(0);
        List<UsageRecord> out = new ArrayList<>();
        String reserved = Gov.SOURCE;
        long tokens = 1_000L * rel.percent() / 100;
        if (rel.throttledFirst()) {
            out.add(Replicas.throttled(tenant, reserved));
        }
        String source = rel.failover() ? Replicas.OTHER : reserved;
        out.add(Gov.attempt(tenant, TokenUsage.of(tokens / 2, tokens - tokens / 2)).toBuilder()
                .sourceModelId(source).build());
        if (rel.failover() && rel.throttledFirst()) {
            out.add(Replicas.throttled(tenant, source));
        }
        return out;
    }

    private static void assertSameModels(FairShareSnapshot local, FairShareSnapshot redis) {
        assertThat(redis.models()).hasSameSizeAs(local.models());
        for (FairShareSnapshot.ModelState l : local.models()) {
            FairShareSnapshot.ModelState r = redis.model(l.sourceModelId(), l.region()).orElseThrow();
            assertThat(r.capacityTokensPerMinute()).as("capacity of %s", l.sourceModelId())
                    .isEqualTo(l.capacityTokensPerMinute());
            assertThat(r.recentTokens()).as("use of %s", l.sourceModelId()).isEqualTo(l.recentTokens());
            assertThat(r.congested()).isEqualTo(l.congested());
            assertThat(r.throttles()).isEqualTo(l.throttles());
            assertThat(r.capacityDecreases()).isEqualTo(l.capacityDecreases());
            assertThat(r.shed()).isEqualTo(l.shed());
            for (FairShareSnapshot.TenantState t : l.tenants()) {
                if (t.recentTokens() > 0) {
                    FairShareSnapshot.TenantState rt = r.tenant(t.tenant()).orElseThrow();
                    assertThat(rt.recentTokens()).isEqualTo(t.recentTokens());
                    assertThat(rt.shareTokensPerMinute()).isEqualTo(t.shareTokensPerMinute());
                    assertThat(rt.shed()).isEqualTo(t.shed());
                }
            }
        }
    }

    private static String message(AipException e) {
        return e == null ? "admitted" : e.getMessage();
    }
}
