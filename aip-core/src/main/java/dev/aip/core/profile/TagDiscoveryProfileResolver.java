package dev.aip.core.profile;

import dev.aip.core.AipException;
import dev.aip.core.ConfigurationException;
import dev.aip.core.ProfileResolutionException;
import dev.aip.core.UnknownTenantException;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves tenants to the application profiles whose tags name them, from an in-memory index of every application
 * profile in the account and its tags (ListInferenceProfiles with {@code type=APPLICATION}, all pages, and
 * ListTagsForResource per profile).
 *
 * <pre>{@code
 * TagDiscoveryProfileResolver resolver = TagDiscoveryProfileResolver.builder(api)
 *     .refreshInterval(Duration.ofMinutes(5))
 *     .build();
 * resolver.start();                       // loads the index now, then refreshes it in the background
 * ResolvedProfile p = resolver.resolve(TenantContext.of("acme"), "claude-haiku");
 * }</pre>
 *
 * <p><b>Hot path.</b> Once the index is loaded, a resolution that finds its profile makes no control-plane call.
 * A miss triggers a refresh only if none started within {@link Builder#minRefreshInterval(Duration)}; concurrent
 * misses share that one refresh and wait for it; later misses in the interval fail fast with
 * {@link UnknownTenantException} (or, after a failed refresh, with a retryable {@link ProfileResolutionException}).
 * So a burst of requests for unknown tenants costs at most one scan per interval.
 *
 * <p><b>Ownership.</b> A profile is found only under the tenant its {@link TagSchema#tenantKey()} tag names, and
 * under the logical model its {@link TagSchema#modelKey()} tag names (or, without that tag, its source model id);
 * its name is never consulted. Several profiles for one tenant and model: {@link #resolve} returns the most recently
 * created, {@link #resolveAll} all of them (newest first), for a {@link ProfileBalancer} to spread calls over.
 * Pool profiles ({@code TenantId=pool:TIER}) serve unknown tenants of their tier only if
 * {@link Builder#poolFallback(boolean)} is on.
 *
 * <p>Thread-safe; share one instance. {@link #close()} stops the background refresh.
 */
public final class TagDiscoveryProfileResolver implements TenantProfileResolver, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TagDiscoveryProfileResolver.class);

    private final InferenceProfileApi api;
    private final TagSchema schema;
    private final Clock clock;
    private final Duration refreshInterval;
    private final Duration minRefreshInterval;
    private final boolean managedOnly;
    private final boolean poolFallback;
    private final ProfileScanner scanner;
    private final ScheduledExecutorService executor;
    private final boolean ownsExecutor;

    private final ReentrantLock loadLock = new ReentrantLock();
    private final Object missLock = new Object();
    private volatile ProfileIndex index = ProfileIndex.EMPTY;
    // Guarded by missLock.
    private CompletableFuture<ProfileIndex> missRefresh;
    private Instant lastMissRefresh;
    private volatile AipException lastFailure;
    private ScheduledFuture<?> scheduled;
    private ScheduledExecutorService ownExecutor;

    private TagDiscoveryProfileResolver(Builder b) {
        this.api = b.api;
        this.schema = b.schema;
        this.clock = b.clock;
        this.refreshInterval = b.refreshInterval;
        this.minRefreshInterval = b.minRefreshInterval;
        this.managedOnly = b.managedOnly;
        this.poolFallback = b.poolFallback;
        Retrier retrier = new Retrier(api, clock, b.sleeper, Duration.ofMillis(100), Duration.ofSeconds(5),
                Duration.ofSeconds(60), 6);
        this.scanner = new ProfileScanner(api, retrier, b.scanParallelism);
        this.ownsExecutor = b.executor == null;
        this.executor = b.executor;
    }

    /**
     * A builder over the given control plane.
     *
     * @param api the control plane; see {@code dev.aip.core.bedrock.BedrockInferenceProfileApi}
     */
    public static Builder builder(InferenceProfileApi api) {
        return new Builder(api);
    }

    /**
     * Loads the index now (warm-up) and schedules a refresh every {@link Builder#refreshInterval(Duration)}, on the
     * injected executor or on a daemon thread of its own. Background failures keep the previous index and are
     * logged.
     *
     * @return this resolver
     * @throws ProfileResolutionException if the warm-up fails (the background refresh is scheduled anyway)
     * @throws IllegalStateException if already started
     */
    public synchronized TagDiscoveryProfileResolver start() {
        if (scheduled != null) {
            throw new IllegalStateException("the resolver is already started");
        }
        ScheduledExecutorService ex = executor != null ? executor : ownExecutor();
        long period = refreshInterval.toMillis();
        scheduled = ex.scheduleWithFixedDelay(this::refreshQuietly, period, period, TimeUnit.MILLISECONDS);
        refresh();
        return this;
    }

    /**
     * Reloads the index now, on the calling thread: lists every application profile and reads its tags. Concurrent
     * calls run one after another. On failure the previous index stays in use.
     *
     * @throws ProfileResolutionException if the control plane fails (retryable as classified)
     */
    public void refresh() {
        loadLock.lock();
        try {
            List<TaggedProfile> scan;
            try {
                scan = scanner.scan();
            } catch (RuntimeException e) {
                AipException failure = Failures.resolution(api, null, "list application inference profiles", e);
                lastFailure = failure;
                throw failure;
            }
            ProfileIndex fresh = ProfileIndex.of(scan, schema, managedOnly, clock.instant());
            index = fresh;
            lastFailure = null;
            LOG.debug("Profile index refreshed: {} profiles scanned, {} tenant profiles", fresh.scanned(),
                    fresh.dedicatedCount());
        } finally {
            loadLock.unlock();
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Found profiles have {@code pooled = false}; with {@link Builder#poolFallback(boolean)}, tenants without a
     * profile get their tier's pool profile with {@code pooled = true}.
     */
    /**
     * {@inheritDoc} {@code true} when the index holds the tenant's own profile for the model (a miss refreshes the
     * index from the control plane first).
     */
    @Override
    public boolean resolvesWithoutBlocking(TenantContext tenant, String logicalModel) {
        return index.dedicated(tenant.id(), logicalModel).isPresent();
    }

    @Override
    public ResolvedProfile resolve(TenantContext tenant, String logicalModel) {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(logicalModel, "logicalModel");
        Optional<InferenceProfile> hit = index.dedicated(tenant.id(), logicalModel);
        if (hit.isEmpty()) {
            hit = refreshOnMiss().dedicated(tenant.id(), logicalModel);
        }
        if (hit.isPresent()) {
            return ResolvedProfile.of(tenant.id(), logicalModel, hit.get(), false);
        }
        if (poolFallback) {
            Optional<InferenceProfile> pool = index.pool(tenant.tier(), logicalModel);
            if (pool.isPresent()) {
                return ResolvedProfile.of(tenant.id(), logicalModel, pool.get(), true);
            }
        }
        AipException failure = lastFailure;
        if (failure != null) {
            throw new ProfileResolutionException(tenant.id(), "Tenant " + tenant.id() + " has no profile for "
                    + logicalModel + " in the last loaded index, and the latest refresh failed: "
                    + failure.getMessage(), failure.retryable(), failure);
        }
        throw new UnknownTenantException(tenant.id(), "No application inference profile is tagged "
                + schema.tenantKey() + "=" + tenant.id() + " and " + schema.modelKey() + "=" + logicalModel
                + (poolFallback ? ", and there is no pool profile for tier " + tenant.tier() : "")
                + "; create it (ProfileLifecycle, or ProvisioningProfileResolver) or fix its tags");
    }

    /**
     * {@inheritDoc}
     *
     * <p>Every profile tagged for the tenant and model, newest first (after one refresh on a miss, as for
     * {@link #resolve}); without one, {@link #resolve}'s answer (a pool profile, or the exception).
     */
    @Override
    public List<ResolvedProfile> resolveAll(TenantContext tenant, String logicalModel) {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(logicalModel, "logicalModel");
        List<InferenceProfile> all = index.dedicatedAll(tenant.id(), logicalModel);
        if (all.isEmpty()) {
            return List.of(resolve(tenant, logicalModel));
        }
        List<ResolvedProfile> out = new ArrayList<>(all.size());
        for (InferenceProfile p : all) {
            out.add(ResolvedProfile.of(tenant.id(), logicalModel, p, false));
        }
        return List.copyOf(out);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Looks the ARN up in the index (refreshing it once on a miss, rate-limited as for {@link #resolve}): a
     * profile tagged for the tenant is its own; one tagged for another tenant is refused; a pool profile is shared.
     */
    @Override
    public Optional<ResolvedProfile> resolveArn(TenantContext tenant, String profileArn) {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(profileArn, "profileArn");
        Optional<ProfileIndex.Owner> owner = index.owner(profileArn);
        if (owner.isEmpty() && Arns.isArn(profileArn)
                && "application-inference-profile".equals(Arns.resourceType(profileArn))) {
            owner = refreshOnMiss().owner(profileArn);
        }
        if (owner.isEmpty()) {
            return TenantProfileResolver.super.resolveArn(tenant, profileArn);
        }
        ProfileIndex.Owner o = owner.get();
        if (o.owner() == null) {
            return Optional.of(ResolvedProfile.of(tenant.id(), o.logicalModel(), o.profile(), true));
        }
        if (!o.owner().equals(tenant.id())) {
            throw new ProfileResolutionException(tenant.id(), "Profile " + profileArn + " is tagged for another"
                    + " tenant, not for tenant " + tenant.id() + "; a tenant's call may only use its own profile or"
                    + " a shared one", false, null);
        }
        return Optional.of(ResolvedProfile.of(tenant.id(), o.logicalModel(), o.profile(), false));
    }

    /**
     * {@inheritDoc}
     *
     * <p>Drops the tenant's profiles for the model from the index and lets the next miss refresh the index at once
     * (the {@linkplain Builder#minRefreshInterval(Duration) rate limit} is reset, since a refresh is known to be
     * needed), so a replaced profile is found and a deleted one is reported as unknown. Invalidating a key the index
     * does not hold changes nothing, so repeated invalidations cannot turn into a scan each.
     */
    @Override
    public void invalidate(TenantId tenant, String logicalModel) {
        ProfileKey key = new ProfileKey(Objects.requireNonNull(tenant, "tenant"),
                Objects.requireNonNull(logicalModel, "logicalModel"));
        synchronized (missLock) {
            ProfileIndex current = index;
            ProfileIndex without = current.without(key);
            if (without != current) {
                index = without;
                lastMissRefresh = null;
                LOG.debug("Profiles of tenant {} for {} dropped from the index; the next call finds them again",
                        tenant, logicalModel);
            }
        }
    }

    /** The pool profile of a tier and logical model in the current index, if any. */
    Optional<InferenceProfile> pool(Tier tier, String logicalModel) {
        return index.pool(tier, logicalModel);
    }

    /** When the current index was loaded; empty before the first successful load. */
    public Optional<Instant> lastRefresh() {
        return Optional.ofNullable(index.loadedAt());
    }

    /** Stops the background refresh and, if the resolver created its own thread, that thread. Idempotent. */
    @Override
    public synchronized void close() {
        if (scheduled != null) {
            scheduled.cancel(false);
        }
        if (ownsExecutor && ownExecutor != null) {
            ownExecutor.shutdownNow();
        }
    }

    private ScheduledExecutorService ownExecutor() {
        ownExecutor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "aip-profile-discovery");
            t.setDaemon(true);
            return t;
        });
        return ownExecutor;
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (RuntimeException e) {
            LOG.warn("Background refresh of the profile index failed; keeping the previous index: {}",
                    e.getMessage());
        }
    }

    /*
     * Rate limit: a miss starts a refresh only if no miss-triggered refresh started within minRefreshInterval;
     * misses arriving while one runs join it. A miss that neither starts nor joins a refresh answers from the
     * current index at once, so a flood of unknown tenants cannot turn into one control-plane call per request.
     */
    private ProfileIndex refreshOnMiss() {
        CompletableFuture<ProfileIndex> running;
        boolean leader = false;
        synchronized (missLock) {
            Instant now = clock.instant();
            if (missRefresh != null) {
                running = missRefresh;
            } else if (lastMissRefresh != null && now.isBefore(lastMissRefresh.plus(minRefreshInterval))) {
                return index;
            } else {
                running = new CompletableFuture<>();
                missRefresh = running;
                lastMissRefresh = now;
                leader = true;
            }
        }
        if (leader) {
            try {
                refresh();
                running.complete(index);
            } catch (RuntimeException e) {
                running.complete(index);
            } finally {
                synchronized (missLock) {
                    missRefresh = null;
                }
            }
        }
        return running.join();
    }

    /**
     * Builds a {@link TagDiscoveryProfileResolver}. Not thread-safe; confine to one thread.
     *
     * <p>Each setting may be set once; a second set is a {@link ConfigurationException}.
     */
    public static final class Builder {
        private final Map<String, Object> given = new HashMap<>();
        private final InferenceProfileApi api;
        private TagSchema schema = TagSchema.defaults();
        private Clock clock = Clock.systemUTC();
        private Duration refreshInterval = Duration.ofMinutes(5);
        private Duration minRefreshInterval = Duration.ofSeconds(30);
        private ScheduledExecutorService executor;
        private boolean managedOnly;
        private boolean poolFallback;
        private int scanParallelism = 8;
        private Retrier.Sleeper sleeper = Retrier.THREAD_SLEEP;

        private Builder(InferenceProfileApi api) {
            this.api = Objects.requireNonNull(api, "api");
        }

        /** The tag schema (default {@link TagSchema#defaults()}). */
        public Builder schema(TagSchema schema) {
            ConfigurationException.requireFirstSet(given, "TagDiscoveryProfileResolver.schema", schema);
            this.schema = Objects.requireNonNull(schema, "schema");
            return this;
        }

        /** The clock for the refresh rate limit and index timestamps (default UTC system clock). */
        public Builder clock(Clock clock) {
            ConfigurationException.requireFirstSet(given, "TagDiscoveryProfileResolver.clock", clock);
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Time between background refreshes after {@link #start()} (default 5 minutes). */
        public Builder refreshInterval(Duration interval) {
            ConfigurationException.requireFirstSet(given, "TagDiscoveryProfileResolver.refreshInterval", interval);
            this.refreshInterval = positive(interval, "refreshInterval");
            return this;
        }

        /** Least time between two refreshes triggered by misses (default 30 seconds). */
        public Builder minRefreshInterval(Duration interval) {
            ConfigurationException.requireFirstSet(given, "TagDiscoveryProfileResolver.minRefreshInterval", interval);
            Objects.requireNonNull(interval, "minRefreshInterval");
            if (interval.isNegative()) {
                throw new ConfigurationException("minRefreshInterval must not be negative: " + interval);
            }
            this.minRefreshInterval = interval;
            return this;
        }

        /** Runs background refreshes on this executor instead of a thread of the resolver's own. */
        public Builder executor(ScheduledExecutorService executor) {
            ConfigurationException.requireFirstSet(given, "TagDiscoveryProfileResolver.executor", executor);
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /** Index only profiles carrying the schema's managed-by tag (default: any profile with an owner tag). */
        public Builder managedOnly(boolean managedOnly) {
            ConfigurationException.requireFirstSet(given, "TagDiscoveryProfileResolver.managedOnly", managedOnly);
            this.managedOnly = managedOnly;
            return this;
        }

        /** Serve tenants without a profile from their tier's pool profile (default off: they are unknown). */
        public Builder poolFallback(boolean poolFallback) {
            ConfigurationException.requireFirstSet(given, "TagDiscoveryProfileResolver.poolFallback", poolFallback);
            this.poolFallback = poolFallback;
            return this;
        }

        /** Concurrent tag reads during a refresh (default 8). */
        public Builder scanParallelism(int parallelism) {
            ConfigurationException.requireFirstSet(given, "TagDiscoveryProfileResolver.scanParallelism", parallelism);
            if (parallelism < 1) {
                throw new ConfigurationException("scanParallelism must be at least 1: " + parallelism);
            }
            this.scanParallelism = parallelism;
            return this;
        }

        Builder sleeper(Retrier.Sleeper sleeper) {
            ConfigurationException.requireFirstSet(given, "TagDiscoveryProfileResolver.sleeper", sleeper);
            this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
            return this;
        }

        /** Builds the resolver; makes no control-plane call (see {@link #start()} and {@link #refresh()}). */
        public TagDiscoveryProfileResolver build() {
            return new TagDiscoveryProfileResolver(this);
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isZero() || d.isNegative()) {
                throw new ConfigurationException(name + " must be positive: " + d);
            }
            return d;
        }
    }
}
