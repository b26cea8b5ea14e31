package dev.aip.examples;

import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.util.List;
import java.util.Objects;

/**
 * A tenant of the workshop's marketing-AI platform run by AnyCompany Solutions.
 *
 * <p>Immutable.
 *
 * @param id the tenant id, the value of the {@code TenantId} tag
 * @param description who the tenant is
 * @param businessType the value of the {@code BusinessType} tag
 * @param tier the tenant's tier, which sets its alarm thresholds
 * @param campaignBrief what the tenant asks the model for
 */
record LabTenant(TenantId id, String description, String businessType, Tier tier, String campaignBrief) {

    /** Tenant A, a B2B tech SaaS company, and tenant B, a B2C sustainable fashion brand. */
    static final List<LabTenant> WORKSHOP = List.of(
            new LabTenant(TenantId.of("tenant-a"), "B2B tech SaaS (DevOps tooling)", "B2B-Tech", Tier.PREMIUM,
                    "Create a short marketing campaign for CloudOps Monitor, a DevOps observability platform."
                            + " Target: CTOs and platform teams at mid-size tech companies. Goal: 500 qualified"
                            + " demo requests. Budget: $50,000. Key message: halve your incident response time."),
            new LabTenant(TenantId.of("tenant-b"), "B2C sustainable fashion", "B2C-Retail", Tier.STANDARD,
                    "Create a short marketing campaign for the EcoThread summer collection of organic-cotton"
                            + " dresses. Target: eco-conscious women aged 25-40. Goal: 20% more online sales."
                            + " Budget: $30,000. Key message: style that does not cost the earth."));

    LabTenant {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(businessType, "businessType");
        Objects.requireNonNull(tier, "tier");
        Objects.requireNonNull(campaignBrief, "campaignBrief");
    }

    /** The tenant as aip's calls carry it. */
    TenantContext context() {
        return TenantContext.of(id).withTier(tier);
    }
}
