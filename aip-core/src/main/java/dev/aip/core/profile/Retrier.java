package dev.aip.core.profile;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * Retries control-plane calls that failed with a retryable classification ({@code THROTTLED}, {@code UNAVAILABLE})
 * with exponential backoff and full jitter: before attempt {@code n+1} it sleeps a uniformly random time in
 * {@code [0, min(max, base * 2^(n-1))]}. It gives up after {@code maxAttempts} or when the next sleep would end
 * past the deadline, and then rethrows the last failure unchanged. Immutable and thread-safe.
 */
final class Retrier {

    /** Sleeps; injected so that tests never sleep. */
    @FunctionalInterface
    interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    static final Sleeper THREAD_SLEEP = d -> Thread.sleep(d.toMillis(), d.toNanosPart() % 1_000_000);

    private final InferenceProfileApi api;
    private final Clock clock;
    private final Sleeper sleeper;
    private final Duration base;
    private final Duration max;
    private final Duration deadline;
    private final int maxAttempts;

    Retrier(InferenceProfileApi api, Clock clock, Sleeper sleeper, Duration base, Duration max, Duration deadline,
            int maxAttempts) {
        this.api = api;
        this.clock = clock;
        this.sleeper = sleeper;
        this.base = base;
        this.max = max;
        this.deadline = deadline;
        this.maxAttempts = maxAttempts;
    }

    <T> T call(Supplier<T> call) {
        Instant giveUpAt = clock.instant().plus(deadline);
        for (int attempt = 1; ; attempt++) {
            try {
                return call.get();
            } catch (RuntimeException e) {
                if (attempt >= maxAttempts || !Failures.classify(api, e).retryable()) {
                    throw e;
                }
                Duration pause = pause(attempt);
                if (clock.instant().plus(pause).isAfter(giveUpAt)) {
                    throw e;
                }
                try {
                    sleeper.sleep(pause);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    e.addSuppressed(interrupted);
                    throw e;
                }
            }
        }
    }

    private Duration pause(int attempt) {
        long ceiling = base.toNanos() << Math.min(attempt - 1, 30);
        if (ceiling <= 0 || ceiling > max.toNanos()) {
            ceiling = max.toNanos();
        }
        return Duration.ofNanos(ThreadLocalRandom.current().nextLong(ceiling + 1));
    }
}
