package dev.aip.core;

import dev.aip.core.tenant.TenantId;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Objects;

/**
 * Thrown when the worst-case cost of a call does not fit in what is left of its tenant's budget for the current
 * period. The call was not sent and consumed nothing.
 *
 * <p>Not {@linkplain #retryable() retryable} in the short term: the same call fits again only when the period
 * resets ({@link #retryAfter()}), when calls in flight settle below their reservations, or when the budget is
 * raised. A smaller call (lower {@code maxTokens}, shorter input) may fit now: its reservation is smaller.
 *
 * <p>The stack trace is not filled in: a rejection is an expected outcome on a hot path, not a bug.
 *
 * <p>Immutable.
 */
public final class BudgetExceededException extends AipException {

    private static final long serialVersionUID = 1L;

    private final String period;
    private final BigDecimal limitUsd;
    private final BigDecimal remainingUsd;
    private final BigDecimal requestedUsd;
    private final Duration retryAfter;

    /**
     * Creates the exception.
     *
     * @param tenant the tenant whose budget was reached
     * @param period the budget period, e.g. {@code 2026-03} or {@code 2026-03-14}
     * @param limitUsd the budget for the period, in US dollars
     * @param remainingUsd what was left (budget minus spent minus reserved by calls in flight), non-negative
     * @param requestedUsd the worst-case cost the call needed to reserve
     * @param retryAfter how long until the period resets, non-negative
     * @param message what was exceeded and what to do
     */
    public BudgetExceededException(TenantId tenant, String period, BigDecimal limitUsd, BigDecimal remainingUsd,
                                   BigDecimal requestedUsd, Duration retryAfter, String message) {
        super(message, Objects.requireNonNull(tenant, "tenant"), false, null, false);
        this.period = Objects.requireNonNull(period, "period");
        this.limitUsd = Objects.requireNonNull(limitUsd, "limitUsd");
        this.remainingUsd = Objects.requireNonNull(remainingUsd, "remainingUsd").max(BigDecimal.ZERO);
        this.requestedUsd = Objects.requireNonNull(requestedUsd, "requestedUsd");
        Objects.requireNonNull(retryAfter, "retryAfter");
        this.retryAfter = retryAfter.isNegative() ? Duration.ZERO : retryAfter;
    }

    /**
     * Returns the name of the limit, for handlers that treat all limit errors alike.
     *
     * @return {@code budget-usd}
     */
    public String limitName() {
        return "budget-usd";
    }

    /**
     * Returns the budget period the call fell in.
     *
     * @return e.g. {@code 2026-03}
     */
    public String period() {
        return period;
    }

    /**
     * Returns the budget for the period.
     *
     * @return US dollars
     */
    public BigDecimal limit() {
        return limitUsd;
    }

    /**
     * Returns what was left of the budget when the call was refused: budget minus spent minus what calls in flight
     * had reserved.
     *
     * @return non-negative US dollars, less than {@link #requested()}
     */
    public BigDecimal remaining() {
        return remainingUsd;
    }

    /**
     * Returns the worst-case cost the call needed to reserve.
     *
     * @return US dollars
     */
    public BigDecimal requested() {
        return requestedUsd;
    }

    /**
     * Returns how long until the budget period resets.
     *
     * @return a non-negative duration
     */
    public Duration retryAfter() {
        return retryAfter;
    }
}
