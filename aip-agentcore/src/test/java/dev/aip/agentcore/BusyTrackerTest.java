package dev.aip.agentcore;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BusyTrackerTest {

    /** A clock that moves one second each time it is read, so the tracker's reads can be counted. */
    static final class CountingClock extends Clock {
        final AtomicLong reads = new AtomicLong();

        @Override
        public Instant instant() {
            return Instant.ofEpochSecond(1_000_000 + reads.incrementAndGet());
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    @Test
    void state_onlyTransitionsReadTheClock() {
        CountingClock clock = new CountingClock();
        BusyTracker busy = new BusyTracker(clock);
        assertThat(busy.state()).isEqualTo(new BusyTracker.State(PingStatus.HEALTHY, Instant.ofEpochSecond(1_000_001)));

        BusyTracker.Task first = busy.begin();
        BusyTracker.Task second = busy.begin();
        second.close();
        second.close();
        assertThat(busy.state()).isEqualTo(new BusyTracker.State(PingStatus.HEALTHY_BUSY,
                Instant.ofEpochSecond(1_000_002)));
        first.close();

        assertThat(busy.state()).isEqualTo(new BusyTracker.State(PingStatus.HEALTHY, Instant.ofEpochSecond(1_000_003)));
        assertThat(clock.reads).hasValue(3);
        assertThat(PingStatus.HEALTHY_BUSY.wireName()).isEqualTo("HealthyBusy");
    }

    @Test
    void beginAndClose_fromManyThreadsWhileOneTaskIsHeld_neverTransitionAndEndIdle() throws Exception {
        CountingClock clock = new CountingClock();
        BusyTracker busy = new BusyTracker(clock);
        BusyTracker.Task held = busy.begin();
        long readsBefore = clock.reads.get();

        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < 20_000; i++) {
                        BusyTracker.Task task = busy.begin();
                        assertThat(busy.state().status()).isEqualTo(PingStatus.HEALTHY_BUSY);
                        task.close();
                        task.close();
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

        assertThat(busy.running()).isEqualTo(1);
        assertThat(clock.reads).hasValue(readsBefore);
        held.close();
        assertThat(busy.running()).isZero();
        assertThat(busy.state().status()).isEqualTo(PingStatus.HEALTHY);
        assertThat(clock.reads).hasValue(readsBefore + 1);
    }
}
