package dev.aip.governance.redis;

import dev.aip.core.governance.BudgetKey;
import dev.aip.core.governance.BudgetStore;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * The {@link BudgetStore} on Redis. One account is three keys sharing a hash tag (one cluster slot):
 * {@code <p>:budget:{<tenant>|<period>}:acct}, a hash of {@code spent}, {@code reserved}, {@code used}
 * ({@code spent + reserved}, kept so the check needs no addition in Lua) and {@code seq} (reservation ids);
 * {@code ...:holds}, a sorted set of open reservation ids by lease end; {@code ...:amounts}, a hash of their
 * amounts. All amounts are integer pico-dollars as decimal strings.
 *
 * <p>Only the scripts below change an account, and Redis runs each one atomically. Sums are made by
 * {@code HINCRBY} (exact 64-bit); the limit check compares decimal strings (length, then lexicographically), because
 * Lua numbers are doubles and would round above 2<sup>53</sup>.
 */
final class RedisBudgetStore implements BudgetStore {

    /** Every operation is a round trip to Redis: Governance settles off the thread that ends the call. */
    @Override
    public boolean remote() {
        return true;
    }


    /** Pico-dollars: fine enough for per-token prices quoted per million tokens with up to six decimals. */
    static final int SCALE = 12;
    private static final BigInteger MAX = BigInteger.valueOf(Long.MAX_VALUE);
    /** Between the account's key and the script's sequence number in a reservation id. */
    private static final char SEQ_SEPARATOR = '#';
    private static final BigDecimal MAX_USD = new BigDecimal(MAX, SCALE);

    static final String COMMON = """
            local function le(a, b)
              if #a ~= #b then return #a < #b end
              return a <= b
            end
            local function neg(s)
              if s == '0' then return '0' end
              if string.sub(s, 1, 1) == '-' then return string.sub(s, 2) end
              return '-' .. s
            end
            local function field(f)
              return redis.call('HGET', KEYS[1], f) or '0'
            end
            """;

    /**
     * KEYS: acct, holds, amounts. ARGV: amount, room ({@code limit - amount}, negative when the amount alone is
     * above the limit), now (ms), lease end (ms), key expiry (ms). Charges reservations whose lease has ended, then
     * reserves if {@code used <= room}, i.e. {@code used + amount <= limit}: checked before anything is added, so
     * the sum never leaves the 64 bits of {@code HINCRBY}. Returns {@code {granted, id, spent, reserved}}.
     */
    private static final String RESERVE = COMMON + """
            local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[3])
            for _, id in ipairs(expired) do
              local held = redis.call('HGET', KEYS[3], id)
              if held then
                redis.call('HDEL', KEYS[3], id)
                redis.call('HINCRBY', KEYS[1], 'reserved', neg(held))
                redis.call('HINCRBY', KEYS[1], 'spent', held)
              end
              redis.call('ZREM', KEYS[2], id)
            end
            local granted = string.sub(ARGV[2], 1, 1) ~= '-' and le(field('used'), ARGV[2])
            local id = ''
            if granted then
              redis.call('HINCRBY', KEYS[1], 'used', ARGV[1])
              redis.call('HINCRBY', KEYS[1], 'reserved', ARGV[1])
              id = tostring(redis.call('HINCRBY', KEYS[1], 'seq', 1))
              redis.call('HSET', KEYS[3], id, ARGV[1])
              redis.call('ZADD', KEYS[2], ARGV[4], id)
            end
            for i = 1, 3 do redis.call('PEXPIREAT', KEYS[i], ARGV[5]) end
            return {granted and 1 or 0, id, field('spent'), field('reserved')}
            """;

    /**
     * KEYS: acct, holds, amounts. ARGV: id, actual. Applies once per id. Returns {@code {applied, before, after}}.
     */
    private static final String SETTLE = COMMON + """
            local held = redis.call('HGET', KEYS[3], ARGV[1])
            local before = field('spent')
            if not held then return {0, before, before} end
            redis.call('HDEL', KEYS[3], ARGV[1])
            redis.call('ZREM', KEYS[2], ARGV[1])
            redis.call('HINCRBY', KEYS[1], 'reserved', neg(held))
            redis.call('HINCRBY', KEYS[1], 'used', neg(held))
            redis.call('HINCRBY', KEYS[1], 'spent', ARGV[2])
            redis.call('HINCRBY', KEYS[1], 'used', ARGV[2])
            return {1, before, field('spent')}
            """;

    /** KEYS: acct, holds. Returns {@code {spent, reserved, open}}. */
    private static final String USAGE = COMMON + """
            return {field('spent'), field('reserved'), tostring(redis.call('ZCARD', KEYS[2]))}
            """;

    private final Lazy<StatefulRedisConnection<String, String>> connection;
    private final String prefix;
    private final Clock clock;
    private final Duration lease;
    private final Duration retention;

    RedisBudgetStore(Lazy<StatefulRedisConnection<String, String>> connection, String prefix, Clock clock,
                     Duration lease, Duration retention) {
        this.connection = connection;
        this.prefix = prefix;
        this.clock = clock;
        this.lease = lease;
        this.retention = retention.compareTo(lease) > 0 ? retention : lease;
    }

