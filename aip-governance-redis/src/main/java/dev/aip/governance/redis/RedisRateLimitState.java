package dev.aip.governance.redis;

import dev.aip.core.governance.RateLimitState;
import dev.aip.core.tenant.TenantId;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.github.bucket4j.VerboseResult;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * Buckets in Redis through Bucket4j's Lettuce compare-and-swap proxy manager, one per tenant and limit, under
 * {@code <prefix>:rate:{<tenant>}:<limit>}. The proxy manager is built on first use, so a failed connection is
 * retried by the next call. Each operation on a bucket is one compare-and-swap on its key (retried on a conflict);
 * {@code tryConsumeAsync} does the same through Bucket4j's async proxy of the same key, on Lettuce's async API.
 */
final class RedisRateLimitState implements RateLimitState {

    /** Every operation is a round trip to Redis: Governance settles off the thread that ends the call. */
    @Override
    public boolean remote() {
        return true;
    }


    private final Lazy<StatefulRedisConnection<String, byte[]>> connection;
    private final String prefix;
    private final TimeMeter time;
    private volatile ProxyManager<String> buckets;

    RedisRateLimitState(Lazy<StatefulRedisConnection<String, byte[]>> connection, String prefix, Clock clock) {
        this.connection = connection;
        this.prefix = prefix;
        this.time = new TimeMeter() {
            @Override
            public long currentTimeNanos() {
                return Math.multiplyExact(clock.millis(), 1_000_000L);
            }

            @Override
            public boolean isWallClockBased() {
                return true;
            }
        };
    }

    @Override
    public TokenBucket bucket(TenantId tenant, String name, Limit limit) {
        BucketConfiguration configuration = configuration(limit);
        ProxyManager<String> proxies = buckets();
        String key = prefix + ":rate:{" + tenant.value() + "}:" + name;
        // The same key through the async proxy, for admissions that must not wait on Redis.
        AsyncBucketProxy async = proxies.isAsyncModeSupported()
                ? proxies.asAsync().builder().build(key, () -> CompletableFuture.completedFuture(configuration))
                : null;
        return new Shared(proxies.builder().build(key, () -> configuration), async);
    }

    private static BucketConfiguration configuration(Limit limit) {
        return BucketConfiguration.builder()
                .addLimit(b -> b.capacity(limit.capacity()).refillGreedy(limit.refillTokens(), limit.refillPeriod()))
                .build();
    }

    private ProxyManager<String> buckets() {
        ProxyManager<String> p = buckets;
        if (p != null) {
            return p;
        }
        synchronized (this) {
            if (buckets == null) {
                buckets = Bucket4jLettuce.casBasedBuilder(connection.get())
                        .clientClock(time)
                        .expirationAfterWrite(
                                ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofMinutes(1)))
                        .build();
            }
            return buckets;
        }
    }

    /** One bucket in Redis, through its Bucket4j proxy. */
    private static final class Shared implements TokenBucket {

        private final BucketProxy bucket;
        private final @Nullable AsyncBucketProxy async;

        Shared(BucketProxy bucket, @Nullable AsyncBucketProxy async) {
            this.bucket = bucket;
            this.async = async;
        }

        @Override
        public Consumption tryConsume(long tokens) {
            // one round trip, which also reports the level and the wait of a refusal
            return consumption(bucket.asVerbose().tryConsumeAndReturnRemaining(tokens));
        }

        /**
         * A probe reports a bucket in debt as holding 0 tokens; the state the verbose attempt ran on (the same
         * compare-and-swap, no further round trip) tells the debt.
         */
        private static Consumption consumption(VerboseResult<ConsumptionProbe> result) {
            ConsumptionProbe probe = result.getValue();
            return probe.isConsumed() ? Consumption.CONSUMED
                    : Consumption.refused(result.getDiagnostics().getAvailableTokens(),
                            probe.getNanosToWaitForRefill());
        }

        @Override
        public CompletionStage<Consumption> tryConsumeAsync(long tokens) {
            if (async == null) {
                return TokenBucket.super.tryConsumeAsync(tokens);
            }
            try {
                return async.asVerbose().tryConsumeAndReturnRemaining(tokens).thenApply(Shared::consumption);
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        @Override
        public void addTokens(long tokens) {
            bucket.addTokens(tokens);
        }

        @Override
        public CompletionStage<@Nullable Void> addTokensAsync(long tokens) {
            if (async == null) {
                return TokenBucket.super.addTokensAsync(tokens);
            }
            try {
                return async.addTokens(tokens);
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        @Override
        public void consumeIgnoringLimit(long tokens) {
            bucket.consumeIgnoringRateLimits(tokens);
        }

        @Override
        public long availableTokens() {
            return bucket.getAvailableTokens();
        }

        @Override
        public void reconfigure(Limit limit) {
            bucket.replaceConfiguration(configuration(limit), TokensInheritanceStrategy.AS_IS);
        }
    }
}
