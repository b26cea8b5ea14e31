package dev.aip.core.governance;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Tokens used in the last minute, kept in a ring of 61 one-second slots: the current second and the 60 before it. The
 * window thus always covers at least a whole minute (at most 61 s): it never counts less than Bedrock's own sliding
 * minute does, so a model kept within its estimate here is within it at Bedrock too.
 *
 * <p>Each slot is one {@code long}: the second it counts (its epoch, {@code ticker / 1 s}, modulo 2^24) in the high
 * 24 bits and the tokens in the low 40. Opening a slot for a new second (dropping what it counted a minute ago) and
 * adding to it is therefore one CAS, and no lock is needed. An amount is always added to the slot of the second it
 * was reserved in, so a settlement corrects the reservation where it was counted; once that second has left the
 * window the correction is dropped, as the reservation already was. Counts never go below zero because a settlement
 * never takes back more than its own reservation added.
 *
 * <p>Thread-safe, lock-free.
 */
final class UsageWindow {

    static final int SLOTS = 61;
    static final long SLOT_NANOS = 1_000_000_000L;
    /** The largest amount one reservation may add (a call of 2^38 tokens does not exist). */
    static final long MAX_AMOUNT = 1L << 38;
    private static final int COUNT_BITS = 40;
    private static final long COUNT_MASK = (1L << COUNT_BITS) - 1;
    private static final long EPOCH_MASK = (1L << (64 - COUNT_BITS)) - 1;
    private static final long HALF_EPOCHS = 1L << (64 - COUNT_BITS - 1);

    private final AtomicLongArray slots = new AtomicLongArray(SLOTS);

    /** The second a ticker reading falls in. */
    static long epoch(long nanos) {
        return Math.floorDiv(nanos, SLOT_NANOS);
    }

    /**
     * Adds to the count of one second.
     *
     * @param epoch the second, from {@link #epoch}
     * @param delta tokens, negative to take back; its magnitude at most {@link #MAX_AMOUNT}
     * @return {@code false} if that second has left the window and its slot counts a later one (nothing changed)
     */
    boolean add(long epoch, long delta) {
        if (delta == 0) {
            return true;
        }
        int i = index(epoch);
        long tag = epoch & EPOCH_MASK;
        while (true) {
            long v = slots.get(i);
            long held = v >>> COUNT_BITS;
            long next;
            if (held == tag) {
                next = pack(tag, (v & COUNT_MASK) + delta);
            } else if (delta > 0 && ((v & COUNT_MASK) == 0 || newer(tag, held))) {
                // An empty slot (never used, or emptied by settlements) is free whatever second it held.
                next = pack(tag, delta);
            } else {
                return false;
            }
            if (slots.compareAndSet(i, v, next)) {
                return true;
            }
        }
    }

    /**
     * Returns the tokens counted in the window that ends with {@code epoch}: that second and the 60 before it.
     *
     * @param epoch the current second
     * @return the sum, at least 0
     */
    long sum(long epoch) {
        long tag = epoch & EPOCH_MASK;
        long sum = 0;
        for (int i = 0; i < SLOTS; i++) {
            long v = slots.get(i);
            if (((tag - (v >>> COUNT_BITS)) & EPOCH_MASK) < SLOTS) {
                sum += v & COUNT_MASK;
            }
        }
        return sum;
    }

    /**
     * Returns the tokens counted in the seconds of the window before {@code epoch}: the 60 before it.
     *
     * @param epoch the current second
     * @return the sum, at least 0
     */
    long sumBefore(long epoch) {
        long tag = epoch & EPOCH_MASK;
        long sum = 0;
        for (int i = 0; i < SLOTS; i++) {
            long v = slots.get(i);
            long age = (tag - (v >>> COUNT_BITS)) & EPOCH_MASK;
            if (age > 0 && age < SLOTS) {
                sum += v & COUNT_MASK;
            }
        }
        return sum;
    }

    /**
     * Returns how long until the window's sum is at most {@code target}, if nothing more is added.
     *
     * @param nowNanos the ticker reading the window is seen at
     * @param target tokens, at least 0
     * @return nanoseconds, 0 if it already is
     */
    long nanosUntilAtMost(long nowNanos, long target) {
        long epoch = epoch(nowNanos);
        long left = sum(epoch);
        if (left <= target) {
            return 0;
        }
        for (long e = epoch - SLOTS + 1; e <= epoch; e++) {
            left -= countAt(e);
            if (left <= target) {
                return Math.max(0, (e + SLOTS) * SLOT_NANOS - nowNanos);
            }
        }
        return Math.max(0, (epoch + SLOTS) * SLOT_NANOS - nowNanos);
    }

    /** The tokens counted for one second, 0 if its slot holds another. */
    long countAt(long epoch) {
        long v = slots.get(index(epoch));
        return (v >>> COUNT_BITS) == (epoch & EPOCH_MASK) ? v & COUNT_MASK : 0;
    }

    private static int index(long epoch) {
        return (int) Math.floorMod(epoch, (long) SLOTS);
    }

    /** Whether second {@code a} is later than second {@code b}, both modulo 2^24. */
    private static boolean newer(long a, long b) {
        long d = (a - b) & EPOCH_MASK;
        return d != 0 && d < HALF_EPOCHS;
    }

    private static long pack(long tag, long count) {
        return (tag << COUNT_BITS) | Math.max(0, Math.min(count, COUNT_MASK));
    }
}
