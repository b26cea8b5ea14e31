package dev.aip.governance.redis;

import static dev.aip.governance.redis.Gov.attempt;
import static dev.aip.governance.redis.Gov.profile;
import static dev.aip.governance.redis.Gov.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.BudgetExceededException;
import dev.aip.core.GovernanceUnavailableException;
import dev.aip.core.PolicyViolationException;
import dev.aip.core.RateLimitExceededException;
import dev.aip.core.chat.Admission.Permit;
import dev.aip.core.governance.BudgetStore;
import dev.aip.core.governance.Decision;
import dev.aip.core.governance.FailurePolicy;
import dev.aip.core.governance.Governance;
import dev.aip.core.governance.PolicySet;
import dev.aip.core.governance.RateLimitState;
import dev.aip.core.governance.TenantPolicy;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import dev.aip.testkit.ManualClock;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Several Governance instances, each with its own Redis connections as separate application instances would have,
 * sharing one Redis: the limits, concurrency caps and budgets hold per tenant across them; every refusal is typed;
 * and each state fails open or closed by tier when Redis cannot be reached.
 */
class RedisGovernanceTest {

    private static final int INSTANCES = 3;
    private static final int THREADS_PER_INSTANCE = 8;

    private final String prefix = "aip-test-" + UUID.randomUUID();
    private final ManualClock clock = ManualClock.at(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    private final List<RedisGovernanceState> states = new ArrayList<>();
    private final List<Gov.SeenBuckets> buckets = new ArrayList<>();
    private final ExecutorService pool = Executors.newFixedThreadPool(INSTANCES * THREADS_PER_INSTANCE);

    @AfterEach
    void stop() {
        pool.shutdownNow();
        states.forEach(RedisGovernanceState::close);
    }

    private List<Governance> instances(String url, PolicySet policies, Map<Tier, FailurePolicy> failure) {
        List<Governance> list = new ArrayList<>();
        for (int i = 0; i < INSTANCES; i++) {
            RedisGovernanceState state = RedisGovernanceState.builder().uri(url).keyPrefix(prefix).clock(clock)
                    .build();
            states.add(state);
            Gov.SeenBuckets seen = new Gov.SeenBuckets(state.rateLimitState());
            buckets.add(seen);
            Governance.Builder b = Governance.builder().policies(policies).priceCatalog(Gov.PRICES).clock(clock)
                    .budgetStore(state.budgetStore()).rateLimitState(seen)
                    .concurrencyState(state.concurrencyState())
                    // Settled on the releasing thread: the tests read Redis right after each release.
                    .settlementExecutor(Runnable::run);
            failure.forEach(b::failurePolicy);
            list.add(b.build());
        }
        return list;
    }

    /** Every thread of every instance tries {@code calls} admissions of {@code tenant} at once; returns the permits. */
    private Queue<Permit> admitEverywhere(List<Governance> instances, TenantContext tenant, int calls,
                                          Queue<RuntimeException> refusals) throws Exception {
        Queue<Permit> permits = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        for (Governance g : instances) {
            for (int t = 0; t < THREADS_PER_INSTANCE; t++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int c = 0; c < calls; c++) {
                        Decision d = g.tryAdmit(tenant, request(100, 100), profile(tenant));
                        if (d.admitted()) {
                            permits.add(d.permit());
                        } else {
                            refusals.add(d.refusal());
                        }
                    }
                    return null;
                }));
            }
        }
        start.countDown();
        for (Future<?> f : futures) {
            f.get(2, TimeUnit.MINUTES);
        }
        return permits;
    }

    @Test
    void budget_concurrentCallsOnSeveralInstances_holdOneBudgetExactly() throws Exception {
        // Each call reserves 0.0006 USD (100 input at 1 USD/M + 100 output at 5 USD/M); exactly 10 fit in 0.006.
        PolicySet policies = PolicySet.builder()
                .defaults(TenantPolicy.builder().budget(Gov.monthly("0.006")).build()).build();
        List<Governance> instances = instances(RedisServer.url(), policies, Map.of());
        TenantContext tenant = TenantContext.of("acme");
        Queue<RuntimeException> refusals = new ConcurrentLinkedQueue<>();

        Queue<Permit> permits = admitEverywhere(instances, tenant, 2, refusals);

        assertThat(permits).hasSize(10);
        assertThat(refusals).hasSize(INSTANCES * THREADS_PER_INSTANCE * 2 - 10)
                .allSatisfy(e -> assertThat(e).isInstanceOf(BudgetExceededException.class));
        assertThat(instances.get(0).budgetUsage(tenant).reservedUsd()).isEqualByComparingTo("0.006");
        assertThat(instances.get(1).budgetUsage(tenant).openReservations()).isEqualTo(10);

        // Each settles to a cheaper real usage (50 output tokens): 0.00035 USD.
        permits.forEach(p -> p.release(List.of(attempt(tenant, TokenUsage.of(100, 50)))));

        BudgetStore.Usage usage = instances.get(2).budgetUsage(tenant);
        assertThat(usage.spentUsd()).isEqualByComparingTo(new BigDecimal("0.0035"));
        assertThat(usage.reservedUsd()).isEqualByComparingTo(BigDecimal.ZERO);
        assertThat(usage.openReservations()).isZero();
        // The freed headroom (0.0025 USD) admits exactly 4 more calls, on any instance.
        int more = 0;
        for (int i = 0; i < 6; i++) {
            if (instances.get(i % INSTANCES).tryAdmit(tenant, request(100, 100), profile(tenant)).admitted()) {
                more++;
            }
        }
        assertThat(more).isEqualTo(4);
    }

    @Test
    void requestRate_callsOnSeveralInstances_shareOneLimit() throws Exception {
        PolicySet policies = PolicySet.builder()
                .defaults(TenantPolicy.builder().requestsPerMinute(7).build()).build();
        List<Governance> instances = instances(RedisServer.url(), policies, Map.of());
        TenantContext tenant = TenantContext.of("acme");
        Queue<RuntimeException> refusals = new ConcurrentLinkedQueue<>();

        Queue<Permit> permits = admitEverywhere(instances, tenant, 1, refusals);

        // The clock stands still, so nothing refills: one limit of 7 for all 24 calls, not 7 per instance.
        assertThat(permits).hasSize(7);
        assertThat(refusals).hasSize(INSTANCES * THREADS_PER_INSTANCE - 7)
                .allSatisfy(e -> assertThat(e).isInstanceOfSatisfying(RateLimitExceededException.class,
                        r -> assertThat(r.limitName()).isEqualTo("requests-per-minute")));
        permits.forEach(p -> p.release(List.of()));
        assertThat(buckets.get(0).available(tenant, "requests-per-minute")).isZero();
        assertThat(instances.get(0).failOpenAdmissions()).isZero();
    }

    @Test
    void tokenRate_settlementOnOneInstance_isSeenByTheOthers() {
        PolicySet policies = PolicySet.builder()
                .defaults(TenantPolicy.builder().tokensPerMinute(1000).build()).build();
        List<Governance> instances = instances(RedisServer.url(), policies, Map.of());
        TenantContext tenant = TenantContext.of("acme");

        // Reserves 400 of 1000 tokens; 600 are left for every instance.
        Permit permit = instances.get(0).admit(tenant, request(100, 300), profile(tenant));
        assertThat(instances.get(1).tryAdmit(tenant, request(100, 600), profile(tenant)).refusal())
                .isInstanceOf(RateLimitExceededException.class);

        // Settles to 150 tokens: 850 are left, so a call of 800 now fits on another instance.
        permit.release(List.of(attempt(tenant, TokenUsage.of(100, 50))));
        assertThat(instances.get(2).tryAdmit(tenant, request(100, 700), profile(tenant)).admitted()).isTrue();
    }

    @Test
    void concurrency_callsOnSeveralInstances_shareOneCap() throws Exception {
        PolicySet policies = PolicySet.builder()
                .defaults(TenantPolicy.builder().maxConcurrentCalls(5).build()).build();
        List<Governance> instances = instances(RedisServer.url(), policies, Map.of());
        TenantContext tenant = TenantContext.of("acme");
        Queue<RuntimeException> refusals = new ConcurrentLinkedQueue<>();

        // Every permit is held: 5 slots for the tenant across all instances, not 5 per instance.
        Queue<Permit> permits = admitEverywhere(instances, tenant, 1, refusals);

        assertThat(permits).hasSize(5);
        assertThat(refusals).hasSize(INSTANCES * THREADS_PER_INSTANCE - 5)
                .allSatisfy(e -> assertThat(e).isInstanceOfSatisfying(RateLimitExceededException.class,
                        r -> assertThat(r.limitName()).isEqualTo("concurrent-calls")));
        for (Governance g : instances) {
            assertThat(g.inFlight(tenant.id())).isEqualTo(5);
        }

        // A slot freed on one instance is taken on another.
        permits.poll().release(List.of());
        assertThat(instances.get(1).inFlight(tenant.id())).isEqualTo(4);
        Decision next = instances.get(2).tryAdmit(tenant, request(100, 100), profile(tenant));
        assertThat(next.admitted()).isTrue();
        assertThat(instances.get(0).tryAdmit(tenant, request(100, 100), profile(tenant)).admitted()).isFalse();

        next.permit().release(List.of());
        permits.forEach(p -> p.release(List.of()));
        for (Governance g : instances) {
            assertThat(g.inFlight(tenant.id())).isZero();
            assertThat(g.openPermits()).isZero();
        }
    }

    @Test
    void concurrency_slotsOfACrashedInstance_areFreeWhenTheirLeaseEnds() {
        PolicySet policies = PolicySet.builder()
                .defaults(TenantPolicy.builder().maxConcurrentCalls(2).build()).build();
        List<Governance> instances = instances(RedisServer.url(), policies, Map.of());
        TenantContext tenant = TenantContext.of("acme");
        instances.get(0).admit(tenant, request(100, 100), profile(tenant));
        instances.get(0).admit(tenant, request(100, 100), profile(tenant));

        // Instance 0 dies holding both slots: its permits are never released, its connections are gone.
        states.remove(0).close();
        Governance survivor = instances.get(1);
        assertThat(survivor.tryAdmit(tenant, request(100, 100), profile(tenant)).refusal())
                .isInstanceOf(RateLimitExceededException.class);

        // Just before the slot lease (default 20 minutes) ends they are still held; then they are free again.
        clock.advance(Duration.ofMinutes(20).minusSeconds(1));
        assertThat(survivor.inFlight(tenant.id())).isEqualTo(2);
        assertThat(survivor.tryAdmit(tenant, request(100, 100), profile(tenant)).admitted()).isFalse();
        clock.advance(Duration.ofSeconds(1));
        assertThat(survivor.inFlight(tenant.id())).isZero();
        Permit a = survivor.admit(tenant, request(100, 100), profile(tenant));
        Permit b = instances.get(2).admit(tenant, request(100, 100), profile(tenant));
        assertThat(survivor.tryAdmit(tenant, request(100, 100), profile(tenant)).admitted()).isFalse();
        a.release(List.of());
        b.release(List.of());
        assertThat(survivor.inFlight(tenant.id())).isZero();
    }

    @Test
    void everyRefusal_onRedis_isTypedAndSaysWhetherAndWhenToRetry() {
        TenantContext cap = TenantContext.of("cap");
        TenantContext rpm = TenantContext.of("rpm");
        TenantContext tpm = TenantContext.of("tpm");
        TenantContext usd = TenantContext.of("usd");
        TenantContext never = TenantContext.of("never");
        PolicySet policies = PolicySet.builder()
                .tenant(cap.id(), TenantPolicy.builder().maxConcurrentCalls(1).build())
                .tenant(rpm.id(), TenantPolicy.builder().requestsPerMinute(1).build())
                .tenant(tpm.id(), TenantPolicy.builder().tokensPerMinute(1000).build())
                .tenant(usd.id(), TenantPolicy.builder().budget(Gov.monthly("0.001")).build())
                .tenant(never.id(), TenantPolicy.builder().budget(Gov.monthly("0.0001")).build())
                .build();
        Governance g = instances(RedisServer.url(), policies, Map.of()).get(0);

        Permit held = g.admit(cap, request(100, 100), profile(cap));
        assertThat(g.tryAdmit(cap, request(100, 100), profile(cap)).refusal())
                .isInstanceOfSatisfying(RateLimitExceededException.class, e -> {
                    assertThat(e.limitName()).isEqualTo("concurrent-calls");
                    assertThat(e.limit()).isEqualTo(1);
                    assertThat(e.retryable()).isTrue();
                    assertThat(e.retryAfter()).isPositive();
                    assertThat(e.tenant()).contains(cap.id());
                });
        held.release(List.of());

        g.admit(rpm, request(100, 100), profile(rpm)).release(List.of());
        assertThat(g.tryAdmit(rpm, request(100, 100), profile(rpm)).refusal())
                .isInstanceOfSatisfying(RateLimitExceededException.class, e -> {
                    assertThat(e.limitName()).isEqualTo("requests-per-minute");
                    assertThat(e.remaining()).isZero();
                    assertThat(e.retryable()).isTrue();
                    assertThat(e.retryAfter()).isPositive();
                    assertThat(e.tenant()).contains(rpm.id());
                });

        // 900 of 1000 tokens used; a call of 200 must wait, one of 1100 can never fit.
        g.admit(tpm, request(100, 800), profile(tpm)).release(List.of(attempt(tpm, TokenUsage.of(100, 800))));
        assertThat(g.tryAdmit(tpm, request(100, 100), profile(tpm)).refusal())
                .isInstanceOfSatisfying(RateLimitExceededException.class, e -> {
                    assertThat(e.limitName()).isEqualTo("tokens-per-minute");
                    assertThat(e.remaining()).isEqualTo(100);
                    assertThat(e.retryAfter()).isPositive();
                    assertThat(e.retryable()).isTrue();
                });
        assertThat(g.tryAdmit(tpm, request(100, 1000), profile(tpm)).refusal())
                .isInstanceOfSatisfying(PolicyViolationException.class, e -> {
                    assertThat(e.rule()).isEqualTo("tokens-per-minute");
                    assertThat(e.retryable()).isFalse();
                });

        Permit reserved = g.admit(usd, request(100, 100), profile(usd));
        assertThat(g.tryAdmit(usd, request(100, 100), profile(usd)).refusal())
                .isInstanceOfSatisfying(BudgetExceededException.class, e -> {
                    assertThat(e.remaining()).isEqualByComparingTo("0.0004");
                    assertThat(e.requested()).isEqualByComparingTo("0.0006");
                    assertThat(e.limit()).isEqualByComparingTo("0.001");
                    assertThat(e.retryable()).as("not before the period resets").isFalse();
                    assertThat(e.retryAfter()).isPositive();
                    assertThat(e.tenant()).contains(usd.id());
                });
        reserved.release(List.of());

        assertThat(g.tryAdmit(never, request(100, 100), profile(never)).refusal())
                .isInstanceOfSatisfying(PolicyViolationException.class, e -> {
                    assertThat(e.rule()).isEqualTo("budget-usd");
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.tenant()).contains(never.id());
                });
        assertThat(g.openPermits()).isZero();
        assertThat(g.failOpenAdmissions()).isZero();
    }

    /** One state at a time on a Redis that cannot be reached, the others local. */
    enum Down { CONCURRENCY, REQUEST_RATE, TOKEN_RATE, BUDGET }

    @ParameterizedTest
    @EnumSource(Down.class)
    void unreachableState_failsOpenOrClosedByTier_andAClosedRefusalGivesBackWhatEarlierChecksTook(Down down) {
        // Each call meets the unreachable state once: the request rate is checked without a token rate.
        TenantPolicy.Builder p = TenantPolicy.builder().maxConcurrentCalls(3);
        switch (down) {
            case REQUEST_RATE -> p.requestsPerMinute(100);
            case BUDGET -> p.tokensPerMinute(10_000).budget(Gov.monthly("1"));
            default -> p.tokensPerMinute(10_000);
        }
        RedisGovernanceState unreachable = RedisGovernanceState.builder().uri(RedisServer.unreachableUrl())
                .keyPrefix(prefix).clock(clock).build();
        states.add(unreachable);
        // The rate limits live in this instance's memory unless they are the state that is down.
        Gov.SeenBuckets rates = new Gov.SeenBuckets(down == Down.REQUEST_RATE || down == Down.TOKEN_RATE
                ? unreachable.rateLimitState() : RateLimitState.local(new Gov.ManualTicker()));
        Governance.Builder b = Governance.builder().policies(PolicySet.of(p.build())).priceCatalog(Gov.PRICES)
                .clock(clock).rateLimitState(rates).settlementExecutor(Runnable::run)
                .failurePolicy(Tier.BASIC, FailurePolicy.OPEN).failurePolicy(Tier.PREMIUM, FailurePolicy.CLOSED);
        switch (down) {
            case CONCURRENCY -> b.concurrencyState(unreachable.concurrencyState());
            case BUDGET -> b.budgetStore(unreachable.budgetStore());
            default -> { }
        }
        Governance g = b.build();
        String state = switch (down) {
            case CONCURRENCY -> "concurrency";
            case REQUEST_RATE, TOKEN_RATE -> "rate-limits";
            case BUDGET -> "budget";
        };
        TenantContext basic = new TenantContext(TenantId.of("cheap"), Tier.BASIC, Map.of());
        TenantContext premium = new TenantContext(TenantId.of("vip"), Tier.PREMIUM, Map.of());
        TenantContext standard = new TenantContext(TenantId.of("plain"), Tier.STANDARD, Map.of());

        // Fail open: admitted without that check, counted; the others still apply and settle.
        Permit open = g.admit(basic, request(100, 100), profile(basic));
        assertThat(g.failOpenAdmissions()).isEqualTo(1);
        if (down != Down.CONCURRENCY) {
            assertThat(g.inFlight(basic.id())).isEqualTo(1);
        }
        open.release(List.of(attempt(basic, TokenUsage.of(100, 100))));
        assertThat(g.openPermits()).isZero();

        // Fail closed: a retryable refusal naming the state; the slot and tokens taken before it are given back.
        assertThat(g.tryAdmit(premium, request(100, 100), profile(premium)).refusal())
                .isInstanceOfSatisfying(GovernanceUnavailableException.class, e -> {
                    assertThat(e.state()).isEqualTo(state);
                    assertThat(e.retryable()).isTrue();
                    assertThat(e.tenant()).contains(premium.id());
                    assertThat(e.getCause()).isNotNull();
                });
        if (down != Down.CONCURRENCY) {
            assertThat(g.inFlight(premium.id())).isZero();
        }
        if (down == Down.BUDGET) {
            assertThat(rates.available(premium, "tokens-per-minute")).isEqualTo(10_000);
        }

        // The default policy: budgets fail closed; rate limits and concurrency fail open.
        Decision d = g.tryAdmit(standard, request(100, 100), profile(standard));
        if (down == Down.BUDGET) {
            assertThat(d.refusal()).isInstanceOf(GovernanceUnavailableException.class);
            assertThat(g.failOpenAdmissions()).isEqualTo(1);
        } else {
            assertThat(d.admitted()).isTrue();
            assertThat(g.failOpenAdmissions()).isEqualTo(2);
            d.permit().release(List.of());
        }
        assertThat(g.openPermits()).isZero();
    }

    @Test
    void unreachableRedis_tiersFailOpenOrClosedAsConfigured() {
        PolicySet policies = PolicySet.builder()
                .defaults(TenantPolicy.builder().requestsPerMinute(10).budget(Gov.monthly("1")).build()).build();
        List<Governance> instances = instances(RedisServer.unreachableUrl(), policies,
                Map.of(Tier.BASIC, FailurePolicy.OPEN, Tier.PREMIUM, FailurePolicy.CLOSED));
        TenantContext basic = new TenantContext(TenantId.of("cheap"), Tier.BASIC, Map.of());
        TenantContext premium = new TenantContext(TenantId.of("vip"), Tier.PREMIUM, Map.of());
        TenantContext standard = new TenantContext(TenantId.of("plain"), Tier.STANDARD, Map.of());
        Governance g = instances.get(0);

        Permit open = g.admit(basic, request(100, 100), profile(basic));
        assertThat(g.failOpenAdmissions()).isEqualTo(2);
        open.release(List.of(attempt(basic, TokenUsage.of(100, 100))));
        assertThat(g.openPermits()).isZero();

        assertThatThrownBy(() -> g.admit(premium, request(100, 100), profile(premium)))
                .isInstanceOfSatisfying(GovernanceUnavailableException.class, e -> {
                    assertThat(e.state()).isEqualTo("rate-limits");
                    assertThat(e.retryable()).isTrue();
                    assertThat(e.tenant()).contains(premium.id());
                    assertThat(e.getCause()).isNotNull();
                });

        // The default policy: rate limits fail open (counted), the budget fails closed.
        assertThatThrownBy(() -> g.admit(standard, request(100, 100), profile(standard)))
                .isInstanceOfSatisfying(GovernanceUnavailableException.class,
                        e -> assertThat(e.state()).isEqualTo("budget"));
        assertThat(g.failOpenAdmissions()).isEqualTo(3);
        assertThat(g.openPermits()).isZero();
    }
}
