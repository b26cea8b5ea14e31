package dev.aip.core.sink;

import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import java.math.BigDecimal;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Usage totals of one tenant (or of several, merged), as of a snapshot.
 *
 * <p>Costs add only priced calls: calls whose model had no price are counted in {@link #unpricedCalls()} instead
 * of adding zero, so a total that misses prices says so. {@link #costUsd()} is exact and unrounded.
 *
 * <p>Maps hold only non-zero counts, so equal usage compares equal however it was assembled. {@link #merge} is
 * associative and commutative, with {@link #EMPTY} as identity, and merging the usage of two sets of records gives
 * the usage of their union.
 *
 * <p>Immutable.
 *
 * <p><b>Refusals.</b> A call refused by the library's own policy ({@link Outcome#REJECTED_BY_POLICY}: a rate limit,
 * a budget, a model not allowed) never reached Bedrock. It counts in {@link #calls()} and {@link #callsByOutcome()}
 * like every recorded attempt, and is also told apart: {@link #refusals()} counts refusals,
 * {@link #modelCalls()} the attempts sent to Bedrock, and {@link #latency()} holds only the latter, so a burst of
 * refusals (which end in about no time) cannot pull the percentiles of real calls towards zero.
 *
 * @param calls all recorded call attempts, refusals included
 * @param callsByOutcome attempts per outcome (non-zero entries only)
 * @param tokens tokens per bucket, summed
 * @param costUsd the exact sum of the costs of priced attempts
 * @param unpricedCalls attempts whose model had no price (not included in {@code costUsd})
 * @param latency latencies of the attempts sent to Bedrock (refusals left out)
 * @param timeToFirstToken time to first token of the attempts that reported one (streams)
 * @param errorsByCode attempts per error code (non-zero entries only, sorted by code)
 */
public record TenantUsage(
        long calls,
        Map<Outcome, Long> callsByOutcome,
        TokenUsage tokens,
        BigDecimal costUsd,
        long unpricedCalls,
        LatencyDistribution latency,
        LatencyDistribution timeToFirstToken,
        Map<String, Long> errorsByCode) {

    /** No usage at all. */
    public static final TenantUsage EMPTY = new TenantUsage(0, Map.of(), TokenUsage.ZERO, BigDecimal.ZERO, 0,
            LatencyDistribution.EMPTY, LatencyDistribution.EMPTY, Map.of());

    /**
     * Validates the values and copies the maps, dropping zero counts.
     *
     * @throws NullPointerException if a component is {@code null}
     * @throws IllegalArgumentException if a count is negative
     */
    public TenantUsage {
        Objects.requireNonNull(callsByOutcome, "callsByOutcome");
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(costUsd, "costUsd");
        Objects.requireNonNull(latency, "latency");
        Objects.requireNonNull(timeToFirstToken, "timeToFirstToken");
        Objects.requireNonNull(errorsByCode, "errorsByCode");
        if (calls < 0 || unpricedCalls < 0) {
            throw new IllegalArgumentException("Counts cannot be negative: calls=" + calls + ", unpricedCalls="
                    + unpricedCalls);
        }
        EnumMap<Outcome, Long> outcomes = new EnumMap<>(Outcome.class);
        callsByOutcome.forEach((outcome, n) -> {
            if (n != 0) {
                outcomes.put(outcome, n);
            }
        });
        callsByOutcome = Collections.unmodifiableMap(outcomes);
        TreeMap<String, Long> errors = new TreeMap<>();
        errorsByCode.forEach((code, n) -> {
            if (n != 0) {
                errors.put(code, n);
            }
        });
        errorsByCode = Collections.unmodifiableMap(errors);
    }

    /**
     * Returns the number of attempts with one outcome.
     *
     * @param outcome the outcome
     * @return the count, 0 if none
     */
    public long calls(Outcome outcome) {
        return callsByOutcome.getOrDefault(outcome, 0L);
    }

    /**
     * Returns the number of calls refused by the library's policy before they reached Bedrock.
     *
     * @return the count of {@link Outcome#REJECTED_BY_POLICY} attempts, 0 if none
     */
    public long refusals() {
        return calls(Outcome.REJECTED_BY_POLICY);
    }

    /**
     * Returns the number of attempts sent to Bedrock, whatever their outcome: {@link #calls()} minus
     * {@link #refusals()}. These are the attempts {@link #latency()} describes.
     *
     * @return the count
     */
    public long modelCalls() {
        return calls - refusals();
    }

    /**
     * Returns the usage of both, added.
     *
     * @param other other usage
     * @return the sum
     * @throws ArithmeticException if a count overflows a {@code long}
     */
    public TenantUsage merge(TenantUsage other) {
        EnumMap<Outcome, Long> outcomes = new EnumMap<>(Outcome.class);
        outcomes.putAll(callsByOutcome);
        other.callsByOutcome.forEach((k, v) -> outcomes.merge(k, v, Math::addExact));
        TreeMap<String, Long> errors = new TreeMap<>(errorsByCode);
        other.errorsByCode.forEach((k, v) -> errors.merge(k, v, Math::addExact));
        return new TenantUsage(
                Math.addExact(calls, other.calls),
                outcomes,
                tokens.plus(other.tokens),
                costUsd.add(other.costUsd),
                Math.addExact(unpricedCalls, other.unpricedCalls),
                latency.merge(other.latency),
                timeToFirstToken.merge(other.timeToFirstToken),
                errors);
    }
}
