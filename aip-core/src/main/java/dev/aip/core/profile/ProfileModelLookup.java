package dev.aip.core.profile;

import dev.aip.core.ProfileResolutionException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds the foundation model behind a model id for pricing and capability checks, when only the id the call used is
 * known. An application inference profile ARN (or bare profile id) is looked up once with GetInferenceProfile and
 * cached for the life of this object (AIPs cannot change model); concurrent first lookups of one ARN make one call.
 * Foundation model ids and ARNs, and system profile ids and ARNs, are answered without a call
 * ({@code us.anthropic.claude-3-5-haiku-20241022-v1:0} gives {@code anthropic.claude-3-5-haiku-20241022-v1:0}).
 * Failures are not cached.
 *
 * <p>Thread-safe; share one instance.
 */
public final class ProfileModelLookup {

    private final InferenceProfileApi api;
    private final ConcurrentHashMap<String, InferenceProfile> profiles = new ConcurrentHashMap<>();
    private final SingleFlight<String, InferenceProfile> flights = new SingleFlight<>();

    private ProfileModelLookup(InferenceProfileApi api) {
        this.api = Objects.requireNonNull(api, "api");
    }

    /** A lookup over the given control plane. */
    public static ProfileModelLookup create(InferenceProfileApi api) {
        return new ProfileModelLookup(api);
    }

    /**
     * The foundation model id behind a model id.
     *
     * @param modelIdOrArn what the call passed as {@code modelId}
     * @throws ProfileResolutionException if the application profile does not exist (not retryable) or the control
     *     plane failed (retryable as classified)
     * @throws IllegalArgumentException if the value is not a model id or ARN
     */
    public String sourceModelId(String modelIdOrArn) {
        Objects.requireNonNull(modelIdOrArn, "modelIdOrArn");
        if (!isApplicationProfile(modelIdOrArn)) {
            return Arns.foundationModelId(modelIdOrArn);
        }
        return profile(modelIdOrArn)
                .orElseThrow(() -> new ProfileResolutionException(null, "Application inference profile "
                        + modelIdOrArn + " does not exist; its model cannot be priced", false, null))
                .sourceModelId();
    }

    /**
     * The application profile, from the cache or GetInferenceProfile.
     *
     * @return the profile, or empty if it does not exist (absence is not cached)
     * @throws ProfileResolutionException if the control plane failed
     */
    public Optional<InferenceProfile> profile(String arnOrId) {
        Constraints.requireIdentifier(arnOrId);
        InferenceProfile cached = profiles.get(arnOrId);
        if (cached != null) {
            return Optional.of(cached);
        }
        return Optional.ofNullable(flights.run(arnOrId, () -> {
            InferenceProfile again = profiles.get(arnOrId);
            if (again != null) {
                return again;
            }
            Optional<InferenceProfile> found;
            try {
                found = api.get(arnOrId);
            } catch (RuntimeException e) {
                throw Failures.resolution(api, null, "read inference profile " + arnOrId, e);
            }
            found.ifPresent(this::remember);
            return found.orElse(null);
        }));
    }

    /** Puts a profile already read elsewhere into the cache. */
    void remember(InferenceProfile profile) {
        profiles.put(profile.arn(), profile);
        profiles.put(profile.id(), profile);
    }

    private static boolean isApplicationProfile(String modelIdOrArn) {
        if (Arns.isArn(modelIdOrArn)) {
            return "application-inference-profile".equals(Arns.resourceType(modelIdOrArn));
        }
        return modelIdOrArn.indexOf('.') < 0;
    }
}
