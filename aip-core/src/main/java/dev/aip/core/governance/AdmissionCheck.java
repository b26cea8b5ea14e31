package dev.aip.core.governance;

import dev.aip.core.metering.UsageRecord;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * One step of admission, owning what it takes: {@link Governance} runs its checks in order, gives back in reverse
 * order what earlier checks took when one refuses, and settles every check of an admitted call on release.
 *
 * <p>What a check took is recorded in the call's {@link GovernancePermit} (one field per check), written only by its
 * take and
 * read by its give-back and settlement, which happen after the take has completed.
 *
 * <p>Implementations are stateless apart from their collaborators, and thread-safe.
 */
interface AdmissionCheck {

    /**
     * Tries to take what the call needs.
     *
     * @param ask the call
     * @param grant where to record what was taken
     * @return the refusal, or {@code null} if the call passes (having taken what it needs, or nothing)
     * @throws RuntimeException what a shared state throws when it cannot be reached
     */
    @Nullable Refusal take(Ask ask, GovernancePermit grant);

    /**
     * {@link #take}, without parking the thread on a round trip to a shared state. By default the same as
     * {@link #take}, for checks that touch only this instance's memory.
     *
     * @return the refusal or {@code null}; failed with what a shared state failed with when it cannot be reached
     */
    default CompletionStage<@Nullable Refusal> takeAsync(Ask ask, GovernancePermit grant) {
        Refusal refusal = take(ask, grant);
        return refusal == null ? passed() : CompletableFuture.completedFuture(refusal);
    }

    /** Undoes a take whose call a later check refused; never throws. */
    void giveBack(GovernancePermit grant);

    /**
     * {@link #giveBack}, without parking the thread on a round trip to a shared state: an async admission may run on
     * the thread a state's answer arrived on, where a blocking call to that state could wait for itself. By default
     * the same as {@link #giveBack}, for checks that touch only this instance's memory.
     *
     * @return completed when given back; never failed (a failure is logged and dropped, as by {@link #giveBack})
     */
    default CompletionStage<@Nullable Void> giveBackAsync(GovernancePermit grant) {
        giveBack(grant);
        return Stages.DONE;
    }

    /**
     * Settles what this check took for an admitted call, once; never throws.
     *
     * @param attempts the records of the call's attempts, or {@code null} when its lease expired: charge the
     *     reservation
     */
    void settle(GovernancePermit grant, @Nullable List<UsageRecord> attempts);

    /** The stage of a check that passed; shared, and never handed outside governance. */
    static CompletableFuture<@Nullable Refusal> passed() {
        return Stages.PASSED;
    }

    /** Completion helpers of the async path. */
    final class Stages {

        static final CompletableFuture<@Nullable Refusal> PASSED = CompletableFuture.completedFuture(null);
        static final CompletableFuture<@Nullable Void> DONE = CompletableFuture.completedFuture(null);

        private Stages() {
        }

        /** Whether a stage is already complete and did not fail, so its value can be read without waiting. */
        static boolean ready(CompletionStage<?> stage) {
            return stage instanceof CompletableFuture<?> f && f.isDone() && !f.isCompletedExceptionally();
        }

        /** The value of a {@linkplain #ready ready} stage. */
        @SuppressWarnings("unchecked")
        static <T> T now(CompletionStage<T> stage) {
            return ((CompletableFuture<T>) stage).join();
        }

        /** Completes when {@code stage} does, whatever its outcome, after {@code onFailure} saw a failure. */
        static CompletionStage<@Nullable Void> logged(CompletionStage<?> stage,
                                                       java.util.function.Consumer<Throwable> onFailure) {
            if (ready(stage)) {
                return DONE;
            }
            return stage.handle((value, failure) -> {
                if (failure != null) {
                    onFailure.accept(unwrap(failure));
                }
                return null;
            });
        }

        /** What a stage failed with, without the wrappers of the stages it went through. */
        static Throwable unwrap(Throwable failure) {
            Throwable t = failure;
            while ((t instanceof java.util.concurrent.CompletionException
                    || t instanceof java.util.concurrent.ExecutionException) && t.getCause() != null) {
                t = t.getCause();
            }
            return t;
        }
    }
}
