package dev.aip.core.chat;

import dev.aip.core.metering.Outcome;
import java.util.EnumSet;
import java.util.Set;

/**
 * Whether the pipeline makes another attempt after a failed one. Each attempt is metered as its own usage record,
 * linked to the others by the call id. A stream is retried only if nothing of it reached the listener yet.
 *
 * <p>The default is {@link #none()}. Back-off and fallback profiles belong to the governance layer and plug in
 * here.
 *
 * <p>Implementations must be thread-safe.
 */
@FunctionalInterface
public interface RetryPolicy {

    /**
     * Decides about one failed attempt.
     *
     * @param failed the attempt that failed
     * @param failure how it failed
     * @return {@code true} to make attempt {@code failed.attempt() + 1}
     */
    boolean retry(ChatInvocation failed, TransportFailure failure);

    /**
     * Never retries.
     *
     * @return the policy
     */
    static RetryPolicy none() {
        return (failed, failure) -> false;
    }

    /**
     * Retries throttled and server-failed attempts, at once, up to {@code maxAttempts} attempts in all.
     *
     * @param maxAttempts attempts in all, at least 1
     * @return the policy
     */
    static RetryPolicy upTo(int maxAttempts) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1, was " + maxAttempts);
        }
        Set<Outcome> retryable = EnumSet.of(Outcome.THROTTLED, Outcome.SERVER_ERROR);
        return (failed, failure) -> failed.attempt() < maxAttempts && retryable.contains(failure.outcome());
    }
}
