package dev.aip.core.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class LatencyDistributionTest {

    @Test
    void empty_hasNoPercentiles() {
        assertThat(LatencyDistribution.EMPTY.count()).isZero();
        assertThat(LatencyDistribution.EMPTY.p50()).isEmpty();
        assertThat(LatencyDistribution.EMPTY.max()).isEmpty();
    }

    @Test
    void percentile_whenQuantileOutOfRange_rejects() {
        assertThatThrownBy(() -> LatencyDistribution.EMPTY.percentile(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LatencyDistribution.EMPTY.percentile(1.01))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void percentiles_ofOneToHundredMillis_areWithinBound() {
        LatencyRecorder recorder = new LatencyRecorder();
        for (int ms = 1; ms <= 100; ms++) {
            recorder.record(Duration.ofMillis(ms));
        }
        LatencyDistribution d = recorder.snapshot();
        assertThat(d.count()).isEqualTo(100);
        assertThat(d.max()).contains(Duration.ofMillis(100));
        assertThat(d.p50().orElseThrow().toNanos()).isCloseTo(50_000_000L, org.assertj.core.data.Percentage.withPercentage(6.25));
        assertThat(d.p99().orElseThrow().toNanos()).isCloseTo(99_000_000L, org.assertj.core.data.Percentage.withPercentage(6.25));
    }

    @Test
    void bucketLayout_isContiguousAndNarrow() {
        for (int index = 0; index < 487; index++) {
            long lower = LatencyDistribution.lowerBound(index);
            long nextLower = LatencyDistribution.lowerBound(index + 1);
            assertThat(LatencyDistribution.bucketIndex(lower)).isEqualTo(index);
            assertThat(LatencyDistribution.bucketIndex(nextLower - 1)).isEqualTo(index);
            if (index >= 8) {
                assertThat((double) (nextLower - lower) / lower).isLessThanOrEqualTo(0.125);
            }
        }
        assertThat(LatencyDistribution.bucketIndex(Long.MAX_VALUE)).isEqualTo(487);
    }

    @Property
    void percentile_isWithinSixPointTwoFivePercentOfExactNearestRank(
            @ForAll("samples") List<Long> nanos, @ForAll("quantiles") double q) {
        LatencyRecorder recorder = new LatencyRecorder();
        nanos.forEach(n -> recorder.record(Duration.ofNanos(n)));
        long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
        long exact = sorted[(int) Math.max(1, Math.ceil(q * sorted.length)) - 1];

        long reported = recorder.snapshot().percentile(q).orElseThrow().toNanos();

        assertThat((double) Math.abs(reported - exact)).isLessThanOrEqualTo(exact * 0.0625);
        assertThat(recorder.snapshot().max()).contains(Duration.ofNanos(Arrays.stream(sorted).max().orElseThrow()));
    }

    @Property
    void merge_equalsDistributionOfConcatenation(@ForAll("samples") List<Long> a, @ForAll("samples") List<Long> b) {
        LatencyRecorder left = new LatencyRecorder();
        LatencyRecorder right = new LatencyRecorder();
        LatencyRecorder both = new LatencyRecorder();
        a.forEach(n -> left.record(Duration.ofNanos(n)));
        b.forEach(n -> right.record(Duration.ofNanos(n)));
        a.forEach(n -> both.record(Duration.ofNanos(n)));
        b.forEach(n -> both.record(Duration.ofNanos(n)));
        assertThat(left.snapshot().merge(right.snapshot())).isEqualTo(both.snapshot());
        assertThat(right.snapshot().merge(left.snapshot())).isEqualTo(both.snapshot());
    }

    @Provide
    Arbitrary<Double> quantiles() {
        return Arbitraries.doubles().between(0.0001, 1.0).ofScale(4);
    }

    @Provide
    Arbitrary<List<Long>> samples() {
        Arbitrary<Long> wide = Arbitraries.longs().between(0, 10_000_000_000_000L);
        Arbitrary<Long> typical = Arbitraries.longs().between(1_000_000L, 60_000_000_000L);
        return Arbitraries.oneOf(wide, typical).list().ofMinSize(1).ofMaxSize(200);
    }
}
