package dev.aip.gateway;

import dev.aip.core.governance.RateLimitState;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.sink.UsageSink;
import dev.aip.keys.ApiKey;
import dev.aip.keys.KeyLimits;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The per-key limits of store keys ({@link KeyLimits}): requests per minute and tokens per minute, as token buckets
 * from aip's {@link RateLimitState} (the application's shared state when it has one, e.g. Redis, so a key's limit
 * holds across replicas; else buckets in this replica's memory, so it holds per replica). The buckets are named
 * {@code key:<id>:requests-per-minute} and {@code key:<id>:tokens-per-minute} under the key's tenant, apart from the
 * tenant's own limits, which still apply.
 *
 * <p>A request takes one token from the request bucket when its key is authenticated. Tokens are charged after the
 * fact: each usage record of a call made with the key (it carries the key's id in the {@value ApiKeys#KEY_ATTRIBUTE}
 * attribute) takes its input plus output tokens from the token bucket, which may go into debt; while the bucket is
 * empty or in debt, the key's requests are refused. So one call may overshoot the limit, and the key then waits
 * until the overshoot is paid back.
 *
 * <p>With the default local state the checks are in memory. With a shared state they wait for a round trip to its
 * store on the thread that serves the request (a server I/O thread), which serves nothing else meanwhile: about a
 * millisecond on a nearby Redis, and only for keys that have limits.
 *
 * <p>Thread-safe.
 */
final class KeyRateLimits implements UsageSink {

    static final String REQUESTS = "requests-per-minute";
    static final String TOKENS = "tokens-per-minute";

    /** Why a request was refused, and when to retry. */
    record Refusal(String message, long retryAfterSeconds) {
    }

    /** One key's buckets, for the limits they were made with (a bucket is null for no limit). */
    private record Buckets(KeyLimits limits, RateLimitState.TokenBucket requests, RateLimitState.TokenBucket tokens) {
    }

    private final RateLimitState state;
    private final Map<String, Buckets> byKey = new ConcurrentHashMap<>();
    private final Map<String, ApiKey> known = new ConcurrentHashMap<>();

    KeyRateLimits(RateLimitState state) {
        this.state = state;
    }

    /**
     * Takes one request from the key's request bucket and checks that its token bucket is not empty.
     *
     * @return {@code null} when admitted, else the refusal
     */
    Refusal admit(ApiKey key) {
        KeyLimits limits = key.limits();
        if (limits.none()) {
            return null;
        }
        known.put(key.id(), key);
        Buckets b = buckets(key);
        if (b.tokens() != null) {
            long available = b.tokens().availableTokens();
            if (available <= 0) {
                // Until the bucket holds one token again: (1 - available) tokens at tokensPerMinute per minute.
                long seconds = ceilDiv((1 - available) * 60, limits.tokensPerMinute());
                return new Refusal("This API key's limit of " + limits.tokensPerMinute() + " tokens per minute is used"
                        + " up; retry after " + seconds + " s.", Math.max(1, seconds));
            }
        }
        if (b.requests() != null) {
            RateLimitState.Consumption c = b.requests().tryConsume(1);
            if (!c.consumed()) {
                long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(c.nanosToWaitForRefill() + 999_999_999));
                return new Refusal("This API key's limit of " + limits.requestsPerMinute() + " requests per minute is"
                        + " used up; retry after " + seconds + " s.", seconds);
            }
        }
        return null;
    }

    /** Charges a call's tokens to the token bucket of the key it was made with. */
    @Override
    public void accept(UsageRecord record) {
        String id = record.attributes().get(ApiKeys.KEY_ATTRIBUTE);
        if (id == null) {
            return;
        }
        ApiKey key = known.get(id);
        if (key == null || key.limits().tokensPerMinute() == 0) {
            return;
        }
        long used = record.usage().inputTokens() + record.usage().outputTokens();
        if (used > 0) {
            buckets(key).tokens().consumeIgnoringLimit(used);
        }
    }

    private Buckets buckets(ApiKey key) {
        KeyLimits limits = key.limits();
        Buckets b = byKey.get(key.id());
        if (b != null && b.limits().equals(limits)) {
            return b;
        }
        // New, or the key's limits changed: the same buckets, reconfigured (a shared state keeps their levels).
        return byKey.compute(key.id(), (id, old) -> {
            if (old != null && old.limits().equals(limits)) {
                return old;
            }
            return new Buckets(limits, bucket(key, REQUESTS, limits.requestsPerMinute(), old == null ? null
                    : old.requests()), bucket(key, TOKENS, limits.tokensPerMinute(), old == null ? null : old.tokens()));
        });
    }

    private RateLimitState.TokenBucket bucket(ApiKey key, String name, long perMinute,
                                              RateLimitState.TokenBucket old) {
        if (perMinute == 0) {
            return null;
        }
        RateLimitState.Limit limit = RateLimitState.Limit.perMinute(perMinute);
        if (old != null) {
            old.reconfigure(limit);
            return old;
        }
        return state.bucket(key.tenant(), "key:" + key.id() + ":" + name, limit);
    }

    private static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }
}
