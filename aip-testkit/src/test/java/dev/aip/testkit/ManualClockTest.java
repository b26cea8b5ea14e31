package dev.aip.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class ManualClockTest {

    private static final Instant T0 = Instant.parse("2026-03-14T09:00:00Z");

    @Test
    void advance_byADuration_movesWallTimeAndTickerTogether() {
        ManualClock clock = ManualClock.at(T0);
        long nanos = clock.nanoTime();

        clock.advance(Duration.ofMillis(1500));

        assertThat(clock.instant()).isEqualTo(T0.plusMillis(1500));
        assertThat(clock.millis()).isEqualTo(T0.toEpochMilli() + 1500);
        assertThat(clock.nanoTime() - nanos).isEqualTo(1_500_000_000L);
        assertThat(clock.ticker().getAsLong()).isEqualTo(clock.nanoTime());
    }

    @Test
    void set_backwards_movesWallTimeOnly() {
        ManualClock clock = ManualClock.at(T0);
        long nanos = clock.nanoTime();

        clock.set(T0.minusSeconds(3600));

        assertThat(clock.instant()).isEqualTo(T0.minusSeconds(3600));
        assertThat(clock.nanoTime()).isEqualTo(nanos);
    }

    @Test
    void advance_negative_isRefusedAndMovesNothing() {
        ManualClock clock = ManualClock.at(T0);

        assertThatThrownBy(() -> clock.advance(Duration.ofNanos(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("set(Instant)");
        assertThat(clock.instant()).isEqualTo(T0);
    }

    @Test
    void start_withoutAnInstant_isAtTheDefaultStartInUtcWithAPositiveTicker() {
        ManualClock clock = ManualClock.start();

        assertThat(clock.instant()).isEqualTo(ManualClock.DEFAULT_START);
        assertThat(clock.getZone()).isEqualTo(ZoneOffset.UTC);
        assertThat(clock.nanoTime()).isPositive();
    }

    @Test
    void withZone_anotherZone_readsAndMovesTheSameTime() {
        ManualClock clock = ManualClock.at(T0);
        ManualClock paris = clock.withZone(ZoneId.of("Europe/Paris"));

        paris.advance(Duration.ofSeconds(5));
        clock.advance(Duration.ofSeconds(5));

        assertThat(paris.getZone()).isEqualTo(ZoneId.of("Europe/Paris"));
        assertThat(paris.instant()).isEqualTo(clock.instant()).isEqualTo(T0.plusSeconds(10));
        assertThat(paris.nanoTime()).isEqualTo(clock.nanoTime());
        assertThat(clock.withZone(ZoneOffset.UTC)).isSameAs(clock);
    }

    @Test
    void advance_fromManyThreadsAtOnce_losesNoMoveAndKeepsWallTimeAndTickerInStep() throws Exception {
        ManualClock clock = ManualClock.at(T0);
        long origin = clock.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 10_000; i++) {
                        clock.advance(Duration.ofNanos(1000));
                        long elapsed = clock.nanoTime() - origin;
                        assertThat(elapsed).isPositive();
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(clock.nanoTime() - origin).isEqualTo(80_000L * 1000);
        assertThat(Duration.between(T0, clock.instant())).isEqualTo(Duration.ofNanos(80_000L * 1000));
    }
}
