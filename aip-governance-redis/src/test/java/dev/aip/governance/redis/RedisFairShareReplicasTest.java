package dev.aip.governance.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.BudgetExceededException;
import dev.aip.core.GovernanceUnavailableException;
import dev.aip.core.RateLimitExceededException;
import dev.aip.core.chat.Admission.Permit;
import dev.aip.core.governance.Decision;
import dev.aip.core.governance.FailureMode;
import dev.aip.core.governance.FailurePolicy;
import dev.aip.core.governance.FairShare;
import dev.aip.core.governance.FairShareSnapshot;
import dev.aip.core.governance.Governance;
import dev.aip.core.governance.PolicySet;
import dev.aip.core.governance.TenantPolicy;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.Tier;
import dev.aip.testkit.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Three {@link Governance} instances on one Redis, as three replicas of an application: fair share is decided once
 * for all of them. Calls run one after the other in simulated time, so "once" is exact: three replicas on one Redis
 * admit exactly what one instance admits on the same calls (the property {@link RedisFairShareProperties} shows one
 * instance on Redis decides as one in memory).
 */
class RedisFairShareReplicasTest {

    static final TenantContext GOLD = TenantContext.of("gold").withTier(Tier.PREMIUM);
    static final TenantContext SILVER = TenantContext.of("silver");
    static final TenantContext FLOODER = TenantContext.of("flood").withTier(Tier.BASIC);
    static final FairShare SETTINGS = FairShare.builder().capacity(Gov.SOURCE, 100_000).build();

    /** Admitted calls per tenant id. */
    record Flood(Map<String, Integer> admitted, Map<String, Integer> sent) {
    }

    /**
     * Three simulated minutes: gold sends a call of 1,000 tokens every 2 s (30,000 per minute), silver every 3 s
     * (20,000), the flooder 12 per second (720,000, seven times the capacity of 100,000); calls are spread over the
     * replicas in turn and released at once at their estimate.
     */
    static Flood flood(Replicas replicas) {
        Map<String, Integer> admitted = new TreeMap<>();
        Map<String, Integer> sent = new TreeMap<>();
        int n = replicas.governances.size();
        int turn = 0;
        for (int s = 0; s < 180; s++) {
            List<TenantContext> senders = new ArrayList<>();
            if (s % 2 == 0) {
                senders.add(GOLD);
            }
            if (s % 3 == 0) {
                senders.add(SILVER);
            }
            for (int j = 0; j < 12; j++) {
                senders.add(FLOODER);
            }
            for (TenantContext tenant : senders) {
                sent.merge(tenant.id().value(), 1, Integer::sum);
                if (Replicas.use(replicas.get(turn++ % n), tenant)) {
                    admitted.merge(tenant.id().value(), 1, Integer::sum);
                }
            }
            replicas.clock.advance(Duration.ofSeconds(1));
        }
        return new Flood(admitted, sent);
    }

    @Test
    void flood_threeReplicasOnOneRedis_flooderGetsItsShareOnceNotOncePerReplica() {
        Flood one;
        Flood shared;
        Flood apart;
        try (Replicas r = new Replicas(1, false, SETTINGS)) {
            one = flood(r);
        }
        try (Replicas r = new Replicas(3, true, SETTINGS)) {
            shared = flood(r);
            for (Governance g : r.governances) {
                FairShareSnapshot.ModelState model = g.fairShare().model(Gov.SOURCE, Gov.REGION).orElseThrow();
                assertThat(model.tenant(FLOODER.id()).orElseThrow().shed()).as("every replica sees every shed call")
                        .isEqualTo(shared.sent().get("flood") - shared.admitted().get("flood"));
                assertThat(g.failOpenAdmissions()).isZero();
            }
        }
        try (Replicas r = new Replicas(3, false, SETTINGS)) {
            apart = flood(r);
        }

        assertThat(shared.admitted()).as("three replicas on one Redis admit what one instance admits")
                .isEqualTo(one.admitted());
        assertThat(shared.admitted().get("gold")).as("the quiet tenants lose nothing").isEqualTo(shared.sent().get("gold"));
        assertThat(shared.admitted().get("silver")).isEqualTo(shared.sent().get("silver"));
        // One instance: the flooder fills the model to the congestion threshold (90,000) in its first 8 seconds, then
        // gets what the others leave below it (or its share, if more) per window of 61 s.
        assertThat(one.admitted().get("flood")).isLessThan(one.sent().get("flood") / 10);
        assertThat(apart.admitted().get("flood")).as("each replica on its own believes the capacity is its own")
                .isGreaterThanOrEqualTo(3 * one.admitted().get("flood"));
        System.out.printf("flooder admitted: one instance %d, three on one Redis %d, three apart %d%n",
                one.admitted().get("flood"), shared.admitted().get("flood"), apart.admitted().get("flood"));
    }

