package dev.aip.core.governance;

import dev.aip.core.tenant.TenantId;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * Every shared check of one admission taken in one step: the concurrency slot, the request, the tokens reserved and
 * the budget reservation, checked and taken atomically in one operation of a shared store (such as
 * {@code dev.aip.governance.redis.RedisGovernanceState#admission()}, one Lua script per step, so one Redis round trip
 * per admission and one per release). Set with {@link Governance.Builder#sharedAdmission}; without it, governance
 * takes each check from its own state ({@link ConcurrencyState}, {@link RateLimitState}, {@link BudgetStore}), which
 * for a shared store costs a round trip or more per check.
 *
 * <p><b>Contract.</b> {@link #take} checks the steps of a {@link Claim} in the order of {@link Step} and takes them
 * only if every one passes, atomically with the checks, so a refused claim takes nothing:
 * <ol>
 *   <li>{@link Step#CONCURRENCY}: fewer than {@code concurrencyCap} slots held (slots whose lease has ended are not
 *       held);</li>
 *   <li>{@link Step#REQUESTS}: the tenant's requests-per-minute bucket holds at least one request;</li>
 *   <li>{@link Step#TOKENS}: its tokens-per-minute bucket holds at least {@code tokens};</li>
 *   <li>{@link Step#BUDGET}: {@code spent + reserved + budgetUsd <= budgetLimitUsd} in the account of
 *       {@code budgetKey}, after charging reservations whose lease has ended at their reserved amount.</li>
 * </ol>
 * A step whose limit is 0 (or whose budget key is {@code null}) is skipped. Buckets behave as Bucket4j's greedy
 * buckets of {@link RateLimitState.Limit#perMinute} (the same levels, refill and rounding), refilled by the claim's
 * {@code now} (the governance clock), created full, and may go into debt at settlement; a level above a lowered limit
 * is capped at it. When a claim names a {@code refuseAt} step (the call can never fit there), the steps before it are
 * checked, and if they pass the claim is refused at that step, taking nothing.
 *
 * <p>{@link #release} settles a taken claim in one step: frees the slot, gives back {@code reserved - actual}
 * tokens or takes the excess (the bucket may go into debt), and settles the budget reservation at its actual cost;
 * idempotent by the hold's id, and a no-op for parts whose lease has already ended. {@link #giveBack} undoes a taken
 * claim whose call a later check refused: the slot, the request, every token and the reservation (at no cost).
 *
 * <p><b>Failures.</b> An implementation that cannot reach its store throws an unchecked exception (or fails the
 * stage); governance then applies the tier's {@link FailurePolicy} to each step of the claim, as for the separate
 * states. Holds must carry leases, so that a crashed instance's slots free and its reservations are charged.
 *
 * <p>Implementations must be thread-safe.
 */
public interface SharedAdmission {

    /**
     * Returns whether operations may wait on a network round trip; governance then settles released permits on its
     * settlement executor. Default {@code true}.
     *
     * @return {@code true} for a remote store
     */
    default boolean remote() {
        return true;
    }

    /**
     * Checks and takes every step of a claim, atomically.
     *
     * @param claim what the call needs
     * @return the hold, or the step that refused with its figures
     * @throws RuntimeException when the store cannot be reached
     */
    Outcome take(Claim claim);

    /**
     * {@link #take}, without parking the calling thread on a round trip. The default completes at once with what
     * {@link #take} returns (or fails with what it throws).
     *
     * @param claim what the call needs
     * @return the outcome; failed when the store cannot be reached
     */
    default CompletionStage<Outcome> takeAsync(Claim claim) {
        try {
            return CompletableFuture.completedFuture(take(claim));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Settles a hold, once: frees its slot, trues up its tokens to {@code actualTokens}, settles its budget
     * reservation at {@code actualUsd}.
     *
     * @param hold a hold {@link #take} returned
     * @param actualTokens the tokens the call really used (its reservation, when its lease expired)
     * @param actualUsd what the call really cost; ignored when the claim reserved no budget
     * @param now the governance clock's instant, which refills the buckets
     * @return the budget account's settlement, or {@code null} when the claim reserved no budget
     * @throws RuntimeException when the store cannot be reached (the leases then reclaim the hold)
     */
    BudgetStore.@Nullable Settlement release(Hold hold, long actualTokens, BigDecimal actualUsd, Instant now);

    /**
     * Undoes a hold whose call a later check refused: gives back the slot, the request, every token reserved, and
     * the budget reservation at no cost.
     *
     * @param hold a hold {@link #take} returned
     * @param now the governance clock's instant
     * @throws RuntimeException when the store cannot be reached
     */
    void giveBack(Hold hold, Instant now);

    /**
     * {@link #giveBack}, without parking the calling thread. The default gives back at once.
     *
     * @param hold a hold {@link #take} returned
     * @param now the governance clock's instant
     * @return completed when given back; failed when the store cannot be reached
     */
    default CompletionStage<@Nullable Void> giveBackAsync(Hold hold, Instant now) {
        try {
            giveBack(hold, now);
            return CompletableFuture.completedFuture(null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Returns how many of a tenant's slots are held.
     *
     * @param tenant the tenant
     * @param now the governance clock's instant: slots whose lease ended by then are not counted
     * @return the count, across every instance sharing the store
     */
    int held(TenantId tenant, Instant now);

    /**
     * Returns a budget account's figures.
     *
     * @param key the account
     * @return spent, reserved and open reservations; {@link BudgetStore.Usage#NONE} for an account never used
     */
    BudgetStore.Usage usage(BudgetKey key);

    /** The steps of a claim, in the order they are checked. */
    enum Step {
        /** A concurrency slot. */
        CONCURRENCY,
        /** One request of the requests-per-minute bucket. */
        REQUESTS,
        /** The reserved tokens of the tokens-per-minute bucket. */
        TOKENS,
        /** The budget reservation. */
        BUDGET
    }

    /**
     * What one call asks of the shared store.
     *
     * <p>Immutable.
     *
     * @param tenant the tenant
     * @param now the governance clock's instant: refills the buckets, starts the leases
     * @param concurrencyCap the most slots the tenant may hold, or 0 for no cap
     * @param requestsPerMinute the request rate, or 0 for none
     * @param tokensPerMinute the token rate, or 0 for none
     * @param tokens the tokens to reserve when there is a token rate, at least 0
     * @param budgetKey the budget account, or {@code null} for no budget step
     * @param budgetUsd the amount to reserve, non-negative; zero without a budget step
     * @param budgetLimitUsd the period's budget, positive with a budget step; zero without
     * @param refuseAt the step at which the call can never fit, or {@code null}; its own figures are not sent
     */
    record Claim(TenantId tenant, Instant now, int concurrencyCap, long requestsPerMinute, long tokensPerMinute,
                 long tokens, @Nullable BudgetKey budgetKey, BigDecimal budgetUsd, BigDecimal budgetLimitUsd,
                 @Nullable Step refuseAt) {

        /** Validates. */
        public Claim {
            Objects.requireNonNull(tenant, "tenant");
            Objects.requireNonNull(now, "now");
            Objects.requireNonNull(budgetUsd, "budgetUsd");
            Objects.requireNonNull(budgetLimitUsd, "budgetLimitUsd");
            if (concurrencyCap < 0 || requestsPerMinute < 0 || tokensPerMinute < 0 || tokens < 0
                    || budgetUsd.signum() < 0) {
                throw new IllegalArgumentException("A claim's limits and amounts are non-negative, was cap "
                        + concurrencyCap + ", " + requestsPerMinute + " requests and " + tokensPerMinute
                        + " tokens per minute, " + tokens + " tokens, " + budgetUsd + " USD");
            }
            if (budgetKey != null && budgetLimitUsd.signum() <= 0) {
                throw new IllegalArgumentException("A claim with a budget needs a positive limit, was "
                        + budgetLimitUsd);
            }
        }

        /** Whether the claim has a budget step. */
        public boolean budgeted() {
            return budgetKey != null;
        }
    }

    /**
     * What {@link #take} decided.
     *
     * <p>Immutable.
     *
     * @param hold what was taken, or {@code null} if refused
     * @param refusedBy the step that refused, or {@code null} if taken
     * @param remainingTokens for a bucket's refusal, the tokens it holds (negative in debt); else 0
     * @param nanosToWait for a bucket's refusal, how long until it holds what was asked; else 0
     * @param remainingUsd for the budget's refusal, {@code limit - spent - reserved}; else zero
     */
    record Outcome(@Nullable Hold hold, @Nullable Step refusedBy, long remainingTokens, long nanosToWait,
                   BigDecimal remainingUsd) {

        /** Validates: exactly one of hold and refusing step; the amount is kept in canonical form. */
        public Outcome {
            BigDecimal stripped = Objects.requireNonNull(remainingUsd, "remainingUsd").stripTrailingZeros();
            remainingUsd = stripped.scale() < 0 ? stripped.setScale(0) : stripped;
            if ((hold == null) == (refusedBy == null)) {
                throw new IllegalArgumentException("An outcome has a hold or a refusing step, not both or neither");
            }
        }

        /** Everything was taken. */
        public static Outcome taken(Hold hold) {
            return new Outcome(Objects.requireNonNull(hold, "hold"), null, 0, 0, BigDecimal.ZERO);
        }

        /** Refused at a step without figures: the concurrency cap, or the claim's {@code refuseAt}. */
        public static Outcome refused(Step step) {
            return new Outcome(null, Objects.requireNonNull(step, "step"), 0, 0, BigDecimal.ZERO);
        }

        /** Refused by a bucket. */
        public static Outcome refusedByBucket(Step step, long remainingTokens, long nanosToWait) {
            return new Outcome(null, Objects.requireNonNull(step, "step"), remainingTokens, nanosToWait,
                    BigDecimal.ZERO);
        }

        /** Refused by the budget. */
        public static Outcome overBudget(BigDecimal remainingUsd) {
            return new Outcome(null, Step.BUDGET, 0, 0, remainingUsd);
        }
    }

    /**
     * What one call holds in the shared store, to {@link #release} or {@link #giveBack} once.
     *
     * <p>Immutable.
     *
     * @param claim the claim taken
     * @param id the hold's id, unique across the instances sharing the store; release is idempotent by it
     */
    record Hold(Claim claim, String id) {

        /** Validates. */
        public Hold {
            Objects.requireNonNull(claim, "claim");
            Objects.requireNonNull(id, "id");
        }
    }
}
