package dev.aip.core.governance;

import java.math.BigDecimal;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A spending limit in US dollars per period.
 *
 * <p>{@link #UNLIMITED} is the explicit absence of a budget, so that a tenant can lift the budget its tier would
 * give it; a policy that says nothing about budgets inherits one instead.
 *
 * <p>Immutable.
 *
 * @param amountUsd the most the tenant may spend per period, positive; {@code null} only in {@link #UNLIMITED}
 * @param period the period the amount applies to; {@code null} only in {@link #UNLIMITED}
 */
public record Budget(@Nullable BigDecimal amountUsd, @Nullable BudgetPeriod period) {

    /** No budget at all. */
    public static final Budget UNLIMITED = new Budget(null, null);

    /**
     * Validates.
     *
     * @throws IllegalArgumentException if the amount is not positive, or only one of amount and period is given
     */
    public Budget {
        if ((amountUsd == null) != (period == null)) {
            throw new IllegalArgumentException("A budget needs both an amount and a period (or neither, for"
                    + " Budget.UNLIMITED)");
        }
        if (amountUsd != null && amountUsd.signum() <= 0) {
            throw new IllegalArgumentException("A budget must be positive, was " + amountUsd.toPlainString()
                    + " USD; to forbid all calls, allow no models");
        }
    }

    /**
     * Creates a budget.
     *
     * @param amountUsd positive US dollars per period
     * @param period the period
     * @return the budget
     */
    public static Budget of(BigDecimal amountUsd, BudgetPeriod period) {
        return new Budget(Objects.requireNonNull(amountUsd, "amountUsd"), Objects.requireNonNull(period, "period"));
    }

    /**
     * Returns whether this budget limits spending.
     *
     * @return {@code false} for {@link #UNLIMITED}
     */
    public boolean isLimited() {
        return amountUsd != null;
    }
}
