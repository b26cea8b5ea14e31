package dev.aip.core.governance.redis;

import dev.aip.core.governance.RateLimitState;
import dev.aip.core.tenant.TenantId;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Clock;
import java.time.Duration;

/**
 * Buckets in Redis through Bucket4j's Lettuce compare-and-swap proxy manager, one per tenant and limit, under
 * {@code <prefix>:rate:{<tenant>}:<limit>}. The proxy manager is built on first use, so a failed connection is
 * retried by the next call.
 */
final class RedisRateLimitState implements RateLimitState {

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
    public Bucket bucket(TenantId tenant, String limit, BucketConfiguration configuration) {
        return buckets().builder().build(prefix + ":rate:{" + tenant.value() + "}:" + limit, () -> configuration);
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
}
