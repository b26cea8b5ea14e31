package dev.aip.core.governance;

import java.util.Objects;

/**
 * What one tier's calls do when the shared state behind a check cannot be reached: one {@link FailureMode} for the
 * rate limits (request and token buckets), one for the budget.
 *
 * <p>{@link #DEFAULT} fails open on rate limits (a short outage should not stop traffic that only a per-minute
 * limit guards) and closed on budgets (money is not spent without an account to charge it to).
 *
 * <p>Immutable.
 *
 * @param rateLimits the mode for the requests- and tokens-per-minute checks
 * @param budgets the mode for the budget check
 */
public record FailurePolicy(FailureMode rateLimits, FailureMode budgets) {

    /** Rate limits fail open, budgets fail closed. */
    public static final FailurePolicy DEFAULT = new FailurePolicy(FailureMode.FAIL_OPEN, FailureMode.FAIL_CLOSED);

    /** Everything fails open. */
    public static final FailurePolicy OPEN = new FailurePolicy(FailureMode.FAIL_OPEN, FailureMode.FAIL_OPEN);

    /** Everything fails closed. */
    public static final FailurePolicy CLOSED = new FailurePolicy(FailureMode.FAIL_CLOSED, FailureMode.FAIL_CLOSED);

    /** Validates. */
    public FailurePolicy {
        Objects.requireNonNull(rateLimits, "rateLimits");
        Objects.requireNonNull(budgets, "budgets");
    }
}
