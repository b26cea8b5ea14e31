package dev.aip.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class InvocationRecordPeakTest {

    private static InvocationRecord call(long arrivedMillis, long latencyMs) {
        return new InvocationRecord("r" + arrivedMillis, Instant.ofEpochMilli(arrivedMillis), "Converse", "m", "m",
                null, null, "m", 1, 1, 0, 0, latencyMs, null, InvocationRecord.Outcome.SUCCESS, null, true, true,
                null);
    }

    @Test
    void peakInFlight_overlappingTouchingAndNone_countsOnlyTrueOverlaps() {
        assertThat(InvocationRecord.peakInFlight(List.of())).isZero();
        // 0-100 and 50-150 overlap; 150-200 starts in the millisecond the second ends: a slot released, then taken.
        assertThat(InvocationRecord.peakInFlight(List.of(call(0, 100), call(50, 100), call(150, 50)))).isEqualTo(2);
        // Three side by side.
        assertThat(InvocationRecord.peakInFlight(List.of(call(0, 1_000), call(10, 1_000), call(20, 1_000))))
                .isEqualTo(3);
        // One after another.
        assertThat(InvocationRecord.peakInFlight(List.of(call(0, 10), call(10, 10), call(20, 10)))).isEqualTo(1);
    }
}