    @Test
    void flood_twelveThreadsOnThreeReplicasAtOnce_admitExactlyTheCapacity() throws Exception {
        try (Replicas r = new Replicas(3, true, SETTINGS)) {
            AtomicInteger admitted = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(12);
            CountDownLatch start = new CountDownLatch(1);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < 12; t++) {
                    Governance g = r.get(t % 3);
                    done.add(pool.submit(() -> {
                        start.await();
                        for (int i = 0; i < 25; i++) {
                            if (Replicas.call(g, FLOODER, 1_000).admitted()) {
                                admitted.incrementAndGet();
                            }
                        }
                        return null;
                    }));
                }
                start.countDown();
                for (Future<?> f : done) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }

            // Alone on the model, the flooder's share is the whole capacity: a call passes while the model's minute,
            // the call included, stays within 100,000. Each script adds, decides and takes back at once, so 300
            // calls racing on three replicas admit exactly 100 (each replica on its own would admit 100).
            assertThat(admitted.get()).isEqualTo(100);
            assertThat(r.get(0).fairShare().model(Gov.SOURCE, Gov.REGION).orElseThrow().recentTokens())
                    .isEqualTo(100_000);
        }
    }

    @Test
    void throttle_reportedToOneReplica_lowersTheEstimateEveryReplicaDecidesOn() {
        try (Replicas r = new Replicas(3, true, SETTINGS)) {
            List<Permit> held = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                held.add(Replicas.call(r.get(i % 3), SILVER, 1_000).permit());
            }
            Replicas.release(held.get(0), Replicas.throttled(SILVER, Gov.SOURCE));

            // β 0.7 of the 50,000 used in the last minute (the throttled call still counted): 35,000.
            for (Governance g : r.governances) {
                FairShareSnapshot.ModelState model = g.fairShare().model(Gov.SOURCE, Gov.REGION).orElseThrow();
                assertThat(model.capacityTokensPerMinute()).hasValue(35_000);
                assertThat(model.capacityDecreases()).isEqualTo(1);
            }
            // Replica 2 never saw the throttle, and sheds on the lowered estimate: 49,000 used > 31,500, and the
            // flooder's 13,000 > its share (weight 1 of 3: 11,666).
            Decision d = Replicas.call(r.get(2), FLOODER, 1_000);
            assertThat(Replicas.call(r.get(2), FLOODER, 12_000).refusal())
                    .isInstanceOf(RateLimitExceededException.class).hasMessageContaining("an estimated 35000 tokens");
            // A throttle reported to another replica within the cooldown is the same event: no second decrease.
            Replicas.release(held.get(1), Replicas.throttled(SILVER, Gov.SOURCE));
            FairShareSnapshot.ModelState model = r.get(0).fairShare().model(Gov.SOURCE, Gov.REGION).orElseThrow();
            assertThat(model.capacityTokensPerMinute()).hasValue(35_000);
            assertThat(model.throttles()).isEqualTo(2);
            assertThat(model.capacityDecreases()).isEqualTo(1);
            assertThat(d.admitted()).as("the flooder's first call: it had used nothing").isTrue();
        }
    }

    @Test
    void additiveIncrease_threeReplicas_growsTheEstimateAtTheRateOfOneInstance() {
        try (Replicas shared = new Replicas(3, true, SETTINGS); Replicas one = new Replicas(1, false, SETTINGS)) {
            for (Replicas r : List.of(shared, one)) {
                Permit p = Replicas.call(r.get(0), SILVER, 20_000).permit();
                Replicas.release(p, Replicas.throttled(SILVER, Gov.SOURCE));   // 0.7 × 20,000 = 14,000
            }
            List<Long> seen = new ArrayList<>();
            List<Long> expected = new ArrayList<>();
            for (Duration step : List.of(Duration.ofSeconds(15), Duration.ofSeconds(14), Duration.ofSeconds(31))) {
                shared.clock.advance(step);
                one.clock.advance(step);
                for (int i = 0; i < 3; i++) {
                    Replicas.use(shared.get(i), GOLD);     // each replica brings the increase up to date
                }
                Replicas.use(one.get(0), GOLD);
                seen.add(capacity(shared.get(2)));
                expected.add(capacity(one.get(0)));
            }
            // A step of 5,000 (a twentieth of 100,000) per 15 s without a decrease: at 15 s, 29 s and 60 s.
            assertThat(expected).containsExactly(19_000L, 19_000L, 34_000L);
            assertThat(seen).isEqualTo(expected);
        }
    }

    @Test
    void redisDownAndBack_decidesOnEachReplicasOwnStateThenSharesAgain() throws Exception {
        try (RedisProxy proxy = new RedisProxy(RedisServer.url());
             Replicas r = new Replicas(2, true, proxy.url(), SETTINGS, FailurePolicy.DEFAULT)) {
            for (int i = 0; i < 80; i++) {
                assertThat(Replicas.use(r.get(i % 2), SILVER)).isTrue();
            }
            proxy.down();

            // Down: each replica decides on its own windows, which have seen nothing: the calls pass, counted.
            assertThat(Replicas.use(r.get(0), FLOODER)).isTrue();
            assertThat(Replicas.use(r.get(1), FLOODER)).isTrue();
            assertThat(r.get(0).failOpenAdmissions()).isEqualTo(1);
            assertThat(r.get(1).failOpenAdmissions()).isEqualTo(1);
            assertThat(r.get(0).fairShare().model(Gov.SOURCE, Gov.REGION).orElseThrow().recentTokens())
                    .as("the local fallback's view").isEqualTo(1_000);

            proxy.up();
            awaitShared(r.get(0));
            awaitShared(r.get(1));

            // Shared again: silver's 80,000 and gold's 2,000 are in the window, so the model is congested. The
            // flooder's calls while Redis was down were never counted there: its first call now passes as a tenant
            // that used nothing; its next is shed above its share (weight 1 of 7: 14,285).
            assertThat(Replicas.use(r.get(0), FLOODER)).isTrue();
            assertThat(Replicas.call(r.get(1), FLOODER, 20_000).refusal())
                    .isInstanceOf(RateLimitExceededException.class);
            assertThat(r.get(1).fairShare().model(Gov.SOURCE, Gov.REGION).orElseThrow().recentTokens())
                    .isEqualTo(83_000);
        }
    }

    /**
     * Calls of gold on a replica until one is decided on Redis again (Lettuce reconnects on its own schedule): a
     * bounded wait for the reconnection, not a timed assertion. The last call, the shared one, counts 1,000 there.
     */
    private static void awaitShared(Governance g) throws InterruptedException {
        for (int attempt = 0; attempt < 600; attempt++) {
            long failOpen = g.failOpenAdmissions();
            assertThat(Replicas.use(g, GOLD)).isTrue();
            if (g.failOpenAdmissions() == failOpen) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("Redis did not come back within 30 s");
    }

    @Test
    void redisDown_tierFailsClosed_refusesAsFairShareUnavailable() throws Exception {
        FailurePolicy closed = new FailurePolicy(FailureMode.FAIL_CLOSED, FailureMode.FAIL_CLOSED);
        try (RedisProxy proxy = new RedisProxy(RedisServer.url());
             Replicas r = new Replicas(1, true, proxy.url(), SETTINGS, closed)) {
            assertThat(Replicas.use(r.get(0), SILVER)).isTrue();
            proxy.down();

            Decision d = Replicas.call(r.get(0), SILVER, 1_000);

            assertThat(d.refusal()).isInstanceOfSatisfying(GovernanceUnavailableException.class,
                    e -> assertThat(e.getMessage()).contains("fair-share"));
            assertThat(r.get(0).failOpenAdmissions()).isZero();
        }
    }

    @Test
    void tryAdmitAsync_threeReplicas_shedsAsTheSyncPathDoes() {
        FairShare tenThousand = FairShare.builder().capacity(Gov.SOURCE, 10_000).build();   // congested above 9,000
        try (Replicas r = new Replicas(3, true, tenThousand)) {
            assertThat(Replicas.use(r.get(0), SILVER)).isTrue();
            int admitted = 0;
            Decision last = null;
            for (int i = 0; i < 30; i++) {
                last = r.get(i % 3).tryAdmitAsync(FLOODER, Gov.request(100, 900), Gov.profile(FLOODER))
                        .toCompletableFuture().join();
                if (last.admitted()) {
                    admitted++;
                }
            }

            // 1,000 of silver and 8 calls of the flooder fill the model to 9,000; then the flooder is far above its
            // share (weight 1 of 3: 3,333) on every replica.
            assertThat(admitted).isEqualTo(8);
            assertThat(last.refusal()).isInstanceOfSatisfying(RateLimitExceededException.class,
                    e -> assertThat(e.limitName()).isEqualTo("fair-share"));
            assertThat(r.get(1).failOpenAdmissions()).isZero();
        }
    }

    @Test
    void refusedByTheBudgetAfterFairShare_syncAndAsync_giveTheSharedReservationBack() {
        // Each call may cost up to 0.0042 USD (200 input at 1 USD, 800 output at 5 USD per million): one fits.
        PolicySet policies = PolicySet.of(TenantPolicy.builder().budget(Gov.monthly("0.006")).build());
        ManualClock clock = ManualClock.at(Instant.now().truncatedTo(ChronoUnit.SECONDS));
        try (RedisGovernanceState redis = RedisGovernanceState.builder().uri(RedisServer.url())
                .keyPrefix("aip-fs-" + UUID.randomUUID()).clock(clock).build()) {
            Governance g = Governance.builder().policies(policies).priceCatalog(Gov.PRICES).clock(clock)
                    .ticker(clock.ticker()).fairShare(SETTINGS).fairShareState(redis.fairShareState())
                    .settlementExecutor(Runnable::run).build();
            Permit held = g.admit(SILVER, Gov.request(200, 800), Gov.profile(SILVER));

            Decision sync = g.tryAdmit(SILVER, Gov.request(200, 800), Gov.profile(SILVER));
            Decision async = g.tryAdmitAsync(SILVER, Gov.request(200, 800), Gov.profile(SILVER))
                    .toCompletableFuture().join();

            assertThat(sync.refusal()).isInstanceOf(BudgetExceededException.class);
            assertThat(async.refusal()).isInstanceOf(BudgetExceededException.class);
            assertThat(g.fairShare().model(Gov.SOURCE, Gov.REGION).orElseThrow().recentTokens()).isEqualTo(1_000);
            held.release(List.of());
            assertThat(g.fairShare().model(Gov.SOURCE, Gov.REGION).orElseThrow().recentTokens()).isZero();
        }
    }

    private static long capacity(Governance g) {
        return g.fairShare().model(Gov.SOURCE, Gov.REGION).orElseThrow().capacityTokensPerMinute().getAsLong();
    }
}
