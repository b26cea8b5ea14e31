package dev.aip.governance.redis;

import static dev.aip.governance.redis.Gov.attempt;
import static dev.aip.governance.redis.Gov.profile;
import static dev.aip.governance.redis.Gov.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.chat.Admission.Permit;
import dev.aip.core.governance.Decision;
import dev.aip.core.governance.Governance;
import dev.aip.core.governance.PolicySet;
import dev.aip.core.governance.TenantPolicy;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.tenant.TenantContext;
import dev.aip.testkit.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;

/**
 * One-round-trip admission on Redis ({@link RedisGovernanceState#admission()}) against governance with every state in
 * memory, over arbitrary policies and arbitrary sequences of admissions (sync and async), releases (below, at and
 * above the reservation) and clock moves (within a minute's refill, past it, past the governance lease): after every
 * step both made the same decision (admitted, or refused with the same exception, message and Retry-After, which carry
 * the buckets' levels and waits and the budget's headroom), and hold the same budget figures and slots. The local
 * buckets run on the same manual clock, in whole milliseconds.
 */
@AddLifecycleHook(RedisRequired.class)
class SharedAdmissionParityProperties {

    private final ManualClock clock = ManualClock.at(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    private RedisGovernanceState state;

    @BeforeProperty
    void connect() {
        state = RedisGovernanceState.builder().uri(RedisServer.url()).keyPrefix("aip-parity-" + UUID.randomUUID())
                .build();
    }

    @AfterProperty
    void close() {
        if (state != null) {
            state.close();
        }
    }

    /** What a tenant's policy sets; 0 or {@code null}: not set. */
    record Limits(int cap, int rpm, int tpm, String budget) {
        TenantPolicy policy() {
            TenantPolicy.Builder b = TenantPolicy.builder();
            if (cap > 0) {
                b.maxConcurrentCalls(cap);
            }
            if (rpm > 0) {
                b.requestsPerMinute(rpm);
            }
            if (tpm > 0) {
                b.tokensPerMinute(tpm);
            }
            if (budget != null) {
                b.budget(Gov.monthly(budget));
            }
            return b.build();
        }
    }

    sealed interface Step permits Admit, Release, Advance {
    }

    record Admit(int tenant, int input, int output, boolean async) implements Step {
    }

    /** Releases the open permit at {@code index} modulo their count, with the usage given. */
    record Release(int index, int input, int output) implements Step {
    }

    record Advance(long millis) implements Step {
    }

    @Provide
    Arbitrary<Limits> limits() {
        return Combinators.combine(
                Arbitraries.of(0, 1, 2, 3),
                Arbitraries.of(0, 2, 3, 5, 7),
                Arbitraries.of(0, 500, 1000, 2500, 7001),
                Arbitraries.of(null, "0.0005", "0.002", "0.0037", "1")).as(Limits::new);
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Step> admit = Combinators.combine(Arbitraries.integers().between(0, 1),
                Arbitraries.integers().between(1, 400), Arbitraries.integers().between(1, 600),
                Arbitraries.of(false, true)).as(Admit::new);
        Arbitrary<Step> release = Combinators.combine(Arbitraries.integers().between(0, 20),
                Arbitraries.integers().between(0, 500), Arbitraries.integers().between(0, 900)).as(Release::new);
        Arbitrary<Step> advance = Arbitraries.oneOf(Arbitraries.longs().between(1, 3_000),
                Arbitraries.longs().between(3_000, 70_000), Arbitraries.longs().between(60_000, 600_000))
                .map(Advance::new);
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, admit), net.jqwik.api.Tuple.of(4, release),
                net.jqwik.api.Tuple.of(2, advance)).list().ofMinSize(5).ofMaxSize(40);
    }

    @Property(tries = 120)
    void sequences_localAndRedis_decideAndHoldAlike(@ForAll("limits") Limits first, @ForAll("limits") Limits second,
                                                     @ForAll("steps") List<Step> steps) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        TenantContext[] tenants = {TenantContext.of("a-" + run), TenantContext.of("b-" + run)};
        PolicySet policies = PolicySet.builder().tenant(tenants[0].id(), first.policy())
                .tenant(tenants[1].id(), second.policy()).build();
        Governance local = Governance.builder().policies(policies).priceCatalog(Gov.PRICES).clock(clock)
                .ticker(() -> clock.millis() * 1_000_000L).settlementExecutor(Runnable::run).build();
        Governance shared = Governance.builder().policies(policies).priceCatalog(Gov.PRICES).clock(clock)
                .sharedAdmission(state.admission()).settlementExecutor(Runnable::run).build();
        List<Permit[]> open = new ArrayList<>();
        List<TenantContext> owners = new ArrayList<>();
        for (Step step : steps) {
            if (step instanceof Admit a) {
                TenantContext tenant = tenants[a.tenant()];
                Decision l = admit(local, tenant, a);
                Decision r = admit(shared, tenant, a);
                assertThat(describe(r)).as("%s after %s", a, steps).isEqualTo(describe(l));
                Statistics.label("decisions").collect(l.admitted() ? "admitted"
                        : l.refusal().getClass().getSimpleName() + " " + limitOf(l));
                if (l.admitted()) {
                    open.add(new Permit[] {l.permit(), r.permit()});
                    owners.add(tenant);
                }
            } else if (step instanceof Release rel && !open.isEmpty()) {
                int i = rel.index() % open.size();
                Permit[] pair = open.remove(i);
                TenantContext tenant = owners.remove(i);
                var attempts = List.of(attempt(tenant, TokenUsage.of(rel.input(), rel.output())));
                pair[0].release(attempts);
                pair[1].release(attempts);
            } else if (step instanceof Advance adv) {
                clock.advance(Duration.ofMillis(adv.millis()));
            }
            for (TenantContext tenant : tenants) {
                assertThat(shared.budgetUsage(tenant)).as("budget of %s after %s", tenant, step)
                        .isEqualTo(local.budgetUsage(tenant));
                assertThat(shared.inFlight(tenant.id())).as("slots of %s after %s", tenant, step)
                        .isEqualTo(local.inFlight(tenant.id()));
            }
        }
        assertThat(shared.failOpenAdmissions()).isZero();
    }

    /**
     * A slot held past the Redis slot lease (20 minutes) and so past the governance lease (15 minutes): Redis frees it
     * when its lease ends, the local governance when its sweep expires the permit; both count none.
     */
    @Example
    void slotHeldPastBothLeases_isFreedAlike() throws Exception {
        sequences_localAndRedis_decideAndHoldAlike(new Limits(2, 0, 0, "1"), new Limits(0, 0, 0, null),
                List.of(new Admit(0, 10, 10, false), new Advance(600_000), new Advance(600_000),
                        new Advance(60_001), new Admit(0, 10, 10, true), new Release(0, 5, 5)));
    }

    private static Decision admit(Governance g, TenantContext tenant, Admit a) throws Exception {
        return a.async()
                ? g.tryAdmitAsync(tenant, request(a.input(), a.output()), profile(tenant)).toCompletableFuture()
                        .get(10, TimeUnit.SECONDS)
                : g.tryAdmit(tenant, request(a.input(), a.output()), profile(tenant));
    }

    private static String limitOf(Decision d) {
        return d.refusal() instanceof dev.aip.core.RateLimitExceededException e ? e.limitName() : "";
    }

    private static String describe(Decision d) {
        return d.admitted() ? "admitted"
                : d.refusal().getClass().getSimpleName() + ": " + d.refusal().getMessage() + " " + d.retryAfter();
    }
}
