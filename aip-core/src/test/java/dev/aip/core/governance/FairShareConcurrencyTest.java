package dev.aip.core.governance;

import static dev.aip.core.governance.Gov.attempt;
import static dev.aip.core.governance.Gov.profile;
import static dev.aip.core.governance.Gov.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.RateLimitExceededException;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.Tier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * 32 threads admitting and releasing on one model, congested most of the time, with budget refusals after the
 * fair-share step (whose reservation must be given back): afterwards every window holds exactly the tokens the
 * released calls really used, and every shed call is counted once.
 */
class FairShareConcurrencyTest {

    private static final int THREADS = 32;
    private static final int CALLS = 1_500;
    private static final List<TenantContext> TENANTS = List.of(
            TenantContext.of("p1").withTier(Tier.PREMIUM), TenantContext.of("p2").withTier(Tier.PREMIUM),
            TenantContext.of("s1"), TenantContext.of("s2"), TenantContext.of("s3"),
            TenantContext.of("b1").withTier(Tier.BASIC), TenantContext.of("b2").withTier(Tier.BASIC),
            TenantContext.of("t1").withTier(Tier.of("trial")));

    private final ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    private final LongAdder otherRefusals = new LongAdder();

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    private static Governance governance(Gov.ManualTicker ticker) {
        // Half the tenants have a budget of 0.01 USD, less than the worst case of many calls and soon spent: those
        // calls pass fair share and are then refused by the budget step, so their fair-share reservation is taken
        // back under contention.
        PolicySet.Builder policies = PolicySet.builder();
        for (int i = 0; i < TENANTS.size(); i += 2) {
            policies.tenant(TENANTS.get(i).id(), TenantPolicy.builder().budget(Gov.monthly("0.01")).build());
        }
        return Governance.builder().policies(policies.build()).priceCatalog(Gov.PRICES)
                .clock(new Gov.ManualClock(Gov.T0)).ticker(ticker)
                .fairShare(FairShare.builder().capacity(Gov.SOURCE, 300_000).build()).build();
    }

    private void run(Governance g, Gov.ManualTicker ticker, boolean moveTime, LongAdder[] used, LongAdder shed)
            throws Exception {
        AtomicLong ops = new AtomicLong();
        AtomicLong seconds = new AtomicLong();
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            futures.add(pool.submit(() -> {
                start.await();
                ThreadLocalRandom random = ThreadLocalRandom.current();
                for (int i = 0; i < CALLS; i++) {
                    int who = random.nextInt(TENANTS.size());
                    TenantContext tenant = TENANTS.get(who);
                    Decision d = g.tryAdmit(tenant, request(1 + random.nextInt(500), 1 + random.nextInt(2_500)),
                            profile(tenant));
                    if (d.admitted()) {
                        UsageRecord record;
                        // Throttles (5 %) only after each thread's first 100 calls: an early one would shrink the
                        // estimate to a few calls' worth before the budgets are reached, and every later call be shed.
                        if (i > 100 && random.nextInt(20) == 0) {
                            record = attempt(tenant, TokenUsage.ZERO).toBuilder().outcome(Outcome.THROTTLED)
                                    .errorCode("ThrottlingException").build();
                        } else {
                            int input = random.nextInt(600);
                            int output = random.nextInt(3_000);
                            record = attempt(tenant, TokenUsage.of(input, output));
                            used[who].add(input + output);
                        }
                        d.permit().release(List.of(record));
                    } else if (d.refusal() instanceof RateLimitExceededException e
                            && e.limitName().equals("fair-share")) {
                        shed.increment();
                    } else {
                        otherRefusals.increment();
                    }
                    // Time moves by whole seconds while the threads run, 50 s at most: slots are opened
                    // concurrently, and every reservation stays within the 61-second window.
                    if (moveTime && ops.incrementAndGet() % 1_000 == 0 && seconds.incrementAndGet() <= 50) {
                        ticker.advance(Duration.ofSeconds(1));
                    }
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : futures) {
            f.get(2, TimeUnit.MINUTES);
        }
    }

    private static LongAdder[] adders() {
        LongAdder[] a = new LongAdder[TENANTS.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }

    private static void assertWindowsHoldExactlyWhatWasUsed(Governance g, LongAdder[] used, LongAdder shed) {
        FairShareSnapshot.ModelState m = g.fairShare().model(Gov.SOURCE, Gov.REGION).orElseThrow();
        long total = 0;
        for (int i = 0; i < TENANTS.size(); i++) {
            TenantContext tenant = TENANTS.get(i);
            total += used[i].sum();
            assertThat(m.tenant(tenant.id()).orElseThrow().recentTokens()).as("window of %s", tenant.id())
                    .isEqualTo(used[i].sum());
        }
        assertThat(m.recentTokens()).isEqualTo(total);
        assertThat(m.shed()).isEqualTo(shed.sum()).isPositive();
        assertThat(m.tenants().stream().mapToLong(FairShareSnapshot.TenantState::shed).sum()).isEqualTo(shed.sum());
        assertThat(g.openPermits()).isZero();
    }

    private void assertTheBudgetRefusedSomeAfterFairShare() {
        assertThat(otherRefusals.sum()).as("budget refusals after the fair-share step").isPositive();
    }

    @Test
    void admitAndRelease_32Threads_windowsEqualTheSettledTokensAndShedCallsAreCountedOnce() throws Exception {
        Gov.ManualTicker ticker = new Gov.ManualTicker();
        Governance g = governance(ticker);
        LongAdder[] used = adders();
        LongAdder shed = new LongAdder();

        run(g, ticker, false, used, shed);

        assertWindowsHoldExactlyWhatWasUsed(g, used, shed);
        assertTheBudgetRefusedSomeAfterFairShare();
    }

    @Test
    void admitAndRelease_32ThreadsWhileTimeMoves_windowsEqualTheSettledTokens() throws Exception {
        Gov.ManualTicker ticker = new Gov.ManualTicker();
        Governance g = governance(ticker);
        LongAdder[] used = adders();
        LongAdder shed = new LongAdder();

        run(g, ticker, true, used, shed);

        assertWindowsHoldExactlyWhatWasUsed(g, used, shed);
        assertTheBudgetRefusedSomeAfterFairShare();
        assertThat(ticker.getAsLong()).isEqualTo(1_000_000_000L + Duration.ofSeconds(48).toNanos());
    }
}