    @Override
    public Reservation reserve(BudgetKey key, BigDecimal amountUsd, BigDecimal limitUsd) {
        String[] keys = keys(key);
        List<Object> r = run(RESERVE, keys, reserveArgs(key, amountUsd, limitUsd));
        return reservation(key, amountUsd, limitUsd, keys, r);
    }

    /** The same script as {@link #reserve}, on Lettuce's async API: no thread waits for Redis. */
    @Override
    public CompletionStage<Reservation> reserveAsync(BudgetKey key, BigDecimal amountUsd, BigDecimal limitUsd) {
        String[] args = reserveArgs(key, amountUsd, limitUsd);
        String[] keys = keys(key);
        return connection.getAsync()
                .thenCompose(c -> Scripts.<List<Object>>evalAsync(c.async(), RESERVE, ScriptOutputType.MULTI, keys,
                        args))
                .thenApply(r -> reservation(key, amountUsd, limitUsd, keys, r));
    }

    /** The reserve script's arguments: amount, room left under the limit, now, lease end, key expiry. */
    private String[] reserveArgs(BudgetKey key, BigDecimal amountUsd, BigDecimal limitUsd) {
        Objects.requireNonNull(key, "key");
        if (amountUsd.signum() < 0 || limitUsd.signum() <= 0) {
            throw new IllegalArgumentException("Cannot reserve " + amountUsd + " USD against a limit of " + limitUsd);
        }
        long now = clock.millis();
        String amount = units(amountUsd, RoundingMode.CEILING);
        // both at most Long.MAX_VALUE and non-negative, so the difference fits
        long room = Long.parseLong(limitUnits(limitUsd)) - Long.parseLong(amount);
        return new String[] {amount, Long.toString(room), Long.toString(now), Long.toString(now + lease.toMillis()),
            Long.toString(expiry(key))};
    }

    private static Reservation reservation(BudgetKey key, BigDecimal amountUsd, BigDecimal limitUsd, String[] keys,
                                           List<Object> r) {
        boolean granted = ((Long) r.get(0)) == 1L;
        BigDecimal remaining = limitUsd.min(MAX_USD).subtract(usd(r.get(2))).subtract(usd(r.get(3)));
        // The script numbers reservations per account; the account's key makes the id unique in the store.
        String id = granted ? keys[0] + SEQ_SEPARATOR + r.get(1) : "refused";
        return new Reservation(key, id, amountUsd, granted, remaining);
    }

    @Override
    public Settlement settle(Reservation reservation, BigDecimal actualUsd) {
        Objects.requireNonNull(reservation, "reservation");
        if (actualUsd.signum() < 0) {
            throw new IllegalArgumentException("Actual cost is negative: " + actualUsd);
        }
        if (!reservation.granted()) {
            return new Settlement(reservation.key(), BigDecimal.ZERO, BigDecimal.ZERO, false);
        }
        String id = reservation.id();
        String seq = id.substring(id.lastIndexOf(SEQ_SEPARATOR) + 1);
        List<Object> r = run(SETTLE, keys(reservation.key()), seq, units(actualUsd, RoundingMode.CEILING));
        return new Settlement(reservation.key(), usd(r.get(1)), usd(r.get(2)), ((Long) r.get(0)) == 1L);
    }

    @Override
    public Usage usage(BudgetKey key) {
        List<Object> r = run(USAGE, keys(key));
        return new Usage(usd(r.get(0)), usd(r.get(1)), Integer.parseInt((String) r.get(2)));
    }

    private String[] keys(BudgetKey key) {
        String base = prefix + ":budget:{" + key.tenant().value() + "|" + key.period() + "}:";
        return new String[] {base + "acct", base + "holds", base + "amounts"};
    }

    private long expiry(BudgetKey key) {
        Instant end = key.end().plus(retention);
        return end.toEpochMilli();
    }

    /** USD to pico-dollars, as a decimal string; rounded with the given mode. */
    static String units(BigDecimal usd, RoundingMode mode) {
        BigInteger units = usd.movePointRight(SCALE).setScale(0, mode).toBigIntegerExact();
        if (units.compareTo(MAX) > 0) {
            throw new IllegalArgumentException(usd.toPlainString() + " USD is more than a Redis budget account"
                    + " holds (" + MAX_USD.toPlainString() + " USD)");
        }
        return units.toString();
    }

    /**
     * A limit in pico-dollars, rounded down; a limit above what an account holds is that most, since spent plus
     * reserved can never exceed it anyway (a misconfigured limit must not read as an unreachable store).
     */
    static String limitUnits(BigDecimal usd) {
        BigInteger units = usd.movePointRight(SCALE).setScale(0, RoundingMode.FLOOR).toBigIntegerExact();
        return units.min(MAX).toString();
    }

    private static BigDecimal usd(Object units) {
        return new BigDecimal(new BigInteger((String) units), SCALE);
    }

    @SuppressWarnings("unchecked")
    private List<Object> run(String script, String[] keys, String... args) {
        RedisCommands<String, String> redis = connection.get().sync();
        String sha = Scripts.sha1(script);
        try {
            return (List<Object>) redis.evalsha(sha, ScriptOutputType.MULTI, keys, args);
        } catch (RedisNoScriptException e) {
            return (List<Object>) redis.eval(script, ScriptOutputType.MULTI, keys, args);
        }
    }
}
