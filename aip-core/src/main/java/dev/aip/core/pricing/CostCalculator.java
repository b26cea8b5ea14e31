package dev.aip.core.pricing;

import dev.aip.core.metering.Cost;
import dev.aip.core.metering.TokenUsage;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Computes the cost of token usage from a {@link PriceCatalog}.
 *
 * <p>The cost is exact: {@code Σ tokens × price per million / 1,000,000} over the four buckets, in
 * {@link BigDecimal}, with no rounding (the scale grows as needed). Costs of single calls are tiny fractions of a
 * cent; rounding each one would bias totals, so amounts stay exact through records, ledgers and aggregates, and are
 * rounded once, when a total is presented or settled, with {@link #round(BigDecimal, int)}.
 *
 * <p>A model without a price yields a {@link Cost} with status {@code UNKNOWN_MODEL} and no amount, never zero.
 * The first time each model id is met without a price, a warning is logged (once per model id, not per call).
 *
 * <p>Thread-safe; share one.
 */
public final class CostCalculator {

    private static final Logger LOG = LoggerFactory.getLogger(CostCalculator.class);
    /** Bounds the memory used to remember warned model ids if callers send arbitrary ids. */
    private static final int MAX_WARNED_MODELS = 1024;
    private static final String UNKNOWN_ID = "(no model id)";

    private final PriceCatalog catalog;
    private final Set<String> warnedModels = ConcurrentHashMap.newKeySet();
    private final AtomicLong warnings = new AtomicLong();

    /**
     * Creates a calculator.
     *
     * @param catalog the prices to use
     */
    public CostCalculator(PriceCatalog catalog) {
        this.catalog = Objects.requireNonNull(catalog, "catalog");
    }

    /**
     * Returns the cost of one call's usage.
     *
     * @param sourceModelId the foundation model that served the call (see {@link PriceCatalog#find} for accepted
     *     forms), or {@code null} if unknown
     * @param region the region the call was sent to
     * @param usage the tokens used
     * @return a priced cost, exact; or an {@code UNKNOWN_MODEL} cost without amount if the catalog has no price
     */
    public Cost cost(String sourceModelId, String region, TokenUsage usage) {
        Objects.requireNonNull(usage, "usage");
        Optional<ModelPrice> price = catalog.find(sourceModelId, region);
        if (price.isEmpty()) {
            warnOnce(sourceModelId == null ? UNKNOWN_ID : sourceModelId, region);
            return Cost.unknownModel(catalog.version());
        }
        return Cost.priced(amount(price.get(), usage), catalog.version());
    }

    /**
     * Returns the catalog this calculator prices with.
     *
     * @return the catalog
     */
    public PriceCatalog catalog() {
        return catalog;
    }

    /**
     * Rounds an amount for presentation or settlement, with {@link RoundingMode#HALF_EVEN} (banker's rounding,
     * unbiased over many amounts). Round totals, never the single calls they are made of.
     *
     * @param amountUsd the exact amount
     * @param scale the number of decimal places, e.g. 2 for cents on an invoice, 6 for a per-call display
     * @return the rounded amount
     */
    public static BigDecimal round(BigDecimal amountUsd, int scale) {
        return amountUsd.setScale(scale, RoundingMode.HALF_EVEN);
    }

    /** The exact amount, before {@link Cost} canonicalises it. */
    static BigDecimal amount(ModelPrice price, TokenUsage usage) {
        BigDecimal perMillion = BigDecimal.valueOf(usage.inputTokens()).multiply(price.inputPerMillion())
                .add(BigDecimal.valueOf(usage.outputTokens()).multiply(price.outputPerMillion()))
                .add(BigDecimal.valueOf(usage.cacheReadInputTokens()).multiply(price.cacheReadPerMillion()))
                .add(BigDecimal.valueOf(usage.cacheWriteInputTokens()).multiply(price.cacheWritePerMillion()));
        return perMillion.movePointLeft(6);
    }

    /** How many unknown-model warnings were logged; for tests. */
    long unknownModelWarnings() {
        return warnings.get();
    }

    private void warnOnce(String modelId, String region) {
        if (warnedModels.size() < MAX_WARNED_MODELS && warnedModels.add(modelId)) {
            warnings.incrementAndGet();
            LOG.warn("No price for model {} (region {}) in price catalog {}: its calls are recorded as"
                    + " UNKNOWN_MODEL, without a cost, and counted as unpriced. Add the model with"
                    + " PriceCatalog.withOverride(ModelPrice) or a catalog file. This is logged once per model.",
                    modelId, region, catalog.version());
        }
    }
}
