package dev.aip.core.governance;

import dev.aip.core.pricing.ModelPrice;
import dev.aip.core.pricing.PriceCatalog;
import dev.aip.core.tenant.TenantId;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One tenant's state as this instance sees it: its concurrency slots, taken from the {@link ConcurrencyState}, and a
 * token bucket per rate limit, taken from the {@link RateLimitState} (each local or shared); plus what admission
 * would otherwise recompute on every call (the budget account's key for the current period, the model's worst-case
 * prices, the budget's alert levels).
 *
 * <p>A bucket is obtained on first use and reconfigured in place (keeping its level, capped at the new capacity) when
 * the policy's limit changes, so permits already granted settle against the same bucket they consumed from. The
 * volatile holders make the common case (limit, period, model unchanged) a single read; changes are rare, and a
 * cached value is an immutable record, replaced whole, so a racing reader sees either the old or the new one.
 */
final class TenantLimits {

    static final String REQUESTS = "requests-per-minute";
    static final String TOKENS = "tokens-per-minute";

    private final TenantId tenant;
    private final RateLimitState state;
    private final ConcurrencyState concurrency;
    private volatile ConcurrencyState.Slots slots;
    private volatile Rate requests;
    private volatile Rate tokens;
    private volatile PeriodKey budgetKey;
    private volatile Prices prices;
    private volatile AlertLevels alertLevels;

    TenantLimits(TenantId tenant, RateLimitState state, ConcurrencyState concurrency) {
        this.tenant = tenant;
        this.state = state;
        this.concurrency = concurrency;
    }

    /** The tenant's slots; may throw what the state throws. */
    ConcurrencyState.Slots slots() {
        ConcurrencyState.Slots s = slots;
        if (s != null) {
            return s;
        }
        synchronized (this) {
            if (slots == null) {
                slots = Objects.requireNonNull(concurrency.slots(tenant), "ConcurrencyState.slots returned null");
            }
            return slots;
        }
    }

    RateLimitState.TokenBucket requests(long perMinute) {
        Rate r = requests;
        if (r != null && r.perMinute == perMinute) {
            return r.bucket;
        }
        synchronized (this) {
            requests = adjust(requests, REQUESTS, perMinute);
            return requests.bucket;
        }
    }

    RateLimitState.TokenBucket tokens(long perMinute) {
        Rate r = tokens;
        if (r != null && r.perMinute == perMinute) {
            return r.bucket;
        }
        synchronized (this) {
            tokens = adjust(tokens, TOKENS, perMinute);
            return tokens.bucket;
        }
    }

    /** The account of the period that contains {@code now}: the last one while {@code now} is still in it. */
    BudgetKey budgetKey(BudgetPeriod period, Instant now) {
        PeriodKey k = budgetKey;
        if (k != null && k.period == period && !now.isBefore(k.key.start()) && now.isBefore(k.key.end())) {
            return k.key;
        }
        BudgetKey key = period.keyAt(tenant, now);
        budgetKey = new PeriodKey(period, key);
        return key;
    }

    /**
     * The prices a worst case is reckoned at for a model in a region: the highest of its input and prompt-cache
     * prices, and its output price; {@code null} if the catalog has no price.
     */
    Prices prices(PriceCatalog catalog, String model, String region) {
        Prices p = prices;
        if (p != null && Objects.equals(p.model, model) && Objects.equals(p.region, region)) {
            return p;
        }
        ModelPrice price = catalog.find(model, region).orElse(null);
        if (price == null) {
            return null;
        }
        p = Prices.of(model, region, price.inputPerMillion().max(price.cacheWritePerMillion())
                .max(price.cacheReadPerMillion()), price.outputPerMillion());
        prices = p;
        return p;
    }

    /** {@code limit × threshold} for each threshold, in the thresholds' (ascending) order. */
    BigDecimal[] alertLevels(BigDecimal limit, List<BigDecimal> thresholds) {
        AlertLevels a = alertLevels;
        if (a != null && a.limit == limit) {
            return a.levels;
        }
        BigDecimal[] levels = new BigDecimal[thresholds.size()];
        for (int i = 0; i < levels.length; i++) {
            levels[i] = limit.multiply(thresholds.get(i));
        }
        alertLevels = new AlertLevels(limit, levels);
        return levels;
    }

    private Rate adjust(Rate current, String limit, long perMinute) {
        if (current == null) {
            return new Rate(perMinute, Objects.requireNonNull(
                    state.bucket(tenant, limit, RateLimitState.Limit.perMinute(perMinute)),
                    "RateLimitState.bucket returned null"));
        }
        if (current.perMinute != perMinute) {
            current.bucket.reconfigure(RateLimitState.Limit.perMinute(perMinute));
            return new Rate(perMinute, current.bucket);
        }
        return current;
    }

    /** A bucket and the per-minute limit it is configured for. */
    private record Rate(long perMinute, RateLimitState.TokenBucket bucket) {
    }

    /** The account key last used, and the period (by identity: the policy's own object) it was computed for. */
    private record PeriodKey(BudgetPeriod period, BudgetKey key) {
    }

    /**
     * Worst-case prices per million tokens of one model in one region; also as unscaled {@code long}s at one common
     * scale when they fit, so that a worst case is two exact long products and one {@code BigDecimal}.
     */
    record Prices(String model, String region, BigDecimal inputPerMillion, BigDecimal outputPerMillion,
                  long inputUnscaled, long outputUnscaled, int scale, boolean fitsLong) {

        static Prices of(String model, String region, BigDecimal input, BigDecimal output) {
            int scale = Math.max(Math.max(input.scale(), output.scale()), 0);
            try {
                long in = input.setScale(scale).unscaledValue().longValueExact();
                long out = output.setScale(scale).unscaledValue().longValueExact();
                return new Prices(model, region, input, output, in, out, scale, true);
            } catch (ArithmeticException e) {
                return new Prices(model, region, input, output, 0, 0, 0, false);
            }
        }

        /**
         * {@code (inputTokens × input + outputTokens × output) / 10^6} USD, exact: the same value as the
         * {@code BigDecimal} computation, which is the fallback when a long product or their sum would overflow.
         */
        BigDecimal worstCase(long inputTokens, long outputTokens) {
            long in = inputTokens * inputUnscaled;
            long out = outputTokens * outputUnscaled;
            // non-negative factors: a product fits iff its high word is 0 and its low word is non-negative
            if (fitsLong && inputTokens >= 0 && outputTokens >= 0
                    && Math.multiplyHigh(inputTokens, inputUnscaled) == 0 && in >= 0
                    && Math.multiplyHigh(outputTokens, outputUnscaled) == 0 && out >= 0 && in + out >= 0) {
                return BigDecimal.valueOf(in + out, scale + 6);
            }
            return BigDecimal.valueOf(inputTokens).multiply(inputPerMillion)
                    .add(BigDecimal.valueOf(outputTokens).multiply(outputPerMillion))
                    .movePointLeft(6);
        }
    }

    /** Alert levels of one budget amount (by identity: the policy's own object). */
    private record AlertLevels(BigDecimal limit, BigDecimal[] levels) {
    }
}
