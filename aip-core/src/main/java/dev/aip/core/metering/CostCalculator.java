package dev.aip.core.metering;

import dev.aip.core.pricing.ModelPrice;
import dev.aip.core.pricing.PriceCatalog;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Objects;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
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
    private final Map<String, Map<String, Rate>> rates = new ConcurrentHashMap<>();
    private static final int MAX_CACHED = 4096;
    private static final Rate NO_PRICE = new Rate();

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
    public Cost cost(@Nullable String sourceModelId, String region, TokenUsage usage) {
        Objects.requireNonNull(usage, "usage");
        Rate rate = rate(sourceModelId, region);
        if (rate == null) {
            warnOnce(sourceModelId == null ? UNKNOWN_ID : sourceModelId, region);
            return Cost.unknownModel(catalog.version());
        }
        return Cost.priced(rate.amount(usage), catalog.version());
    }

    /** The catalog lookup, remembered per model and region: the hot path makes two map reads and no search. */
    private Rate rate(String sourceModelId, String region) {
        if (sourceModelId == null || region == null) {
            return null;
        }
        Map<String, Rate> byModel = rates.get(region);
        if (byModel == null) {
            if (rates.size() >= MAX_CACHED) {
                return catalog.find(sourceModelId, region).map(Rate::new).orElse(null);
            }
            byModel = rates.computeIfAbsent(region, r -> new ConcurrentHashMap<>());
        }
        Rate rate = byModel.get(sourceModelId);
        if (rate == null) {
            rate = catalog.find(sourceModelId, region).map(Rate::new).orElse(NO_PRICE);
            // Arbitrary model ids must not grow the cache without bound.
            if (byModel.size() < MAX_CACHED) {
                byModel.putIfAbsent(sourceModelId, rate);
            }
        }
        return rate == NO_PRICE ? null : rate;
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

    /**
     * One model's prices as whole numbers at a common scale, so a cost is exact integer arithmetic and one
     * {@code BigDecimal} at the end; falls back to {@code BigDecimal} arithmetic if a product would overflow.
     */
    private static final class Rate {
        private final ModelPrice price;
        private final boolean compact;
        private final int scale;
        private final long input;
        private final long output;
        private final long cacheRead;
        private final long cacheWrite;

        Rate(ModelPrice price) {
            this.price = price;
            int s = Math.max(Math.max(price.inputPerMillion().scale(), price.outputPerMillion().scale()),
                    Math.max(price.cacheReadPerMillion().scale(), price.cacheWritePerMillion().scale()));
            long[] units = new long[4];
            boolean fits = s >= 0;
            BigDecimal[] all = {price.inputPerMillion(), price.outputPerMillion(), price.cacheReadPerMillion(),
                price.cacheWritePerMillion()};
            for (int i = 0; fits && i < 4; i++) {
                try {
                    units[i] = all[i].setScale(s).unscaledValue().longValueExact();
                } catch (ArithmeticException e) {
                    fits = false;
                }
            }
            this.compact = fits;
            this.scale = s;
            this.input = units[0];
            this.output = units[1];
            this.cacheRead = units[2];
            this.cacheWrite = units[3];
        }

        /** Used as "known to have no price" in the cache. */
        private Rate() {
            this.price = null;
            this.compact = false;
            this.scale = 0;
            this.input = 0;
            this.output = 0;
            this.cacheRead = 0;
            this.cacheWrite = 0;
        }

        BigDecimal amount(TokenUsage usage) {
            if (compact) {
                try {
                    long units = Math.addExact(
                            Math.addExact(Math.multiplyExact(usage.inputTokens(), input),
                                    Math.multiplyExact(usage.outputTokens(), output)),
                            Math.addExact(Math.multiplyExact(usage.cacheReadInputTokens(), cacheRead),
                                    Math.multiplyExact(usage.cacheWriteInputTokens(), cacheWrite)));
                    return BigDecimal.valueOf(units, scale + 6);
                } catch (ArithmeticException overflow) {
                    // Astronomical token counts: fall through to unbounded arithmetic.
                }
            }
            return CostCalculator.amount(price, usage);
        }
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
