package dev.aip.core.governance;

import dev.aip.core.tenant.TenantId;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * Where the concurrency slots of the {@code maxConcurrentCalls} limit live. By default ({@link #local()}) each
 * {@link Governance} counts its own calls in flight, so the cap holds per instance; a shared state (such as
 * {@code dev.aip.governance.redis.RedisGovernanceState} in {@code aip-governance-redis}) keeps one set of slots per
 * tenant that every instance takes from, so the cap holds per tenant.
 *
 * <p>Governance asks for a tenant's {@link Slots} when it first needs them and then keeps them. It takes a slot
 * before the other limits and releases each slot it took exactly once: when the call is released, when its lease
 * expires, or at once when a later check refuses the call.
 *
 * <p><b>Failures.</b> A state that cannot reach its store throws an unchecked exception from
 * {@link Slots#tryAcquire} (or fails the stage of {@link Slots#tryAcquireAsync}); governance then applies the tier's
 * {@link FailurePolicy#concurrency()}. A release that
 * fails is logged and dropped, so a shared state must reclaim slots that are never released (e.g. by a lease), or a
 * crashed instance would hold them forever.
 *
 * <p>Implementations must be thread-safe.
 */
public interface ConcurrencyState {

    /**
     * Returns whether operations on this state may wait on a network round trip (a shared store such as Redis).
     * {@link Governance} then settles released permits on its settlement executor, never on the thread that ends
     * the call (for asynchronous calls, a transport's event loop). Default {@code false}: state in this instance's
     * memory, settled inline.
     *
     * @return {@code true} for concurrency state that lives in a remote store
     */
    default boolean remote() {
        return false;
    }

    /**
     * Returns the slots of one tenant.
     *
     * @param tenant the tenant
     * @return its slots, shared by every call of the tenant; may be the same object on every call
     */
    Slots slots(TenantId tenant);

    /**
     * Returns a state that counts calls in flight in this process's memory: one lock-free counter per tenant.
     *
     * @return a new state, no slot taken
     */
    static ConcurrencyState local() {
        return new LocalConcurrencyState();
    }

    /**
     * One tenant's concurrency slots.
     *
     * <p>Thread-safe.
     */
    interface Slots {

        /**
         * Takes a slot if fewer than {@code cap} are held, atomically with the check.
         *
         * @param cap the most slots the tenant may hold, at least 1; the policy's cap in force for this call
         * @return the slot taken, to release exactly once; {@code null} if {@code cap} slots are held
         */
        @Nullable Slot tryAcquire(int cap);

        /**
         * {@link #tryAcquire}, without parking the calling thread on a round trip to a shared store. The default
         * completes at once with what {@link #tryAcquire} returns (or fails with what it throws): right for a state in
         * memory; a shared state overrides it.
         *
         * @param cap the most slots the tenant may hold, at least 1
         * @return the slot taken, or {@code null} if {@code cap} slots are held; failed when the store cannot be
         *     reached
         */
        default CompletionStage<@Nullable Slot> tryAcquireAsync(int cap) {
            try {
                return CompletableFuture.completedFuture(tryAcquire(cap));
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        /**
         * Returns how many slots are held now.
         *
         * @return the count; for a shared state, across every instance, not counting slots whose lease has ended
         */
        int held();
    }

    /**
     * A slot taken by one call.
     *
     * <p>Thread-safe; released by whichever thread ends the call. A state that only counts may hand the same object
     * to every call of a tenant; each {@link Slots#tryAcquire} is matched by one {@link #release()}.
     */
    interface Slot {

        /** Gives the slot back. Governance calls it exactly once per slot taken. */
        void release();

        /**
         * {@link #release()}, without parking the calling thread on a round trip to a shared store: how an async
         * admission gives back the slot of a call a later check refused. The default releases at once.
         *
         * @return completed when the slot is back; failed when the store cannot be reached
         */
        default CompletionStage<@Nullable Void> releaseAsync() {
            try {
                release();
                return CompletableFuture.completedFuture(null);
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
    }
}
