package dev.aip.core.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SingleFlightTest {

    private final SingleFlight<String, Integer> flights = new SingleFlight<>();

    @Test
    void run_callersArrivingDuringAFlight_waitForItAndShareItsResult() throws Exception {
        int followers = 20;
        AtomicInteger computations = new AtomicInteger();
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<Thread> parked = new CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(followers + 1);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            results.add(pool.submit(() -> flights.run("k", () -> {
                inside.countDown();
                await(release);
                return computations.incrementAndGet();
            })));
            assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < followers; i++) {
                results.add(pool.submit(() -> {
                    parked.add(Thread.currentThread());
                    return flights.run("k", computations::incrementAndGet);
                }));
            }
            // After registering, a follower's only blocking point is the join on the leader's flight; release the
            // leader once every follower is parked there.
            while (parked.size() < followers
                    || parked.stream().anyMatch(t -> t.getState() != Thread.State.WAITING)) {
                Thread.onSpinWait();
            }
            release.countDown();
            for (Future<Integer> f : results) {
                assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo(1);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(computations.get()).isEqualTo(1);
        assertThat(flights.inFlight()).isZero();
    }

    @Test
    void run_failure_isSharedAndNotRemembered() {
        assertThatThrownBy(() -> flights.run("k", () -> {
            throw new IllegalStateException("boom");
        })).isInstanceOf(IllegalStateException.class);

        assertThat(flights.run("k", () -> 7)).isEqualTo(7);
        assertThat(flights.inFlight()).isZero();
    }

    @Test
    void run_differentKeys_doNotWaitForEachOther() {
        int inner = flights.run("outer", () -> flights.run("inner", () -> 3) + 1);

        assertThat(inner).isEqualTo(4);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
