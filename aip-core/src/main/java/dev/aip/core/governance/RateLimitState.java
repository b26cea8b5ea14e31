package dev.aip.core.governance;

import dev.aip.core.tenant.TenantId;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Where the token buckets of the request and token rate limits live. By default each {@link Governance} keeps its
 * buckets in its own memory, so a limit holds per instance; a shared state (such as
 * {@code dev.aip.governance.redis.RedisGovernanceState} in {@code aip-governance-redis}) hands out one bucket per
 * tenant and limit that every instance draws from, so the limit holds per tenant.
 *
 * <p>Governance asks for a bucket when it first needs one for a tenant and limit, and then keeps it; when the
 * policy's limit changes it calls {@link TokenBucket#reconfigure} on the same bucket. Per call it takes tokens with
 * {@link TokenBucket#tryConsume}; at settlement it gives back what the call reserved and did not use
 * ({@link TokenBucket#addTokens}) or takes what it used beyond its reservation
 * ({@link TokenBucket#consumeIgnoringLimit}).
 *
 * <p><b>Failures.</b> A state that cannot reach its store throws an unchecked exception, here or from the bucket's
 * operations; governance then applies the tier's {@link FailurePolicy} for rate limits.
 *
 * <p>Implementations must be thread-safe. The built-in ones are Bucket4j buckets; the contract does not depend on it.
 */
public interface RateLimitState {

    /**
     * Returns whether operations on this state may wait on a network round trip (a shared store such as Redis).
     * {@link Governance} then settles released permits on its settlement executor, never on the thread that ends
     * the call (for asynchronous calls, a transport's event loop). Default {@code false}: state in this instance's
     * memory, settled inline.
     *
     * @return {@code true} for rate-limit state that lives in a remote store
     */
    default boolean remote() {
        return false;
    }

    /**
     * Returns the bucket of one tenant's limit, creating it full with {@code limit} if it does not exist.
     *
     * @param tenant the tenant
     * @param name the limit's name: {@code requests-per-minute} or {@code tokens-per-minute}
     * @param limit the capacity and refill of a new bucket
     * @return the bucket, to be shared by every call of the tenant under that limit
     */
    TokenBucket bucket(TenantId tenant, String name, Limit limit);

    /**
     * Returns a state that keeps buckets in this process's memory, refilled by a nanosecond ticker: what
     * {@link Governance} uses when no state is set. Each call of {@link #bucket} makes a new, full bucket (governance
     * keeps the one it gets), so a limit holds per instance.
     *
     * @param ticker the nanosecond ticker, e.g. {@code System::nanoTime}
     * @return a new state
     */
    static RateLimitState local(LongSupplier ticker) {
        return new LocalRateLimitState(Objects.requireNonNull(ticker, "ticker"));
    }

    /**
     * A token bucket's configuration: it holds at most {@code capacity} tokens and refills greedily (continuously, in
     * proportion to the time elapsed) at {@code refillTokens} per {@code refillPeriod}.
     *
     * <p>Immutable.
     *
     * @param capacity the most tokens the bucket holds, at least 1
     * @param refillTokens the tokens added per period, at least 1
     * @param refillPeriod the period, positive
     */
    record Limit(long capacity, long refillTokens, Duration refillPeriod) {

        /** Validates. */
        public Limit {
            Objects.requireNonNull(refillPeriod, "refillPeriod");
            if (capacity < 1 || refillTokens < 1 || refillPeriod.isNegative() || refillPeriod.isZero()) {
                throw new IllegalArgumentException("A rate limit needs a capacity and a refill of at least 1 token"
                        + " per positive period, was capacity " + capacity + ", " + refillTokens + " per "
                        + refillPeriod);
            }
        }

        /**
         * Returns the limit of {@code tokens} per minute: a capacity of {@code tokens}, refilled by as many per
         * minute.
         *
         * @param tokens tokens per minute, at least 1
         * @return the limit
         */
        public static Limit perMinute(long tokens) {
            return new Limit(tokens, tokens, Duration.ofMinutes(1));
        }
    }

    /**
     * What {@link TokenBucket#tryConsume} did: a refusal is a value, not an exception. Tokens taken are the shared
     * {@link #CONSUMED}, so that the common case allocates nothing; a refusal says what the bucket holds and how long
     * until it holds enough.
     *
     * <p>Immutable.
     *
     * @param consumed whether the tokens were taken
     * @param remainingTokens when refused, the tokens in the bucket (negative while it is in debt); 0 when consumed
     * @param nanosToWaitForRefill when refused, how long until the bucket holds the tokens asked for, in nanoseconds;
     *     0 when consumed
     */
    record Consumption(boolean consumed, long remainingTokens, long nanosToWaitForRefill) {

        /** The tokens were taken. */
        public static final Consumption CONSUMED = new Consumption(true, 0, 0);

        /** Validates: a consumption reports no level and no wait. */
        public Consumption {
            if (consumed && (remainingTokens != 0 || nanosToWaitForRefill != 0)) {
                throw new IllegalArgumentException("A consumption reports neither remaining tokens nor a wait; use"
                        + " Consumption.CONSUMED");
            }
            if (nanosToWaitForRefill < 0) {
                throw new IllegalArgumentException("The wait is negative: " + nanosToWaitForRefill + " ns");
            }
        }

        /**
         * Returns a refusal.
         *
         * @param remainingTokens the tokens in the bucket, negative while it is in debt
         * @param nanosToWaitForRefill how long until the bucket holds the tokens asked for, in nanoseconds
         * @return the refusal
         */
        public static Consumption refused(long remainingTokens, long nanosToWaitForRefill) {
            return new Consumption(false, remainingTokens, nanosToWaitForRefill);
        }
    }

    /**
     * One tenant's bucket of one limit.
     *
     * <p>Thread-safe; every operation is atomic.
     */
    interface TokenBucket {

        /**
         * Takes {@code tokens} if the bucket holds them, atomically with the check.
         *
         * @param tokens the tokens to take, at least 1
         * @return {@link Consumption#CONSUMED} if they were taken; else the refusal, with the tokens the bucket holds
         *     and how long to wait
         */
        Consumption tryConsume(long tokens);

        /**
         * {@link #tryConsume}, without parking the calling thread on a round trip to a shared store. The default
         * completes at once with what {@link #tryConsume} returns (or fails with what it throws): right for a bucket in
         * memory; a shared state overrides it.
         *
         * @param tokens the tokens to take, at least 1
         * @return what happened; failed when the store cannot be reached
         */
        default CompletionStage<Consumption> tryConsumeAsync(long tokens) {
            try {
                return CompletableFuture.completedFuture(tryConsume(tokens));
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        /**
         * Gives back tokens, e.g. those a call reserved and did not use; the bucket never holds more than its
         * capacity.
         *
         * @param tokens the tokens to add, at least 1
         */
        void addTokens(long tokens);

        /**
         * {@link #addTokens}, without parking the calling thread on a round trip to a shared store: how an async
         * admission gives back what a call a later check refused took. The default adds at once.
         *
         * @param tokens the tokens to add, at least 1
         * @return completed when they are added; failed when the store cannot be reached
         */
        default CompletionStage<@Nullable Void> addTokensAsync(long tokens) {
            try {
                addTokens(tokens);
                return CompletableFuture.completedFuture(null);
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        /**
         * Takes tokens whether or not the bucket holds them, e.g. those a call used beyond its reservation; the
         * bucket may go into debt, which later refills pay back before anything can be taken again.
         *
         * @param tokens the tokens to take, at least 1
         */
        void consumeIgnoringLimit(long tokens);

        /**
         * Returns the tokens in the bucket now.
         *
         * @return the tokens; negative while the bucket is in debt
         */
        long availableTokens();

        /**
         * Replaces the bucket's limit, keeping the tokens it holds (capped at the new capacity).
         *
         * @param limit the new limit
         */
        void reconfigure(Limit limit);
    }
}
