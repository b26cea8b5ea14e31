package dev.aip.core.profile;

import dev.aip.core.tenant.TenantId;
import java.util.Objects;
import java.util.Optional;

/**
 * The profile a tenant's call to a logical model goes to: pass {@link #profileArn()} as the Bedrock
 * {@code modelId}, and use {@link #sourceModelId()} for pricing.
 *
 * <p>Immutable.
 *
 * @param tenant the tenant the call is made for
 * @param logicalModel the logical model the caller asked for, e.g. {@code claude-haiku}
 * @param profileArn the inference-profile ARN to call
 * @param profileId the profile id (last segment of the ARN)
 * @param sourceModelId the foundation model id behind the profile, e.g.
 *     {@code anthropic.claude-3-5-haiku-20241022-v1:0}
 * @param region the region of the profile
 * @param pooled {@code true} if the profile is shared (a tier pool or a configured default) rather than dedicated
 *     to the tenant; AWS then bills the call under the pool's tags, and per-tenant attribution rests on request
 *     metadata and the usage ledger
 */
public record ResolvedProfile(
        TenantId tenant,
        String logicalModel,
        String profileArn,
        String profileId,
        String sourceModelId,
        String region,
        boolean pooled) {

    /**
     * Validates.
     *
     * @throws IllegalArgumentException if the ARN is not an inference-profile ARN
     */
    public ResolvedProfile {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(logicalModel, "logicalModel");
        Constraints.requireProfileArn(profileArn);
        Objects.requireNonNull(profileId, "profileId");
        Objects.requireNonNull(sourceModelId, "sourceModelId");
        Objects.requireNonNull(region, "region");
    }

    static ResolvedProfile of(TenantId tenant, String logicalModel, String arn, String sourceModelId, boolean pooled) {
        return new ResolvedProfile(tenant, logicalModel, arn, Arns.resourceId(arn), sourceModelId, Arns.region(arn),
                pooled);
    }

    static ResolvedProfile of(TenantId tenant, String logicalModel, InferenceProfile profile, boolean pooled) {
        return new ResolvedProfile(tenant, logicalModel, profile.arn(), profile.id(), profile.sourceModelId(),
                profile.region(), pooled);
    }

    /**
     * A system-defined (cross-Region) profile ARN as a shared profile of the tenant, its source model read from the
     * profile id ({@code us.anthropic...} → {@code anthropic...}); empty for anything else.
     */
    static Optional<ResolvedProfile> systemDefined(TenantId tenant, String arn) {
        if (arn == null || !Arns.isArn(arn) || !"inference-profile".equals(Arns.resourceType(arn))
                || !Constraints.PROFILE_ARN.matcher(arn).matches()) {
            return Optional.empty();
        }
        String id = Arns.resourceId(arn);
        return Optional.of(new ResolvedProfile(tenant, id, arn, id, Arns.foundationModelId(id), Arns.region(arn),
                true));
    }

    /** The same profile resolved for another tenant (a shared profile handed to each tenant that uses it). */
    ResolvedProfile forTenant(TenantId other) {
        return new ResolvedProfile(other, logicalModel, profileArn, profileId, sourceModelId, region, pooled);
    }
}
