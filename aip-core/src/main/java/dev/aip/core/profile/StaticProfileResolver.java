package dev.aip.core.profile;

import dev.aip.core.ConfigurationException;
import dev.aip.core.ProfileResolutionException;
import dev.aip.core.UnknownTenantException;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
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

    private final Map<ProfileKey, Mapping> mappings;
    private final Map<String, Mapping> defaults;
    private final InferenceProfileApi api;
    private final TagSchema schema;
    private final boolean verifyOwnership;
    private final ProfileModelLookup models;
    private final ConcurrentHashMap<ProfileKey, ResolvedProfile> verified = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, String> defaultSources = new ConcurrentHashMap<>();
    private final SingleFlight<Object, Object> flights = new SingleFlight<>();

    private StaticProfileResolver(Builder b) {
        this.mappings = Map.copyOf(b.mappings);
        this.defaults = Map.copyOf(b.defaults);
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
     * <p>A mapped tenant gets its profile ({@code pooled = false}); an unmapped tenant gets the default profile of
     * the logical model ({@code pooled = true}) if one is configured.
     */
    @Override
    public ResolvedProfile resolve(TenantContext tenant, String logicalModel) {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(logicalModel, "logicalModel");
        ProfileKey key = new ProfileKey(tenant.id(), logicalModel);
        ResolvedProfile done = verified.get(key);
        if (done != null) {
            return done;
        }
        Mapping mapping = mappings.get(key);
        if (mapping != null) {
            return (ResolvedProfile) flights.run(key, () -> {
                ResolvedProfile again = verified.get(key);
                if (again == null) {
                    again = verify(key, mapping);
                    verified.put(key, again);
                }
                return again;
            });
        }
        Mapping fallback = defaults.get(logicalModel);
        if (fallback == null) {
            throw new UnknownTenantException(tenant.id(), "Tenant " + tenant.id() + " has no profile for model "
                    + logicalModel + " in the static mapping, and no default profile is configured for that model;"
                    + " add StaticProfileResolver.builder().profile(...) or defaultProfile(...)");
        }
        return ResolvedProfile.of(tenant.id(), logicalModel, fallback.arn(), defaultSource(logicalModel, fallback),
                true);
    }

    /**
     * Verifies every mapping now (ownership tags and source models), so that later resolutions make no
     * control-plane call.
     *
     * @throws ProfileResolutionException on the first mapping that fails
     */
    public void verifyAll() {
        mappings.forEach((key, mapping) -> resolve(TenantContext.of(key.tenant()), key.logicalModel()));
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

    /** Builds a {@link StaticProfileResolver}. Not thread-safe; confine to one thread. */
    public static final class Builder {
        private final Map<ProfileKey, Mapping> mappings = new HashMap<>();
        private final Map<String, Mapping> defaults = new HashMap<>();
        private InferenceProfileApi api;
        private TagSchema schema = TagSchema.defaults();
        private boolean verifyOwnership = true;

        private Builder() {
        }

        /** The control plane used to verify ownership tags and to look up source models. */
        public Builder api(InferenceProfileApi api) {
            this.api = Objects.requireNonNull(api, "api");
            return this;
        }

        /** The tag schema whose tenant key names a profile's owner (default {@link TagSchema#defaults()}). */
        public Builder schema(TagSchema schema) {
            this.schema = Objects.requireNonNull(schema, "schema");
            return this;
        }

        /**
         * Maps a tenant's logical model to a profile; its source model is read from the control plane.
         *
         * @throws IllegalArgumentException if the ARN is invalid or the pair is mapped twice
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
            boolean lookups = mappings.values().stream().anyMatch(m -> m.sourceModelId() == null)
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
            if (mappings.putIfAbsent(new ProfileKey(tenant, logicalModel), new Mapping(arn, source)) != null) {
                throw new IllegalArgumentException("tenant " + tenant + " is mapped twice for " + logicalModel);
            }
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
