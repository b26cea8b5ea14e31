package dev.aip.core.governance;

import dev.aip.core.tenant.TenantId;
import java.time.Instant;
import java.util.Objects;

/**
 * One budget account: a tenant in one period. A {@link BudgetStore} keeps spent and reserved amounts per key; a
 * shared store can expire the key some time after {@link #end()}.
 *
 * <p>Immutable.
 *
 * @param tenant the tenant
 * @param period the period's name: {@code 2026-03-14} for a day, {@code 2026-03} for a month,
 *     {@code <start>/<length>} for a fixed window
 * @param start the first instant of the period
 * @param end the first instant after the period
 */
public record BudgetKey(TenantId tenant, String period, Instant start, Instant end) {

    /**
     * Validates.
     *
     * @throws IllegalArgumentException if the period is blank or does not end after it starts
     */
    public BudgetKey {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(period, "period");
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(end, "end");
        if (period.isBlank() || !end.isAfter(start)) {
            throw new IllegalArgumentException("Budget period \"" + period + "\" must be named and end after it"
                    + " starts: " + start + " .. " + end);
        }
    }
}
