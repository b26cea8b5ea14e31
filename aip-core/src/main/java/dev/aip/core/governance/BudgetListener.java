package dev.aip.core.governance;

/**
 * Receives budget alerts, e.g. to notify a tenant at 80 % and 100 % of its budget.
 *
 * <p>Called on the thread that settles the crossing call, after the call is over. Implementations must be
 * thread-safe, should return quickly (hand slow work to an executor) and should not throw: an exception is logged and
 * never reaches the call.
 */
@FunctionalInterface
public interface BudgetListener {

    /** A listener that ignores every alert. */
    BudgetListener NONE = alert -> { };

    /**
     * Handles one alert.
     *
     * @param alert the threshold crossed
     */
    void onThreshold(BudgetAlert alert);
}
