package dev.aip.governance.redis;

import static dev.aip.governance.redis.Gov.attempt;
import static dev.aip.governance.redis.Gov.profile;
import static dev.aip.governance.redis.Gov.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.AipException;
import dev.aip.core.BudgetExceededException;
import dev.aip.core.RateLimitExceededException;
import dev.aip.core.governance.BudgetStore;
import dev.aip.core.governance.Decision;
import dev.aip.core.governance.FailurePolicy;
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
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * 64 threads on 3 Governance instances sharing one Redis for every state (budget, request rate, token rate and
 * concurrency slots), until each tenant's binding limit is used up: {@code rpm} runs out of requests, {@code tpm} of
 * tokens, {@code usd} of budget; every tenant also has a cap of 4 calls in flight. The clock stands still, so nothing
 * refills and every counter can be checked exactly at the end.
 */
class RedisGovernanceStressTest {

    private static final int INSTANCES = 3;
    private static final int THREADS = 64;
    private static final int MAX_ATTEMPTS_PER_THREAD = 400;
    private static final int CAP = 4;
    private static final long REQUESTS = 40;
    private static final long TOKENS = 4_000;
    private static final BigDecimal BUDGET = new BigDecimal("0.012");

    private static final TenantContext RPM = TenantContext.of("rpm");
    private static final TenantContext TPM = TenantContext.of("tpm");
    private static final TenantContext USD = TenantContext.of("usd");
    private static final List<TenantContext> TENANTS = List.of(RPM, TPM, USD);

    private final ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    private final List<RedisGovernanceState> states = new ArrayList<>();

    @AfterEach
    void stop() {
        pool.shutdownNow();
        states.forEach(RedisGovernanceState::close);
    }

    /** What one tenant saw; the queues are appended to by every thread. */
    static final class Seen {
        final AtomicInteger inside = new AtomicInteger();
        final AtomicInteger most = new AtomicInteger();
        final AtomicInteger admitted = new AtomicInteger();
        final AtomicBoolean exhausted = new AtomicBoolean();
        final Queue<Long> tokens = new ConcurrentLinkedQueue<>();
        final Queue<BigDecimal> charged = new ConcurrentLinkedQueue<>();
        final Queue<BigDecimal> overruns = new ConcurrentLinkedQueue<>();
        final Queue<AipException> refusals = new ConcurrentLinkedQueue<>();
        final Queue<String> violations = new ConcurrentLinkedQueue<>();
    }

