package dev.aip.core.internal;

import dev.aip.core.ProfileResolutionException;
import dev.aip.core.UnknownTenantException;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.profile.TenantProfileResolver;
import dev.aip.core.tenant.TenantContext;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The rule by which every aip path decides which profile a tenant's call may use: the chat pipeline (a request's
 * model and its fallback entries), the SDK {@code TenantRoutingInterceptor} (and the LangChain4j models built on it)
 * and the Spring AI {@code TenantAdvisor} all call it, so the rule is the same whatever path and resolver a call
 * takes.
 *
 * <p><b>Internal.</b> Public only so that aip's own modules share one implementation; applications get the rule
 * through those paths and need not call it. It may change without notice.
 *
 * <ul>
 *   <li><b>A logical model</b> ({@link #resolve}, {@link #resolveAll}): the resolver's profiles, each of which must
 *       be the tenant's own or a shared one ({@code pooled}); anything else is refused.</li>
 *   <li><b>A model id named directly</b>, normally an ARN ({@link #named}): used only if the resolver's
 *       {@link TenantProfileResolver#resolveArn} knows it as the tenant's own profile or as a shared one (a pool or
 *       default profile, a system-defined cross-Region profile). Another tenant's profile, and anything the resolver
 *       does not know (an application profile it cannot tell the owner of, a foundation-model ARN, any other id),
 *       is refused, whether or not the path has an admission.</li>
 * </ul>
 * A refusal is a {@link ProfileResolutionException} that is not retryable, naming the tenant and the profile (for a
 * model id named directly, {@link ProfileResolutionException#notPermitted()}: the caller's mistake); the paths
 * throw it before anything is sent. The resolver's own failures (an unknown tenant, a control plane that
 * cannot be reached) reach the caller unchanged.
 *
 * <p>Stateless; thread-safe.
 */
public final class ProfileOwnership {

    private ProfileOwnership() {
    }

    /**
     * Whether a call's model id names a resource directly (an ARN) rather than a logical model.
     *
     * @param modelId the model id the call names
     * @return {@code true} for an ARN
     */
    public static boolean isArn(String modelId) {
        return modelId.startsWith("arn:");
    }

    /**
     * The profile a tenant's call naming a model id directly (normally a profile ARN) goes to.
     *
     * @param resolver the resolver that knows the tenant's profiles
     * @param tenant the calling tenant
     * @param modelId the id the call names, sent to Bedrock unchanged if it is accepted
     * @return the profile, the tenant's own ({@code pooled == false}) or a shared one, whose ARN is {@code modelId}
     * @throws ProfileResolutionException if the profile is another tenant's or the resolver does not know it (not
     *     retryable), or if its owner could not be checked (retryable as the control plane's failure is)
     */
    public static ResolvedProfile named(TenantProfileResolver resolver, TenantContext tenant, String modelId) {
        Objects.requireNonNull(resolver, "resolver");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(modelId, "modelId");
        Optional<ResolvedProfile> known;
        try {
            known = resolver.resolveArn(tenant, modelId);
        } catch (ProfileResolutionException refused) {
            if (refused.retryable() || refused.notPermitted()) {
                throw refused;
            }
            // The resolver knows the profile as another tenant's: the call named what it may not use.
            throw ProfileResolutionException.notPermitted(tenant.id(), refused.getMessage(), refused);
        }
        if (known == null || known.isEmpty()) {
            throw ProfileResolutionException.notPermitted(tenant.id(), "Tenant " + tenant.id() + " named " + modelId
                    + " directly, but the profile resolver does not know it as a profile of the tenant's own or as a"
                    + " shared one, so the call is refused before it is sent. Name a logical model instead, or a"
                    + " profile of the tenant's own (mapped for it, or carrying its owner tag)", null);
        }
        ResolvedProfile profile = known.get();
        if (!usableBy(tenant, profile)) {
            throw ProfileResolutionException.notPermitted(tenant.id(), "Profile " + modelId + " belongs to another"
                    + " tenant, not to tenant " + tenant.id() + "; a tenant's call may only name its own profile or a"
                    + " shared one", null);
        }
        if (!profile.profileArn().equals(modelId)) {
            throw new ProfileResolutionException(tenant.id(), "The profile resolver answered profile "
                    + profile.profileArn() + " when tenant " + tenant.id() + " named " + modelId + "; a call naming"
                    + " a profile is sent to that profile or not at all. Fix the resolver's resolveArn", false, null);
        }
        return profile;
    }

    /**
     * The profile of a tenant's call to a logical model: the resolver's answer, checked.
     *
     * @param resolver the resolver that knows the tenant's profiles
     * @param tenant the calling tenant
     * @param logicalModel the logical model the call names
     * @return the tenant's own profile or a shared one
     * @throws UnknownTenantException as the resolver throws it
     * @throws ProfileResolutionException as the resolver throws it, or if its answer is missing or another
     *     tenant's dedicated profile (not retryable)
     */
    public static ResolvedProfile resolve(TenantProfileResolver resolver, TenantContext tenant, String logicalModel) {
        return checked(tenant, logicalModel, resolver.resolve(tenant, logicalModel));
    }

    /**
     * Every profile a tenant's call to a logical model may use ({@link TenantProfileResolver#resolveAll}), checked.
     *
     * @param resolver the resolver that knows the tenant's profiles
     * @param tenant the calling tenant
     * @param logicalModel the logical model the call names
     * @return at least one profile, each the tenant's own or a shared one
     * @throws UnknownTenantException as the resolver throws it
     * @throws ProfileResolutionException as the resolver throws it, or if its answer is empty or holds another
     *     tenant's dedicated profile (not retryable)
     */
    public static List<ResolvedProfile> resolveAll(TenantProfileResolver resolver, TenantContext tenant,
                                                   String logicalModel) {
        List<ResolvedProfile> all = resolver.resolveAll(tenant, logicalModel);
        if (all == null || all.isEmpty()) {
            throw noProfile(tenant, logicalModel);
        }
        for (ResolvedProfile p : all) {
            checked(tenant, logicalModel, p);
        }
        return all;
    }

    /*
     * The last line of tenant isolation, whatever the resolver: a custom resolver that answers with another
     * tenant's dedicated profile is refused here rather than trusted.
     */
    private static ResolvedProfile checked(TenantContext tenant, String model, ResolvedProfile profile) {
        if (profile == null) {
            throw noProfile(tenant, model);
        }
        if (!usableBy(tenant, profile)) {
            throw new ProfileResolutionException(tenant.id(), "The profile resolver returned profile "
                    + profile.profileArn() + ", which is not shared and not tenant " + tenant.id() + "'s own, for "
                    + tenant.id() + "'s call to " + model + "; a tenant's call may only use its own profile or a"
                    + " shared one. Fix the resolver", false, null);
        }
        return profile;
    }

    /** The tenant's own profile, or a shared one. */
    private static boolean usableBy(TenantContext tenant, ResolvedProfile profile) {
        return profile.pooled() || profile.tenant().equals(tenant.id());
    }

    private static ProfileResolutionException noProfile(TenantContext tenant, String model) {
        return new ProfileResolutionException(tenant.id(), "The profile resolver returned no profile for tenant "
                + tenant.id() + " and model " + model + "; fix the resolver", false, null);
    }
}
