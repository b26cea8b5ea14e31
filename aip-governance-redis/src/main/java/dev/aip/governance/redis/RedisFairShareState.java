package dev.aip.governance.redis;

import dev.aip.core.governance.FairShare;
import dev.aip.core.governance.FairShareSnapshot;
import dev.aip.core.governance.FairShareState;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fair share's windows and capacity estimates on Redis, shared by every instance that points at it (see
 * {@link FairShareScripts} for the keys).
 *
 * <p>A reservation is one {@code EVALSHA} of {@link FairShareScripts#RESERVE}, which adds the call's tokens, brings the
 * estimate's additive increase up to date, decides, and takes the tokens back if it sheds, all atomically; a
 * settlement or a cancel is one {@code EVALSHA} of {@link FairShareScripts#SETTLE}. Time is this state's clock, in
 * microseconds since the epoch, passed to the scripts, so all instances must agree on it (NTP) as they do for the
 * rate limits; a window second is a second of that clock.
 *
 * <p>Consistency: Redis runs each script alone, so admissions from any number of instances are decided one after the
 * other on the same windows and estimate: the same decisions one instance in memory would make on those calls in that
 * order. A tenant's window that nobody writes for {@value #IDLE_MILLIS} ms of Redis's own time expires; the model's
 * keys stay (a few hashes per model). The scripts derive the tenant keys and the registry of models themselves, so
 * they need one Redis server (or a primary with replicas), not a Redis Cluster.
 *
 * <p>Thread-safe; one per {@link RedisGovernanceState}.
 */
final class RedisFairShareState implements FairShareState {

    private static final Logger LOG = LoggerFactory.getLogger(RedisFairShareState.class);
    /** The largest amount one reservation adds, as in the local window. */
    private static final long MAX_AMOUNT = 1L << 38;
    private static final long MAX_CAPACITY = 1L << 40;
    private static final int SLOTS = 61;
    /** A tenant window unused this long (Redis's own clock) is dropped; well above the window. */
    private static final long IDLE_MILLIS = 3 * 60_000L;

    private final Lazy<StatefulRedisConnection<String, String>> connection;
    private final String prefix;
    private final String registry;
    private final Clock clock;
    private volatile @Nullable Params params;

    RedisFairShareState(Lazy<StatefulRedisConnection<String, String>> connection, String prefix, Clock clock) {
        this.connection = connection;
        this.prefix = prefix;
        this.registry = prefix + ":fs:models";
        this.clock = clock;
    }

    @Override
    public boolean remote() {
        return true;
    }

    @Override
    public Reservation reserve(FairShare settings, TenantId tenant, Tier tier, String sourceModelId, String region,
                               long tokens) {
        Call call = call(settings, tenant, tier, sourceModelId, region, tokens);
        RedisCommands<String, String> redis = connection.get().sync();
        List<Object> answer;
        try {
            answer = redis.evalsha(Scripts.sha1(FairShareScripts.RESERVE), ScriptOutputType.MULTI, call.keys,
                    call.args);
        } catch (RedisNoScriptException e) {
            answer = redis.eval(FairShareScripts.RESERVE, ScriptOutputType.MULTI, call.keys, call.args);
        }
        return call.reservation(answer);
    }

    @Override
    public CompletionStage<Reservation> reserveAsync(FairShare settings, TenantId tenant, Tier tier,
                                                     String sourceModelId, String region, long tokens) {
        Call call = call(settings, tenant, tier, sourceModelId, region, tokens);
        return connection.getAsync()
                .thenCompose(c -> Scripts.<List<Object>>evalAsync(c.async(), FairShareScripts.RESERVE,
                        ScriptOutputType.MULTI, call.keys, call.args))
                .thenApply(call::reservation);
    }

    private Call call(FairShare settings, TenantId tenant, Tier tier, String sourceModelId, String region,
                      long tokens) {
        Params p = params(settings);
        long now = micros(clock.instant());
        long amount = Math.max(1, Math.min(tokens, MAX_AMOUNT));
        String base = base(sourceModelId, region);
        String[] args = new String[p.shares.length + 12];
        args[0] = tenant.value();
        args[1] = tier.name();
        args[2] = Long.toString(amount);
        args[3] = Long.toString(now);
        args[4] = Long.toString(ceiling(settings, sourceModelId, region));
        args[5] = p.minimum;
        args[6] = p.interval;
        args[7] = p.step;
        args[8] = p.headroom;
        args[9] = p.fingerprint;
        args[10] = p.defaultWeight;
        args[11] = p.idle;
        System.arraycopy(p.shares, 0, args, 12, p.shares.length);
        return new Call(p, base, tenant, tier, sourceModelId, region, Math.floorDiv(now, 1_000_000L), amount,
                new String[] {base, registry}, args);
    }

    /** One reservation's request, and what to make of Redis's answer. */
    private final class Call {
        final Params params;
        final String base;
        final TenantId tenant;
        final Tier tier;
        final String sourceModelId;
        final String region;
        final long epoch;
        final long amount;
        final String[] keys;
        final String[] args;

        Call(Params params, String base, TenantId tenant, Tier tier, String sourceModelId, String region, long epoch,
             long amount, String[] keys, String[] args) {
            this.params = params;
            this.base = base;
            this.tenant = tenant;
            this.tier = tier;
            this.sourceModelId = sourceModelId;
            this.region = region;
            this.epoch = epoch;
            this.amount = amount;
            this.keys = keys;
            this.args = args;
        }

        Reservation reservation(List<Object> answer) {
            if (((Long) answer.get(0)) == 1L) {
                return new Held(this, null);
            }
            long micros = (Long) answer.get(3);
            Shed shed = new Shed((Long) answer.get(1), (Long) answer.get(2),
                    Duration.ofNanos(Math.max(1_000_000L, Math.multiplyExact(micros, 1000L))),
                    (Long) answer.get(4), (Long) answer.get(5));
            return new Held(this, shed);
        }
    }

    /** A call's reservation on Redis; settled or cancelled once, by Governance. */
    private final class Held implements Reservation {
        private final Call call;
        private final @Nullable Shed shed;

        Held(Call call, @Nullable Shed shed) {
            this.call = call;
            this.shed = shed;
        }

        @Override
        public @Nullable Shed shed() {
            return shed;
        }

        @Override
        public void cancel() {
            if (shed != null) {
                return;
            }
            try {
                settleScript(-call.amount, List.of(), micros(clock.instant()));
            } catch (RuntimeException e) {
                LOG.warn("Could not give back the fair-share reservation of a refused call of tenant {} on {}; it"
                        + " counts until it leaves the minute", call.tenant, call.sourceModelId, e);
            }
        }

        @Override
        public CompletionStage<@Nullable Void> cancelAsync() {
            if (shed != null) {
                return CompletableFuture.completedFuture(null);
            }
            String[] args = settleArgs(-call.amount, List.of(), micros(clock.instant()));
            return connection.getAsync()
                    .thenCompose(c -> Scripts.<List<Object>>evalAsync(c.async(), FairShareScripts.SETTLE,
                            ScriptOutputType.MULTI, new String[] {call.base, registry}, args))
                    .handle((answer, failure) -> {
                        if (failure != null) {
                            LOG.warn("Could not give back the fair-share reservation of a refused call of tenant {}"
                                    + " on {}; it counts until it leaves the minute", call.tenant,
                                    call.sourceModelId, failure);
                        }
                        return null;
                    });
        }

        @Override
        public void settle(@Nullable List<Attempt> attempts) {
            if (attempts == null || shed != null) {
                return;
            }
            try {
                long actual = 0;
                List<String> ops = new ArrayList<>();
                for (Attempt a : attempts) {
                    long tokens = Math.min(a.tokens(), MAX_AMOUNT);
                    boolean elsewhere = a.elsewhere(call.sourceModelId, call.region);
                    String model = elsewhere ? base(a.sourceModelId(), a.region()) : call.base;
                    if (elsewhere) {
                        if (tokens > 0) {
                            ops.add("A");
                            ops.add(model);
                            ops.add(Long.toString(tokens));
                        }
                    } else {
                        actual = Math.addExact(actual, tokens);
                    }
                    if (a.throttled()) {
                        ops.add("T");
                        ops.add(model);
                        ops.add(Long.toString(elsewhere
                                ? ceiling(call.params.settings, a.sourceModelId(), a.region())
                                : ceiling(call.params.settings, call.sourceModelId, call.region)));
                    }
                }
                long delta = Math.min(actual, MAX_AMOUNT) - call.amount;
                if (delta == 0 && ops.isEmpty()) {
                    return;
                }
                List<Object> decreases = settleScript(delta, ops, micros(clock.instant()));
                for (int i = 0; i + 3 < decreases.size(); i += 4) {
                    long before = (Long) decreases.get(i + 1);
                    LOG.info("Bedrock throttled {}: its shared capacity estimate drops from {} to {} tokens per"
                            + " minute ({} used in the last minute)", decreases.get(i),
                            before < 0 ? "unknown" : Long.toString(before), decreases.get(i + 2),
                            decreases.get(i + 3));
                }
            } catch (RuntimeException e) {
                LOG.error("Could not settle the fair-share reservation of a call of tenant {} on {}; the reservation"
                        + " counts until it leaves the minute", call.tenant, call.sourceModelId, e);
            }
        }

        private List<Object> settleScript(long delta, List<String> ops, long now) {
            String[] args = settleArgs(delta, ops, now);
            String[] keys = {call.base, registry};
            RedisCommands<String, String> redis = connection.get().sync();
            try {
                return redis.evalsha(Scripts.sha1(FairShareScripts.SETTLE), ScriptOutputType.MULTI, keys, args);
            } catch (RedisNoScriptException e) {
                return redis.eval(FairShareScripts.SETTLE, ScriptOutputType.MULTI, keys, args);
            }
        }

        private String[] settleArgs(long delta, List<String> ops, long now) {
            Params p = call.params;
            String[] args = new String[12 + ops.size()];
            args[0] = call.tenant.value();
            args[1] = call.tier.name();
            args[2] = Long.toString(call.epoch);
            args[3] = Long.toString(delta);
            args[4] = Long.toString(now);
            args[5] = p.minimum;
            args[6] = p.interval;
            args[7] = p.step;
            args[8] = p.cooldown;
            args[9] = p.decrease;
            args[10] = p.idle;
            args[11] = Integer.toString(ops.size() / 3);
            for (int i = 0; i < ops.size(); i++) {
                args[12 + i] = ops.get(i);
            }
            return args;
        }
    }

    /**
     * Reads every model's keys and computes what the scripts would (without changing anything): several round trips,
     * for operators, not for the hot path.
     */
    @Override
    public FairShareSnapshot snapshot(FairShare settings) {
        RedisCommands<String, String> redis = connection.get().sync();
        long now = micros(clock.instant());
        long epoch = Math.floorDiv(now, 1_000_000L);
        List<FairShareSnapshot.ModelState> out = new ArrayList<>();
        String head = prefix + ":fs:{";
        for (String base : redis.smembers(registry)) {
            if (!base.startsWith(head) || !base.endsWith("}")) {
                continue;
            }
            String name = base.substring(head.length(), base.length() - 1);
            int at = name.lastIndexOf('@');
            if (at < 0) {
                continue;
            }
            String model = name.substring(0, at);
            String region = name.substring(at + 1);
            long ceiling = ceiling(settings, model, region);
            Map<String, String> est = redis.hgetall(base + ":est");
            long capacity = capacity(est, now, ceiling, settings);
            long total = sum(redis.hgetall(base + ":tot"), epoch);
            Map<String, String> tiers = redis.hgetall(base + ":ten");
            Map<String, String> shed = redis.hgetall(base + ":shed");
            Map<String, Long> usage = new HashMap<>();
            Map<Tier, Integer> counts = new HashMap<>();
            for (Map.Entry<String, String> t : tiers.entrySet()) {
                long u = sum(redis.hgetall(base + ":w:" + t.getKey()), epoch);
                usage.put(t.getKey(), u);
                if (u > 0) {
                    counts.merge(Tier.of(t.getValue()), 1, Integer::sum);
                }
            }
            Map<Tier, Long> shares = capacity < 0 ? Map.of() : settings.shares(capacity, counts);
            List<FairShareSnapshot.TenantState> tenants = new ArrayList<>();
            for (Map.Entry<String, String> t : tiers.entrySet()) {
                Tier tier = Tier.of(t.getValue());
                long u = usage.get(t.getKey());
                OptionalLong share = u > 0 && shares.containsKey(tier) ? OptionalLong.of(shares.get(tier))
                        : OptionalLong.empty();
                tenants.add(new FairShareSnapshot.TenantState(TenantId.of(t.getKey()), tier, settings.weight(tier),
                        u, share, number(shed.get(t.getKey()))));
            }
            tenants.sort(Comparator.comparing(t -> t.tenant().value()));
            out.add(new FairShareSnapshot.ModelState(model, region,
                    capacity < 0 ? OptionalLong.empty() : OptionalLong.of(capacity),
                    ceiling < 0 ? OptionalLong.empty() : OptionalLong.of(ceiling), total,
                    capacity >= 0 && total > capacity - fraction(capacity, settings.headroom()),
                    number(est.get("th")), number(est.get("de")), number(est.get("sh")), tenants));
        }
        out.sort(Comparator.comparing(FairShareSnapshot.ModelState::sourceModelId)
                .thenComparing(FairShareSnapshot.ModelState::region));
        return new FairShareSnapshot(true, out);
    }

    /** The estimate at {@code now}, as the script's {@code capacity} computes it, without storing the increase. */
    private static long capacity(Map<String, String> est, long now, long ceiling, FairShare settings) {
        if (!"1".equals(est.get("d"))) {
            return ceiling;
        }
        long top = ceiling < 0 ? MAX_CAPACITY : ceiling;
        long floor = Math.min(settings.minimumCapacity(), top);
        long value = Math.max(floor, Math.min(number(est.get("v")), top));
        long interval = micros(settings.increaseInterval());
        long elapsed = now - number(est.get("c"));
        if (elapsed < interval) {
            return value;
        }
        long k = elapsed / interval;
        long step = settings.additiveIncrease().isPresent() ? settings.additiveIncrease().getAsLong()
                : Math.max(1, (ceiling >= 0 ? ceiling : number(est.get("r"))) / 20);
        return k > (top - value) / step ? top : Math.min(top, value + k * step);
    }

    private static long sum(Map<String, String> window, long epoch) {
        long sum = 0;
        for (Map.Entry<String, String> e : window.entrySet()) {
            long second = Long.parseLong(e.getKey());
            if (second > epoch - SLOTS && second <= epoch) {
                sum += Long.parseLong(e.getValue());
            }
        }
        return sum;
    }

    private static long number(@Nullable String value) {
        return value == null ? 0 : Long.parseLong(value);
    }

    private String base(String sourceModelId, String region) {
        return prefix + ":fs:{" + sourceModelId + "@" + region + "}";
    }

    private static long ceiling(FairShare settings, String sourceModelId, String region) {
        OptionalLong configured = settings.capacity(sourceModelId, region);
        return configured.isPresent() ? configured.getAsLong() : -1;
    }

    static long micros(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1000);
    }

    private static long micros(Duration duration) {
        return Math.max(1, duration.toNanos() / 1000);
    }

    private static long ppm(BigDecimal fraction) {
        return fraction.movePointRight(6).setScale(0, RoundingMode.DOWN).longValueExact();
    }

    private static long fraction(long value, BigDecimal fraction) {
        return BigDecimal.valueOf(value).multiply(BigDecimal.valueOf(ppm(fraction)))
                .divideToIntegralValue(BigDecimal.valueOf(1_000_000L)).longValueExact();
    }

    /** The scripts' arguments that depend only on the settings, computed once per settings object. */
    private Params params(FairShare settings) {
        Params p = params;
        if (p == null || p.settings != settings) {
            p = new Params(settings);
            params = p;
        }
        return p;
    }

    private static final class Params {
        final FairShare settings;
        final String minimum;
        final String interval;
        final String step;
        final String headroom;
        final String decrease;
        final String cooldown;
        final String defaultWeight;
        final String idle = Long.toString(IDLE_MILLIS);
        final String fingerprint;
        /** Count of weights, tier/weight pairs, count of reservations, tier/ppm pairs. */
        final String[] shares;

        Params(FairShare settings) {
            this.settings = settings;
            this.minimum = Long.toString(settings.minimumCapacity());
            this.interval = Long.toString(micros(settings.increaseInterval()));
            this.step = Long.toString(settings.additiveIncrease().orElse(-1));
            this.headroom = Long.toString(ppm(settings.headroom()));
            this.decrease = Long.toString(ppm(settings.decrease()));
            this.cooldown = Long.toString(micros(settings.cooldown()));
            this.defaultWeight = Integer.toString(settings.defaultWeight());
            List<String> s = new ArrayList<>();
            s.add(Integer.toString(settings.weights().size()));
            settings.weights().forEach((tier, weight) -> {
                s.add(tier.name());
                s.add(Integer.toString(weight));
            });
            List<Map.Entry<Tier, BigDecimal>> reserved = new ArrayList<>();
            settings.reservedShares().forEach((tier, fraction) -> {
                if (fraction.signum() > 0) {
                    reserved.add(Map.entry(tier, fraction));
                }
            });
            s.add(Integer.toString(reserved.size()));
            for (Map.Entry<Tier, BigDecimal> r : reserved) {
                s.add(r.getKey().name());
                s.add(Long.toString(ppm(r.getValue())));
            }
            this.shares = s.toArray(String[]::new);
            this.fingerprint = fingerprint(settings.toString());
        }

        private static String fingerprint(String text) {
            try {
                return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                        .digest(text.getBytes(StandardCharsets.UTF_8))).substring(0, 16);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-1 is required of every JDK", e);
            }
        }
    }
}
