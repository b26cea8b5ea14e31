package dev.aip.cli.bill;

import dev.aip.core.metering.TokenUsage;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What AWS charged for one tenant on one UTC day.
 *
 * <p>Immutable.
 *
 * @param day the UTC day
 * @param tenant the value of the tenant tag, or {@code null} for cost without it (untagged)
 * @param costUsd the unblended cost in US dollars, exact as read
 * @param tokens the tokens per kind, when the source gives them for every line (CUR token usage types); else
 *     {@code null}
 * @param estimated whether AWS marks the amount as estimated (Cost Explorer's {@code Estimated})
 * @param where the file and line it was first read from, for messages
 */
public record AwsCost(LocalDate day, @Nullable String tenant, BigDecimal costUsd, @Nullable TokenUsage tokens,
                      boolean estimated, String where) {

    /** Validates the cost. */
    public AwsCost {
        Objects.requireNonNull(day, "day");
        Objects.requireNonNull(costUsd, "costUsd");
        Objects.requireNonNull(where, "where");
    }

    AwsCost plus(AwsCost other) {
        TokenUsage sum = tokens == null || other.tokens == null ? null : tokens.plus(other.tokens);
        return new AwsCost(day, tenant, costUsd.add(other.costUsd), sum, estimated || other.estimated, where);
    }
}
