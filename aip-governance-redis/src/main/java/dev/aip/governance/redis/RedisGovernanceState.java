package dev.aip.governance.redis;

import dev.aip.core.ConfigurationException;
import dev.aip.core.governance.BudgetStore;
import dev.aip.core.governance.ConcurrencyState;
import dev.aip.core.governance.FairShareState;
import dev.aip.core.governance.RateLimitState;
import dev.aip.core.governance.SharedAdmission;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * Governance state on one Redis server, shared by every application instance that points at it: budgets, rate limits
 * and concurrency caps then hold per tenant, not per instance.
 *
 * <pre>{@code
 * RedisGovernanceState redis = RedisGovernanceState.builder().uri("redis://10.0.0.5:6379").build();
 * Governance governance = Governance.builder()
 *     .policies(policies)
 *     .budgetStore(redis.budgetStore())
 *     .rateLimitState(redis.rateLimitState())
 *     .concurrencyState(redis.concurrencyState())
 *     .failurePolicy(Tier.PREMIUM, FailurePolicy.OPEN)
 *     .build();
 * ...
 * redis.close();
 * }</pre>
 *
 * <p><b>Budgets</b> are kept in integer pico-dollars (10<sup>-12</sup> USD) in Redis hashes, one account per tenant
 * and period, and changed only by Lua scripts, which Redis runs atomically: a reservation's check
 * ({@code spent + reserved + amount <= limit}) and its increment are one script; a settlement's release and charge
 * are another, idempotent by reservation id. Arithmetic is Redis's exact 64-bit {@code HINCRBY}; the comparison is
 * made on the decimal strings, so nothing passes through a floating-point number. Amounts finer than a pico-dollar
 * are rounded up (a reservation never holds less than asked); a limit is rounded down. An account holds at most
 * about 9.2 million USD; a larger budget is enforced as that much. Every open reservation has a store lease
 * ({@link Builder#lease}, default 1 hour, longer than the governance lease): a reservation not settled by then, e.g.
 * because its instance died, is charged at its reserved amount by the next reservation on the account. Account keys
 * expire {@link Builder#retention} after their period ends.
 *
 * <p><b>Rate limits</b> are Bucket4j buckets in Redis, one per tenant and limit, through Bucket4j's Lettuce
 * compare-and-swap proxy manager, refilled by {@link Builder#clock} (all instances' clocks should agree). Keys
 * expire once a bucket would be full again.
 *
 * <p><b>Concurrency slots</b> are one sorted set per tenant of the slots held, each with a lease
 * ({@link Builder#slotLease}, default 20 minutes, longer than the governance lease of 15 minutes plus its sweep
 * interval). A slot is taken by a Lua script that first drops slots whose lease has ended, then takes one only if fewer
 * than the cap are held; it is released by removing its id, once. A slot never released, because its instance died
 * or lost Redis at the wrong moment, is reclaimed when its lease ends, so a crashed instance holds a tenant's slots
 * for at most one slot lease.
 *
 * <p><b>Fair share</b> ({@link #fairShareState()}) keeps per source model and region one usage window per tenant and
 * one capacity estimate in Redis hashes, changed only by Lua scripts: an admission is one script, which decides
 * exactly as the local fair share does, on the tokens every instance has counted.
 *
 * <p><b>Failures.</b> Connections are opened on first use and re-opened after a failure, so an instance starts while
 * Redis is down. Commands issued while disconnected fail at once, and every command has a {@link Builder#timeout};
 * the failure reaches {@link dev.aip.core.governance.Governance}, whose per-tier
 * {@link dev.aip.core.governance.FailurePolicy} decides (by default rate limits and concurrency fail open, budgets fail
 * closed). A settlement or release that fails is logged and dropped: the store lease then charges a budget
 * reservation at its reserved amount, and the slot lease frees a slot.
 *
 * <p><b>Async.</b> For {@link dev.aip.core.governance.Governance#tryAdmitAsync} the slots, the buckets and the
 * budget take and give back with Lettuce's async commands (and Bucket4j's async proxy of the same bucket), so no
 * thread waits for Redis; a connection not yet open is opened on the common pool. Settlement stays synchronous.
 *
 * <p><b>One round trip.</b> The three states above cost one or more round trips per check. {@link #admission()}
 * takes all of them in one script per admission and one per release, which is what several instances under load
 * want; see there.
 *
 * <p>Thread-safe; share one per application instance; {@link #close()} when done.
 */
public final class RedisGovernanceState implements AutoCloseable {

    private final RedisClient client;
    private final Lazy<StatefulRedisConnection<String, String>> text;
    private final Lazy<StatefulRedisConnection<String, byte[]>> binary;
    private final RedisBudgetStore budgets;
    private final RedisRateLimitState rates;
    private final RedisConcurrencyState slots;
    private final RedisFairShareState fairShare;
    private final RedisSharedAdmission admission;

    private RedisGovernanceState(Builder b) {
        RedisURI uri = RedisURI.create(b.uri);
        uri.setTimeout(b.timeout);
        this.client = RedisClient.create(uri);
        client.setOptions(ClientOptions.builder()
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(b.timeout).build())
                .timeoutOptions(TimeoutOptions.enabled(b.timeout))
                .build());
        this.text = new Lazy<>(() -> client.connect(StringCodec.UTF8));
        this.binary = new Lazy<>(() -> client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE)));
        this.budgets = new RedisBudgetStore(text, b.prefix, b.clock, b.lease, b.retention);
        this.rates = new RedisRateLimitState(binary, b.prefix, b.clock);
        this.slots = new RedisConcurrencyState(text, b.prefix, b.clock, b.slotLease);
        this.fairShare = new RedisFairShareState(text, b.prefix, b.clock);
        this.admission = new RedisSharedAdmission(text, b.prefix, b.slotLease, b.lease, b.retention);
    }

    /**
     * Returns a builder; the URI is required.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the budget store on this Redis.
     *
     * @return the store, one per state
     */
    public BudgetStore budgetStore() {
        return budgets;
    }

    /**
     * Returns the rate-limit state on this Redis.
     *
     * @return the state, one per state
     */
    public RateLimitState rateLimitState() {
        return rates;
    }

    /**
     * Returns the concurrency slots on this Redis.
     *
     * @return the state, one per state
     */
    public ConcurrencyState concurrencyState() {
        return slots;
    }

    /**
     * Returns fair share's state on this Redis: per source model and region, one usage window per tenant and one
     * AIMD capacity estimate, shared by every instance, for {@code Governance.builder().fairShareState(...)}.
     *
     * <p>Each admission is one {@code EVALSHA} (the script adds the call's estimate, brings the estimate's additive
     * increase up to date, decides and takes a shed call's tokens back, atomically); each settlement one more.
     * Decisions are those of the local fair share, made on the tokens every instance has counted: N instances give a
     * flooding tenant its share once; a throttle settled on any instance lowers the one estimate (at most once per
     * cooldown, whoever reports it); the additive increase is due by {@link Builder#clock} time, one step per
     * interval however many instances ask. Windows are seconds of that clock, so instances' clocks must agree (NTP),
     * as for the rate limits. While Redis cannot be reached, each instance decides on its own windows and estimate
     * (when the tier's rate limits fail open) or refuses ({@code fair-share}, when they fail closed), and goes back to
     * the shared state with the next call that reaches Redis; tokens of calls decided locally are not counted in
     * Redis. The snapshot ({@code Governance.fairShare()}) reads Redis in a few round trips per model.
     *
     * @return the state, one per state
     */
    public FairShareState fairShareState() {
        return fairShare;
    }

    /**
     * Returns every shared check of an admission in one Redis round trip, and its release in one more: one Lua
     * script ({@code EVALSHA}, or {@code EVAL} when Redis has lost its script cache) checks the concurrency slot,
     * both buckets and the budget account and takes them all, or nothing; a second one frees the slot, trues up the
     * token reservation and settles the budget reservation, idempotently by the hold's id. For
     * {@link dev.aip.core.governance.Governance.Builder#sharedAdmission}, instead of the three separate states:
     *
     * <pre>{@code
     * Governance governance = Governance.builder()
     *     .policies(policies)
     *     .sharedAdmission(redis.admission())
     *     .build();
     * }</pre>
     *
     * <p>The decisions, refusals (with their figures and Retry-After), and failure modes are those of the separate
     * states; the buckets are Bucket4j's greedy buckets computed in the script, refilled by the governance clock
     * (this builder's clock is not used). Leases are this builder's: a slot and a token reservation not released
     * within {@link Builder#slotLease} are reclaimed (the tokens stay spent), a budget reservation not settled
     * within {@link Builder#lease} is charged at its amount; so is what an admission that timed out (and was decided
     * by the failure policy) took when Redis ran it late. A tenant's keys share the hash tag {@code {tenant}}, so
     * one script touches one slot of a Redis Cluster. Its keys ({@code <prefix>:adm:...}) are not those of the
     * separate states: do not mix the two on one prefix while migrating.
     *
     * @return the shared admission, one per state
     */
    public SharedAdmission admission() {
        return admission;
    }

    /** The client, for tests that listen to the commands sent. */
    RedisClient client() {
        return client;
    }

    /** Closes the connections and the client. */
    @Override
    public void close() {
        text.close();
        binary.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    /**
     * Builds a {@link RedisGovernanceState}. Not thread-safe; confine to one thread.
     */
    public static final class Builder {
        private String uri;
        private String prefix = "aip";
        private Clock clock = Clock.systemUTC();
        private Duration timeout = Duration.ofSeconds(2);
        private Duration lease = Duration.ofHours(1);
        private Duration retention = Duration.ofDays(1);
        private Duration slotLease = Duration.ofMinutes(20);

        private Builder() {
        }

        /** Sets the Redis URI, e.g. {@code redis://127.0.0.1:6379} (required). */
        public Builder uri(String value) {
            uri = Objects.requireNonNull(value, "uri");
            return this;
        }

        /** Sets the prefix of every key; default {@code aip}. */
        public Builder keyPrefix(String value) {
            if (value.isBlank()) {
                throw new ConfigurationException("RedisGovernanceState.keyPrefix must not be blank");
            }
            prefix = value;
            return this;
        }

        /** Sets the clock for bucket refills, budget and slot leases; default the system UTC clock. */
        public Builder clock(Clock value) {
            clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        /** Sets the connect and command timeout; default 2 seconds. */
        public Builder timeout(Duration value) {
            timeout = positive(value, "timeout");
            return this;
        }

        /**
         * Sets how long a budget reservation may stay open before the store charges it at its reserved amount;
         * default 1 hour. Keep it above the governance lease, which settles first when its instance is alive.
         */
        public Builder lease(Duration value) {
            lease = positive(value, "lease");
            return this;
        }

        /**
         * Sets how long a concurrency slot may stay held before the store reclaims it; default 20 minutes. Keep it
         * above the governance lease plus a tenth of it (the sweep interval), so that a live instance always releases
         * its slots first; a crashed instance's slots are free again after at most this long.
         */
        public Builder slotLease(Duration value) {
            slotLease = positive(value, "slotLease");
            return this;
        }

        /** Sets how long a budget account is kept after its period ends; default 1 day. */
        public Builder retention(Duration value) {
            retention = positive(value, "retention");
            return this;
        }

        /**
         * Builds the state; it connects on first use.
         *
         * @return the state
         * @throws ConfigurationException if no URI was set or it is malformed
         */
        public RedisGovernanceState build() {
            if (uri == null) {
                throw new ConfigurationException("RedisGovernanceState needs a URI: builder().uri(\"redis://...\")");
            }
            try {
                RedisURI.create(uri);
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException("RedisGovernanceState URI \"" + uri + "\" is malformed: "
                        + e.getMessage());
            }
            return new RedisGovernanceState(this);
        }

        private static Duration positive(Duration value, String name) {
            if (value.isNegative() || value.isZero()) {
                throw new ConfigurationException("RedisGovernanceState." + name + " must be positive, was " + value);
            }
            return value;
        }
    }
}
