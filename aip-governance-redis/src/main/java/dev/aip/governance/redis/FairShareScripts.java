package dev.aip.governance.redis;

/**
 * The Lua scripts of {@link RedisFairShareState}: the same decisions, window arithmetic, AIMD estimate and share
 * computation as {@code aip-core}'s local fair share, step for step, so that one instance on Redis decides exactly as
 * one instance in memory.
 *
 * <p>Redis's Lua numbers are doubles: every quantity kept is an integer below 2^53 (tokens below 2^40 per slot, times
 * in microseconds since the epoch, weights below 2^31), products that could pass 2^53 go through {@code muldiv}, which
 * is exact, and numbers are written back with {@code %.0f} (Lua would print large ones in exponent form).
 *
 * <p>Keys of one model ({@code B}, {@code prefix:fs:{model@region}}, passed as a key): {@code B:est} (hash: estimate
 * {@code v}, decreased {@code d}, changed at {@code c}, decreased at {@code x}, reference {@code r}, counters
 * {@code th}, {@code de}, {@code sh}), {@code B:tot} (hash: second to tokens), {@code B:w:tenant} (hash: second to
 * tokens, expiring when idle), {@code B:ten} (hash: tenant to tier), {@code B:shed} (hash: tenant to shed calls),
 * {@code B:act} and {@code B:acts} (the shares of the active tenants, cached per second and estimate as the local
 * controller caches them). The tenant keys are derived in the script, so a model's keys share its hash tag.
 */
final class FairShareScripts {

    private FairShareScripts() {
    }

    private static final String COMMON = """
            local MAX = 1099511627776
            local SLOTS = 61
            local S = 1000000
            local function num(x) return string.format('%.0f', x) end
            local function idiv(p, c)
              local q = math.floor(p / c)
              while q * c > p do q = q - 1 end
              while (q + 1) * c <= p do q = q + 1 end
              return q
            end
            local function muldiv(a, b, c)
              if c <= 0 or a <= 0 or b <= 0 then return 0 end
              local q1 = idiv(a, c)
              local r1 = a - q1 * c
              local bh = math.floor(b / 65536)
              local bl = b - bh * 65536
              local t1 = r1 * bh
              local q2 = idiv(t1, c)
              local r2 = t1 - q2 * c
              return q1 * b + q2 * 65536 + idiv(r2 * 65536 + r1 * bl, c)
            end
            local function wsum(key, epoch)
              local all = redis.call('HGETALL', key)
              local sum = 0
              local lo = epoch - SLOTS + 1
              for i = 1, #all, 2 do
                local e = tonumber(all[i])
                if e >= lo and e <= epoch then
                  sum = sum + tonumber(all[i + 1])
                elseif e < lo then
                  redis.call('HDEL', key, all[i])
                end
              end
              return sum
            end
            local function add(key, epoch, delta, nowEpoch)
              if delta == 0 or epoch < nowEpoch - SLOTS + 1 then return end
              local v = redis.call('HINCRBY', key, num(epoch), num(delta))
              if v <= 0 then redis.call('HDEL', key, num(epoch)) end
            end
            local function untilAtMost(key, now, epoch, target)
              local all = redis.call('HGETALL', key)
              local counts = {}
              local left = 0
              local lo = epoch - SLOTS + 1
              for i = 1, #all, 2 do
                local e = tonumber(all[i])
                if e >= lo and e <= epoch then
                  counts[e] = tonumber(all[i + 1])
                  left = left + counts[e]
                end
              end
              if left <= target then return 0 end
              for e = lo, epoch do
                left = left - (counts[e] or 0)
                if left <= target then return math.max(0, (e + SLOTS) * S - now) end
              end
              return math.max(0, (epoch + SLOTS) * S - now)
            end
            local function step(stepCfg, ceiling, reference)
              if stepCfg ~= -1 then return stepCfg end
              local base = reference
              if ceiling ~= -1 then base = ceiling end
              return math.max(1, math.floor(base / 20))
            end
            local function capacity(est, now, ceiling, minCap, interval, stepCfg)
              local e = redis.call('HMGET', est, 'v', 'd', 'c', 'r')
              if e[2] ~= '1' then return ceiling end
              local top = ceiling
              if ceiling == -1 then top = MAX end
              local floor = math.min(minCap, top)
              local value = math.max(floor, math.min(tonumber(e[1]), top))
              local changed = tonumber(e[3])
              local elapsed = now - changed
              if elapsed < interval then return value end
              local k = math.floor(elapsed / interval)
              local st = step(stepCfg, ceiling, tonumber(e[4]))
              local grown
              if k > math.floor((top - value) / st) then grown = top else grown = math.min(top, value + k * st) end
              redis.call('HSET', est, 'v', num(grown), 'c', num(changed + k * interval))
              return grown
            end
            """;

