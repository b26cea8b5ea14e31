package dev.aip.core.governance;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.TokensInheritanceStrategy;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One tenant's local rate state: calls in flight, and a Bucket4j bucket per rate limit.
 *
 * <p>A bucket is created on first use and reconfigured in place (keeping its level, capped at the new capacity) when
 * the policy's limit changes, so permits already granted settle against the same bucket they consumed from. The
 * volatile {@link Rate} holder makes the common case (limit unchanged) a single read; changes are rare and
 * serialised on this object.
 */
final class TenantLimits {

    /** Calls admitted and not yet released. */
    final AtomicInteger inFlight = new AtomicInteger();

    private final TimeMeter time;
    private volatile Rate requests;
    private volatile Rate tokens;

    TenantLimits(TimeMeter time) {
        this.time = time;
    }

    /** Takes a concurrency slot if fewer than {@code cap} are taken. */
    boolean tryTakeSlot(int cap) {
        while (true) {
            int n = inFlight.get();
            if (n >= cap) {
                return false;
            }
            if (inFlight.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    Bucket requests(long perMinute) {
        Rate r = requests;
        if (r != null && r.perMinute == perMinute) {
            return r.bucket;
        }
        synchronized (this) {
            requests = adjust(requests, perMinute);
            return requests.bucket;
        }
    }

    Bucket tokens(long perMinute) {
        Rate r = tokens;
        if (r != null && r.perMinute == perMinute) {
            return r.bucket;
        }
        synchronized (this) {
            tokens = adjust(tokens, perMinute);
            return tokens.bucket;
        }
    }

    private Rate adjust(Rate current, long perMinute) {
        if (current == null) {
            return new Rate(perMinute, Bucket.builder().withCustomTimePrecision(time)
                    .addLimit(limit -> limit.capacity(perMinute).refillGreedy(perMinute, Duration.ofMinutes(1)))
                    .build());
        }
        if (current.perMinute != perMinute) {
            current.bucket.replaceConfiguration(BucketConfiguration.builder()
                    .addLimit(limit -> limit.capacity(perMinute).refillGreedy(perMinute, Duration.ofMinutes(1)))
                    .build(), TokensInheritanceStrategy.AS_IS);
            return new Rate(perMinute, current.bucket);
        }
        return current;
    }

    /** A bucket and the per-minute limit it is configured for. */
    private record Rate(long perMinute, Bucket bucket) {
    }
}
