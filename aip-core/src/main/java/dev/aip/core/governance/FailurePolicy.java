package dev.aip.core.governance;

import java.util.Objects;

/**
 * What one tier's calls do when the shared state behind a check cannot be reached: one {@link FailureMode} for the
 * rate limits (request and token buckets), one for the budget, one for the concurrency slots.
 *
 * <p>{@link #DEFAULT} fails open on rate limits and concurrency (a short outage should not stop traffic that only a
 * per-minute limit or a cap on calls in flight guards) and closed on budgets (money is not spent without an account
 * to charge it to).
 *
 * <p>Immutable.
 *
 * @param rateLimits the mode for the requests- and tokens-per-minute checks, and for fair share on a shared
 *     {@link FairShareState} (fail open: decided on this instance's own fair share)
 * @param budgets the mode for the budget check
 * @param concurrency the mode for the concurrent-calls check
 */
public record FailurePolicy(FailureMode rateLimits, FailureMode budgets, FailureMode concurrency) {

    /** Rate limits and concurrency fail open, budgets fail closed. */
    public static final FailurePolicy DEFAULT = new FailurePolicy(FailureMode.FAIL_OPEN, FailureMode.FAIL_CLOSED,
            FailureMode.FAIL_OPEN);

    /** Everything fails open. */
    public static final FailurePolicy OPEN = new FailurePolicy(FailureMode.FAIL_OPEN, FailureMode.FAIL_OPEN,
            FailureMode.FAIL_OPEN);

    /** Everything fails closed. */
    public static final FailurePolicy CLOSED = new FailurePolicy(FailureMode.FAIL_CLOSED, FailureMode.FAIL_CLOSED,
            FailureMode.FAIL_CLOSED);

    /** Validates. */
    public FailurePolicy {
        Objects.requireNonNull(rateLimits, "rateLimits");
        Objects.requireNonNull(budgets, "budgets");
        Objects.requireNonNull(concurrency, "concurrency");
    }

    /**
     * A policy whose concurrency check fails like its rate limits.
     *
     * @param rateLimits the mode for the requests- and tokens-per-minute checks, and for the concurrent-calls check
     * @param budgets the mode for the budget check
     */
    public FailurePolicy(FailureMode rateLimits, FailureMode budgets) {
        this(rateLimits, budgets, rateLimits);
    }

    /**
     * Returns this policy with another mode for the concurrent-calls check.
     *
     * @param mode the mode
     * @return a policy that differs only there
     */
    public FailurePolicy withConcurrency(FailureMode mode) {
        return new FailurePolicy(rateLimits, budgets, mode);
    }
}
