package dev.aip.core.profile;

import dev.aip.core.ConfigurationException;
import dev.aip.core.ProfileResolutionException;
import dev.aip.core.UnknownTenantException;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Resolves tenants through a fixed map of (tenant, logical model) to profile ARN, with an optional shared default
 * profile per logical model for tenants not in the map.
 *
 * <pre>{@code
 * TenantProfileResolver resolver = StaticProfileResolver.builder()
 *     .api(api)                                   // verifies ownership tags and finds source models
 *     .profile(TenantId.of("acme"), "claude-haiku", acmeHaikuArn)
 *     .defaultProfile("claude-haiku", sharedHaikuArn)
 *     .build();
 * }</pre>
 *
 * <p><b>Ownership.</b> Unless turned off with {@link Builder#trustMapping()}, the first resolution of each mapped
 * profile reads its tags once (ListTagsForResource) and refuses it unless its owner tag names the tenant it is
 * mapped to; the profile's source model is read once too (GetInferenceProfile) unless given. Both results are
 * kept, so later calls make no control-plane call; failures are not kept, so the next call retries.
 * {@link #verifyAll()} does this eagerly, e.g. at start-up. Default profiles are shared ({@code pooled = true}) and
 * not ownership-checked.
 *
 * <p>Thread-safe; share one instance.
 */
public final class StaticProfileResolver implements TenantProfileResolver {

    private record Mapping(String arn, String sourceModelId) {
    }

    private final Map<ProfileKey, List<Mapping>> mappings;
    private final Map<String, Mapping> defaults;
    /** Which keys each mapped ARN is mapped under, to tell a tenant's own ARN from another's. */
    private final Map<String, List<ProfileKey>> keysByArn;
    /** The logical model of each default profile ARN. */
    private final Map<String, String> defaultModels;
    private final InferenceProfileApi api;
    private final TagSchema schema;
    private final boolean verifyOwnership;
    private final ProfileModelLookup models;
    private final ConcurrentHashMap<ProfileKey, List<ResolvedProfile>> verified = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, String> defaultSources = new ConcurrentHashMap<>();
    private final SingleFlight<Object, Object> flights = new SingleFlight<>();

    private StaticProfileResolver(Builder b) {
        Map<ProfileKey, List<Mapping>> m = new HashMap<>();
        Map<String, List<ProfileKey>> byArn = new HashMap<>();
        b.mappings.forEach((key, list) -> {
            m.put(key, List.copyOf(list));
            for (Mapping mapping : list) {
                byArn.computeIfAbsent(mapping.arn(), a -> new ArrayList<>()).add(key);
            }
        });
        this.mappings = Map.copyOf(m);
        this.keysByArn = Map.copyOf(byArn);
        this.defaults = Map.copyOf(b.defaults);
        Map<String, String> defaultModels = new HashMap<>();
        b.defaults.forEach((model, mapping) -> defaultModels.putIfAbsent(mapping.arn(), model));
        this.defaultModels = Map.copyOf(defaultModels);
        this.api = b.api;
        this.schema = b.schema;
        this.verifyOwnership = b.verifyOwnership;
        this.models = api == null ? null : ProfileModelLookup.create(api);
    }

    /** A builder with no mappings. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * {@inheritDoc}
     *
     * <p>A mapped tenant gets its (first mapped) profile ({@code pooled = false}); an unmapped tenant gets the
     * default profile of the logical model ({@code pooled = true}) if one is configured.
     */
    @Override
    public ResolvedProfile resolve(TenantContext tenant, String logicalModel) {
        return resolveAll(tenant, logicalModel).get(0);
    }

    /**
     * {@inheritDoc} {@code true} once the tenant's mapped profiles were verified (their first call reads their
     * tags), or, for a tenant on the default profile, once the default's model is known (or configured).
     */
    @Override
    public boolean resolvesWithoutBlocking(TenantContext tenant, String logicalModel) {
        ProfileKey key = new ProfileKey(tenant.id(), logicalModel);
        if (mappings.containsKey(key)) {
            return verified.containsKey(key);
        }
        Mapping fallback = defaults.get(logicalModel);
        return fallback == null || fallback.sourceModelId() != null || defaultSources.containsKey(logicalModel);
    }

    /**
     * {@inheritDoc}
     *
     * <p>A mapped tenant gets every profile mapped for it and the model, in the order they were mapped, each
     * ownership-checked; an unmapped tenant the default profile alone.
     */
    @Override
    public List<ResolvedProfile> resolveAll(TenantContext tenant, String logicalModel) {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(logicalModel, "logicalModel");
        ProfileKey key = new ProfileKey(tenant.id(), logicalModel);
        List<ResolvedProfile> done = verified.get(key);
        if (done != null) {
            return done;
        }
        List<Mapping> mapped = mappings.get(key);
        if (mapped != null) {
            @SuppressWarnings("unchecked")
            List<ResolvedProfile> all = (List<ResolvedProfile>) flights.run(key, () -> {
                List<ResolvedProfile> again = verified.get(key);
                if (again == null) {
                    List<ResolvedProfile> list = new ArrayList<>(mapped.size());
                    for (Mapping mapping : mapped) {
                        list.add(verify(key, mapping));
                    }
                    again = List.copyOf(list);
                    verified.put(key, again);
                }
                return again;
            });
            return all;
        }
        Mapping fallback = defaults.get(logicalModel);
        if (fallback == null) {
            throw new UnknownTenantException(tenant.id(), "Tenant " + tenant.id() + " has no profile for model "
                    + logicalModel + " in the static mapping, and no default profile is configured for that model;"
                    + " add StaticProfileResolver.builder().profile(...) or defaultProfile(...)");
        }
        return List.of(ResolvedProfile.of(tenant.id(), logicalModel, fallback.arn(),
                defaultSource(logicalModel, fallback), true));
    }

    /**
     * {@inheritDoc}
     *
     * <p>An ARN mapped for the tenant is its own profile (ownership-checked as for {@link #resolve}); one mapped
     * only for other tenants is refused; a default profile's ARN is shared; any other ARN is left to the default
     * rule (system-defined profiles are shared, anything else unknown).
     */
    @Override
    public Optional<ResolvedProfile> resolveArn(TenantContext tenant, String profileArn) {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(profileArn, "profileArn");
        List<ProfileKey> keys = keysByArn.get(profileArn);
        if (keys != null) {
            for (ProfileKey key : keys) {
                if (key.tenant().equals(tenant.id())) {
                    for (ResolvedProfile p : resolveAll(tenant, key.logicalModel())) {
                        if (p.profileArn().equals(profileArn)) {
                            return Optional.of(p);
                        }
                    }
                }
            }
            throw new ProfileResolutionException(tenant.id(), "Profile " + profileArn + " is mapped to another"
                    + " tenant, not to tenant " + tenant.id() + "; a tenant's call may only use its own profile or a"
                    + " shared one", false, null);
        }
        String model = defaultModels.get(profileArn);
        if (model != null) {
            Mapping mapping = defaults.get(model);
            return Optional.of(ResolvedProfile.of(tenant.id(), model, mapping.arn(), defaultSource(model, mapping),
                    true));
        }
        return TenantProfileResolver.super.resolveArn(tenant, profileArn);
    }

    /**
     * {@inheritDoc}
     *
     * <p>The mapping is fixed, so this only forgets that the tenant's mapped profiles were verified: with ownership
     * verification on, the next resolution reads their tags again, and a profile that no longer exists fails with a
     * {@link ProfileResolutionException} that says to fix the mapping.
     */
    @Override
    public void invalidate(TenantId tenant, String logicalModel) {
        verified.remove(new ProfileKey(Objects.requireNonNull(tenant, "tenant"),
                Objects.requireNonNull(logicalModel, "logicalModel")));
    }

    /**
     * Verifies every mapping now (ownership tags and source models), so that later resolutions make no
     * control-plane call.
     *
     * @throws ProfileResolutionException on the first mapping that fails
     */
    public void verifyAll() {
        mappings.forEach((key, mapping) -> resolveAll(TenantContext.of(key.tenant()), key.logicalModel()));
        defaults.forEach(this::defaultSource);
    }

    private String defaultSource(String logicalModel, Mapping mapping) {
        if (mapping.sourceModelId() != null) {
            return mapping.sourceModelId();
        }
        String known = defaultSources.get(logicalModel);
        if (known != null) {
            return known;
        }
        return (String) flights.run(logicalModel, () -> {
            String again = defaultSources.get(logicalModel);
            if (again == null) {
                again = models.sourceModelId(mapping.arn());
                defaultSources.put(logicalModel, again);
            }
            return again;
        });
    }

    private ResolvedProfile verify(ProfileKey key, Mapping mapping) {
        if (verifyOwnership) {
            Map<String, String> tags;
            try {
                tags = api.tags(mapping.arn());
            } catch (RuntimeException e) {
                if (Failures.classify(api, e) == ControlPlaneFailure.NOT_FOUND) {
                    throw new ProfileResolutionException(key.tenant(), "Profile " + mapping.arn() + " mapped to"
                            + " tenant " + key.tenant() + " does not exist; fix the static mapping", false, e);
                }
                throw Failures.resolution(api, key.tenant(), "read the tags of profile " + mapping.arn(), e);
            }
            Failures.requireOwner(schema, key.tenant(), mapping.arn(), tags);
        }
        String source = mapping.sourceModelId() != null
                ? mapping.sourceModelId()
                : models.sourceModelId(mapping.arn());
        return ResolvedProfile.of(key.tenant(), key.logicalModel(), mapping.arn(), source, false);
    }

    /**
     * Builds a {@link StaticProfileResolver}. Not thread-safe; confine to one thread.
     *
     * <p>Each setting may be set once; a second set is a {@link ConfigurationException}, except {@code profile} and
     * {@code defaultProfile}, which add one mapping per call.
     */
    public static final class Builder {
        private final Map<String, Object> given = new HashMap<>();
        private final Map<ProfileKey, List<Mapping>> mappings = new LinkedHashMap<>();
        private final Map<String, Mapping> defaults = new HashMap<>();
        private InferenceProfileApi api;
        private TagSchema schema = TagSchema.defaults();
        private boolean verifyOwnership = true;

        private Builder() {
        }

        /** The control plane used to verify ownership tags and to look up source models. */
        public Builder api(InferenceProfileApi api) {
            ConfigurationException.requireFirstSet(given, "StaticProfileResolver.api", api);
            this.api = Objects.requireNonNull(api, "api");
            return this;
        }

        /** The tag schema whose tenant key names a profile's owner (default {@link TagSchema#defaults()}). */
        public Builder schema(TagSchema schema) {
            ConfigurationException.requireFirstSet(given, "StaticProfileResolver.schema", schema);
            this.schema = Objects.requireNonNull(schema, "schema");
            return this;
        }

        /**
         * Maps a tenant's logical model to a profile; its source model is read from the control plane. Mapping the
         * same tenant and model again adds a further profile (e.g. in another region): {@link #resolve} returns
         * the first, {@link #resolveAll} all of them, for a {@link ProfileBalancer} to spread calls over.
         *
         * @throws IllegalArgumentException if the ARN is invalid or already mapped for this tenant and model
         */
        public Builder profile(TenantId tenant, String logicalModel, String profileArn) {
            return put(tenant, logicalModel, profileArn, null);
        }

        /** Maps a tenant's logical model to a profile whose source model is known. */
        public Builder profile(TenantId tenant, String logicalModel, String profileArn, String sourceModelId) {
            return put(tenant, logicalModel, profileArn, Objects.requireNonNull(sourceModelId, "sourceModelId"));
        }

        /** The shared profile for tenants without a mapping for this logical model. */
        public Builder defaultProfile(String logicalModel, String profileArn) {
            return putDefault(logicalModel, profileArn, null);
        }

        /** The shared profile, with known source model, for tenants without a mapping for this logical model. */
        public Builder defaultProfile(String logicalModel, String profileArn, String sourceModelId) {
            return putDefault(logicalModel, profileArn, Objects.requireNonNull(sourceModelId, "sourceModelId"));
        }

        /**
         * Skips the ownership check: the mapping is trusted as configured. Use only when the mapping comes from a
         * source that already guarantees ownership; with source models given, the resolver then never calls the
         * control plane.
         */
        public Builder trustMapping() {
            ConfigurationException.requireFirstSet(given, "StaticProfileResolver.trustMapping", "true");
            this.verifyOwnership = false;
            return this;
        }

        /**
         * Builds the resolver; makes no control-plane call.
         *
         * @throws ConfigurationException if ownership is verified or a source model is missing but no
         *     {@link #api(InferenceProfileApi)} is set
         */
        public StaticProfileResolver build() {
            boolean lookups = mappings.values().stream().flatMap(List::stream).anyMatch(m -> m.sourceModelId() == null)
                    || defaults.values().stream().anyMatch(m -> m.sourceModelId() == null);
            if (api == null && (verifyOwnership && !mappings.isEmpty() || lookups)) {
                throw new ConfigurationException("StaticProfileResolver needs api(...) to verify the ownership"
                        + " tags of mapped profiles and to look up source models not given; set it, or give every"
                        + " source model and call trustMapping()");
            }
            return new StaticProfileResolver(this);
        }

        private Builder put(TenantId tenant, String logicalModel, String arn, String source) {
            Objects.requireNonNull(tenant, "tenant");
            Objects.requireNonNull(logicalModel, "logicalModel");
            Constraints.requireProfileArn(arn);
            List<Mapping> list = mappings.computeIfAbsent(new ProfileKey(tenant, logicalModel),
                    k -> new ArrayList<>(1));
            if (list.stream().anyMatch(m -> m.arn().equals(arn))) {
                throw new IllegalArgumentException("tenant " + tenant + " is mapped twice to " + arn + " for "
                        + logicalModel);
            }
            list.add(new Mapping(arn, source));
            return this;
        }

        private Builder putDefault(String logicalModel, String arn, String source) {
            Objects.requireNonNull(logicalModel, "logicalModel");
            Constraints.requireProfileArn(arn);
            if (defaults.putIfAbsent(logicalModel, new Mapping(arn, source)) != null) {
                throw new IllegalArgumentException("default profile for " + logicalModel + " is set twice");
            }
            return this;
        }
    }
}
