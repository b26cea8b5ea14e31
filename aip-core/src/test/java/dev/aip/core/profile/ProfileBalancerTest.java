package dev.aip.core.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.ConfigurationException;
import dev.aip.core.tenant.TenantId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ProfileBalancerTest {

    static final TenantId ACME = TenantId.of("acme");

    static ResolvedProfile profile(String id) {
        return ResolvedProfile.of(ACME, "claude-haiku",
                "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/" + id,
                FakeInferenceProfileApi.HAIKU, false);
    }

    static final ResolvedProfile EAST = profile("east");
    static final ResolvedProfile WEST = profile("west");
    static final ResolvedProfile NORTH = profile("north");

    @Test
    void weightedRandom_putsEachProfileFirstInProportionToItsWeight() {
        ProfileBalancer balancer = ProfileBalancer.builder().weight(EAST.profileArn(), 3)
                .weight(NORTH.profileArn(), 2).random(new Random(42)).build();
        Map<String, Integer> first = new HashMap<>();
        int calls = 60_000;
        for (int i = 0; i < calls; i++) {
            first.merge(balancer.order(List.of(EAST, WEST, NORTH)).get(0).profileArn(), 1, Integer::sum);
        }

        // Weights 3 : 1 : 2 of 6: expect 30 000, 10 000 and 20 000; a generous 3 % tolerance on counts.
        assertThat(first.get(EAST.profileArn())).isBetween(29_100, 30_900);
        assertThat(first.get(WEST.profileArn())).isBetween(9_700, 10_300);
        assertThat(first.get(NORTH.profileArn())).isBetween(19_400, 20_600);
    }

    @Test
    void order_alwaysReturnsEveryProfileOnce() {
        ProfileBalancer balancer = ProfileBalancer.builder().weight(EAST.profileArn(), 5).random(new Random(1))
                .build();
        for (int i = 0; i < 1000; i++) {
            assertThat(balancer.order(List.of(EAST, WEST, NORTH))).containsExactlyInAnyOrder(EAST, WEST, NORTH);
        }
        assertThat(balancer.order(List.of(WEST))).containsExactly(WEST);
        assertThatThrownBy(() -> balancer.order(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void leastLoaded_picksTheIdleProfile() {
        ProfileBalancer balancer = ProfileBalancer.builder().strategy(ProfileBalancer.Strategy.LEAST_LOADED)
                .weight(EAST.profileArn(), 100).random(new Random(5)).build();
        ProfileBalancer.Lease a = balancer.acquire(EAST);
        ProfileBalancer.Lease b = balancer.acquire(EAST);
        ProfileBalancer.Lease c = balancer.acquire(NORTH);

        for (int i = 0; i < 100; i++) {
            assertThat(balancer.order(List.of(EAST, WEST, NORTH))).containsExactly(WEST, NORTH, EAST);
        }

        a.release();
        b.release();
        c.release();
        assertThat(balancer.inFlight(EAST.profileArn())).isZero();
        assertThat(balancer.inFlight(NORTH.profileArn())).isZero();
    }

    @Test
    void leastLoaded_tiesAreSpreadByWeight() {
        ProfileBalancer balancer = ProfileBalancer.builder().strategy(ProfileBalancer.Strategy.LEAST_LOADED)
                .random(new Random(9)).build();
        int east = 0;
        for (int i = 0; i < 10_000; i++) {
            if (balancer.order(List.of(EAST, WEST)).get(0).equals(EAST)) {
                east++;
            }
        }
        assertThat(east).isBetween(4_700, 5_300);
    }

    @Test
    void lease_releasedTwice_countsOnce() {
        ProfileBalancer balancer = ProfileBalancer.builder().build();
        ProfileBalancer.Lease one = balancer.acquire(EAST);
        ProfileBalancer.Lease two = balancer.acquire(EAST);

        one.release();
        one.release();

        assertThat(balancer.inFlight(EAST.profileArn())).isEqualTo(1);
        two.release();
        assertThat(balancer.inFlight(EAST.profileArn())).isZero();
    }

    @Test
    void leases_underConcurrency_returnToZero() throws Exception {
        ProfileBalancer balancer = ProfileBalancer.builder().strategy(ProfileBalancer.Strategy.LEAST_LOADED)
                .build();
        int threads = 32;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CyclicBarrier start = new CyclicBarrier(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    start.await();
                    ThreadLocalRandom r = ThreadLocalRandom.current();
                    for (int i = 0; i < 2_000; i++) {
                        ResolvedProfile p = balancer.order(List.of(EAST, WEST, NORTH)).get(0);
                        ProfileBalancer.Lease lease = balancer.acquire(p);
                        assertThat(balancer.inFlight(p.profileArn())).isPositive();
                        lease.release();
                        if (r.nextBoolean()) {
                            lease.release();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        for (ResolvedProfile p : List.of(EAST, WEST, NORTH)) {
            assertThat(balancer.inFlight(p.profileArn())).isZero();
        }
    }

    @Test
    void weight_belowOne_isAConfigurationError() {
        assertThatThrownBy(() -> ProfileBalancer.builder().weight(EAST.profileArn(), 0))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining(EAST.profileArn());
    }
}
