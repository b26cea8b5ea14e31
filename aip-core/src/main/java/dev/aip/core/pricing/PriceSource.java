package dev.aip.core.pricing;

import java.time.LocalDate;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where a {@link ModelPrice} comes from, and whether it was checked against AWS's own published prices.
 *
 * <p>A price is <em>verified</em> only when its figures were compared with a price AWS publishes itself (the AWS
 * Price List API, or the Amazon Bedrock pricing page) on the stated day, and matched. Everything else (a provider's
 * rate card, a secondary source quoting AWS, a negotiated price set in code) is unverified, and {@link #origin()}
 * says what it is. Verification is a statement about a day: AWS changes prices, so re-check with
 * {@code aip pricing check}.
 *
 * <p>Immutable.
 *
 * @param origin where the figures come from, e.g. {@code "Anthropic's rate card"}; non-blank
 * @param verifiedOn the day the figures were found equal to AWS's published price, or {@code null} if unverified
 * @param verifiedAgainst what AWS publication they were compared with, e.g. {@code "AWS Price List API"}; present
 *     exactly when {@code verifiedOn} is
 */
public record PriceSource(String origin, @Nullable LocalDate verifiedOn, @Nullable String verifiedAgainst) {

    /** The source of a price created in code without one, e.g. by {@link ModelPrice#of}: unverified. */
    public static final PriceSource NOT_STATED = new PriceSource("not stated", null, null);

    /**
     * Validates the source.
     *
     * @throws NullPointerException if {@code origin} is {@code null}
     * @throws IllegalArgumentException if {@code origin} is blank, or only one of {@code verifiedOn} and
     *     {@code verifiedAgainst} is given, or {@code verifiedAgainst} is blank
     */
    public PriceSource {
        Objects.requireNonNull(origin, "origin");
        if (origin.isBlank()) {
            throw new IllegalArgumentException("A price source needs an origin (where the figures come from)");
        }
        if ((verifiedOn == null) != (verifiedAgainst == null)) {
            throw new IllegalArgumentException("A verified price needs both the day (verifiedOn) and what it was"
                    + " verified against (verifiedAgainst); got " + verifiedOn + " and " + verifiedAgainst);
        }
        if (verifiedAgainst != null && verifiedAgainst.isBlank()) {
            throw new IllegalArgumentException("verifiedAgainst is blank; name the AWS publication, e.g."
                    + " \"AWS Price List API\"");
        }
    }

    /**
     * Creates an unverified source.
     *
     * @param origin where the figures come from
     * @return the source
     */
    public static PriceSource unverified(String origin) {
        return new PriceSource(origin, null, null);
    }

    /**
     * Tells whether the figures were found equal to AWS's own published price on {@link #verifiedOn()}.
     *
     * @return {@code true} if verified
     */
    public boolean isVerified() {
        return verifiedOn != null;
    }
}
