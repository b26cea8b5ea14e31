package dev.aip.core.governance;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Where budget accounts live: spent and reserved US dollars per {@link BudgetKey} (tenant and period).
 *
 * <p><b>Contract.</b> For every key, with {@code spent} the settled spend and {@code reserved} the sum of open
 * reservations:
 * <ul>
 *   <li>{@link #reserve} is atomic: it grants the reservation if and only if
 *       {@code spent + reserved + amount <= limit}, and then adds the amount to {@code reserved}. So no reservation
 *       is refused while the headroom {@code limit - spent - reserved} covers it, and reservations never push
 *       {@code spent + reserved} over the limit.</li>
 *   <li>{@link #settle} is atomic and idempotent: the first call for a reservation removes it from
 *       {@code reserved} and adds the actual amount to {@code spent}; later calls change nothing. The actual amount
 *       may exceed the reservation (the estimate was low); it is charged in full, never dropped.</li>
 *   <li>Amounts are exact {@link BigDecimal}s; a store never rounds.</li>
 * </ul>
 * Hence {@code spent <= limit + Σ (actual - reserved)} over settlements that came in above their reservation, and
 * after every reservation has settled, {@code reserved == 0}.
 *
 * <p>{@link #local()} keeps accounts in memory for one process. A shared store (e.g. on Redis, with the check and
 * the increment in one script) lets several processes enforce one budget per tenant; it should expire a key some
 * time after its {@link BudgetKey#end()}, and open reservations with it.
 *
 * <p>Implementations must be thread-safe; {@code reserve} is called on the caller's thread before a call,
 * {@code settle} on whichever thread ends it, concurrently for the same key.
 */
public interface BudgetStore {

    /**
     * Returns whether operations on this state may wait on a network round trip (a shared store such as Redis).
     * {@link Governance} then settles released permits on its settlement executor, never on the thread that ends
     * the call (for asynchronous calls, a transport's event loop). Default {@code false}: state in this instance's
     * memory, settled inline.
     *
     * @return {@code true} for a budget store that lives in a remote store
     */
    default boolean remote() {
        return false;
    }

    /**
     * Reserves an amount against a limit, atomically.
     *
     * @param key the account
     * @param amountUsd the amount to reserve, non-negative
     * @param limitUsd the budget of the period, positive
     * @return the reservation, granted or refused, with the headroom that remains
     */
    Reservation reserve(BudgetKey key, BigDecimal amountUsd, BigDecimal limitUsd);

    /**
     * {@link #reserve}, without parking the calling thread on a round trip to a shared store. The default completes
     * at once with what {@link #reserve} returns (or fails with what it throws): right for a store in memory; a
     * shared store overrides it.
     *
     * @param key the account
     * @param amountUsd the amount to reserve, non-negative
     * @param limitUsd the budget of the period, positive
     * @return the reservation, granted or refused; failed when the store cannot be reached
     */
    default CompletionStage<Reservation> reserveAsync(BudgetKey key, BigDecimal amountUsd, BigDecimal limitUsd) {
        try {
            return CompletableFuture.completedFuture(reserve(key, amountUsd, limitUsd));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Settles a granted reservation to the actual amount spent, exactly once.
     *
     * @param reservation a reservation this store granted
     * @param actualUsd what the call really cost, non-negative
     * @return the account's spend before and after, and whether this call applied the settlement
     */
    Settlement settle(Reservation reservation, BigDecimal actualUsd);

    /**
     * Returns an account's current figures.
     *
     * @param key the account
     * @return spent, reserved and open reservations; zeros for an account never used
     */
    Usage usage(BudgetKey key);

    /**
     * Forgets accounts whose period ended before an instant and that hold no open reservation. A store that expires
     * keys by itself may ignore this.
     *
     * @param before accounts ending at or before this instant may go
     */
    default void evictEnded(Instant before) {
    }

    /**
     * Returns a store that keeps accounts in this process's memory.
     *
     * @return a new, empty store
     */
    static BudgetStore local() {
        return new LocalBudgetStore();
    }

    /** Amounts in canonical form (no trailing zeros, scale at least 0), so that equal amounts are equal. */
    private static BigDecimal canonical(BigDecimal amount) {
        BigDecimal stripped = Objects.requireNonNull(amount, "amount").stripTrailingZeros();
        return stripped.scale() < 0 ? stripped.setScale(0) : stripped;
    }

    /**
     * The answer to {@link #reserve}.
     *
     * <p>Immutable.
     *
     * @param key the account
     * @param id the reservation's id, unique in its store; settlement is keyed by it
     * @param amountUsd the amount asked for
     * @param granted whether it was reserved
     * @param remainingUsd the headroom ({@code limit - spent - reserved}) after a granted reservation, or at the
     *     moment of a refusal (then less than the amount); may be negative after an overrun
     */
    record Reservation(BudgetKey key, String id, BigDecimal amountUsd, boolean granted, BigDecimal remainingUsd) {

        /** Validates; amounts are kept in canonical form, so equal amounts are equal. */
        public Reservation {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(id, "id");
            amountUsd = canonical(amountUsd);
            remainingUsd = canonical(remainingUsd);
        }
    }

    /**
     * The answer to {@link #settle}.
     *
     * <p>Immutable.
     *
     * @param key the account
     * @param spentBeforeUsd the account's spend just before this settlement
     * @param spentAfterUsd the account's spend just after it
     * @param applied {@code false} if the reservation had already been settled (then before equals after)
     */
    record Settlement(BudgetKey key, BigDecimal spentBeforeUsd, BigDecimal spentAfterUsd, boolean applied) {

        /** Validates; amounts are kept in canonical form, so equal amounts are equal. */
        public Settlement {
            Objects.requireNonNull(key, "key");
            spentBeforeUsd = canonical(spentBeforeUsd);
            spentAfterUsd = canonical(spentAfterUsd);
        }
    }

    /**
     * An account's figures at one moment.
     *
     * <p>Immutable.
     *
     * @param spentUsd settled spend
     * @param reservedUsd sum of open reservations
     * @param openReservations how many reservations are open
     */
    record Usage(BigDecimal spentUsd, BigDecimal reservedUsd, int openReservations) {

        /** No spend, nothing reserved. */
        public static final Usage NONE = new Usage(BigDecimal.ZERO, BigDecimal.ZERO, 0);

        /** Validates; amounts are kept in canonical form, so equal amounts are equal. */
        public Usage {
            spentUsd = canonical(spentUsd);
            reservedUsd = canonical(reservedUsd);
        }
    }
}
