package dev.aip.governance.redis;

import dev.aip.core.governance.ConcurrencyState;
import dev.aip.core.tenant.TenantId;
import io.lettuce.core.Range;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Concurrency slots on Redis: one sorted set per tenant, {@code <prefix>:slots:{<tenant>}}, of the ids of the slots
 * held, each scored by the end of its lease (epoch milliseconds).
 *
 * <p>Taking a slot is one script, which Redis runs atomically: it drops the slots whose lease has ended (their holder
 * died or lost Redis before releasing them), counts the rest, and adds the new id only if fewer than the cap are
 * held; the key expires with its longest lease. Releasing is one {@code ZREM} of the id, so a second release (or a
 * release after the slot was reclaimed) changes nothing. Ids are this state's random instance id and a counter, so
 * they are unique across instances.
 */
final class RedisConcurrencyState implements ConcurrencyState {

    /** Every operation is a round trip to Redis: Governance settles off the thread that ends the call. */
    @Override
    public boolean remote() {
        return true;
    }


    /**
     * KEYS: slots. ARGV: cap, now (ms), lease end (ms), id. Returns 1 if the slot was taken, else 0.
     */
    private static final String ACQUIRE = """
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
            if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
            redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
            local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
            redis.call('PEXPIREAT', KEYS[1], last[2])
            return 1
            """;

    private final Lazy<StatefulRedisConnection<String, String>> connection;
    private final String prefix;
    private final Clock clock;
    private final long leaseMillis;
    private final String instance = UUID.randomUUID().toString();
    private final AtomicLong ids = new AtomicLong();

    RedisConcurrencyState(Lazy<StatefulRedisConnection<String, String>> connection, String prefix, Clock clock,
                          Duration lease) {
        this.connection = connection;
        this.prefix = prefix;
        this.clock = clock;
        this.leaseMillis = lease.toMillis();
    }

    @Override
    public Slots slots(TenantId tenant) {
        Objects.requireNonNull(tenant, "tenant");
        return new TenantSlots(prefix + ":slots:{" + tenant.value() + "}");
    }

    /** One tenant's sorted set. */
    private final class TenantSlots implements Slots {

        private final String key;

        TenantSlots(String key) {
            this.key = key;
        }

        @Override
        public @Nullable Slot tryAcquire(int cap) {
            if (cap < 1) {
                throw new IllegalArgumentException("A concurrency cap must be at least 1, was " + cap);
            }
            String id = instance + ":" + ids.incrementAndGet();
            long now = clock.millis();
            RedisCommands<String, String> redis = connection.get().sync();
            String[] keys = {key};
            String[] args = {Integer.toString(cap), Long.toString(now), Long.toString(now + leaseMillis), id};
            Long taken;
            try {
                taken = redis.evalsha(Scripts.sha1(ACQUIRE), ScriptOutputType.INTEGER, keys, args);
            } catch (RedisNoScriptException e) {
                taken = redis.eval(ACQUIRE, ScriptOutputType.INTEGER, keys, args);
            }
            return taken == 1L ? new HeldSlot(key, id) : null;
        }

        /** The same script as {@link #tryAcquire}, on Lettuce's async API: no thread waits for Redis. */
        @Override
        public CompletionStage<@Nullable Slot> tryAcquireAsync(int cap) {
            if (cap < 1) {
                throw new IllegalArgumentException("A concurrency cap must be at least 1, was " + cap);
            }
            String id = instance + ":" + ids.incrementAndGet();
            long now = clock.millis();
            String[] keys = {key};
            String[] args = {Integer.toString(cap), Long.toString(now), Long.toString(now + leaseMillis), id};
            return connection.getAsync()
                    .thenCompose(c -> Scripts.<Long>evalAsync(c.async(), ACQUIRE, ScriptOutputType.INTEGER, keys, args))
                    .thenApply(taken -> taken == 1L ? new HeldSlot(key, id) : null);
        }

        @Override
        public int held() {
            long now = clock.millis();
            return Math.toIntExact(connection.get().sync().zcount(key,
                    Range.from(Range.Boundary.excluding(now), Range.Boundary.unbounded())));
        }
    }

    /** A slot taken by one call. */
    private final class HeldSlot implements Slot {

        private final String key;
        private final String id;

        HeldSlot(String key, String id) {
            this.key = key;
            this.id = id;
        }

        @Override
        public void release() {
            connection.get().sync().zrem(key, id);
        }

        @Override
        public CompletionStage<@Nullable Void> releaseAsync() {
            return connection.getAsync().thenCompose(c -> c.async().zrem(key, id)).thenApply(removed -> null);
        }
    }
}
