package dev.aip.core.governance;

import dev.aip.core.AipException;
import dev.aip.core.BudgetExceededException;
import dev.aip.core.GovernanceUnavailableException;
import dev.aip.core.PolicyViolationException;
import dev.aip.core.RateLimitExceededException;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Why an admission check refused a call, as a value: the kind, the limit and the numbers. A refusal is an expected
 * outcome on the hot path, so checks return these, and the typed exception (with its message) is built only when
 * someone asks for it ({@link Decision#refusal()}, or {@link Governance#admit} throws it).
 *
 * <p>Immutable.
 */
sealed interface Refusal {

    /** A concurrency slot frees when some call ends; there is no better hint than a short wait. */
    Duration CONCURRENCY_RETRY_AFTER = Duration.ofSeconds(1);

    /**
     * Builds the exception this refusal stands for, with its message.
     *
     * @return a new exception, without a stack trace
     */
    AipException exception();

    /**
     * Returns how long to wait before the same call may be admitted.
     *
     * @return the wait of a rate-limit or budget refusal; {@code null} when waiting does not help (a policy
     *     violation) or when no store said (an unreachable state)
     */
    default @Nullable Duration retryAfter() {
        return null;
    }

    private static long millis(long nanos) {
        return Math.max(1, Duration.ofNanos(nanos).toMillis());
    }

    /** The request names a model the tenant may not use. */
    record ModelNotAllowed(TenantId tenant, String model, @Nullable Set<String> allowed) implements Refusal {
        @Override
        public AipException exception() {
            return new PolicyViolationException(tenant, "allowed-models", "Tenant " + tenant + " may not use model \""
                    + model + "\"; allowed: " + allowed + ". Ask for an allowed model, or allow this one in the"
                    + " tenant's policy.");
        }
    }

    /** The request's {@code maxTokens} is above the tenant's {@code maxOutputTokens}. */
    record OutputCapExceeded(TenantId tenant, int cap, int maxTokens) implements Refusal {
        @Override
        public AipException exception() {
            return new PolicyViolationException(tenant, "max-output-tokens", "Tenant " + tenant + " may ask for at"
                    + " most " + cap + " output tokens, but the request sets maxTokens " + maxTokens + ". Lower"
                    + " maxTokens to " + cap + " or less.");
        }
    }

    /** The call needs more tokens than a whole minute of the tenant's token rate. */
    record TokenRateNeverFits(TenantId tenant, long tokens, long inputTokens, long outputTokens, long perMinute)
            implements Refusal {
        @Override
        public AipException exception() {
            return new PolicyViolationException(tenant, "tokens-per-minute", "The call needs up to " + tokens
                    + " tokens (" + inputTokens + " input, estimated, + " + outputTokens + " output), more than"
                    + " tenant " + tenant + "'s whole limit of " + perMinute + " tokens per minute, so it can never"
                    + " be admitted. Lower maxTokens or shorten the input.");
        }
    }

    /** A budgeted call to a model the catalog has no price for: its cost cannot be bounded. */
    record NoPrice(TenantId tenant, String sourceModelId, String region, String catalogVersion)
            implements Refusal {
        @Override
        public AipException exception() {
            return new PolicyViolationException(tenant, "budget-usd", "Tenant " + tenant + " has a budget, but model "
                    + sourceModelId + " (region " + region + ") has no price in catalog " + catalogVersion + ", so"
                    + " the call's cost cannot be bounded. Add the model's price to the catalog given to"
                    + " Governance.");
        }
    }

    /** The call's worst case is above the tenant's whole budget. */
    record BudgetNeverFits(TenantId tenant, BigDecimal worstCaseUsd, BigDecimal budgetUsd) implements Refusal {
        @Override
        public AipException exception() {
            return new PolicyViolationException(tenant, "budget-usd", "The call may cost up to "
                    + worstCaseUsd.toPlainString() + " USD, more than tenant " + tenant + "'s whole budget of "
                    + budgetUsd.toPlainString() + " USD per period, so it can never be admitted. Lower maxTokens or"
                    + " shorten the input.");
        }
    }

    /** The tenant holds all its concurrency slots. */
    record ConcurrencyFull(TenantId tenant, int cap) implements Refusal {
        @Override
        public AipException exception() {
            return new RateLimitExceededException(tenant, "concurrent-calls", cap, 0, CONCURRENCY_RETRY_AFTER,
                    "Tenant " + tenant + " already has " + cap + " calls in flight, its limit. Retry when one of"
                    + " them ends, or raise maxConcurrentCalls.");
        }

        @Override
        public Duration retryAfter() {
            return CONCURRENCY_RETRY_AFTER;
        }
    }

    /** The tenant's requests-per-minute bucket is empty. */
    record RequestRateReached(TenantId tenant, long perMinute, long remaining, long nanosToWait)
            implements Refusal {
        @Override
        public AipException exception() {
            return new RateLimitExceededException(tenant, "requests-per-minute", perMinute, remaining,
                    Duration.ofNanos(nanosToWait), "Tenant " + tenant + " reached its limit of " + perMinute
                    + " requests per minute. Retry after " + millis(nanosToWait) + " ms, or raise"
                    + " requestsPerMinute.");
        }

        @Override
        public Duration retryAfter() {
            return Duration.ofNanos(nanosToWait);
        }
    }

    /** The tenant's tokens-per-minute bucket holds less than the call reserves. */
    record TokenRateReached(TenantId tenant, long perMinute, long remaining, long nanosToWait, long tokens,
                            long inputTokens, long outputTokens) implements Refusal {
        @Override
        public AipException exception() {
            return new RateLimitExceededException(tenant, "tokens-per-minute", perMinute, remaining,
                    Duration.ofNanos(nanosToWait), "Tenant " + tenant + " has " + Math.max(0, remaining) + " of its "
                    + perMinute + " tokens per minute left; the call reserves " + tokens + " (" + inputTokens
                    + " input, estimated, + " + outputTokens + " output). Retry after " + millis(nanosToWait)
                    + " ms, or lower maxTokens.");
        }

        @Override
        public Duration retryAfter() {
            return Duration.ofNanos(nanosToWait);
        }
    }

    /** The model is congested and the tenant is above its fair share of it. */
    record FairShareShed(TenantId tenant, long share, long used, Duration pause, String sourceModelId, String region,
                         long capacity, long modelUsed, Tier tier, int weight, long amount) implements Refusal {
        @Override
        public AipException exception() {
            return new RateLimitExceededException(tenant, FairShareController.LIMIT, share, share - used, pause,
                    "Model " + sourceModelId + " in " + region + " is at its account capacity (an estimated "
                    + capacity + " tokens per minute; " + modelUsed + " used in the last minute), and tenant "
                    + tenant + " (tier " + tier.name() + ", weight " + weight + ") has used " + used + " of them, so"
                    + " this call of " + amount + " tokens would exceed its fair share of " + share + ". Retry after "
                    + Math.max(1, pause.toMillis()) + " ms; tenants within their share go first.");
        }

        @Override
        public Duration retryAfter() {
            return pause.isNegative() ? Duration.ZERO : pause;
        }
    }

    /** What is left of the tenant's budget, after calls in flight, does not cover the call's worst case. */
    record OverBudget(TenantId tenant, BudgetKey key, BigDecimal budgetUsd, BigDecimal remainingUsd,
                      BigDecimal worstCaseUsd, Instant now) implements Refusal {
        @Override
        public AipException exception() {
            return new BudgetExceededException(tenant, key.period(), budgetUsd, remainingUsd, worstCaseUsd,
                    Duration.between(now, key.end()), "Tenant " + tenant + " has "
                    + remainingUsd.max(BigDecimal.ZERO).toPlainString() + " USD left of its "
                    + budgetUsd.toPlainString() + " USD budget for " + key.period() + " (after calls in flight); the"
                    + " call may cost up to " + worstCaseUsd.toPlainString() + " USD. Lower maxTokens, wait for the"
                    + " period to reset at " + key.end() + ", or raise the budget.");
        }

        @Override
        public Duration retryAfter() {
            Duration untilReset = Duration.between(now, key.end());
            return untilReset.isNegative() ? Duration.ZERO : untilReset;
        }
    }

    /** A shared state could not be reached, and the tenant's tier fails closed on it. */
    record Unavailable(TenantId tenant, String state, RuntimeException cause) implements Refusal {
        @Override
        public AipException exception() {
            return new GovernanceUnavailableException(tenant, state, "The " + state + " state of tenant " + tenant
                    + " cannot be reached (" + cause + "), and its tier fails closed on it. Retry when the store is"
                    + " back, or let the tier fail open with Governance.builder().failurePolicy(...).", cause);
        }
    }
}