    @Test
    void admit_64ThreadsOn3InstancesSharingRedis_everyLimitHoldsAcrossInstancesAndNothingLeaks() throws Exception {
        String url = RedisServer.url();
        String prefix = "aip-stress-" + UUID.randomUUID();
        ManualClock clock = ManualClock.at(Instant.now().truncatedTo(ChronoUnit.SECONDS));
        PolicySet policies = PolicySet.builder()
                .defaults(TenantPolicy.builder().maxConcurrentCalls(CAP).build())
                .tenant(RPM.id(), TenantPolicy.builder().requestsPerMinute(REQUESTS).build())
                .tenant(TPM.id(), TenantPolicy.builder().tokensPerMinute(TOKENS).build())
                .tenant(USD.id(), TenantPolicy.builder().budget(Gov.monthly(BUDGET.toPlainString())).build())
                .build();
        List<Governance> instances = new ArrayList<>();
        List<Gov.SeenBuckets> buckets = new ArrayList<>();
        for (int i = 0; i < INSTANCES; i++) {
            RedisGovernanceState state = RedisGovernanceState.builder().uri(url).keyPrefix(prefix).clock(clock)
                    .build();
            states.add(state);
            Gov.SeenBuckets rates = new Gov.SeenBuckets(state.rateLimitState());
            buckets.add(rates);
            instances.add(Governance.builder().policies(policies).priceCatalog(Gov.PRICES).clock(clock)
                    .budgetStore(state.budgetStore()).rateLimitState(rates)
                    .concurrencyState(state.concurrencyState()).settlementExecutor(Runnable::run)
                    .failurePolicy(FailurePolicy.CLOSED).build());
        }
        List<Seen> seen = List.of(new Seen(), new Seen(), new Seen());

        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            Governance g = instances.get(t % INSTANCES);
            int first = t;
            futures.add(pool.submit(() -> {
                start.await();
                ThreadLocalRandom random = ThreadLocalRandom.current();
                for (int i = 0; i < MAX_ATTEMPTS_PER_THREAD && !seen.stream().allMatch(s -> s.exhausted.get()); i++) {
                    int which = (first + i) % TENANTS.size();
                    call(g, TENANTS.get(which), seen.get(which), random);
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : futures) {
            f.get(3, TimeUnit.MINUTES);
        }

        for (int i = 0; i < TENANTS.size(); i++) {
            Seen s = seen.get(i);
            TenantContext tenant = TENANTS.get(i);
            assertThat(s.violations).as(tenant.id().value()).isEmpty();
            assertThat(s.exhausted).as("%s used up its binding limit", tenant.id().value()).isTrue();
            assertThat(s.most.get()).as("most calls of %s in flight at once, across instances", tenant.id().value())
                    .isBetween(1, CAP);
            for (Governance g : instances) {
                assertThat(g.inFlight(tenant.id())).isZero();
            }
        }
        for (Governance g : instances) {
            assertThat(g.openPermits()).isZero();
            assertThat(g.failOpenAdmissions()).isZero();
        }
        Governance any = instances.get(0);

        // Requests: exactly the limit was admitted; refused calls gave theirs back.
        Seen rpm = seen.get(0);
        assertThat(rpm.admitted.get()).isEqualTo((int) REQUESTS);
        assertThat(buckets.get(0).available(RPM, "requests-per-minute")).isZero();
        assertThat(rpm.refusals).allSatisfy(e -> assertThat(e).isInstanceOfSatisfying(RateLimitExceededException.class,
                r -> assertThat(r.limitName()).isIn("concurrent-calls", "requests-per-minute")));

        // Tokens: the bucket holds exactly the limit minus what settled calls used.
        Seen tpm = seen.get(1);
        long used = tpm.tokens.stream().mapToLong(Long::longValue).sum();
        assertThat(buckets.get(0).available(TPM, "tokens-per-minute")).isEqualTo(TOKENS - used);
        assertThat(tpm.refusals).allSatisfy(e -> assertThat(e).isInstanceOfSatisfying(RateLimitExceededException.class,
                r -> assertThat(r.limitName()).isIn("concurrent-calls", "tokens-per-minute")));

        // Budget: spent is exactly what was charged, within the budget plus what calls used beyond their reservation.
        Seen usd = seen.get(2);
        BigDecimal charged = usd.charged.stream().reduce(BigDecimal.ZERO, BigDecimal::add);
        BigDecimal overrun = usd.overruns.stream().reduce(BigDecimal.ZERO, BigDecimal::add);
        BudgetStore.Usage end = any.budgetUsage(USD);
        assertThat(end.reservedUsd()).isEqualByComparingTo("0");
        assertThat(end.openReservations()).isZero();
        assertThat(end.spentUsd()).isEqualByComparingTo(charged).isLessThanOrEqualTo(BUDGET.add(overrun));
        assertThat(usd.refusals).allSatisfy(e -> assertThat(e).satisfiesAnyOf(
                r -> assertThat(r).isInstanceOfSatisfying(RateLimitExceededException.class,
                        x -> assertThat(x.limitName()).isEqualTo("concurrent-calls")),
                r -> assertThat(r).isInstanceOf(BudgetExceededException.class)));
    }

    /** One attempt: admit; if admitted, hold the permit a moment, then release it with a random real usage. */
    private static void call(Governance g, TenantContext tenant, Seen s, ThreadLocalRandom random) {
        Decision d = g.tryAdmit(tenant, request(100, 100), profile(tenant));
        if (tenant == USD) {
            BudgetStore.Usage now = g.budgetUsage(USD);
            BigDecimal overrunSoFar = s.overruns.stream().reduce(BigDecimal.ZERO, BigDecimal::add);
            if (now.spentUsd().add(now.reservedUsd()).compareTo(BUDGET.add(overrunSoFar)) > 0) {
                s.violations.add("spent " + now.spentUsd() + " + reserved " + now.reservedUsd() + " > budget + "
                        + overrunSoFar);
            }
        }
        if (!d.admitted()) {
            AipException refusal = d.refusal();
            s.refusals.add(refusal);
            if (refusal instanceof RateLimitExceededException e && !e.limitName().equals("concurrent-calls")) {
                if (e.limitName().equals("tokens-per-minute") && e.remaining() >= 200) {
                    s.violations.add("refused 200 tokens with " + e.remaining() + " left");
                }
                s.exhausted.set(true);
            } else if (refusal instanceof BudgetExceededException e) {
                if (e.remaining().compareTo(e.requested()) >= 0) {
                    s.violations.add("refused " + e.requested() + " USD with " + e.remaining() + " left");
                }
                s.exhausted.set(true);
            }
            return;
        }
        s.admitted.incrementAndGet();
        int inside = s.inside.incrementAndGet();
        s.most.accumulateAndGet(inside, Math::max);
        if (inside > CAP) {
            s.violations.add(inside + " calls in flight, over the cap of " + CAP);
        }
        // Redis's own count, across instances, while this call holds its slot (a round trip, so calls overlap)
        int shared = g.inFlight(tenant.id());
        if (shared < 1 || shared > CAP) {
            s.violations.add(shared + " slots held in Redis while a call holds one, cap " + CAP);
        }
        s.inside.decrementAndGet();
        // Mostly below the reservation, sometimes above it (an overrun is charged, never dropped).
        int output = random.nextInt(10) == 0 ? 100 + random.nextInt(50) : random.nextInt(101);
        TokenUsage usage = TokenUsage.of(100, output);
        s.tokens.add(usage.totalTokens());
        s.charged.add(Gov.cost(100, output));
        s.overruns.add(Gov.cost(100, output).subtract(Gov.cost(100, 100)).max(BigDecimal.ZERO));
        d.permit().release(List.of(attempt(tenant, usage)));
    }
}
