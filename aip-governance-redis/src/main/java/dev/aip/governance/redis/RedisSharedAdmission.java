package dev.aip.governance.redis;

import dev.aip.core.ConfigurationException;
import dev.aip.core.governance.BudgetKey;
import dev.aip.core.governance.BudgetStore;
import dev.aip.core.governance.SharedAdmission;
import dev.aip.core.tenant.TenantId;
import io.lettuce.core.Range;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Every shared check of an admission in one Lua script, so one Redis round trip ({@code EVALSHA}) per admission and
 * one per release. A tenant's keys share the hash tag {@code {<tenant>}}, so one script touches one cluster slot:
 * <ul>
 *   <li>{@code <p>:adm:{<t>}:slots}: a sorted set of the slots held, by lease end (epoch ms);</li>
 *   <li>{@code <p>:adm:{<t>}:rates}: both buckets in one string of eight comma-separated integers (one read and one
 *       write with its expiry per script, where a hash takes a third command for the expiry): per bucket, requests
 *       then tokens, its level (negative in debt), Bucket4j's rounding error (in refill-rate × ms), last refill
 *       (epoch ms) and per-minute limit, empty for a bucket not in use; the key expires a minute after both buckets
 *       would be full again;</li>
 *   <li>{@code <p>:adm:{<t>}:holds}: the open token reservations, members {@code id|tokens} by lease end, so that a
 *       release trues up once;</li>
 *   <li>{@code <p>:adm:{<t>}:budget:<period>:acct} and {@code ...:holds}: the budget account ({@code spent},
 *       {@code reserved}, {@code used}, pico-dollars as in {@link RedisBudgetStore}) and its open reservations,
 *       members {@code id|amount} by lease end, charged at their amount when the lease ends.</li>
 * </ul>
 *
 * <p><b>Exact buckets.</b> The scripts refill as Bucket4j's greedy bandwidth does, in milliseconds: with a clock of
 * millisecond precision (every {@link java.time.Clock}'s {@code millis()}), Bucket4j's nanosecond arithmetic is the
 * same arithmetic scaled by 10<sup>6</sup>, so the levels, rounding and waits are those of the local buckets. Lua
 * numbers are doubles, so products stay below 2<sup>53</sup> (a per-minute limit times at most a minute of
 * milliseconds; limits up to {@link #MAX_PER_MINUTE}) and every division is corrected to the exact integer quotient; the wait is computed in Java from the
 * level and the rounding error the script returns, with Bucket4j's formula. Budget sums are Redis's 64-bit
 * {@code HINCRBY} and compared as decimal strings, never as Lua numbers.
 *
 * <p>Time is the governance clock's, passed as an argument, so tests with a manual clock are exact and every
 * instance's clock should agree. Key expiries are relative ({@code PEXPIRE}).
 */
final class RedisSharedAdmission implements SharedAdmission {

    /** The refill period of every limit governance asks for: per minute. */
    private static final long PERIOD_MILLIS = 60_000;
    /**
     * The largest per-minute limit the scripts compute exactly: a limit times a minute of milliseconds stays below
     * 2<sup>53</sup>, where Lua's doubles stop holding every integer.
     */
    static final long MAX_PER_MINUTE = 100_000_000_000L;
    private static final BigDecimal MAX_USD = new BigDecimal(BigInteger.valueOf(Long.MAX_VALUE),
            RedisBudgetStore.SCALE);

    /**
     * Helpers of both scripts: Bucket4j's greedy refill in integer milliseconds, over the tenant's one bucket string
     * (requests then tokens: level, rounding error, last refill, limit). ARGV[1] now, ARGV[2] period; KEYS[2] the
     * buckets, KEYS[4] the budget account.
     */
    private static final String BUCKETS = RedisBudgetStore.COMMON + """
            local now = tonumber(ARGV[1])
            local P = tonumber(ARGV[2])
            local function acct(f)
              return redis.call('HGET', KEYS[4], f) or '0'
            end
            local function div(a, b)
              local q = math.floor(a / b)
              if q * b > a then q = q - 1 elseif (q + 1) * b <= a then q = q + 1 end
              return q
            end
            local function refill(level, err, last, rt)
              if now <= last then return level, err, last end
              if level >= rt then return level, err, now end
              local dur = now - last
              local size = level
              if dur > P then
                local periods = div(dur, P)
                size = size + periods * rt
                if size > rt then return rt, 0, now end
                dur = dur - periods * P
              end
              local divided = rt * dur + err
              local add = div(divided, P)
              if add == 0 then err = divided else size = size + add; err = divided - add * P end
              if size >= rt then return rt, 0, now end
              return size, err, now
            end
            local B
            local function load()
              B = {}
              local saved = redis.call('GET', KEYS[2])
              if not saved then return end
              local i = 0
              for v in string.gmatch(saved .. ',', '([^,]*),') do
                i = i + 1
                if v ~= '' then B[i] = v end
              end
            end
            local function bucket(i, rt, keep)
              if not B[i + 1] then return rt, 0, now, rt end
              local level, err, last, was = tonumber(B[i + 1]), tonumber(B[i + 2]), tonumber(B[i + 3]),
                tonumber(B[i + 4])
              if keep then rt = was end
              if was ~= rt then
                level, err, last = refill(level, err, last, was)
                if level > rt then level = rt end
                return level, err, last, rt
              end
              level, err, last = refill(level, err, last, rt)
              return level, err, last, rt
            end
            local function put(i, level, err, last, rt)
              B[i + 1], B[i + 2], B[i + 3], B[i + 4] = level, err, last, rt
            end
            local function save()
              local parts = {}
              for i = 1, 8 do
                parts[i] = B[i] and string.format('%d', tonumber(B[i])) or ''
              end
              local ttl = 0
              for i = 0, 4, 4 do
                if B[i + 1] then
                  local l, r = tonumber(B[i + 1]), tonumber(B[i + 4])
                  if l < r then
                    local t = math.ceil((r - l) * P / r)
                    if t > ttl then ttl = t end
                  end
                end
              end
              redis.call('SET', KEYS[2], table.concat(parts, ','), 'PX', string.format('%d', P + ttl))
            end
            """;

    /**
     * KEYS: slots, buckets, token holds[, budget account, budget holds]. ARGV: now, period, id, refuseAt (0-4), cap,
     * slot lease end, rpm, tpm, tokens, hold lease end, amount (pico, empty: no budget), room (limit - amount),
     * budget lease end, budget key ttl, slot ttl. Checks every step, then takes every step. Holds are sorted-set
     * members {@code id|amount} by lease end, so a release finds and removes one in one command. Returns {@code {0}}
     * when taken; else {@code {step, level, err, spent, reserved}} (steps 1-4, figures as they apply).
     */
    static final String ADMIT = BUCKETS + """
            local refuseAt = tonumber(ARGV[4])
            local cap, rpm, tpm, tokens = tonumber(ARGV[5]), tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
            if cap > 0 then
              redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
              if redis.call('ZCARD', KEYS[1]) >= cap then return {1} end
            end
            if rpm > 0 or tpm > 0 then load() end
            local rl, re, rlast
            if rpm > 0 then
              rl, re, rlast = bucket(0, rpm, false)
              if rl < 1 then return {2, rl, re} end
            end
            local tl, te, tlast
            if tpm > 0 then
              tl, te, tlast = bucket(4, tpm, false)
              if tl < tokens then return {3, tl, te} end
            end
            if refuseAt == 3 then return {3} end
            if ARGV[11] ~= '' then
              local expired = redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', ARGV[1])
              for _, m in ipairs(expired) do
                local held = string.sub(m, string.find(m, '|', 1, true) + 1)
                redis.call('HINCRBY', KEYS[4], 'reserved', neg(held))
                redis.call('HINCRBY', KEYS[4], 'spent', held)
              end
              if #expired > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', ARGV[1]) end
              if string.sub(ARGV[12], 1, 1) == '-' or not le(acct('used'), ARGV[12]) then
                return {4, 0, 0, acct('spent'), acct('reserved')}
              end
              redis.call('HINCRBY', KEYS[4], 'used', ARGV[11])
              redis.call('HINCRBY', KEYS[4], 'reserved', ARGV[11])
              redis.call('ZADD', KEYS[5], ARGV[13], ARGV[3] .. '|' .. ARGV[11])
              redis.call('PEXPIRE', KEYS[4], ARGV[14])
              redis.call('PEXPIRE', KEYS[5], ARGV[14])
            end
            if refuseAt == 4 then return {4} end
            if cap > 0 then
              redis.call('ZADD', KEYS[1], ARGV[6], ARGV[3])
              redis.call('PEXPIRE', KEYS[1], ARGV[15])
            end
            if rpm > 0 then put(0, rl - 1, re, rlast, rpm) end
            if tpm > 0 then
              put(4, tl - tokens, te, tlast, tpm)
              redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[1])
              redis.call('ZADD', KEYS[3], ARGV[10], ARGV[3] .. '|' .. ARGV[9])
              redis.call('PEXPIRE', KEYS[3], ARGV[15])
            end
            if rpm > 0 or tpm > 0 then save() end
            return {0}
            """;

    /**
     * KEYS: as {@link #ADMIT}. ARGV: now, period, id, slot (0/1), give back the request (0/1), rpm, tpm, tokens
     * reserved, actual tokens, amount reserved (pico, empty: no budget), actual amount (pico), actual less reserved
     * (pico, signed). Once per id: frees the slot, gives back the request when asked, trues up the token reservation
     * (if its hold is still open) to the actual tokens, settles the budget reservation (if still open) at the actual
     * amount. Returns {@code {applied, spent}} for the budget ({@code spent} after the settlement; the caller knows
     * what it added), else {@code {}}. The differences are computed by the caller, exactly, so that each field
     * changes in one command and only {@code spent} is read back ({@code HINCRBY}'s own reply reaches Lua as a
     * double).
     */
    static final String RELEASE = BUCKETS + """
            if ARGV[4] == '1' then redis.call('ZREM', KEYS[1], ARGV[3]) end
            local rpm, tpm = tonumber(ARGV[6]), tonumber(ARGV[7])
            local back = ARGV[5] == '1' and rpm > 0
            local refund = 0
            if tpm > 0 and redis.call('ZREM', KEYS[3], ARGV[3] .. '|' .. ARGV[8]) == 1 then
              refund = tonumber(ARGV[8]) - tonumber(ARGV[9])
            end
            if back or refund ~= 0 then
              load()
              if back then
                local l, e, t, r = bucket(0, rpm, true)
                l = l + 1
                if l >= r then l = r; e = 0 end
                put(0, l, e, t, r)
              end
              if refund ~= 0 then
                local l, e, t, r = bucket(4, tpm, true)
                l = l + refund
                if refund > 0 and l >= r then l = r; e = 0 end
                put(4, l, e, t, r)
              end
              save()
            end
            if ARGV[10] == '' then return {} end
            if redis.call('ZREM', KEYS[5], ARGV[3] .. '|' .. ARGV[10]) == 0 then return {0, acct('spent')} end
            redis.call('HINCRBY', KEYS[4], 'reserved', neg(ARGV[10]))
            if ARGV[12] ~= '0' then redis.call('HINCRBY', KEYS[4], 'used', ARGV[12]) end
            if ARGV[11] ~= '0' then redis.call('HINCRBY', KEYS[4], 'spent', ARGV[11]) end
            return {1, acct('spent')}
            """;

    /** KEYS: account, budget holds. Returns {@code {spent, reserved, open}}. */
    private static final String USAGE = RedisBudgetStore.COMMON + """
            return {field('spent'), field('reserved'), tostring(redis.call('ZCARD', KEYS[2]))}
            """;

    private final Lazy<StatefulRedisConnection<String, String>> connection;
    private final String prefix;
    private final long slotLeaseMillis;
    private final long budgetLeaseMillis;
    private final long retentionMillis;
    private final String instance = UUID.randomUUID().toString();
    private final AtomicLong ids = new AtomicLong();

    RedisSharedAdmission(Lazy<StatefulRedisConnection<String, String>> connection, String prefix, Duration slotLease,
                         Duration budgetLease, Duration retention) {
        this.connection = connection;
        this.prefix = prefix;
        this.slotLeaseMillis = slotLease.toMillis();
        this.budgetLeaseMillis = budgetLease.toMillis();
        this.retentionMillis = Math.max(retention.toMillis(), budgetLeaseMillis);
    }

    @Override
    public Outcome take(Claim claim) {
        String id = instance + ":" + ids.incrementAndGet();
        String[] keys = keys(claim);
        return outcome(claim, id, run(ADMIT, keys, admitArgs(claim, id)));
    }

    @Override
    public CompletionStage<Outcome> takeAsync(Claim claim) {
        String id = instance + ":" + ids.incrementAndGet();
        String[] keys = keys(claim);
        String[] args = admitArgs(claim, id);
        return connection.getAsync()
                .thenCompose(c -> Scripts.<List<Object>>evalAsync(c.async(), ADMIT, ScriptOutputType.MULTI, keys,
                        args))
                .thenApply(r -> outcome(claim, id, r));
    }

    private String[] admitArgs(Claim claim, String id) {
        if (claim.requestsPerMinute() > MAX_PER_MINUTE || claim.tokensPerMinute() > MAX_PER_MINUTE) {
            throw new ConfigurationException("Tenant " + claim.tenant() + "'s rate limits ("
                    + claim.requestsPerMinute() + " requests, " + claim.tokensPerMinute() + " tokens per minute) are"
                    + " above the " + MAX_PER_MINUTE + " per minute the Redis shared admission computes exactly;"
                    + " lower them, or remove a limit that high (it never binds).");
        }
        long now = claim.now().toEpochMilli();
        String amount = "";
        String room = "";
        String budgetTtl = "";
        if (claim.budgeted()) {
            amount = RedisBudgetStore.units(claim.budgetUsd(), RoundingMode.CEILING);
            // both at most Long.MAX_VALUE and non-negative, so the difference fits
            room = Long.toString(Long.parseLong(RedisBudgetStore.limitUnits(claim.budgetLimitUsd()))
                    - Long.parseLong(amount));
            long ends = claim.budgetKey().end().toEpochMilli() + retentionMillis;
            budgetTtl = Long.toString(Math.max(budgetLeaseMillis, ends - now));
        }
        return new String[] {
            Long.toString(now), Long.toString(PERIOD_MILLIS), id,
            Integer.toString(claim.refuseAt() == null ? 0 : claim.refuseAt().ordinal() + 1),
            Integer.toString(claim.concurrencyCap()), Long.toString(now + slotLeaseMillis),
            Long.toString(claim.requestsPerMinute()), Long.toString(claim.tokensPerMinute()),
            Long.toString(claim.tokens()), Long.toString(now + slotLeaseMillis),
            amount, room, Long.toString(now + budgetLeaseMillis), budgetTtl, Long.toString(slotLeaseMillis),
        };
    }

    private static Outcome outcome(Claim claim, String id, List<Object> r) {
        int step = Math.toIntExact((Long) r.get(0));
        if (step == 0) {
            return Outcome.taken(new Hold(claim, id));
        }
        Step refused = Step.values()[step - 1];
        if (refused == claim.refuseAt() || refused == Step.CONCURRENCY) {
            return Outcome.refused(refused);
        }
        if (refused == Step.BUDGET) {
            BigDecimal remaining = claim.budgetLimitUsd().min(MAX_USD).subtract(usd(r.get(3))).subtract(usd(r.get(4)));
            return Outcome.overBudget(remaining);
        }
        long asked = refused == Step.REQUESTS ? 1 : claim.tokens();
        long perMinute = refused == Step.REQUESTS ? claim.requestsPerMinute() : claim.tokensPerMinute();
        long level = (Long) r.get(1);
        long err = (Long) r.get(2);
        return Outcome.refusedByBucket(refused, level, nanosToWait(asked, level, err, perMinute));
    }

    /**
     * Bucket4j's wait of a greedy bandwidth for {@code tokens} when it holds {@code level}: the deficit's share of the
     * refill period, less the rounding error already accrued; in nanoseconds, from the script's milliseconds.
     */
    static long nanosToWait(long tokens, long level, long errMillis, long perMinute) {
        long deficit = tokens - level;
        if (deficit <= 0) {
            return 0;
        }
        long periodNanos = PERIOD_MILLIS * 1_000_000L;
        long product;
        try {
            product = Math.multiplyExact(periodNanos, deficit);
        } catch (ArithmeticException e) {
            return (long) ((double) deficit / (double) perMinute * (double) periodNanos);
        }
        return (product - errMillis * 1_000_000L) / perMinute;
    }

    @Override
    public BudgetStore.@Nullable Settlement release(Hold hold, long actualTokens, BigDecimal actualUsd, Instant now) {
        Objects.requireNonNull(hold, "hold");
        if (actualTokens < 0 || actualUsd.signum() < 0) {
            throw new IllegalArgumentException("A call's actual tokens and cost are non-negative, was "
                    + actualTokens + " tokens and " + actualUsd + " USD");
        }
        Claim claim = hold.claim();
        String actual = claim.budgeted() ? RedisBudgetStore.units(actualUsd, RoundingMode.CEILING) : "";
        List<Object> r = run(RELEASE, keys(claim), releaseArgs(hold, now, false, actualTokens, actual));
        if (r.isEmpty()) {
            return null;
        }
        boolean applied = ((Long) r.get(0)) == 1L;
        BigDecimal after = usd(r.get(1));
        BigDecimal before = applied ? after.subtract(usd(actual)) : after;
        return new BudgetStore.Settlement(claim.budgetKey(), before, after, applied);
    }

    @Override
    public void giveBack(Hold hold, Instant now) {
        Claim claim = hold.claim();
        run(RELEASE, keys(claim), releaseArgs(hold, now, true, 0, "0"));
    }

    @Override
    public CompletionStage<@Nullable Void> giveBackAsync(Hold hold, Instant now) {
        Claim claim = hold.claim();
        String[] keys = keys(claim);
        String[] args = releaseArgs(hold, now, true, 0, "0");
        return connection.getAsync()
                .thenCompose(c -> Scripts.<List<Object>>evalAsync(c.async(), RELEASE, ScriptOutputType.MULTI, keys,
                        args))
                .thenApply(r -> null);
    }

    private static String[] releaseArgs(Hold hold, Instant now, boolean giveBack, long actualTokens, String actual) {
        Claim claim = hold.claim();
        boolean budgeted = claim.budgeted();
        String reserved = budgeted ? RedisBudgetStore.units(claim.budgetUsd(), RoundingMode.CEILING) : "";
        return new String[] {
            Long.toString(now.toEpochMilli()), Long.toString(PERIOD_MILLIS), hold.id(),
            claim.concurrencyCap() > 0 ? "1" : "0", giveBack ? "1" : "0",
            Long.toString(claim.requestsPerMinute()), Long.toString(claim.tokensPerMinute()),
            Long.toString(claim.tokens()), Long.toString(actualTokens),
            reserved, budgeted ? actual : "",
            budgeted ? new BigInteger(actual).subtract(new BigInteger(reserved)).toString() : "",
        };
    }

    @Override
    public int held(TenantId tenant, Instant now) {
        return Math.toIntExact(connection.get().sync().zcount(base(tenant) + "slots",
                Range.from(Range.Boundary.excluding(now.toEpochMilli()), Range.Boundary.unbounded())));
    }

    @Override
    public BudgetStore.Usage usage(BudgetKey key) {
        String account = account(key);
        List<Object> r = run(USAGE, new String[] {account + "acct", account + "holds"});
        return new BudgetStore.Usage(usd(r.get(0)), usd(r.get(1)), Integer.parseInt((String) r.get(2)));
    }

    private String base(TenantId tenant) {
        return prefix + ":adm:{" + tenant.value() + "}:";
    }

    private String account(BudgetKey key) {
        return base(key.tenant()) + "budget:" + key.period() + ":";
    }

    private String[] keys(Claim claim) {
        String base = base(claim.tenant());
        if (!claim.budgeted()) {
            return new String[] {base + "slots", base + "rates", base + "holds"};
        }
        String account = account(claim.budgetKey());
        return new String[] {base + "slots", base + "rates", base + "holds", account + "acct", account + "holds"};
    }

    private static BigDecimal usd(Object units) {
        return new BigDecimal(new BigInteger((String) units), RedisBudgetStore.SCALE);
    }

    @SuppressWarnings("unchecked")
    private List<Object> run(String script, String[] keys, String... args) {
        RedisCommands<String, String> redis = connection.get().sync();
        try {
            return (List<Object>) redis.evalsha(Scripts.sha1(script), ScriptOutputType.MULTI, keys, args);
        } catch (RedisNoScriptException e) {
            return (List<Object>) redis.eval(script, ScriptOutputType.MULTI, keys, args);
        }
    }
}