    /**
     * Reserves a call's tokens, or sheds it. KEYS: model base, models registry. ARGV: tenant, tier, amount, now
     * (µs), ceiling (-1: none), minimum, increase interval (µs), additive step (-1: default), headroom (ppm),
     * settings fingerprint, default weight, idle expiry (ms), number of weights, tier/weight pairs, number of
     * reservations, tier/ppm pairs. Returns {1} if admitted, else {0, share, used, retry after (µs), capacity,
     * model used}.
     */
    static final String RESERVE = COMMON + """
            local B = KEYS[1]
            local me, tier = ARGV[1], ARGV[2]
            local amount = tonumber(ARGV[3])
            local now = tonumber(ARGV[4])
            local ceiling = tonumber(ARGV[5])
            local minCap = tonumber(ARGV[6])
            local interval = tonumber(ARGV[7])
            local stepCfg = tonumber(ARGV[8])
            local headroom = tonumber(ARGV[9])
            local fp = ARGV[10]
            local ttl = ARGV[12]
            local epoch = math.floor(now / S)
            local tot = B .. ':tot'
            local win = B .. ':w:' .. me
            local est = B .. ':est'
            redis.call('SADD', KEYS[2], B)
            redis.call('HINCRBY', tot, num(epoch), num(amount))
            redis.call('HINCRBY', win, num(epoch), num(amount))
            redis.call('PEXPIRE', win, ttl)
            redis.call('HSET', B .. ':ten', me, tier)
            local cap = capacity(est, now, ceiling, minCap, interval, stepCfg)
            if cap == -1 then return {1} end
            local threshold = cap - muldiv(cap, headroom, S)
            local total = wsum(tot, epoch)
            if total <= threshold then return {1} end
            local usage = wsum(win, epoch)
            local act = B .. ':act'
            local acts = B .. ':acts'
            local a = redis.call('HMGET', act, 'e', 'c', 'f', 't:' .. tier)
            local share
            if a[1] == num(epoch) and a[2] == num(cap) and a[3] == fp and a[4]
                and redis.call('SISMEMBER', acts, me) == 1 then
              share = tonumber(a[4])
            else
              local W, R = {}, {}
              local n = tonumber(ARGV[13])
              local i = 14
              for _ = 1, n do W[ARGV[i]] = tonumber(ARGV[i + 1]); i = i + 2 end
              local m = tonumber(ARGV[i]); i = i + 1
              for _ = 1, m do R[ARGV[i]] = tonumber(ARGV[i + 1]); i = i + 2 end
              local dw = tonumber(ARGV[11])
              local counts = {}
              redis.call('DEL', acts)
              local ten = redis.call('HGETALL', B .. ':ten')
              for j = 1, #ten, 2 do
                local t, tr = ten[j], ten[j + 1]
                local key = B .. ':w:' .. t
                if t == me or wsum(key, epoch) > 0 then
                  counts[tr] = (counts[tr] or 0) + 1
                  redis.call('SADD', acts, t)
                elseif redis.call('EXISTS', key) == 0 then
                  redis.call('HDEL', B .. ':ten', t)
                end
              end
              local weightOf, reservedOf, fixed = {}, {}, {}
              local restWeight = 0
              for t, c in pairs(counts) do
                weightOf[t] = c * (W[t] or dw)
                reservedOf[t] = muldiv(cap, R[t] or 0, S)
                restWeight = restWeight + weightOf[t]
              end
              local rest = cap
              local changed = true
              while changed and restWeight > 0 do
                changed = false
                local below = {}
                for t, w in pairs(weightOf) do
                  if not fixed[t] and reservedOf[t] > 0 and muldiv(rest, w, restWeight) < reservedOf[t] then
                    below[#below + 1] = t
                  end
                end
                for _, t in ipairs(below) do
                  fixed[t] = true
                  rest = rest - reservedOf[t]
                  restWeight = restWeight - weightOf[t]
                  changed = true
                end
              end
              redis.call('DEL', act)
              local fields = {'e', num(epoch), 'c', num(cap), 'f', fp}
              for t, w in pairs(weightOf) do
                local tierTotal
                if fixed[t] then tierTotal = reservedOf[t] else tierTotal = muldiv(rest, w, restWeight) end
                local s = idiv(tierTotal, counts[t])
                if t == tier then share = s end
                fields[#fields + 1] = 't:' .. t
                fields[#fields + 1] = num(s)
              end
              redis.call('HSET', act, unpack(fields))
            end
            if usage <= share or usage <= amount then return {1} end
            add(tot, epoch, -amount, epoch)
            add(win, epoch, -amount, epoch)
            redis.call('HINCRBY', est, 'sh', 1)
            redis.call('HINCRBY', B .. ':shed', me, 1)
            local waitTenant = untilAtMost(win, now, epoch, math.max(0, share - amount))
            local wait = waitTenant
            if threshold >= amount then
              wait = math.min(waitTenant, untilAtMost(tot, now, epoch, threshold - amount))
            end
            return {0, share, usage - amount, wait, cap, total - amount}
            """;

