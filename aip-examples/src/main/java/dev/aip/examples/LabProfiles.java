package dev.aip.examples;

import dev.aip.core.bedrock.BedrockInferenceProfileApi;
import dev.aip.core.profile.DesiredProfile;
import dev.aip.core.profile.InferenceProfile;
import dev.aip.core.profile.ModelRoutes;
import dev.aip.core.profile.ProfileLifecycle;
import dev.aip.core.profile.ProfileNameTemplate;
import dev.aip.core.profile.TagSchema;
import dev.aip.core.profile.TaggedProfile;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * The tenants' application inference profiles as Labs 2 and 3 manage them: named {@code marketing-ai-TENANT} like the
 * workshop's, copied from the system-defined Nova Pro profile, and tagged {@code TenantId}, {@code BusinessType},
 * {@code Environment}, {@code CostCenter} and {@code ManagedBy} (plus aip's {@code Tier} and {@code Model}).
 * Stateless.
 */
final class LabProfiles {

    /** The logical model the tenants' profiles serve; the value of their {@code Model} tag. */
    static final String LOGICAL_MODEL = "nova-pro";
    static final ProfileNameTemplate NAMES = ProfileNameTemplate.of("marketing-ai-{tenant}");
    static final TagSchema SCHEMA = TagSchema.builder()
            .environment("production")
            .costCenter("marketing-ai-platform")
            .build();

    /**
     * What {@link #ensure} found or made. Immutable.
     *
     * @param profile the tenant's profile
     * @param created whether this run created it (otherwise it existed before)
     */
    record Ensured(InferenceProfile profile, boolean created) {
    }

    private LabProfiles() {
    }

    /**
     * The ARN the profiles copy: the system-defined cross-Region profile, which carries the account id, as the
     * workshop builds it: {@code arn:aws:bedrock:REGION:ACCOUNT:inference-profile/us.amazon.nova-pro-v1:0}.
     */
    static String copyFrom(LabEnvironment env) {
        return "arn:aws:bedrock:" + env.region() + ":" + env.accountId() + ":inference-profile/"
                + Lab1SharedProfile.SYSTEM_PROFILE_ID;
    }

    static ProfileLifecycle lifecycle(LabEnvironment env) {
        return ProfileLifecycle.builder(BedrockInferenceProfileApi.create(env.bedrock()))
                .routes(ModelRoutes.builder().route(LOGICAL_MODEL, copyFrom(env)).build())
                .schema(SCHEMA)
                .nameTemplate(NAMES)
                .build();
    }

    static DesiredProfile desired(LabTenant tenant) {
        return new DesiredProfile(tenant.id(), tenant.tier(), LOGICAL_MODEL,
                Map.of("BusinessType", tenant.businessType()));
    }

    /** The tenant's managed profile for the lab's model in a scan of the account, if there is one. */
    static Optional<TaggedProfile> find(List<TaggedProfile> scan, LabTenant tenant) {
        return scan.stream()
                .filter(t -> SCHEMA.isManaged(t.tags()))
                .filter(t -> SCHEMA.tenantOf(t.tags()).filter(tenant.id()::equals).isPresent())
                .filter(t -> LOGICAL_MODEL.equals(t.tags().get(SCHEMA.modelKey())))
                .findFirst();
    }

    /**
     * The tenant's profile: the one in the scan if it exists (the workshop's {@code check_aip_exists}), else a new
     * one. Creation is idempotent, so running this twice never makes two profiles.
     */
    static Ensured ensure(ProfileLifecycle lifecycle, List<TaggedProfile> scan, LabTenant tenant) {
        Optional<TaggedProfile> existing = find(scan, tenant);
        if (existing.isPresent()) {
            return new Ensured(existing.get().profile(), false);
        }
        return new Ensured(lifecycle.create(desired(tenant)), true);
    }

    /** Tags as {@code k=v k=v}, sorted by key. */
    static String tags(Map<String, String> tags) {
        StringJoiner out = new StringJoiner(" ");
        new TreeMap<>(tags).forEach((k, v) -> out.add(k + "=" + v));
        return out.toString();
    }
}
