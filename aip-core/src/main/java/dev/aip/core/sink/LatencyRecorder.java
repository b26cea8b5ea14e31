package dev.aip.core.sink;

import java.time.Duration;
import java.util.Arrays;

/**
 * The mutable side of {@link LatencyDistribution}: records durations into buckets.
 *
 * <p>Invariant: {@code counts} spans exactly the buckets from the smallest to the largest value recorded, so its
 * first and last entries are non-zero and a snapshot needs no trimming. It grows (rarely: at most once per new
 * extreme bucket) instead of being allocated for the whole range, which keeps idle tenants small.
 *
 * <p>Not thread-safe: guarded by the owner's lock.
 */
final class LatencyRecorder {

    private int offset;
    private int[] counts;
    private long count;
    private long maxNanos;

    void record(Duration duration) {
        long nanos = toNanosSaturated(duration);
        int index = LatencyDistribution.bucketIndex(nanos);
        if (counts == null) {
            counts = new int[1];
            offset = index;
        } else if (index < offset) {
            int[] grown = new int[counts.length + (offset - index)];
            System.arraycopy(counts, 0, grown, offset - index, counts.length);
            counts = grown;
            offset = index;
        } else if (index >= offset + counts.length) {
            counts = Arrays.copyOf(counts, index - offset + 1);
        }
        counts[index - offset] = LatencyDistribution.saturatedAdd(counts[index - offset], 1);
        count++;
        maxNanos = Math.max(maxNanos, nanos);
    }

    LatencyDistribution snapshot() {
        return counts == null ? LatencyDistribution.EMPTY
                : new LatencyDistribution(offset, counts.clone(), count, maxNanos);
    }

    private static long toNanosSaturated(Duration duration) {
        try {
            return duration.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }
}
