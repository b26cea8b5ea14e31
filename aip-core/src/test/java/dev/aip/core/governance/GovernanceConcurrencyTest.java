package dev.aip.core.governance;

import static dev.aip.core.governance.Gov.ACME;
import static dev.aip.core.governance.Gov.attempt;
import static dev.aip.core.governance.Gov.profile;
import static dev.aip.core.governance.Gov.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.BudgetExceededException;
import dev.aip.core.RateLimitExceededException;
import dev.aip.core.chat.Admission.Permit;
import dev.aip.core.metering.TokenUsage;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Many threads on one tenant: the shared counters (budget account, slots, buckets, leases) stay exact. */
class GovernanceConcurrencyTest {

    private static final int THREADS = 64;
    private final ExecutorService pool = Executors.newFixedThreadPool(THREADS);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    /** Runs {@code body(thread)} on every thread at once and waits for all; rethrows the first failure. */
    private void onAllThreads(ThrowingIntConsumer body) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            futures.add(pool.submit(() -> {
                start.await();
                body.accept(thread);
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : futures) {
            f.get(2, TimeUnit.MINUTES);
        }
    }

    interface ThrowingIntConsumer {
        void accept(int value) throws Exception;
    }

    @Test
    void admit_64ThreadsNearTheBudget_spendStaysWithinBudgetPlusInFlightAndNoCallIsFalselyRefused()
            throws Exception {
        BigDecimal budget = new BigDecimal("0.05");
        Governance g = Governance.builder()
                .policies(PolicySet.of(TenantPolicy.builder().budget(Gov.monthly(budget.toPlainString())).build()))
                .priceCatalog(Gov.PRICES).clock(new Gov.ManualClock(Gov.T0)).ticker(new Gov.ManualTicker()).build();
        Queue<String> violations = new ConcurrentLinkedQueue<>();
        Queue<BigDecimal> charged = new ConcurrentLinkedQueue<>();
        AtomicInteger admitted = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();

        onAllThreads(thread -> {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            for (int i = 0; i < 60; i++) {
                int input = 1 + random.nextInt(100);
                int output = 1 + random.nextInt(100);
                Decision d = g.tryAdmit(ACME, request(input, output), profile(ACME));
                BudgetStore.Usage now = g.budgetUsage(ACME);
                if (now.spentUsd().add(now.reservedUsd()).compareTo(budget) > 0) {
                    violations.add("spent " + now.spentUsd() + " + reserved " + now.reservedUsd() + " > " + budget);
                }
                if (d.admitted()) {
                    admitted.incrementAndGet();
                    TokenUsage used = TokenUsage.of(random.nextInt(input + 1), random.nextInt(output + 1));
                    charged.add(Gov.cost(used.inputTokens(), used.outputTokens()));
                    d.permit().release(List.of(attempt(ACME, used)));
                } else {
                    refused.incrementAndGet();
                    BudgetExceededException e = (BudgetExceededException) d.refusal();
                    if (e.remaining().compareTo(e.requested()) >= 0) {
                        violations.add("refused " + e.requested() + " with " + e.remaining() + " left");
                    }
                }
            }
        });

        BigDecimal total = charged.stream().reduce(BigDecimal.ZERO, BigDecimal::add);
        BudgetStore.Usage end = g.budgetUsage(ACME);
        assertThat(violations).isEmpty();
        assertThat(admitted.get()).isPositive();
        assertThat(refused.get()).as("the budget ran out during the run").isPositive();
        assertThat(end.reservedUsd()).isEqualByComparingTo("0");
        assertThat(end.openReservations()).isZero();
        assertThat(end.spentUsd()).isEqualByComparingTo(total).isLessThanOrEqualTo(budget);
        // With everything settled, a call that fits the real headroom must be admitted, and one that does not, not.
        BigDecimal headroom = budget.subtract(end.spentUsd());
        BigDecimal smallest = Gov.cost(1, 1);
        Decision last = g.tryAdmit(ACME, request(1, 1), profile(ACME));
        assertThat(last.admitted()).isEqualTo(headroom.compareTo(smallest) >= 0);
    }

    @Test
    void admit_64ThreadsWithOverrunningCalls_overspendIsBoundedByWhatCallsUsedBeyondTheirReservation()
            throws Exception {
        BigDecimal budget = new BigDecimal("0.05");
        Governance g = Governance.builder()
                .policies(PolicySet.of(TenantPolicy.builder().budget(Gov.monthly(budget.toPlainString())).build()))
                .priceCatalog(Gov.PRICES).clock(new Gov.ManualClock(Gov.T0)).ticker(new Gov.ManualTicker()).build();
        Queue<BigDecimal> overruns = new ConcurrentLinkedQueue<>();
        Queue<String> violations = new ConcurrentLinkedQueue<>();

        onAllThreads(thread -> {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            for (int i = 0; i < 60; i++) {
                Decision d = g.tryAdmit(ACME, request(50, 50), profile(ACME));
                BudgetStore.Usage now = g.budgetUsage(ACME);
                BigDecimal overrunSoFar = overruns.stream().reduce(BigDecimal.ZERO, BigDecimal::add);
                if (now.spentUsd().add(now.reservedUsd()).compareTo(budget.add(overrunSoFar)) > 0) {
                    violations.add("spent " + now.spentUsd() + " + reserved " + now.reservedUsd() + " > budget + "
                            + overrunSoFar);
                }
                if (d.admitted()) {
                    int output = random.nextInt(10) == 0 ? 50 + random.nextInt(50) : random.nextInt(51);
                    BigDecimal overrun = Gov.cost(50, output).subtract(Gov.cost(50, 50)).max(BigDecimal.ZERO);
                    overruns.add(overrun);   // before settling, so a reader never sees the spend without it
                    d.permit().release(List.of(attempt(ACME, TokenUsage.of(50, output))));
                }
            }
        });

        BigDecimal overrun = overruns.stream().reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(violations).isEmpty();
        assertThat(overrun).isPositive();
        assertThat(g.budgetUsage(ACME).reservedUsd()).isEqualByComparingTo("0");
        assertThat(g.budgetUsage(ACME).spentUsd()).isLessThanOrEqualTo(budget.add(overrun));
    }

    @Test
    void admit_64ThreadsAgainstAConcurrencyCap_neverExceedTheCapAndReturnEverySlot() throws Exception {
        int cap = 5;
        Governance g = Governance.builder()
                .policies(PolicySet.of(TenantPolicy.builder().maxConcurrentCalls(cap).tokensPerMinute(1_000_000L)
                        .build()))
                .priceCatalog(Gov.PRICES).clock(new Gov.ManualClock(Gov.T0)).ticker(new Gov.ManualTicker()).build();
        AtomicInteger holding = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        AtomicInteger admitted = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();

        onAllThreads(thread -> {
            for (int i = 0; i < 300; i++) {
                Decision d = g.tryAdmit(ACME, request(10, 10), profile(ACME));
                if (d.admitted()) {
                    admitted.incrementAndGet();
                    most.accumulateAndGet(holding.incrementAndGet(), Math::max);
                    most.accumulateAndGet(g.inFlight(ACME.id()), Math::max);
                    holding.decrementAndGet();
                    d.permit().release(List.of(attempt(ACME, TokenUsage.of(10, 10))));
                } else {
                    assertThat(((RateLimitExceededException) d.refusal()).limitName()).isEqualTo("concurrent-calls");
                    refused.incrementAndGet();
                }
            }
        });

        assertThat(most.get()).isBetween(1, cap);
        assertThat(admitted.get() + refused.get()).isEqualTo(THREADS * 300);
        assertThat(g.inFlight(ACME.id())).isZero();
        assertThat(g.openPermits()).isZero();
        assertThat(g.availableTokens(ACME)).isEqualTo(1_000_000L - 20L * admitted.get());
    }

    @Test
    void releaseRacingTheSweeper_settlesEveryPermitExactlyOnce() throws Exception {
        Gov.ManualClock clock = new Gov.ManualClock(Gov.T0);
        Governance g = Governance.builder()
                .policies(PolicySet.of(TenantPolicy.builder().budget(Gov.monthly("100")).maxConcurrentCalls(10_000)
                        .build()))
                .priceCatalog(Gov.PRICES).clock(clock).ticker(new Gov.ManualTicker()).lease(Duration.ofMinutes(1))
                .build();
        List<Permit> permits = new ArrayList<>();
        for (int i = 0; i < THREADS * 50; i++) {
            permits.add(g.admit(ACME, request(100, 100), profile(ACME)));
        }
        clock.advance(Duration.ofMinutes(2));

        onAllThreads(thread -> {
            if (thread % 8 == 0) {
                g.sweep();
            }
            for (int i = thread; i < permits.size(); i += THREADS) {
                permits.get(i).release(List.of());
            }
        });
        g.sweep();

        // Released permits used nothing; expired ones are charged their reservation, 0.0006 each.
        assertThat(g.budgetUsage(ACME).spentUsd())
                .isEqualByComparingTo(new BigDecimal("0.0006").multiply(BigDecimal.valueOf(g.expiredLeases())));
        assertThat(g.budgetUsage(ACME).reservedUsd()).isEqualByComparingTo("0");
        assertThat(g.inFlight(ACME.id())).isZero();
        assertThat(g.openPermits()).isZero();
    }
}
