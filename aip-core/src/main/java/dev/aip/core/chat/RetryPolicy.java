package dev.aip.core.chat;

import dev.aip.core.ConfigurationException;
import dev.aip.core.metering.Outcome;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Decides what follows a failed attempt: another attempt on the same profile after a pause, a move to the call's next
 * profile, or the end of the call. Each attempt is metered as its own usage record, linked to the others by the call
 * id; a stream is retried (or moved) only while nothing of it has reached the listener.
 *
 * <p>The profiles a call may move to are, in order: the tenant's other profiles for the model, ordered by the
 * pipeline's {@code ProfileBalancer}, then the entries of its {@link FallbackRoutes}. When the policy says
 * {@link Decision.Action#FAIL_OVER} and none is left, the call ends with the failure.
 *
 * <pre>{@code
 * RetryPolicy policy = RetryPolicy.backoff()
 *     .maxAttempts(3)                       // per profile
 *     .baseDelay(Duration.ofMillis(200))
 *     .maxDelay(Duration.ofSeconds(5))
 *     .deadline(Duration.ofSeconds(20))     // per call, from its start
 *     .build();
 * }</pre>
 *
 * <p><b>The built-in policies</b> ({@link #backoff()}, {@link #upTo}, {@link #none()}):
 * <ul>
 *   <li>retry the same profile for {@code THROTTLED} and {@code SERVER_ERROR} outcomes and for
 *       {@code ModelNotReadyException} (by error code, whatever its outcome), up to {@code maxAttempts} attempts on
 *       that profile, pausing before attempt {@code n + 1} a random time in
 *       {@code [0, min(maxDelay, baseDelay * 2^(n-1))]} ("full jitter");</li>
 *   <li>then fail over to the next profile, at once: retries on it were exhausted, and another profile (another
 *       region, another quota) may still answer;</li>
 *   <li>fail over at once, without retrying, for {@code ResourceNotFoundException} (the profile is gone: retrying it is
 *       pointless, another may answer), or the codes set with {@link Builder#failOverOn};</li>
 *   <li>never retry or move anything else (validation, access, model timeouts, streams cut after they started):
 *       another attempt would fail the same way or bill the tenant twice for one answer;</li>
 *   <li>with a {@linkplain Builder#deadline deadline}: never start a pause that would end past it (the call fails
 *       over at once instead, if it can), and never start an attempt after it. An attempt already running is not
 *       cut short; bound it with the SDK's attempt timeout.</li>
 * </ul>
 *
 * <p>Implementations must be thread-safe; {@link #decide} runs on whichever thread ended the attempt.
 */
@FunctionalInterface
public interface RetryPolicy {

    /**
     * Decides about one failed attempt.
     *
     * @param failed the attempt and how it failed
     * @return what to do next
     */
    Decision decide(FailedAttempt failed);

    /**
     * One attempt per profile, no pauses: a failed attempt moves to the call's next profile when the built-in rules
     * allow it, otherwise the call fails. Without further profiles this never retries.
     *
     * @return the policy
     */
    static RetryPolicy none() {
        return upTo(1);
    }

    /**
     * Retries throttled and server-failed attempts at once, without pauses, up to {@code maxAttempts} attempts per
     * profile, then moves to the call's next profile, if any.
     *
     * @param maxAttempts attempts per profile, at least 1
     * @return the policy
     */
    static RetryPolicy upTo(int maxAttempts) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1, was " + maxAttempts);
        }
        return backoff().maxAttempts(maxAttempts).baseDelay(Duration.ZERO).noDeadline().build();
    }

    /**
     * Returns a builder for exponential backoff with full jitter: by default 3 attempts per profile, base delay
     * 100 ms, max delay 5 s, deadline 30 s per call.
     *
     * @return the builder
     */
    static Builder backoff() {
        return new Builder();
    }

    /**
     * A failed attempt as the policy sees it.
     *
     * <p>Immutable.
     *
     * @param invocation the attempt; {@code invocation.attempt()} counts the call's attempts on every profile
     * @param failure how it failed, as the transport classified it
     * @param profileAttempt the 1-based number of this attempt on {@code invocation.profile()}
     * @param elapsed time since the call started, by the pipeline's ticker
     */
    record FailedAttempt(ChatInvocation invocation, TransportFailure failure, int profileAttempt, Duration elapsed) {

        /** @throws NullPointerException if a value is {@code null} */
        public FailedAttempt {
            Objects.requireNonNull(invocation, "invocation");
            Objects.requireNonNull(failure, "failure");
            Objects.requireNonNull(elapsed, "elapsed");
            if (profileAttempt < 1) {
                throw new IllegalArgumentException("profileAttempt must be >= 1, was " + profileAttempt);
            }
        }
    }

    /**
     * What follows a failed attempt.
     *
     * <p>Immutable.
     *
     * @param action what to do
     * @param pause how long to wait first; zero for {@link Action#STOP}
     */
    record Decision(Action action, Duration pause) {

        /** The call ends with the failure. */
        public static final Decision STOP = new Decision(Action.STOP, Duration.ZERO);

        /** What to do. */
        public enum Action {
            /** Another attempt on the same profile. */
            RETRY,
            /** An attempt on the call's next profile; the call ends if there is none. */
            FAIL_OVER,
            /** The call ends with the failure. */
            STOP
        }

        /** @throws IllegalArgumentException if the pause is negative */
        public Decision {
            Objects.requireNonNull(action, "action");
            Objects.requireNonNull(pause, "pause");
            if (pause.isNegative()) {
                throw new IllegalArgumentException("pause must not be negative, was " + pause);
            }
        }

        /**
         * Another attempt on the same profile after a pause.
         *
         * @param pause the wait, zero or more
         * @return the decision
         */
        public static Decision retryAfter(Duration pause) {
            return new Decision(Action.RETRY, pause);
        }

        /**
         * An attempt on the call's next profile, at once.
         *
         * @return the decision
         */
        public static Decision failOver() {
            return new Decision(Action.FAIL_OVER, Duration.ZERO);
        }
    }

    /**
     * Builds the backoff policy (see the interface comment for its rules). Not thread-safe; confine to one thread.
     *
     * <p>Each setting may be set once ({@code deadline} and {@code noDeadline} are one setting); a second set is a
     * {@link ConfigurationException}.
     */
    final class Builder {
        private final Map<String, Object> given = new HashMap<>();
        int maxAttempts = 3;
        Duration baseDelay = Duration.ofMillis(100);
        Duration maxDelay = Duration.ofSeconds(5);
        Duration deadline = Duration.ofSeconds(30);
        Set<Outcome> retryOn = EnumSet.of(Outcome.THROTTLED, Outcome.SERVER_ERROR);
        Set<String> retryOnCodes = new LinkedHashSet<>(List.of("ModelNotReadyException"));
        Set<String> failOverOn = new LinkedHashSet<>(List.of("ResourceNotFoundException"));
        RandomGenerator random;

        private Builder() {
        }

        /**
         * Sets the attempts per profile, at least 1; default 3.
         *
         * @param value attempts on one profile before the call moves on
         * @return this builder
         */
        public Builder maxAttempts(int value) {
            ConfigurationException.requireFirstSet(given, "RetryPolicy.maxAttempts", value);
            if (value < 1) {
                throw new ConfigurationException("RetryPolicy maxAttempts must be at least 1, was " + value);
            }
            maxAttempts = value;
            return this;
        }

        /**
         * Sets the ceiling of the first pause; each further pause on the same profile doubles it; default 100 ms.
         *
         * @param value zero or more; zero retries at once
         * @return this builder
         */
        public Builder baseDelay(Duration value) {
            ConfigurationException.requireFirstSet(given, "RetryPolicy.baseDelay", value);
            baseDelay = nonNegative(value, "baseDelay");
            return this;
        }

        /**
         * Sets the largest ceiling of a pause; default 5 s.
         *
         * @param value zero or more
         * @return this builder
         */
        public Builder maxDelay(Duration value) {
            ConfigurationException.requireFirstSet(given, "RetryPolicy.maxDelay", value);
            maxDelay = nonNegative(value, "maxDelay");
            return this;
        }

        /**
         * Sets the per-call deadline, from the start of the call; default 30 s.
         *
         * @param value positive
         * @return this builder
         */
        public Builder deadline(Duration value) {
            ConfigurationException.requireFirstSet(given, "RetryPolicy.deadline", value);
            Objects.requireNonNull(value, "deadline");
            if (value.isZero() || value.isNegative()) {
                throw new ConfigurationException("RetryPolicy deadline must be positive, was " + value);
            }
            deadline = value;
            return this;
        }

        /**
         * Removes the deadline: attempts are bounded by {@code maxAttempts} per profile only.
         *
         * @return this builder
         */
        public Builder noDeadline() {
            ConfigurationException.requireFirstSet(given, "RetryPolicy.deadline", "none");
            deadline = null;
            return this;
        }

        /**
         * Sets the outcomes retried on the same profile; default {@code THROTTLED} and {@code SERVER_ERROR}.
         *
         * @param values the outcomes
         * @return this builder
         */
        public Builder retryOn(Outcome... values) {
            ConfigurationException.requireFirstSet(given, "RetryPolicy.retryOn", java.util.Arrays.toString(values));
            retryOn = values.length == 0 ? EnumSet.noneOf(Outcome.class) : EnumSet.copyOf(List.of(values));
            return this;
        }

        /**
         * Sets error codes retried on the same profile whatever their outcome; default
         * {@code ModelNotReadyException}.
         *
         * @param codes Bedrock error codes, e.g. {@code ModelNotReadyException}
         * @return this builder
         */
        public Builder retryOnErrorCodes(String... codes) {
            ConfigurationException.requireFirstSet(given,
                    "RetryPolicy.retryOnErrorCodes", java.util.Arrays.toString(codes));
            retryOnCodes = new LinkedHashSet<>(List.of(codes));
            return this;
        }

        /**
         * Sets error codes that move the call to its next profile at once, without retrying the same one; default
         * {@code ResourceNotFoundException}.
         *
         * @param codes Bedrock error codes
         * @return this builder
         */
        public Builder failOverOn(String... codes) {
            ConfigurationException.requireFirstSet(given, "RetryPolicy.failOverOn", java.util.Arrays.toString(codes));
            failOverOn = new LinkedHashSet<>(List.of(codes));
            return this;
        }

        /**
         * Sets the source of the jitter, e.g. a seeded {@link java.util.Random} in tests; default
         * {@link java.util.concurrent.ThreadLocalRandom}. It is shared by all threads, so it must be thread-safe.
         *
         * @param value the generator
         * @return this builder
         */
        public Builder random(RandomGenerator value) {
            ConfigurationException.requireFirstSet(given, "RetryPolicy.random", value);
            random = Objects.requireNonNull(value, "random");
            return this;
        }

        /**
         * Builds the policy.
         *
         * @return the policy; immutable and thread-safe
         * @throws ConfigurationException if {@code maxDelay} is below {@code baseDelay}
         */
        public RetryPolicy build() {
            if (maxDelay.compareTo(baseDelay) < 0) {
                throw new ConfigurationException("RetryPolicy maxDelay (" + maxDelay + ") is below baseDelay ("
                        + baseDelay + ")");
            }
            return new BackoffRetryPolicy(this);
        }

        private static Duration nonNegative(Duration value, String name) {
            Objects.requireNonNull(value, name);
            if (value.isNegative()) {
                throw new ConfigurationException("RetryPolicy " + name + " must not be negative, was " + value);
            }
            return value;
        }
    }
}
