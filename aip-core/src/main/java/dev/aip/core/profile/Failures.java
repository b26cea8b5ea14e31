package dev.aip.core.profile;

import dev.aip.core.AipException;
import dev.aip.core.ProfileResolutionException;
import dev.aip.core.tenant.TenantId;
import java.util.Map;

/** Turns control-plane failures into the library's typed errors, and enforces profile ownership. Stateless. */
final class Failures {

    private Failures() {
    }

    /**
     * The failure as the library reports it: library exceptions unchanged, anything else wrapped in a
     * {@link ProfileResolutionException} whose {@code retryable()} follows the port's classification.
     */
    static AipException resolution(InferenceProfileApi api, TenantId tenant, String doing, RuntimeException e) {
        if (e instanceof AipException) {
            return (AipException) e;
        }
        ControlPlaneFailure kind = classify(api, e);
        return new ProfileResolutionException(tenant, "Could not " + doing + (tenant == null ? "" : " for tenant "
                + tenant) + ": the control plane answered " + kind + " (" + e.getMessage() + ")"
                + (kind.retryable() ? "; retry later" : ""), kind.retryable(), e);
    }

    static ControlPlaneFailure classify(InferenceProfileApi api, RuntimeException e) {
        try {
            ControlPlaneFailure kind = api.classify(e);
            return kind == null ? ControlPlaneFailure.OTHER : kind;
        } catch (RuntimeException broken) {
            return ControlPlaneFailure.OTHER;
        }
    }

    /**
     * Refuses a dedicated profile whose owner tag does not name the tenant. The message names the requesting
     * tenant and the owner the tag names, and nothing else about the other tenant.
     *
     * @throws ProfileResolutionException (not retryable) on a missing or different owner
     */
    static void requireOwner(TagSchema schema, TenantId tenant, String arn, Map<String, String> tags) {
        String owner = tags.get(schema.tenantKey());
        if (owner == null) {
            throw new ProfileResolutionException(tenant, "Profile " + arn + " has no " + schema.tenantKey()
                    + " tag, so it cannot be used as tenant " + tenant + "'s profile; tag it "
                    + schema.tenantKey() + "=" + tenant + " if it is theirs", false, null);
        }
        if (!owner.equals(tenant.value())) {
            throw new ProfileResolutionException(tenant, "Profile " + arn + " belongs to " + owner + " according to"
                    + " its " + schema.tenantKey() + " tag, not to tenant " + tenant + "; refusing to route "
                    + tenant + " to it. Fix the mapping or the tag", false, null);
        }
    }
}
