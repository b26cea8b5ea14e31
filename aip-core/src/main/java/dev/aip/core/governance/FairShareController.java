package dev.aip.core.governance;

import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state behind {@link FairShare}: per source model and region, the tokens each tenant used in the last minute,
 * the AIMD capacity estimate, and the counters the snapshot shows. {@link Governance} owns one and calls
 * {@link #reserve} as an admission step (also when a shared {@link FairShareState} is down) and {@link ShareReservation#settle} at settlement.
 *
 * <p>Invariants: every admitted call's estimate is in its tenant's and its model's window from admission until it
 * leaves the minute; a refused or undone call's estimate is taken back before anyone can count on it; a settlement
 * replaces the estimate by the attempts' real tokens in the second the estimate was counted in. The uncongested path
 * is two CAS adds and an upper bound of the minute from three reads ({@link ModelLoad#totalAtMost}), without locks or
 * allocation beyond the ticket; the exact 61-slot sum is taken only near the capacity, and shares are computed only
 * when a model is congested, at most once per second per model (and again when a tenant becomes active).
 *
 * <p>Thread-safe.
 */
final class FairShareController implements FairShareState {

    /** The largest capacity, configured or estimated, in tokens per minute (2^40). */
    static final long MAX_CAPACITY = 1L << 40;
    /** The estimate of a model without a configured capacity that Bedrock has not throttled yet. */
    static final long UNKNOWN = -1;
    static final String LIMIT = "fair-share";
    private static final Logger LOG = LoggerFactory.getLogger(FairShareController.class);
    private static final long PPM = 1_000_000L;
    /** A tenant unseen for this many seconds, with nothing left in its window, is forgotten. */
    private static final long IDLE_EPOCHS = 2L * UsageWindow.SLOTS;

    private final FairShare defaults;
    private final LongSupplier ticker;
    /** Per region, per source model: two string lookups, so the hot path allocates no key. */
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, ModelLoad>> models = new ConcurrentHashMap<>();

    /**
     * @param defaults the settings from the Governance builder, or {@code null}; a policy set's own win
     * @param ticker nanoseconds
     */
    FairShareController(FairShare defaults, LongSupplier ticker) {
        this.defaults = defaults;
        this.ticker = ticker;
    }

    /** The settings in force under a policy set: its own, else the builder's; {@code null} means off. */
    FairShare settings(PolicySet set) {
        FairShare own = set.fairShareSettings();
        return own != null ? own : defaults;
    }

    /**
     * Reserves a call's tokens in its model's and tenant's windows, or sheds it.
     *
     * @param settings the settings in force, not {@code null}
     * @param tenant the tenant
     * @param tier the tenant's tier (the policy's, else the caller's)
     * @param sourceModelId the source model the call will use; with its region, it names the quota
     * @param region the region
     * @param tokens the call's estimated tokens
     * @return the ticket to settle or cancel; its {@link ShareReservation#shed()} is set when the call is shed
     */
    @Override
    public ShareReservation reserve(FairShare settings, TenantId tenant, Tier tier, String sourceModelId,
                                    String region, long tokens) {
        long now = ticker.getAsLong();
        long epoch = UsageWindow.epoch(now);
        ModelLoad model = model(sourceModelId, region, epoch);
        TenantLoad load = model.tenant(tenant, tier, epoch);
        long amount = Math.max(1, Math.min(tokens, UsageWindow.MAX_AMOUNT));
        model.total.add(epoch, amount);
        load.window.add(epoch, amount);
        long capacity = model.capacity(now, settings);
        if (capacity == UNKNOWN) {
            return new ShareReservation(this, settings, model, load, epoch, amount, null);
        }
        long threshold = threshold(capacity, settings);
        if (model.totalAtMost(epoch) <= threshold) {
            return new ShareReservation(this, settings, model, load, epoch, amount, null);
        }
        long total = model.total.sum(epoch);
        if (total <= threshold) {
            return new ShareReservation(this, settings, model, load, epoch, amount, null);
        }
        long usage = load.window.sum(epoch);
        long share = model.shares(epoch, capacity, settings, load);
        if (usage <= share || usage <= amount) {
            return new ShareReservation(this, settings, model, load, epoch, amount, null);
        }
        model.total.add(epoch, -amount);
        load.window.add(epoch, -amount);
        load.shed.incrementAndGet();
        model.shed.incrementAndGet();
        long used = usage - amount;
        long waitTenant = load.window.nanosUntilAtMost(now, Math.max(0, share - amount));
        long waitModel = threshold >= amount ? model.total.nanosUntilAtMost(now, threshold - amount)
                : Long.MAX_VALUE;
        Duration retryAfter = Duration.ofNanos(Math.max(1_000_000L, Math.min(waitTenant, waitModel)));
        return new ShareReservation(this, settings, model, load, epoch, 0, new Shed(share, used, retryAfter,
                capacity, total - amount));
    }

    /**
     * Returns what the controller knows, for operators.
     *
     * @param settings the settings in force, or {@code null} if fair share is off
     * @return the snapshot
     */
    @Override
    public FairShareSnapshot snapshot(FairShare settings) {
        if (settings == null) {
            return new FairShareSnapshot(false, List.of());
        }
        long now = ticker.getAsLong();
        long epoch = UsageWindow.epoch(now);
        List<FairShareSnapshot.ModelState> out = new ArrayList<>();
        List<ModelLoad> sorted = new ArrayList<>();
        models.values().forEach(byModel -> sorted.addAll(byModel.values()));
        sorted.sort(Comparator.comparing((ModelLoad m) -> m.key.sourceModelId()).thenComparing(m -> m.key.region()));
        for (ModelLoad m : sorted) {
            long capacity = m.capacity(now, settings);
            long ceiling = m.ceiling(settings);
            long total = m.total.sum(epoch);
            Map<TenantLoad, Long> usage = new IdentityHashMap<>();
            Map<Tier, Integer> counts = new HashMap<>();
            for (TenantLoad t : m.tenants.values()) {
                long u = t.window.sum(epoch);
                usage.put(t, u);
                if (u > 0) {
                    counts.merge(t.tier, 1, Integer::sum);
                }
            }
            Map<Tier, Long> shares = capacity == UNKNOWN ? Map.of() : Shares.perTenant(capacity, counts, settings);
            List<FairShareSnapshot.TenantState> tenants = new ArrayList<>();
            for (Map.Entry<TenantLoad, Long> e : usage.entrySet()) {
                TenantLoad t = e.getKey();
                long u = e.getValue();
                OptionalLong share = u > 0 && shares.containsKey(t.tier) ? OptionalLong.of(shares.get(t.tier))
                        : OptionalLong.empty();
                tenants.add(new FairShareSnapshot.TenantState(t.id, t.tier, settings.weight(t.tier), u, share,
                        t.shed.get()));
            }
            tenants.sort(Comparator.comparing(t -> t.tenant().value()));
            out.add(new FairShareSnapshot.ModelState(m.key.sourceModelId(), m.key.region(),
                    capacity == UNKNOWN ? OptionalLong.empty() : OptionalLong.of(capacity),
                    ceiling == UNKNOWN ? OptionalLong.empty() : OptionalLong.of(ceiling), total,
                    capacity != UNKNOWN && total > threshold(capacity, settings), m.throttles.get(), m.decreases.get(),
                    m.shed.get(),
                    tenants));
        }
        return new FairShareSnapshot(true, out);
    }

    /** The use above which a model is congested: the estimate less the headroom. */
    static long threshold(long capacity, FairShare settings) {
        return capacity - Shares.mulDiv(capacity, settings.headroomPpm(), PPM);
    }

    ModelLoad model(String sourceModelId, String region, long epoch) {
        ConcurrentHashMap<String, ModelLoad> byModel = models.get(region);
        if (byModel == null) {
            byModel = models.computeIfAbsent(region, r -> new ConcurrentHashMap<>());
        }
        ModelLoad m = byModel.get(sourceModelId);
        if (m == null) {
            m = byModel.computeIfAbsent(sourceModelId, id -> new ModelLoad(new ModelKey(id, region)));
        }
        m.maybeForgetIdle(epoch);
        return m;
    }

    /** Whether an attempt was refused by Bedrock for lack of capacity (a 429 other than a model still loading). */
    static boolean throttled(UsageRecord r) {
        if ("ThrottlingException".equals(r.errorCode())) {
            return true;
        }
        return r.outcome() == Outcome.THROTTLED && !"ModelNotReadyException".equals(r.errorCode());
    }

    /** A model's quota unit: Bedrock counts tokens per model and region. */
    record ModelKey(String sourceModelId, String region) {
    }

    /**
     * The AIMD estimate: {@code value} is meaningful once {@code decreased}; before that the configured capacity (or
     * none) is the estimate. {@code changedAt} is when the last decrease or increase was due, {@code reference} the
     * load at the first throttle (the base of the default additive step for models without a configured capacity).
     */
    record Estimate(long value, boolean decreased, long changedAt, long decreasedAt, long reference) {
        static final Estimate INITIAL = new Estimate(UNKNOWN, false, 0, 0, 0);
    }

    /** One model's load, estimate and counters. */
    static final class ModelLoad {
        final ModelKey key;
        final UsageWindow total = new UsageWindow();
        final ConcurrentHashMap<TenantId, TenantLoad> tenants = new ConcurrentHashMap<>();
        final AtomicReference<Estimate> estimate = new AtomicReference<>(Estimate.INITIAL);
        final AtomicLong throttles = new AtomicLong();
        final AtomicLong decreases = new AtomicLong();
        final AtomicLong shed = new AtomicLong();
        /** Every positive settlement correction ever made, so that {@link #totalAtMost} never misses one. */
        final AtomicLong raised = new AtomicLong();
        private final AtomicLong nextIdleCheck = new AtomicLong(Long.MIN_VALUE);
        private volatile Before before;
        private volatile Ceiling ceiling;
        private volatile ShareCache shares;

        ModelLoad(ModelKey key) {
            this.key = key;
        }

        TenantLoad tenant(TenantId id, Tier tier, long epoch) {
            TenantLoad t = tenants.get(id);
            if (t == null) {
                t = tenants.computeIfAbsent(id, k -> new TenantLoad(k, tier));
            }
            if (t.tier != tier) {
                t.tier = tier;
            }
            if (t.lastEpoch != epoch) {
                t.lastEpoch = epoch;
            }
            return t;
        }

        /**
         * An upper bound of the minute's total, for the uncongested fast path: the seconds before this one summed
         * once per second, plus every positive settlement since (they may land in those seconds), plus this
         * second's count. Three reads instead of 61 on almost every call.
         */
        long totalAtMost(long epoch) {
            Before b = before;
            if (b == null || b.epoch != epoch) {
                long raisedBefore = raised.get();
                b = new Before(epoch, total.sumBefore(epoch), raisedBefore);
                before = b;
            }
            return b.sum + (raised.get() - b.raised) + total.countAt(epoch);
        }

        /** The configured capacity under these settings, or {@link #UNKNOWN}; remembered per settings object. */
        long ceiling(FairShare settings) {
            Ceiling c = ceiling;
            if (c == null || c.settings != settings) {
                OptionalLong configured = settings.capacity(key.sourceModelId(), key.region());
                c = new Ceiling(settings, configured.isPresent() ? configured.getAsLong() : UNKNOWN);
                ceiling = c;
            }
            return c.value;
        }

        /** The capacity estimate now, bringing the additive increase up to date. */
        long capacity(long now, FairShare settings) {
            long ceiling = ceiling(settings);
            while (true) {
                Estimate e = estimate.get();
                if (!e.decreased()) {
                    return ceiling;
                }
                long top = ceiling == UNKNOWN ? MAX_CAPACITY : ceiling;
                long floor = Math.min(settings.minimumCapacity(), top);
                long value = Math.max(floor, Math.min(e.value(), top));
                long interval = settings.increaseInterval().toNanos();
                long elapsed = now - e.changedAt();
                if (elapsed < interval) {
                    return value;
                }
                long k = elapsed / interval;
                long step = step(settings, ceiling, e.reference());
                long grown = k > (top - value) / step ? top : Math.min(top, value + k * step);
                if (estimate.compareAndSet(e, new Estimate(grown, true, e.changedAt() + k * interval,
                        e.decreasedAt(), e.reference()))) {
                    return grown;
                }
            }
        }

        /**
         * Bedrock throttled a call of this model: decrease the estimate, unless it was decreased within the cooldown
         * or the model's use of the last minute is still above it.
         */
        void throttled(long now, FairShare settings) {
            throttles.incrementAndGet();
            long cooldown = settings.cooldown().toNanos();
            while (true) {
                long current = capacity(now, settings);
                Estimate e = estimate.get();
                if (e.decreased() && now - e.decreasedAt() < cooldown) {
                    return;
                }
                long observed = total.sum(UsageWindow.epoch(now));
                if (current != UNKNOWN && observed > current) {
                    // Already shedding down to the estimate: Bedrock still counts the minute before the last
                    // decrease, and its throttles until that drains are the same event.
                    return;
                }
                long base = current == UNKNOWN ? observed : Math.min(current, observed);
                long ceiling = ceiling(settings);
                long top = ceiling == UNKNOWN ? MAX_CAPACITY : ceiling;
                long floor = Math.min(settings.minimumCapacity(), top);
                long lowered = Math.max(floor, Math.min(top, Shares.mulDiv(base, settings.decreasePpm(), PPM)));
                long reference = e.reference() > 0 ? e.reference() : Math.max(base, floor);
                if (estimate.compareAndSet(e, new Estimate(lowered, true, now, now, reference))) {
                    decreases.incrementAndGet();
                    LOG.info("Bedrock throttled {} in {}: its capacity estimate drops from {} to {} tokens per"
                            + " minute ({} used in the last minute)", key.sourceModelId(), key.region(),
                            current == UNKNOWN ? "unknown" : Long.toString(current), lowered, observed);
                    return;
                }
            }
        }

        /** The share of one tenant of {@code me}'s tier; recomputed once per second or when a tenant turns up. */
        long shares(long epoch, long capacity, FairShare settings, TenantLoad me) {
            Tier tier = me.tier;
            ShareCache c = shares;
            if (c != null && c.epoch == epoch && c.capacity == capacity && c.settings == settings
                    && c.active.contains(me)) {
                Long share = c.perTenant.get(tier);
                if (share != null) {
                    return share;
                }
            }
            Set<TenantLoad> active = Collections.newSetFromMap(new IdentityHashMap<>());
            Map<Tier, Integer> counts = new HashMap<>();
            for (TenantLoad t : tenants.values()) {
                if (t == me || t.window.sum(epoch) > 0) {
                    active.add(t);
                    counts.merge(t.tier, 1, Integer::sum);
                }
            }
            if (!active.contains(me)) {
                active.add(me);
                counts.merge(tier, 1, Integer::sum);
            }
            Map<Tier, Long> perTenant = Shares.perTenant(capacity, counts, settings);
            shares = new ShareCache(epoch, capacity, settings, active, perTenant);
            Long share = perTenant.get(tier);
            return share != null ? share : perTenant.getOrDefault(me.tier, 0L);
        }

        /**
         * Forgets tenants unseen for two minutes with nothing left in their window, at most once a minute per model,
         * so a model's map holds the tenants of the last minutes, not every tenant ever seen.
         */
        void maybeForgetIdle(long epoch) {
            long due = nextIdleCheck.get();
            if (epoch < due || !nextIdleCheck.compareAndSet(due, epoch + UsageWindow.SLOTS)) {
                return;
            }
            for (TenantLoad t : tenants.values()) {
                if (epoch - t.lastEpoch > IDLE_EPOCHS && t.window.sum(epoch) == 0) {
                    tenants.remove(t.id, t);
                }
            }
        }

        private static long step(FairShare settings, long ceiling, long reference) {
            OptionalLong configured = settings.additiveIncrease();
            if (configured.isPresent()) {
                return configured.getAsLong();
            }
            long base = ceiling != UNKNOWN ? ceiling : reference;
            return Math.max(1, base / 20);
        }
    }

    /** One tenant's use of one model. */
    static final class TenantLoad {
        final TenantId id;
        final UsageWindow window = new UsageWindow();
        final AtomicLong shed = new AtomicLong();
        volatile Tier tier;
        volatile long lastEpoch;

        TenantLoad(TenantId id, Tier tier) {
            this.id = id;
            this.tier = tier;
        }
    }

    private record Ceiling(FairShare settings, long value) {
    }

    /** The sum of the seconds before {@code epoch}, and {@link ModelLoad#raised} when it was taken. */
    private record Before(long epoch, long sum, long raised) {
    }

    private record ShareCache(long epoch, long capacity, FairShare settings, Set<TenantLoad> active,
                              Map<Tier, Long> perTenant) {
    }

    /**
     * One call's reservation in its model's and tenant's windows: settled to the attempts' real tokens exactly once
     * (by the permit's release or lease expiry), or cancelled when a later admission step refuses the call.
     */
    static final class ShareReservation implements Runnable, Reservation {
        private final FairShareController owner;
        private final FairShare settings;
        private final ModelLoad model;
        private final TenantLoad tenant;
        private final long epoch;
        private final long reserved;
        private final Shed refusal;

        ShareReservation(FairShareController owner, FairShare settings, ModelLoad model, TenantLoad tenant, long epoch,
               long reserved, Shed refusal) {
            this.owner = owner;
            this.settings = settings;
            this.model = model;
            this.tenant = tenant;
            this.epoch = epoch;
            this.reserved = reserved;
            this.refusal = refusal;
        }

        /** Why the call was shed, or {@code null} if it was admitted. */
        @Override
        public Shed shed() {
            return refusal;
        }

        /** Takes the reservation back: the call was refused by a later step. */
        @Override
        public void cancel() {
            model.total.add(epoch, -reserved);
            tenant.window.add(epoch, -reserved);
        }

        /** {@link #cancel()}, as an undo step of the admission (no lambda to allocate). */
        @Override
        public void run() {
            cancel();
        }

        /**
         * Replaces the reservation by what the attempts on its model used, counts attempts that failed over to
         * another model in that model's window, and reports Bedrock's throttles to the model they came from. Never
         * throws.
         *
         * @param attempts the call's attempts, or {@code null} when its lease expired (the reservation stands)
         */
        @Override
        public void settle(List<Attempt> attempts) {
            try {
                long actual = reserved;
                if (attempts != null) {
                    actual = 0;
                    long now = 0;
                    boolean timed = false;
                    for (Attempt r : attempts) {
                        long tokens = Math.min(r.tokens(), UsageWindow.MAX_AMOUNT);
                        ModelLoad m = model;
                        boolean elsewhere = r.elsewhere(model.key.sourceModelId(), model.key.region());
                        if (elsewhere && tokens == 0 && !r.throttled()) {
                            continue; // nothing to count on the other model: leave it unknown, as a shared state does
                        }
                        if ((elsewhere || r.throttled()) && !timed) {
                            now = owner.ticker.getAsLong();
                            timed = true;
                        }
                        if (elsewhere) {
                            // A fail-over to another model: its tokens count there, from now on.
                            long epochNow = UsageWindow.epoch(now);
                            m = owner.model(r.sourceModelId(), r.region(), epochNow);
                            if (tokens > 0) {
                                m.total.add(epochNow, tokens);
                                m.tenant(tenant.id, tenant.tier, epochNow).window.add(epochNow, tokens);
                            }
                        } else {
                            actual = Math.addExact(actual, tokens);
                        }
                        if (r.throttled()) {
                            m.throttled(now, settings);
                        }
                    }
                }
                long delta = Math.min(actual, UsageWindow.MAX_AMOUNT) - reserved;
                model.total.add(epoch, delta);
                tenant.window.add(epoch, delta);
                if (delta > 0) {
                    model.raised.addAndGet(delta);
                }
            } catch (RuntimeException e) {
                LOG.error("Could not settle the fair-share reservation of a call of tenant {} on {}", tenant.id,
                        model.key.sourceModelId(), e);
            }
        }
    }
}
