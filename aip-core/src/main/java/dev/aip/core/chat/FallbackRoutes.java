package dev.aip.core.chat;

import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.tenant.TenantContext;
import java.util.List;

/**
 * The fallback seam of the pipeline: where a call may go once its own profiles have failed in a way another profile
 * may help with (see {@link RetryPolicy}). The governance implementation reads the tenant's policy
 * ({@code Governance.fallbackRoutes()}).
 *
 * <p>Asked at most once per call, and only when the call needs it, so calls that succeed on their first profile
 * never pay for it. The pipeline turns each entry into a profile with its {@code TenantProfileResolver}, for the
 * calling tenant, by the ownership rule every path shares (the ownership rule):
 * <ul>
 *   <li>a logical model (e.g. {@code claude-sonnet}) is resolved like the request's own model;</li>
 *   <li>an inference-profile ARN is used as configured when the resolver knows it as the tenant's own or a shared
 *       profile, or it is a system-defined (cross-Region) profile (shared, priced by its model); an ARN the resolver
 *       knows as another tenant's, or does not know at all, is refused, since its owner cannot be checked.</li>
 * </ul>
 * Refused entries and entries that cannot be resolved are skipped; the exceptions they raised are attached to the
 * call's final failure as suppressed exceptions. Profiles the call already tried are skipped silently.
 *
 * <p>Implementations must be thread-safe.
 */
@FunctionalInterface
public interface FallbackRoutes {

    /** No fallback. */
    FallbackRoutes NONE = (tenant, request, primary) -> List.of();

    /**
     * Returns the fallback entries for a call, in the order to try them.
     *
     * @param tenant the calling tenant
     * @param request the request (as shaped by the admission)
     * @param primary the profile the call was admitted on
     * @return logical models and profile ARNs; empty for none
     */
    List<String> fallbacks(TenantContext tenant, ChatRequest request, ResolvedProfile primary);
}
