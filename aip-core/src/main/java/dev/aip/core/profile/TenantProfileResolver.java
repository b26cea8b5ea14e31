package dev.aip.core.profile;

import dev.aip.core.ProfileResolutionException;
import dev.aip.core.UnknownTenantException;
import dev.aip.core.tenant.TenantContext;

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
}
