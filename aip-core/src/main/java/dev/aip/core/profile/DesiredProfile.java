package dev.aip.core.profile;

import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A profile that should exist: one tenant's dedicated profile for one logical model. The input of
 * {@link ProfileLifecycle#plan(java.util.Collection)}.
 *
 * <p>Immutable.
 *
 * @param tenant the owning tenant
 * @param tier the tenant's tier, written into the tier tag
 * @param logicalModel the logical model (see {@link ModelRoutes})
 * @param extraTags per-tenant tags added to the schema's tags, e.g. a tenant's own {@code CostCenter}
 */
public record DesiredProfile(TenantId tenant, Tier tier, String logicalModel, Map<String, String> extraTags) {

    /**
     * Validates and copies.
     *
     * @throws IllegalArgumentException naming an invalid logical model or tag
     */
    public DesiredProfile {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(tier, "tier");
        TagSchema.requireLogicalModel(logicalModel);
        Objects.requireNonNull(extraTags, "extraTags");
        extraTags.forEach(Constraints::requireTag);
        extraTags = Collections.unmodifiableMap(new TreeMap<>(extraTags));
    }

    /** A desired profile without extra tags. */
    public static DesiredProfile of(TenantId tenant, Tier tier, String logicalModel) {
        return new DesiredProfile(tenant, tier, logicalModel, Map.of());
    }
}
