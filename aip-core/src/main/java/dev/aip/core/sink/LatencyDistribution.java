package dev.aip.core.sink;

import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;

/**
 * A distribution of durations (latency, time to first token) in a compact log-bucketed histogram, with percentiles
 * and merging.
 *
 * <p><b>Accuracy.</b> Durations are counted in nanosecond buckets: exact below 16 ns, then eight buckets per power
 * of two, each 1/8 of the octave wide. A percentile is reported as the middle of its bucket (never above the exact
 * maximum), so it is within <b>6.25 %</b> of the exact nearest-rank percentile of the recorded values. The maximum is
 * exact.
 *
 * <p><b>Size.</b> Only the range of buckets between the smallest and largest recorded value is stored, as
 * {@code int} counts: a handful of similar values take a few bytes; a range from 1 ms to 60 s about 130 buckets.
 * A bucket saturates at {@link Integer#MAX_VALUE} values; {@link #count()} stays exact.
 *
 * <p>Merging adds counts bucket by bucket: it is associative and commutative, and merging the distributions of two
 * sets of values gives exactly the distribution of their union.
 *
 * <p>Immutable.
 */
public final class LatencyDistribution {

    /** The distribution of no values. */
    public static final LatencyDistribution EMPTY = new LatencyDistribution(0, new int[0], 0, 0);

    private final int offset;
    private final int[] counts;
    private final long count;
    private final long maxNanos;

    /** Takes ownership of {@code counts}, which must be trimmed: first and last entries non-zero. */
    LatencyDistribution(int offset, int[] counts, long count, long maxNanos) {
        this.offset = counts.length == 0 ? 0 : offset;
        this.counts = counts;
        this.count = count;
        this.maxNanos = maxNanos;
    }

    /**
     * Returns the number of values.
     *
     * @return the count
     */
    public long count() {
        return count;
    }

    /**
     * Returns the nearest-rank percentile: the smallest recorded value such that at least {@code quantile} of all
     * values are less than or equal to it, within the accuracy stated above.
     *
     * @param quantile in {@code (0, 1]}, e.g. {@code 0.95}
     * @return the percentile, or empty if there are no values
     * @throws IllegalArgumentException if {@code quantile} is outside {@code (0, 1]}
     */
    public Optional<Duration> percentile(double quantile) {
        if (!(quantile > 0 && quantile <= 1)) {
            throw new IllegalArgumentException("quantile must be in (0, 1], got " + quantile);
        }
        if (count == 0) {
            return Optional.empty();
        }
        long rank = Math.max(1, (long) Math.ceil(quantile * count));
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Optional.of(Duration.ofNanos(Math.min(representative(offset + i), maxNanos)));
            }
        }
        return max(); // only reachable once buckets have saturated
    }

    /**
     * Returns the median.
     *
     * @return the 50th percentile, or empty if there are no values
     */
    public Optional<Duration> p50() {
        return percentile(0.50);
    }

    /**
     * Returns the 95th percentile.
     *
     * @return the 95th percentile, or empty if there are no values
     */
    public Optional<Duration> p95() {
        return percentile(0.95);
    }

    /**
     * Returns the 99th percentile.
     *
     * @return the 99th percentile, or empty if there are no values
     */
    public Optional<Duration> p99() {
        return percentile(0.99);
    }

    /**
     * Returns the largest value, exactly.
     *
     * @return the maximum, or empty if there are no values
     */
    public Optional<Duration> max() {
        return count == 0 ? Optional.empty() : Optional.of(Duration.ofNanos(maxNanos));
    }

    /**
     * Returns the distribution of the values of both distributions.
     *
     * @param other another distribution
     * @return the merged distribution
     */
    public LatencyDistribution merge(LatencyDistribution other) {
        if (other.count == 0) {
            return this;
        }
        if (count == 0) {
            return other;
        }
        int low = Math.min(offset, other.offset);
        int high = Math.max(offset + counts.length, other.offset + other.counts.length);
        int[] merged = new int[high - low];
        addInto(merged, low, this);
        addInto(merged, low, other);
        return new LatencyDistribution(low, merged, count + other.count, Math.max(maxNanos, other.maxNanos));
    }

    private static void addInto(int[] target, int low, LatencyDistribution d) {
        for (int i = 0; i < d.counts.length; i++) {
            target[d.offset - low + i] = saturatedAdd(target[d.offset - low + i], d.counts[i]);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LatencyDistribution d && count == d.count && maxNanos == d.maxNanos
                && offset == d.offset && Arrays.equals(counts, d.counts);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Long.hashCode(count) + Long.hashCode(maxNanos)) + Arrays.hashCode(counts) + offset;
    }

    @Override
    public String toString() {
        if (count == 0) {
            return "LatencyDistribution[count=0]";
        }
        return "LatencyDistribution[count=" + count + ", p50=" + p50().orElseThrow() + ", p95="
                + p95().orElseThrow() + ", p99=" + p99().orElseThrow() + ", max=" + max().orElseThrow() + "]";
    }

    // Bucket layout: values 0..7 have a bucket each; from 8 on, a value with highest bit e falls in one of eight
    // buckets of width 2^(e-3), chosen by the three bits below the highest. So a bucket's width is at most 1/8 of
    // its lower bound, and its middle is within 1/16 of any value in it.

    static int bucketIndex(long nanos) {
        if (nanos < 8) {
            return (int) nanos;
        }
        int e = 63 - Long.numberOfLeadingZeros(nanos);
        return ((e - 2) << 3) + (int) ((nanos >>> (e - 3)) & 7);
    }

    static long lowerBound(int index) {
        if (index < 8) {
            return index;
        }
        int shift = (index >>> 3) - 1;
        return (8L + (index & 7)) << shift;
    }

    static long representative(int index) {
        if (index < 16) {
            return index < 8 ? index : lowerBound(index);
        }
        int shift = (index >>> 3) - 1;
        return lowerBound(index) + (1L << (shift - 1));
    }

    static int saturatedAdd(int a, int b) {
        long sum = (long) a + b;
        return sum > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) sum;
    }
}
