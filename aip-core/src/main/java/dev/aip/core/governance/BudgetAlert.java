package dev.aip.core.governance;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * A tenant's settled spend crossed an alert threshold of its budget in one period.
 *
 * <p>Each threshold fires once per account (tenant and period): on the settlement that takes the spend from below
 * {@code threshold × limit} to at or above it. Reservations never fire alerts; only real, settled spend does.
 *
 * <p>Immutable.
 *
 * @param key the account: tenant and period
 * @param threshold the fraction of the budget crossed, e.g. {@code 0.8}
 * @param limitUsd the budget of the period
 * @param spentUsd the settled spend after the crossing settlement
 */
public record BudgetAlert(BudgetKey key, BigDecimal threshold, BigDecimal limitUsd, BigDecimal spentUsd) {

    /** Validates. */
    public BudgetAlert {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(threshold, "threshold");
        Objects.requireNonNull(limitUsd, "limitUsd");
        Objects.requireNonNull(spentUsd, "spentUsd");
    }
}
