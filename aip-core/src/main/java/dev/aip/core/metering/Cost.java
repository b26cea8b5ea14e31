package dev.aip.core.metering;

import java.math.BigDecimal;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The cost of one model call attempt, in US dollars.
 *
 * <p>An unknown price is never a silent zero: a call whose model has no price has status
 * {@link CostStatus#UNKNOWN_MODEL} and no amount, and aggregates count it as unpriced instead of adding {@code 0}.
 * A {@link CostStatus#PRICED} amount may well be zero (no tokens used), and then it is a real zero.
 *
 * <p>The amount is exact and unrounded; it is kept in canonical form (no trailing zeros, scale at least 0), so equal
 * amounts are {@link Object#equals equal}. Rounding happens only when totals are presented or settled.
 *
 * <p>Immutable.
 *
 * @param amountUsd the exact amount, non-negative, when {@code PRICED}; {@code null} when {@code UNKNOWN_MODEL}
 *     (prefer {@link #amount()})
 * @param status whether a price was found
 * @param priceCatalogVersion the version of the price catalog used, for audit
 */
public record Cost(@Nullable BigDecimal amountUsd, CostStatus status, String priceCatalogVersion) {

    /**
     * Validates and normalises the cost.
     *
     * @throws NullPointerException if {@code status} or {@code priceCatalogVersion} is {@code null}, or the amount
     *     is missing for a priced cost
     * @throws IllegalArgumentException if the amount is negative, or present for an unknown model
     */
    public Cost {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(priceCatalogVersion, "priceCatalogVersion");
        if (status == CostStatus.PRICED) {
            Objects.requireNonNull(amountUsd, "amountUsd is required for a PRICED cost");
            if (amountUsd.signum() < 0) {
                throw new IllegalArgumentException("Cost amount " + amountUsd + " USD is negative");
            }
            amountUsd = canonical(amountUsd);
        } else if (amountUsd != null) {
            throw new IllegalArgumentException("An UNKNOWN_MODEL cost has no amount, but got " + amountUsd
                    + "; use Cost.unknownModel(version)");
        }
    }

    /**
     * Creates a priced cost.
     *
     * @param amountUsd the exact amount in US dollars, non-negative
     * @param priceCatalogVersion the price catalog version used
     * @return the cost
     */
    public static Cost priced(BigDecimal amountUsd, String priceCatalogVersion) {
        return new Cost(amountUsd, CostStatus.PRICED, priceCatalogVersion);
    }

    /**
     * Creates the cost of a call whose model has no price.
     *
     * @param priceCatalogVersion the price catalog version consulted
     * @return the cost, without an amount
     */
    public static Cost unknownModel(String priceCatalogVersion) {
        return new Cost(null, CostStatus.UNKNOWN_MODEL, priceCatalogVersion);
    }

    /**
     * Returns the amount, if the call was priced.
     *
     * @return the exact amount in US dollars, or empty for {@link CostStatus#UNKNOWN_MODEL}
     */
    public Optional<BigDecimal> amount() {
        return Optional.ofNullable(amountUsd);
    }

    /**
     * Returns whether the call was priced.
     *
     * @return {@code true} if {@link #status()} is {@link CostStatus#PRICED}
     */
    public boolean isPriced() {
        return status == CostStatus.PRICED;
    }

    private static BigDecimal canonical(BigDecimal amount) {
        BigDecimal stripped = amount.stripTrailingZeros();
        return stripped.scale() < 0 ? stripped.setScale(0) : stripped;
    }
}
