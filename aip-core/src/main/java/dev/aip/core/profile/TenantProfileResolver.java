package dev.aip.core.profile;

import dev.aip.core.ProfileResolutionException;
import dev.aip.core.UnknownTenantException;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import java.util.List;
import java.util.Optional;

/**
 * Finds the inference profile a tenant's call to a logical model must use. Strategies:
 * {@link StaticProfileResolver} (a fixed map), {@link TagDiscoveryProfileResolver} (profiles found by their tags,
 * cached and refreshed in the background) and {@link ProvisioningProfileResolver} (creates a tenant's profile on
 * first use, with a shared tier pool beyond the account's profile quota).
 *
 * <p><b>Ownership.</b> A dedicated profile ({@code pooled == false}) is only ever returned for the tenant its tags
 * name (the {@link TagSchema#tenantKey()} tag); a profile tagged for another tenant, or not tagged at all, is
 * refused with a {@link ProfileResolutionException}, whatever its name says.
 *
 * <p><b>Several profiles per tenant and model.</b> A tenant may own several profiles for one logical model (e.g. one
 * per region); {@link #resolveAll} returns all of them, for a {@link ProfileBalancer} to spread calls over.
 *
 * <p><b>Profiles named by ARN.</b> Callers that name a profile ARN directly (instead of a logical model) are checked
 * with {@link #resolveArn}: on every path the ARN is used only if it is the tenant's own profile or a shared one,
 * and refused otherwise, whether it is another tenant's or unknown (the ownership rule every path applies).
 *
 * <p>Implementations must be thread-safe; resolvers sit on the hot path of every model call.
 */
public interface TenantProfileResolver {

    /**
     * Resolves the profile for a tenant and logical model.
     *
     * @param tenant the calling tenant
     * @param logicalModel the model the caller asked for: a configured logical name such as {@code claude-haiku},
     *     or a foundation model or system profile id
     * @return the profile to call
     * @throws UnknownTenantException if the resolver has no profile for the tenant and no default applies
     * @throws ProfileResolutionException if the profile cannot be resolved: the control plane failed
     *     ({@link ProfileResolutionException#retryable()} tells whether a retry can help) or the profile found
     *     belongs to another tenant (not retryable)
     */
    ResolvedProfile resolve(TenantContext tenant, String logicalModel);

    /**
     * Resolves every profile a tenant may use for a logical model, ownership-checked like {@link #resolve}: the
     * first is the one {@link #resolve} returns, the others are further profiles the tenant owns for the same model
     * (e.g. in other regions). The default returns {@link #resolve}'s profile alone.
     *
     * @param tenant the calling tenant
     * @param logicalModel the model the caller asked for
     * @return at least one profile, unmodifiable
     * @throws UnknownTenantException as for {@link #resolve}
     * @throws ProfileResolutionException as for {@link #resolve}
     */
    default List<ResolvedProfile> resolveAll(TenantContext tenant, String logicalModel) {
        return List.of(resolve(tenant, logicalModel));
    }

    /**
     * Identifies an inference-profile ARN that a tenant's call names directly instead of a logical model (a fallback
     * chain entry, a chat request or an SDK request sent to an ARN), so that the call can be governed and metered
     * under it.
     *
     * <p>A profile this resolver knows as the tenant's own is returned with {@code pooled == false}; a shared one
     * (a pool or default profile) with {@code pooled == true}. A profile it knows as <em>another tenant's</em> is
     * refused. The default knows no application profiles: it returns system-defined (cross-Region) profile ARNs as
     * shared profiles, their source model read from the profile id, and nothing else.
     *
     * <p>Every aip path (the chat pipeline, the SDK interceptor, the Spring AI advisor) applies this answer through
     * the ownership rule: a call naming an ARN is sent only when this method returns a profile, and is
     * refused with a {@link ProfileResolutionException} before it is sent when it throws <em>or returns empty</em>.
     * So an empty answer never lets a call through: a resolver that should accept a tenant's own profile by ARN must
     * know it here, and one that cannot tell whose an ARN is returns empty.
     *
     * @param tenant the calling tenant
     * @param profileArn the ARN the call names
     * @return the profile, or empty if this resolver cannot tell whose the ARN is (an unknown application
     *     profile, a foundation-model ARN, or not an ARN at all); the paths refuse such calls
     * @throws ProfileResolutionException if the ARN is a profile of another tenant (not retryable), or the control
     *     plane failed while checking it
     */
    default Optional<ResolvedProfile> resolveArn(TenantContext tenant, String profileArn) {
        return ResolvedProfile.systemDefined(tenant.id(), profileArn);
    }

    /**
     * Returns whether {@link #resolve} (or {@link #resolveAll}) for this tenant and logical model would answer from
     * memory, without a call to the control plane: a non-blocking server asks this to decide whether a call may be
     * started on its I/O thread or must be handed to a thread that may wait. The answer may be stale the moment it
     * is given (a cache entry can expire), so it is advice, not a guarantee. The default, for resolvers that do not
     * know, is {@code false}.
     *
     * @param tenant the calling tenant
     * @param logicalModel the logical model
     * @return {@code true} if resolution is in memory
     */
    default boolean resolvesWithoutBlocking(TenantContext tenant, String logicalModel) {
        return false;
    }

    /**
     * Forgets what this resolver remembers of a tenant's profiles for a logical model, so that the next
     * {@link #resolve} finds them again instead of answering from memory. Called when a profile was found gone (a
     * model call to it failed because it does not exist) and when a profile was deleted or replaced, here or on
     * another replica (through a configuration bus).
     *
     * <p>Cheap and non-blocking: it makes no control-plane call; the next resolution does. Invalidating what is not
     * cached does nothing. The default, for resolvers that remember nothing, does nothing.
     *
     * @param tenant the tenant whose profile changed
     * @param logicalModel the logical model whose profile changed
     */
    default void invalidate(TenantId tenant, String logicalModel) {
    }
}