    /**
     * Settles or cancels a reservation. KEYS: the reserved model's base, models registry. ARGV: tenant, tier, reserved second, delta,
     * now (µs), minimum, increase interval (µs), additive step (-1: default), cooldown (µs), decrease (ppm), idle
     * expiry (ms), number of operations, then per attempt in order: {@code A} base tokens (a fail-over's tokens, in
     * its model now) or {@code T} base ceiling (a throttle reported to that model). Returns, per decrease of an
     * estimate: base, estimate before (-1: unknown), after, tokens used in the last minute.
     */
    static final String SETTLE = COMMON + """
            local B = KEYS[1]
            local me, tier = ARGV[1], ARGV[2]
            local resEpoch = tonumber(ARGV[3])
            local delta = tonumber(ARGV[4])
            local now = tonumber(ARGV[5])
            local minCap = tonumber(ARGV[6])
            local interval = tonumber(ARGV[7])
            local stepCfg = tonumber(ARGV[8])
            local cooldown = tonumber(ARGV[9])
            local decrease = tonumber(ARGV[10])
            local ttl = ARGV[11]
            local n = tonumber(ARGV[12])
            local epoch = math.floor(now / S)
            local out = {}
            local i = 13
            for _ = 1, n do
              local kind, base, value = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
              i = i + 3
              redis.call('SADD', KEYS[2], base)
              if kind == 'A' then
                local win = base .. ':w:' .. me
                redis.call('HINCRBY', base .. ':tot', num(epoch), num(value))
                redis.call('HINCRBY', win, num(epoch), num(value))
                redis.call('PEXPIRE', win, ttl)
                redis.call('HSET', base .. ':ten', me, tier)
              else
                local est = base .. ':est'
                local ceiling = value
                redis.call('HINCRBY', est, 'th', 1)
                local current = capacity(est, now, ceiling, minCap, interval, stepCfg)
                local e = redis.call('HMGET', est, 'd', 'x', 'r')
                if not (e[1] == '1' and now - tonumber(e[2]) < cooldown) then
                  local observed = wsum(base .. ':tot', epoch)
                  if current == -1 or observed <= current then
                    local b = observed
                    if current ~= -1 then b = math.min(current, observed) end
                    local top = ceiling
                    if ceiling == -1 then top = MAX end
                    local floor = math.min(minCap, top)
                    local lowered = math.max(floor, math.min(top, muldiv(b, decrease, S)))
                    local ref = tonumber(e[3] or '0')
                    if not (ref > 0) then ref = math.max(b, floor) end
                    redis.call('HSET', est, 'v', num(lowered), 'd', '1', 'c', num(now), 'x', num(now), 'r', num(ref))
                    redis.call('HINCRBY', est, 'de', 1)
                    out[#out + 1] = base
                    out[#out + 1] = current
                    out[#out + 1] = lowered
                    out[#out + 1] = observed
                  end
                end
              end
            end
            if delta ~= 0 then
              add(B .. ':tot', resEpoch, delta, epoch)
              add(B .. ':w:' .. me, resEpoch, delta, epoch)
            end
            return out
            """;
}
