package dev.aip.core.governance;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * The one-minute ring against a plain model (a map from second to tokens), from any starting point of the ticker:
 * {@code System.nanoTime()} may be anywhere in the {@code long} range, negative included.
 */
class UsageWindowProperties {

    /** Move time forward by some seconds; reserve an amount now; settle one of the reservations to an amount. */
    record Op(int kind, int seconds, long amount, int index) {
    }

    @Provide
    Arbitrary<Op> ops() {
        return Combinators.combine(Arbitraries.integers().between(0, 2), Arbitraries.integers().between(0, 70),
                Arbitraries.longs().between(0, 1_000_000), Arbitraries.integers().between(0, 100)).as(Op::new);
    }

    @Provide
    Arbitrary<Long> starts() {
        return Arbitraries.longs().edgeCases(e -> e.add(0L).add(Long.MIN_VALUE / 2).add(Long.MAX_VALUE / 2)
                .add((1L << 24) * UsageWindow.SLOT_NANOS - 1));
    }

    record Reservation(long epoch, long amount) {
    }

    @Property(tries = 500)
    void window_anyStartAndOps_sumsExactlyTheLast61SecondsAndSettlesWhereReserved(
            @ForAll("starts") long start, @ForAll @Size(max = 60) List<@From("ops") Op> ops) {
        long origin = Math.max(Long.MIN_VALUE / 2, Math.min(Long.MAX_VALUE / 2, start));
        UsageWindow window = new UsageWindow();
        TreeMap<Long, Long> model = new TreeMap<>();
        List<Reservation> reservations = new ArrayList<>();
        long now = origin;

        for (Op op : ops) {
            long epoch = UsageWindow.epoch(now);
            switch (op.kind()) {
                case 0 -> now += op.seconds() * UsageWindow.SLOT_NANOS;
                case 1 -> {
                    long amount = Math.max(1, op.amount());
                    assertThat(window.add(epoch, amount)).isTrue();
                    model.merge(epoch, amount, Long::sum);
                    reservations.add(new Reservation(epoch, amount));
                }
                default -> {
                    if (reservations.isEmpty()) {
                        continue;
                    }
                    Reservation r = reservations.remove(op.index() % reservations.size());
                    long actual = Math.min(op.amount(), 3 * r.amount());
                    boolean live = epoch - r.epoch() < UsageWindow.SLOTS;
                    boolean applied = window.add(r.epoch(), actual - r.amount());
                    if (live) {
                        assertThat(applied).isTrue();
                        model.merge(r.epoch(), actual - r.amount(), Long::sum);
                    }
                }
            }
            long current = UsageWindow.epoch(now);
            long expected = model.subMap(current - UsageWindow.SLOTS, false, current, true).values().stream()
                    .mapToLong(Long::longValue).sum();
            assertThat(window.sum(current)).isEqualTo(expected);
        }
    }

    @Test
    void add_intoASlotThatHeldANewerEmptySecond_isCounted() {
        UsageWindow window = new UsageWindow();
        long epoch = (1L << 24) - 5;       // the untouched slots hold second 0, which looks newer modulo 2^24

        assertThat(window.add(epoch, 7)).isTrue();

        assertThat(window.sum(epoch)).isEqualTo(7);
    }

    @Test
    void nanosUntilAtMost_isWhenTheOldestSecondsLeaveTheWindow() {
        UsageWindow window = new UsageWindow();
        long t0 = 5_000_000_000L;
        window.add(UsageWindow.epoch(t0), 100);
        window.add(UsageWindow.epoch(t0) + 10, 50);
        long now = t0 + 20 * UsageWindow.SLOT_NANOS + 300_000_000L;

        assertThat(window.nanosUntilAtMost(now, 150)).isZero();
        assertThat(window.nanosUntilAtMost(now, 60)).isEqualTo(41 * UsageWindow.SLOT_NANOS - 300_000_000L);
        assertThat(window.nanosUntilAtMost(now, 0)).isEqualTo(51 * UsageWindow.SLOT_NANOS - 300_000_000L);
    }
}
