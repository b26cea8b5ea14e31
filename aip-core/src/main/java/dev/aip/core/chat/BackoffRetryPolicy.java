package dev.aip.core.chat;

import dev.aip.core.metering.Outcome;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * The built-in {@link RetryPolicy}: exponential backoff with full jitter per profile, fail-over once a profile's
 * attempts are used up, a per-call deadline. Immutable and thread-safe.
 */
final class BackoffRetryPolicy implements RetryPolicy {

    private final int maxAttempts;
    private final long baseNanos;
    private final long maxNanos;
    private final Duration deadline;
    private final Set<Outcome> retryOn;
    private final Set<String> retryOnCodes;
    private final Set<String> failOverOn;
    private final RandomGenerator random;

    BackoffRetryPolicy(RetryPolicy.Builder b) {
        this.maxAttempts = b.maxAttempts;
        this.baseNanos = b.baseDelay.toNanos();
        this.maxNanos = b.maxDelay.toNanos();
        this.deadline = b.deadline;
        this.retryOn = b.retryOn.isEmpty() ? EnumSet.noneOf(Outcome.class) : EnumSet.copyOf(b.retryOn);
        this.retryOnCodes = Set.copyOf(b.retryOnCodes);
        this.failOverOn = Set.copyOf(b.failOverOn);
        this.random = b.random;
    }

    @Override
    public Decision decide(FailedAttempt failed) {
        TransportFailure failure = failed.failure();
        String code = failure.errorCode();
        boolean retryable = retryOn.contains(failure.outcome()) || code != null && retryOnCodes.contains(code);
        boolean failOverNow = code != null && failOverOn.contains(code);
        if (!retryable && !failOverNow) {
            return Decision.STOP;
        }
        if (retryable && !failOverNow && failed.profileAttempt() < maxAttempts) {
            Duration pause = pause(failed.profileAttempt());
            if (deadline == null || failed.elapsed().plus(pause).compareTo(deadline) <= 0) {
                return Decision.retryAfter(pause);
            }
            // The pause would end past the deadline: another profile may still answer in time.
        }
        if (deadline != null && failed.elapsed().compareTo(deadline) >= 0) {
            return Decision.STOP;
        }
        return Decision.failOver();
    }

    /** A uniformly random pause in {@code [0, min(max, base * 2^(attempt-1))]}, in nanoseconds. */
    Duration pause(int attempt) {
        if (baseNanos == 0) {
            return Duration.ZERO;
        }
        int shift = Math.min(attempt - 1, 62);
        long ceiling = baseNanos << shift;
        if (ceiling < 0 || ceiling >>> shift != baseNanos || ceiling > maxNanos) {
            ceiling = maxNanos;
        }
        RandomGenerator r = random != null ? random : ThreadLocalRandom.current();
        return Duration.ofNanos(ceiling == Long.MAX_VALUE ? r.nextLong(Long.MAX_VALUE) : r.nextLong(ceiling + 1));
    }
}
