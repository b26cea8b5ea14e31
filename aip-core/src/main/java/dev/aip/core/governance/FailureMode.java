package dev.aip.core.governance;

/**
 * What governance does when a shared state (budget store, rate-limit state or concurrency state) cannot be reached.
 *
 * <p>Immutable.
 */
public enum FailureMode {
    /**
     * Admit the call without the unreachable check: it is logged and counted
     * ({@link Governance#failOpenAdmissions()}), and nothing is reserved in that state, so the call is not charged
     * to it either. Favours availability over the limit.
     */
    FAIL_OPEN,
    /**
     * Refuse the call with a retryable {@link dev.aip.core.GovernanceUnavailableException} naming the state and
     * carrying its failure; whatever earlier checks took is given back. Favours the limit over availability.
     */
    FAIL_CLOSED
}
