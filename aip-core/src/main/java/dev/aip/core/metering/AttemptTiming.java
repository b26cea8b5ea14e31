package dev.aip.core.metering;

import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * When a model call attempt started and how long it took.
 *
 * <p>Immutable.
 *
 * @param startedAt when the attempt started
 * @param latency from start to the last byte or the failure; non-negative
 * @param timeToFirstToken for streams, from start to the first content chunk; {@code null} for non-streaming calls
 *     or streams that produced no content; non-negative
 */
public record AttemptTiming(Instant startedAt, Duration latency, @Nullable Duration timeToFirstToken) {

    /**
     * Validates the values.
     *
     * @throws NullPointerException if {@code startedAt} or {@code latency} is {@code null}; the message names it
     * @throws IllegalArgumentException if a duration is negative
     */
    public AttemptTiming {
        RecordChecks.requireNonNull("startedAt", startedAt);
        RecordChecks.requireNonNull("latency", latency);
        RecordChecks.requireNonNegative("latency", latency);
        if (timeToFirstToken != null) {
            RecordChecks.requireNonNegative("timeToFirstToken", timeToFirstToken);
        }
    }
}
