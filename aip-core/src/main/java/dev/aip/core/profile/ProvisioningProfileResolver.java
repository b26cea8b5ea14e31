package dev.aip.core.profile;

import dev.aip.core.ConfigurationException;
import dev.aip.core.ProfileResolutionException;
import dev.aip.core.UnknownTenantException;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves a tenant to its dedicated profile, creating the profile on the tenant's first call.
 *
 * <pre>{@code
 * TagDiscoveryProfileResolver existing = TagDiscoveryProfileResolver.builder(api).build().start();
 * TenantProfileResolver resolver = ProvisioningProfileResolver.builder(api)
 *     .routes(ModelRoutes.builder().route("claude-haiku", haikuSystemProfileArn).build())
 *     .lookup(existing)                 // finds profiles created before this process started
 *     .build();
 * }</pre>
 *
 * <p><b>Order of resolution</b> for (tenant, logical model): the resolver's own cache; then the
 * {@link Builder#lookup(TenantProfileResolver) lookup} resolver, if any; then CreateInferenceProfile with the name
 * from the {@link ProfileNameTemplate}, the tags of the {@link TagSchema}, the {@code copyFrom} of the
 * {@link ModelRoutes}, and a {@code clientRequestToken} derived from tenant, logical model and {@code copyFrom}
 * (SHA-256, so every process and every retry sends the same token and Bedrock creates the profile once). The new
 * profile's tags are read back and must name the tenant before it is used.
 *
 * <p><b>Single flight.</b> Concurrent first calls for one tenant and model wait for one creation and share its
 * result: 50 concurrent first calls make one CreateInferenceProfile. A failure is handed to the callers that waited
 * for it and then forgotten, so the next call tries again.
 *
 * <p><b>Quota fallback.</b> When creation fails because the account's profile quota is exhausted
 * ({@link ControlPlaneFailure#QUOTA_EXCEEDED}), the tenant is served from its tier's <em>pool profile</em> with
 * {@code pooled = true}; AWS then bills the call under the pool's tags and per-tenant attribution continues through
 * request metadata and the usage ledger. The pool profile of a tier and model is, in order: the one configured with
 * {@link Builder#poolProfile(Tier, String, String)}; one the lookup resolver (if a
 * {@link TagDiscoveryProfileResolver}) indexed; one found by its name {@code pool-TIER-MODEL} and tags
 * ({@code TenantId=pool:TIER}) in a scan of the account; or, with {@link Builder#provisionPools(boolean)} on (the
 * default), one created now, which fails while the quota is still exhausted. Create pools ahead of time, within
 * the quota, with {@link ProfileLifecycle#ensurePoolProfile(Tier, String)}. A pooled tenant tries its own profile
 * again after {@link Builder#pooledRecheckInterval(Duration)}.
 *
 * <p><b>Profiles named by ARN</b> ({@link #resolveArn}) are told apart by what this resolver knows of them: the
 * profiles it resolved (created, or found by the lookup) and its configured pool profiles; then what the lookup
 * knows; then the profile's own tags, read once (ListTagsForResource and GetInferenceProfile) and remembered per
 * ARN, under the same rule as a new profile's: the owner tag must name the tenant, a pool tag makes it shared.
 *
 * <p>Thread-safe; share one instance.
 */
public final class ProvisioningProfileResolver implements TenantProfileResolver {

    private static final Logger LOG = LoggerFactory.getLogger(ProvisioningProfileResolver.class);

    private record Cached(ResolvedProfile profile, Instant recheckAt) {
    }

    /**
     * Whose a profile named by ARN is: a tenant's ({@code owner} set), shared ({@code shared}), or unknown (neither,
     * asked again after {@code recheckAt}).
     */
    private record Known(TenantId owner, boolean shared, String logicalModel, String sourceModelId,
                         Instant recheckAt) {
    }

    /** How many ARNs the resolver remembers the owner of; beyond it, arbitrary ones are forgotten. */
    static final int KNOWN_ARNS = 10_000;
    /** How long an ARN found unknown (absent, or without an owner tag) is refused before its tags are read again. */
    static final Duration UNKNOWN_RECHECK = Duration.ofMinutes(1);

    private final InferenceProfileApi api;
    private final ProfileSpecs specs;
    private final TenantProfileResolver lookup;
    private final Map<ProfileIndex.PoolKey, String> configuredPools;
    private final boolean provisionPools;
    private final Clock clock;
    private final Duration pooledRecheckInterval;
    private final Duration verifyInterval;
    private final Function<TenantContext, Map<String, String>> extraTags;
    private final ProfileModelLookup models;

    private final ConcurrentHashMap<ProfileKey, Cached> resolved = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<ProfileIndex.PoolKey, InferenceProfile> pools = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Known> known = new ConcurrentHashMap<>();
    private final SingleFlight<Object, Object> flights = new SingleFlight<>();

    private ProvisioningProfileResolver(Builder b) {
        this.api = b.api;
        this.specs = new ProfileSpecs(b.routes, b.schema, b.names);
        this.lookup = b.lookup;
        this.configuredPools = Map.copyOf(b.pools);
        this.provisionPools = b.provisionPools;
        this.clock = b.clock;
        this.pooledRecheckInterval = b.pooledRecheckInterval;
        this.verifyInterval = b.verifyInterval;
        this.extraTags = b.extraTags;
        this.models = ProfileModelLookup.create(api);
    }

    /** A builder over the given control plane. */
    public static Builder builder(InferenceProfileApi api) {
        return new Builder(api);
    }

    @Override
    public ResolvedProfile resolve(TenantContext tenant, String logicalModel) {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(logicalModel, "logicalModel");
        ProfileKey key = new ProfileKey(tenant.id(), logicalModel);
        Cached cached = resolved.get(key);
        if (fresh(cached)) {
            return cached.profile();
        }
        return (ResolvedProfile) flights.run(key, () -> {
            Cached again = resolved.get(key);
            if (fresh(again)) {
                return again.profile();
            }
            if (again != null && !again.profile().pooled() && stillThere(tenant.id(), again.profile())) {
                resolved.put(key, new Cached(again.profile(), dedicatedRecheckAt()));
                return again.profile();
            }
            ResolvedProfile profile = provision(tenant, logicalModel);
            Instant recheckAt = profile.pooled() ? clock.instant().plus(pooledRecheckInterval) : dedicatedRecheckAt();
            resolved.put(key, new Cached(profile, recheckAt));
            remember(profile.profileArn(), new Known(profile.pooled() ? null : profile.tenant(), profile.pooled(),
                    logicalModel, profile.sourceModelId(), null));
            return profile;
        });
    }

    /**
     * {@inheritDoc}
     *
     * <p>Forgets the cached profile and what was read of its owner, and invalidates the
     * {@linkplain Builder#lookup lookup} resolver too, so the next resolution looks the profile up again and, if
     * it is gone, creates a new one (with the same {@code clientRequestToken} on every replica, so replicas that
     * notice the deletion together still create one profile).
     */
    @Override
    public void invalidate(TenantId tenant, String logicalModel) {
        ProfileKey key = new ProfileKey(Objects.requireNonNull(tenant, "tenant"),
                Objects.requireNonNull(logicalModel, "logicalModel"));
        Cached gone = resolved.remove(key);
        if (gone != null) {
            known.remove(gone.profile().profileArn());
        }
        if (lookup != null) {
            lookup.invalidate(tenant, logicalModel);
        }
    }

    /** {@inheritDoc} {@code true} when the tenant's profile for the model is cached and not due for a recheck. */
    @Override
    public boolean resolvesWithoutBlocking(TenantContext tenant, String logicalModel) {
        return fresh(resolved.get(new ProfileKey(tenant.id(), logicalModel)));
    }

    /**
     * {@inheritDoc}
     *
     * <p>In order: a profile this resolver resolved (the tenant's own, another tenant's, or a pool profile) or
     * whose owner it read before is answered from memory; a configured pool profile is shared; then the
     * {@linkplain Builder#lookup lookup} resolver is asked, if any; then an application profile's tags are read
     * (and its model, with GetInferenceProfile), and the answer is remembered for the ARN (at most
     * 10,000 ARNs): the tenant's own if its owner tag names the tenant, shared if it is a pool profile
     * ({@code TenantId=pool:TIER}), refused if it names another tenant. A profile that does not exist or has no owner
     * tag is unknown (empty; its tags are read again after a minute at the earliest). Anything else follows the
     * default rule (system-defined profiles are shared, anything else unknown).
     *
     * @throws ProfileResolutionException if the profile is another tenant's (not retryable), or the control plane
     *     failed while reading its tags (retryable as classified)
     */
    @Override
    public Optional<ResolvedProfile> resolveArn(TenantContext tenant, String profileArn) {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(profileArn, "profileArn");
        Known k = known.get(profileArn);
        if (k == null || k.owner() == null && !k.shared()) {
            Optional<ResolvedProfile> pool = configuredPool(tenant, profileArn);
            if (pool.isPresent()) {
                return pool;
            }
            if (lookup != null) {
                Optional<ResolvedProfile> found = lookup.resolveArn(tenant, profileArn);
                if (found.isPresent()) {
                    return found;
                }
            }
            if (!Arns.isArn(profileArn) || !"application-inference-profile".equals(Arns.resourceType(profileArn))) {
                return TenantProfileResolver.super.resolveArn(tenant, profileArn);
            }
            if (k == null || !fresh(k)) {
                k = readOwner(tenant.id(), profileArn);
            }
        }
        if (k.shared()) {
            return Optional.of(ResolvedProfile.of(tenant.id(), k.logicalModel(), profileArn, k.sourceModelId(), true));
        }
        if (k.owner() == null) {
            return Optional.empty();
        }
        if (!k.owner().equals(tenant.id())) {
            throw new ProfileResolutionException(tenant.id(), "Profile " + profileArn + " is tagged for another"
                    + " tenant, not for tenant " + tenant.id() + "; a tenant's call may only use its own profile or"
                    + " a shared one", false, null);
        }
        return Optional.of(ResolvedProfile.of(tenant.id(), k.logicalModel(), profileArn, k.sourceModelId(), false));
    }

    private Instant dedicatedRecheckAt() {
        return verifyInterval == null ? null : clock.instant().plus(verifyInterval);
    }

    /* A cached dedicated profile due for verification: still there (GetInferenceProfile), or provisioned anew. */
    private boolean stillThere(TenantId tenant, ResolvedProfile cached) {
        try {
            if (api.get(cached.profileArn()).isPresent()) {
                return true;
            }
        } catch (RuntimeException e) {
            if (Failures.classify(api, e) != ControlPlaneFailure.NOT_FOUND) {
                throw Failures.resolution(api, tenant, "check that profile " + cached.profileArn() + " still exists",
                        e);
            }
        }
        LOG.info("Profile {} of tenant {} for {} no longer exists; resolving it again", cached.profileArn(), tenant,
                cached.logicalModel());
        known.remove(cached.profileArn());
        if (lookup != null) {
            lookup.invalidate(tenant, cached.logicalModel());
        }
        return false;
    }

    private Optional<ResolvedProfile> configuredPool(TenantContext tenant, String arn) {
        for (Map.Entry<ProfileIndex.PoolKey, String> pool : configuredPools.entrySet()) {
            if (pool.getValue().equals(arn)) {
                String model = pool.getKey().logicalModel();
                return Optional.of(ResolvedProfile.of(tenant.id(), model, arn, models.sourceModelId(arn), true));
            }
        }
        return Optional.empty();
    }

    /*
     * One tag read per ARN at a time (concurrent callers share it); the answer is remembered, an unknown one only
     * for UNKNOWN_RECHECK, since a profile may be tagged later. A failure is not remembered.
     */
    private Known readOwner(TenantId tenant, String arn) {
        return (Known) flights.run(arn, () -> {
            Known again = known.get(arn);
            if (again != null && fresh(again)) {
                return again;
            }
            Map<String, String> tags;
            try {
                tags = api.tags(arn);
            } catch (RuntimeException e) {
                if (Failures.classify(api, e) == ControlPlaneFailure.NOT_FOUND) {
                    return remember(arn, unknown());
                }
                throw Failures.resolution(api, tenant, "read the tags of profile " + arn, e);
            }
            Optional<TenantId> owner = specs.schema.tenantOf(tags);
            boolean shared = owner.isEmpty() && specs.schema.poolTierOf(tags).isPresent();
            if (owner.isEmpty() && !shared) {
                return remember(arn, unknown());
            }
            Optional<InferenceProfile> profile = models.profile(arn);
            if (profile.isEmpty()) {
                return remember(arn, unknown());
            }
            String source = profile.get().sourceModelId();
            return remember(arn, new Known(owner.orElse(null), shared,
                    tags.getOrDefault(specs.schema.modelKey(), source), source, null));
        });
    }

    private Known unknown() {
        return new Known(null, false, null, null, clock.instant().plus(UNKNOWN_RECHECK));
    }

    private Known remember(String arn, Known k) {
        if (known.size() >= KNOWN_ARNS && !known.containsKey(arn)) {
            // Bounded, so that callers naming many ARNs cannot grow it without end; a forgotten ARN costs one more
            // tag read when it is named again.
            var it = known.keySet().iterator();
            if (it.hasNext()) {
                it.next();
                it.remove();
            }
        }
        known.put(arn, k);
        return k;
    }

    /** How many ARNs the resolver remembers the owner of; for tests. */
    int knownArns() {
        return known.size();
    }

    private boolean fresh(Known k) {
        return k.recheckAt() == null || clock.instant().isBefore(k.recheckAt());
    }

    private boolean fresh(Cached cached) {
        return cached != null && (cached.recheckAt() == null || clock.instant().isBefore(cached.recheckAt()));
    }

    private ResolvedProfile provision(TenantContext tenant, String logicalModel) {
        TenantId id = tenant.id();
        if (lookup != null) {
            try {
                ResolvedProfile found = lookup.resolve(tenant, logicalModel);
                if (!found.pooled()) {
                    return found;
                }
            } catch (UnknownTenantException notThere) {
                // Not created yet: create it below.
            }
        }
        NewProfile request;
        try {
            request = specs.forTenant(id, tenant.tier(), logicalModel, extraTags.apply(tenant));
        } catch (IllegalArgumentException e) {
            throw new ProfileResolutionException(id, "Cannot create a profile for tenant " + id + " and model "
                    + logicalModel + ": " + e.getMessage(), false, e);
        }
        InferenceProfile created;
        try {
            created = api.create(request);
        } catch (RuntimeException e) {
            ControlPlaneFailure kind = Failures.classify(api, e);
            if (kind == ControlPlaneFailure.QUOTA_EXCEEDED) {
                LOG.info("Profile quota reached; tenant {} uses the pool profile of tier {} for {}", id,
                        tenant.tier(), logicalModel);
                InferenceProfile pool = pool(tenant.tier(), logicalModel, id, e);
                return ResolvedProfile.of(id, logicalModel, pool, true);
            }
            if (kind == ControlPlaneFailure.CONFLICT) {
                throw new ProfileResolutionException(id, "Could not create profile \"" + request.name()
                        + "\" for tenant " + id + ": the control plane reports a conflict (" + e.getMessage()
                        + "). A profile of that name probably exists without being found by its tags; tag it "
                        + specs.schema.tenantKey() + "=" + id + " and " + specs.schema.modelKey() + "="
                        + logicalModel + ", or delete it", false, e);
            }
            throw Failures.resolution(api, id, "create the profile for model " + logicalModel, e);
        }
        Map<String, String> tags;
        try {
            tags = api.tags(created.arn());
        } catch (RuntimeException e) {
            throw Failures.resolution(api, id, "read the tags of new profile " + created.arn(), e);
        }
        Failures.requireOwner(specs.schema, id, created.arn(), tags);
        models.remember(created);
        return ResolvedProfile.of(id, logicalModel, created, false);
    }

    private InferenceProfile pool(Tier tier, String logicalModel, TenantId tenant, RuntimeException quota) {
        ProfileIndex.PoolKey key = new ProfileIndex.PoolKey(tier, logicalModel);
        InferenceProfile known = pools.get(key);
        if (known != null) {
            return known;
        }
        return (InferenceProfile) flights.run(key, () -> {
            InferenceProfile again = pools.get(key);
            if (again == null) {
                again = findOrCreatePool(key, tenant, quota);
                pools.put(key, again);
            }
            return again;
        });
    }

    private InferenceProfile findOrCreatePool(ProfileIndex.PoolKey key, TenantId tenant, RuntimeException quota) {
        String configured = configuredPools.get(key);
        try {
            if (configured != null) {
                return models.profile(configured).orElseThrow(() -> new ProfileResolutionException(tenant,
                        "The configured pool profile " + configured + " of tier " + key.tier() + " does not exist",
                        false, null));
            }
            if (lookup instanceof TagDiscoveryProfileResolver) {
                Optional<InferenceProfile> indexed =
                        ((TagDiscoveryProfileResolver) lookup).pool(key.tier(), key.logicalModel());
                if (indexed.isPresent()) {
                    return indexed.get();
                }
            }
            NewProfile request = specs.forPool(key.tier(), key.logicalModel());
            Optional<InferenceProfile> named = findPoolByName(request.name(), key);
            if (named.isPresent()) {
                return named.get();
            }
            if (provisionPools) {
                return api.create(request);
            }
        } catch (ProfileResolutionException e) {
            throw e;
        } catch (RuntimeException e) {
            ControlPlaneFailure kind = Failures.classify(api, e);
            if (kind != ControlPlaneFailure.QUOTA_EXCEEDED) {
                throw Failures.resolution(api, tenant, "find or create the pool profile of tier " + key.tier(), e);
            }
        }
        ProfileResolutionException none = new ProfileResolutionException(tenant, "The account's profile quota is"
                + " reached and tier " + key.tier() + " has no pool profile for " + key.logicalModel()
                + "; configure poolProfile(...), create one within the quota with"
                + " ProfileLifecycle.ensurePoolProfile, or raise the quota", false, quota);
        throw none;
    }

    private Optional<InferenceProfile> findPoolByName(String name, ProfileIndex.PoolKey key) {
        String token = null;
        do {
            ProfilePage page = api.listApplicationProfiles(token, 1000);
            for (InferenceProfile p : page.profiles()) {
                if (p.name().equals(name)) {
                    Map<String, String> tags = api.tags(p.arn());
                    if (specs.schema.poolTierOf(tags).filter(key.tier()::equals).isPresent()
                            && key.logicalModel().equals(tags.get(specs.schema.modelKey()))) {
                        return Optional.of(p);
                    }
                }
            }
            token = page.nextToken();
        } while (token != null);
        return Optional.empty();
    }

    /**
     * Builds a {@link ProvisioningProfileResolver}. Not thread-safe; confine to one thread.
     *
     * <p>Each setting may be set once; a second set is a {@link ConfigurationException}, except {@code poolProfile},
     * which adds one pool profile per call.
     */
    public static final class Builder {
        private final Map<String, Object> given = new HashMap<>();
        private final InferenceProfileApi api;
        private ModelRoutes routes;
        private TagSchema schema = TagSchema.defaults();
        private ProfileNameTemplate names = ProfileNameTemplate.DEFAULT;
        private TenantProfileResolver lookup;
        private final Map<ProfileIndex.PoolKey, String> pools = new HashMap<>();
        private boolean provisionPools = true;
        private Clock clock = Clock.systemUTC();
        private Duration pooledRecheckInterval = Duration.ofMinutes(10);
        private Duration verifyInterval;
        private Function<TenantContext, Map<String, String>> extraTags = t -> Map.of();

        private Builder(InferenceProfileApi api) {
            this.api = Objects.requireNonNull(api, "api");
        }

        /** Which model each logical model's profile copies (required). */
        public Builder routes(ModelRoutes routes) {
            ConfigurationException.requireFirstSet(given, "ProvisioningProfileResolver.routes", routes);
            this.routes = Objects.requireNonNull(routes, "routes");
            return this;
        }

        /** The tags written on new profiles (default {@link TagSchema#defaults()}). */
        public Builder schema(TagSchema schema) {
            ConfigurationException.requireFirstSet(given, "ProvisioningProfileResolver.schema", schema);
            this.schema = Objects.requireNonNull(schema, "schema");
            return this;
        }

        /** How new profiles are named (default {@link ProfileNameTemplate#DEFAULT}). */
        public Builder nameTemplate(ProfileNameTemplate names) {
            ConfigurationException.requireFirstSet(given, "ProvisioningProfileResolver.nameTemplate", names);
            this.names = Objects.requireNonNull(names, "names");
            return this;
        }

        /**
         * Where to look for a tenant's existing profile before creating one, typically a
         * {@link TagDiscoveryProfileResolver}; a pooled answer from it is ignored (the tenant gets its own profile
         * if the quota allows).
         */
        public Builder lookup(TenantProfileResolver lookup) {
            ConfigurationException.requireFirstSet(given, "ProvisioningProfileResolver.lookup", lookup);
            this.lookup = Objects.requireNonNull(lookup, "lookup");
            return this;
        }

        /** The pool profile of a tier for a logical model, used when the profile quota is reached. */
        public Builder poolProfile(Tier tier, String logicalModel, String profileArn) {
            Constraints.requireProfileArn(profileArn);
            if (pools.putIfAbsent(new ProfileIndex.PoolKey(tier, logicalModel), profileArn) != null) {
                throw new IllegalArgumentException("pool profile of tier " + tier + " for " + logicalModel
                        + " is set twice");
            }
            return this;
        }

        /** Whether to create a missing pool profile when the quota is reached (default true). */
        public Builder provisionPools(boolean provisionPools) {
            ConfigurationException.requireFirstSet(given, "ProvisioningProfileResolver.provisionPools", provisionPools);
            this.provisionPools = provisionPools;
            return this;
        }

        /** Clock for the pooled re-check (default UTC system clock). */
        public Builder clock(Clock clock) {
            ConfigurationException.requireFirstSet(given, "ProvisioningProfileResolver.clock", clock);
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** How long a pooled tenant stays pooled before its own profile is tried again (default 10 minutes). */
        public Builder pooledRecheckInterval(Duration interval) {
            ConfigurationException.requireFirstSet(given,
                    "ProvisioningProfileResolver.pooledRecheckInterval", interval);
            this.pooledRecheckInterval = Objects.requireNonNull(interval, "interval");
            return this;
        }

        /**
         * How long a tenant's own profile is used from the cache before the resolver checks that it still exists
         * (one GetInferenceProfile per tenant and model per interval) and, if it is gone, resolves it again (default:
         * never; a deleted profile is then noticed when a call to it fails, or by an invalidation).
         */
        public Builder verifyInterval(Duration interval) {
            Objects.requireNonNull(interval, "interval");
            if (interval.isZero() || interval.isNegative()) {
                throw new ConfigurationException("ProvisioningProfileResolver.verifyInterval must be positive, was "
                        + interval);
            }
            ConfigurationException.requireFirstSet(given, "ProvisioningProfileResolver.verifyInterval", interval);
            this.verifyInterval = interval;
            return this;
        }

        /** Per-tenant extra tags for new profiles, e.g. a cost center from the tenant's attributes. */
        public Builder extraTags(Function<TenantContext, Map<String, String>> extraTags) {
            ConfigurationException.requireFirstSet(given, "ProvisioningProfileResolver.extraTags", extraTags);
            this.extraTags = Objects.requireNonNull(extraTags, "extraTags");
            return this;
        }

        /**
         * Builds the resolver; makes no control-plane call.
         *
         * @throws ConfigurationException if no routes are set
         */
        public ProvisioningProfileResolver build() {
            if (routes == null) {
                throw new ConfigurationException("ProvisioningProfileResolver needs routes(ModelRoutes) to know"
                        + " which model a new profile copies");
            }
            return new ProvisioningProfileResolver(this);
        }
    }
}
