package dev.aip.governance.redis;

import static dev.aip.governance.redis.Gov.attempt;
import static dev.aip.governance.redis.Gov.profile;
import static dev.aip.governance.redis.Gov.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.BudgetExceededException;
import dev.aip.core.RateLimitExceededException;
import dev.aip.core.chat.Admission.Permit;
import dev.aip.core.governance.BudgetStore;
import dev.aip.core.governance.Decision;
import dev.aip.core.governance.Governance;
import dev.aip.core.governance.PolicySet;
import dev.aip.core.governance.TenantPolicy;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.tenant.TenantContext;
import dev.aip.testkit.ManualClock;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Three instances (each with its own Redis connection, as replicas would have) sharing one Redis through
 * {@link RedisGovernanceState#admission()}, eight threads each, sync and async admissions mixed: a rate limit of N
 * admits exactly N, a concurrency cap is never exceeded, a budget is never overspent, and everything is given back.
 * The clock stands still, so no bucket refills during a run.
 */
class SharedAdmissionStressTest {

    private static final int INSTANCES = 3;
    private static final int THREADS = 8;

    private final String prefix = "aip-stress-" + UUID.randomUUID();
    private final ManualClock clock = ManualClock.at(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    private final List<RedisGovernanceState> states = new ArrayList<>();
    private final ExecutorService pool = Executors.newFixedThreadPool(INSTANCES * THREADS);
    private final TenantContext tenant = TenantContext.of("acme");

    @AfterEach
    void stop() {
        pool.shutdownNow();
        states.forEach(RedisGovernanceState::close);
    }

    private List<Governance> replicas(TenantPolicy policy) {
        List<Governance> list = new ArrayList<>();
        for (int i = 0; i < INSTANCES; i++) {
            RedisGovernanceState state = RedisGovernanceState.builder().uri(RedisServer.url()).keyPrefix(prefix)
                    .build();
            states.add(state);
            list.add(Governance.builder().policies(PolicySet.of(policy)).priceCatalog(Gov.PRICES).clock(clock)
                    .sharedAdmission(state.admission()).settlementExecutor(Runnable::run).build());
        }
        return list;
    }

    /** What one thread does with one admission. */
    interface Body {
        void run(Governance g, int thread, int call) throws Exception;
    }

    private void everywhere(List<Governance> replicas, int calls, Body body) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        for (Governance g : replicas) {
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int c = 0; c < calls; c++) {
                        body.run(g, thread, c);
                    }
                    return null;
                }));
            }
        }
        start.countDown();
        for (Future<?> f : futures) {
            f.get(2, TimeUnit.MINUTES);
        }
    }

    private Decision admit(Governance g, int thread, int tokens) throws Exception {
        return thread % 2 == 0 ? g.tryAdmit(tenant, request(tokens, tokens), profile(tenant))
                : g.tryAdmitAsync(tenant, request(tokens, tokens), profile(tenant)).toCompletableFuture()
                        .get(1, TimeUnit.MINUTES);
    }

    @Test
    void requestRate_manyReplicasAtOnce_admitsExactlyTheLimit() throws Exception {
        List<Governance> replicas = replicas(TenantPolicy.builder().requestsPerMinute(50).build());
        AtomicInteger admitted = new AtomicInteger();
        Queue<RuntimeException> refusals = new ConcurrentLinkedQueue<>();

        everywhere(replicas, 5, (g, thread, call) -> {
            Decision d = admit(g, thread, 10);
            if (d.admitted()) {
                admitted.incrementAndGet();
                d.permit().release(List.of());
            } else {
                refusals.add(d.refusal());
            }
        });

        assertThat(admitted).hasValue(50);
        assertThat(refusals).hasSize(INSTANCES * THREADS * 5 - 50).allSatisfy(e ->
                assertThat(((RateLimitExceededException) e).limitName()).isEqualTo("requests-per-minute"));
    }

    @Test
    void concurrency_manyReplicasAdmittingAndReleasing_neverAboveTheCap() throws Exception {
        List<Governance> replicas = replicas(TenantPolicy.builder().maxConcurrentCalls(4).build());
        AtomicInteger holding = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        AtomicInteger admitted = new AtomicInteger();

        everywhere(replicas, 40, (g, thread, call) -> {
            Decision d = admit(g, thread, 10);
            if (d.admitted()) {
                admitted.incrementAndGet();
                most.accumulateAndGet(holding.incrementAndGet(), Math::max);
                Thread.yield();
                holding.decrementAndGet();
                d.permit().release(List.of());
            }
        });

        assertThat(most.get()).isBetween(1, 4);
        assertThat(admitted.get()).isPositive();
        assertThat(replicas.get(0).inFlight(tenant.id())).isZero();
    }

    @Test
    void budget_manyReplicasAdmittingAndSettling_neverOverspent() throws Exception {
        // 100 + 100 tokens reserve 0.0006 USD and settle at 100 + 50: 0.00035 USD; 0.01 USD holds 28 settled calls
        List<Governance> replicas = replicas(TenantPolicy.builder().tokensPerMinute(1_000_000)
                .budget(Gov.monthly("0.01")).build());
        AtomicLong settled = new AtomicLong();
        Queue<RuntimeException> refusals = new ConcurrentLinkedQueue<>();

        everywhere(replicas, 6, (g, thread, call) -> {
            Decision d = admit(g, thread, 100);
            if (d.admitted()) {
                d.permit().release(List.of(attempt(tenant, TokenUsage.of(100, 50))));
                settled.incrementAndGet();
            } else {
                refusals.add(d.refusal());
            }
        });

        BudgetStore.Usage usage = replicas.get(1).budgetUsage(tenant);
        assertThat(usage.spentUsd()).isEqualByComparingTo(Gov.cost(100, 50).multiply(BigDecimal.valueOf(
                settled.get())));
        assertThat(usage.spentUsd()).isLessThanOrEqualTo(new BigDecimal("0.01"));
        assertThat(settled.get()).isPositive();
        assertThat(usage.reservedUsd()).isZero();
        assertThat(usage.openReservations()).isZero();
        assertThat(refusals).allSatisfy(e -> assertThat(e).isInstanceOf(BudgetExceededException.class));
    }

    @Test
    void budget_manyReplicasHoldingTheirPermits_grantExactlyWhatFits() throws Exception {
        List<Governance> replicas = replicas(TenantPolicy.builder().maxConcurrentCalls(1_000)
                .budget(Gov.monthly("0.006")).build());
        Queue<Permit> permits = new ConcurrentLinkedQueue<>();

        everywhere(replicas, 2, (g, thread, call) -> {
            Decision d = admit(g, thread, 100);
            if (d.admitted()) {
                permits.add(d.permit());
            }
        });

        assertThat(permits).hasSize(10);
        assertThat(replicas.get(2).inFlight(tenant.id())).isEqualTo(10);
        permits.forEach(p -> p.release(List.of()));
        assertThat(replicas.get(0).inFlight(tenant.id())).isZero();
        assertThat(replicas.get(0).budgetUsage(tenant).reservedUsd()).isZero();
    }
}
