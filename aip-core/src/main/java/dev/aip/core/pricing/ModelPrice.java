package dev.aip.core.pricing;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * The on-demand price of one model in one region, in US dollars per one million tokens, per token bucket.
 *
 * <p>Bedrock bills prompt-cache reads and writes at their own prices, distinct from plain input. When a model's
 * cache prices are not known, {@link #of(String, String, BigDecimal, BigDecimal)} and the catalog file default them
 * to the input price: an upper bound for cache reads, and what the tokens would cost without caching. This never
 * prices cache tokens at zero, a known source of under-billing.
 *
 * <p>Each price says where it comes from and whether it was verified against AWS's published prices:
 * {@link #source()}. Prices created without a source ({@link #of}, the six-argument constructor) are
 * {@link PriceSource#NOT_STATED}.
 *
 * <p>Immutable.
 *
 * @param modelId the foundation model id, e.g. {@code anthropic.claude-haiku-4-5-20251001-v1:0}
 * @param region the AWS region, e.g. {@code us-east-1}, or {@value #ANY_REGION} for every region without its own
 *     price
 * @param inputPerMillion USD per 1M input tokens (excluding cache tokens); non-negative
 * @param outputPerMillion USD per 1M output tokens; non-negative
 * @param cacheReadPerMillion USD per 1M input tokens read from the prompt cache; non-negative
 * @param cacheWritePerMillion USD per 1M input tokens written to the prompt cache; non-negative
 * @param source where the figures come from and whether they were verified against AWS
 */
public record ModelPrice(
        String modelId,
        String region,
        BigDecimal inputPerMillion,
        BigDecimal outputPerMillion,
        BigDecimal cacheReadPerMillion,
        BigDecimal cacheWritePerMillion,
        PriceSource source) {

    /** The region wildcard: the price applies in every region that has no price of its own. */
    public static final String ANY_REGION = "*";

    /**
     * Validates the price.
     *
     * @throws NullPointerException if any component is {@code null}
     * @throws IllegalArgumentException if the model id or region is blank, or a price is negative
     */
    public ModelPrice {
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(region, "region");
        if (modelId.isBlank() || region.isBlank()) {
            throw new IllegalArgumentException("ModelPrice needs a model id and a region (or \"*\"), got \""
                    + modelId + "\" in \"" + region + "\"");
        }
        requireNonNegative(modelId, "inputPerMillion", inputPerMillion);
        requireNonNegative(modelId, "outputPerMillion", outputPerMillion);
        requireNonNegative(modelId, "cacheReadPerMillion", cacheReadPerMillion);
        requireNonNegative(modelId, "cacheWritePerMillion", cacheWritePerMillion);
        Objects.requireNonNull(source, () -> "source of " + modelId);
    }

    /**
     * Creates a price whose source is {@link PriceSource#NOT_STATED}.
     *
     * @param modelId the foundation model id
     * @param region the region, or {@value #ANY_REGION}
     * @param inputPerMillion USD per 1M input tokens
     * @param outputPerMillion USD per 1M output tokens
     * @param cacheReadPerMillion USD per 1M cache-read tokens
     * @param cacheWritePerMillion USD per 1M cache-write tokens
     * @throws NullPointerException if any argument is {@code null}
     * @throws IllegalArgumentException if the model id or region is blank, or a price is negative
     */
    public ModelPrice(String modelId, String region, BigDecimal inputPerMillion, BigDecimal outputPerMillion,
            BigDecimal cacheReadPerMillion, BigDecimal cacheWritePerMillion) {
        this(modelId, region, inputPerMillion, outputPerMillion, cacheReadPerMillion, cacheWritePerMillion,
                PriceSource.NOT_STATED);
    }

    /**
     * Creates a price whose cache read and write prices default to the input price.
     *
     * @param modelId the foundation model id
     * @param region the region, or {@value #ANY_REGION}
     * @param inputPerMillion USD per 1M input tokens
     * @param outputPerMillion USD per 1M output tokens
     * @return the price
     */
    public static ModelPrice of(String modelId, String region, BigDecimal inputPerMillion,
            BigDecimal outputPerMillion) {
        return new ModelPrice(modelId, region, inputPerMillion, outputPerMillion, inputPerMillion, inputPerMillion);
    }

    private static void requireNonNegative(String modelId, String name, BigDecimal value) {
        Objects.requireNonNull(value, () -> name + " of " + modelId);
        if (value.signum() < 0) {
            throw new IllegalArgumentException(name + " of " + modelId + " is negative: " + value);
        }
    }
}
