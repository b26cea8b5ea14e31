package dev.aip.core.governance;

import dev.aip.core.tenant.TenantId;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.TokensInheritanceStrategy;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One tenant's rate state as this instance sees it: calls in flight (always local), and a Bucket4j bucket per rate
 * limit, taken from the {@link RateLimitState} (local or shared).
 *
 * <p>A bucket is obtained on first use and reconfigured in place (keeping its level, capped at the new capacity) when
 * the policy's limit changes, so permits already granted settle against the same bucket they consumed from. The
 * volatile {@link Rate} holder makes the common case (limit unchanged) a single read; changes are rare and
 * serialised on this object.
 */
final class TenantLimits {

    static final String REQUESTS = "requests-per-minute";
    static final String TOKENS = "tokens-per-minute";

    /** Calls admitted and not yet released. */
    final AtomicInteger inFlight = new AtomicInteger();

    private final TenantId tenant;
    private final RateLimitState state;
    private volatile Rate requests;
    private volatile Rate tokens;

    TenantLimits(TenantId tenant, RateLimitState state) {
        this.tenant = tenant;
        this.state = state;
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
            requests = adjust(requests, REQUESTS, perMinute);
            return requests.bucket;
        }
    }

    Bucket tokens(long perMinute) {
        Rate r = tokens;
        if (r != null && r.perMinute == perMinute) {
            return r.bucket;
        }
        synchronized (this) {
            tokens = adjust(tokens, TOKENS, perMinute);
            return tokens.bucket;
        }
    }

    private Rate adjust(Rate current, String limit, long perMinute) {
        if (current == null) {
            return new Rate(perMinute, state.bucket(tenant, limit, perMinute(perMinute)));
        }
        if (current.perMinute != perMinute) {
            current.bucket.replaceConfiguration(perMinute(perMinute), TokensInheritanceStrategy.AS_IS);
            return new Rate(perMinute, current.bucket);
        }
        return current;
    }

    private static BucketConfiguration perMinute(long perMinute) {
        return BucketConfiguration.builder()
                .addLimit(limit -> limit.capacity(perMinute).refillGreedy(perMinute, Duration.ofMinutes(1)))
                .build();
    }

    /** A bucket and the per-minute limit it is configured for. */
    private record Rate(long perMinute, Bucket bucket) {
    }
}
