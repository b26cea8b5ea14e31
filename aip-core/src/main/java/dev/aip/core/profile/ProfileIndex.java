package dev.aip.core.profile;

import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The profiles of one scan, indexed for resolution. Dedicated profiles are keyed by the tenant their owner tag
 * names and their model tag (or, without a model tag, their source model id), so a profile can only ever be found
 * for the tenant its tags name; its name plays no part. Pool profiles ({@code TenantId=pool:TIER}) are keyed by tier
 * and model. Where several profiles share a key, the most recently created wins (a REPLACE creates the new profile
 * before deleting the old one, so the switch happens at the first refresh after the create). Immutable.
 */
final class ProfileIndex {

    static final ProfileIndex EMPTY = new ProfileIndex(Map.of(), Map.of(), null, 0);

    private static final Comparator<InferenceProfile> NEWEST_FIRST = Comparator
            .comparing((InferenceProfile p) -> p.createdAt() == null ? Instant.MIN : p.createdAt())
            .thenComparing(InferenceProfile::arn)
            .reversed();

    record PoolKey(Tier tier, String logicalModel) {
    }

    private final Map<ProfileKey, InferenceProfile> dedicated;
    private final Map<PoolKey, InferenceProfile> pools;
    private final Instant loadedAt;
    private final int scanned;

    private ProfileIndex(Map<ProfileKey, InferenceProfile> dedicated, Map<PoolKey, InferenceProfile> pools,
            Instant loadedAt, int scanned) {
        this.dedicated = dedicated;
        this.pools = pools;
        this.loadedAt = loadedAt;
        this.scanned = scanned;
    }

    static ProfileIndex of(Collection<TaggedProfile> scan, TagSchema schema, boolean managedOnly, Instant loadedAt) {
        Map<ProfileKey, InferenceProfile> dedicated = new HashMap<>();
        Map<PoolKey, InferenceProfile> pools = new HashMap<>();
        for (TaggedProfile t : scan) {
            if (managedOnly && !schema.isManaged(t.tags())) {
                continue;
            }
            InferenceProfile p = t.profile();
            String model = t.tags().getOrDefault(schema.modelKey(), p.sourceModelId());
            Optional<TenantId> tenant = schema.tenantOf(t.tags());
            if (tenant.isPresent()) {
                dedicated.merge(new ProfileKey(tenant.get(), model), p, ProfileIndex::newer);
                continue;
            }
            schema.poolTierOf(t.tags()).ifPresent(tier -> pools.merge(new PoolKey(tier, model), p, ProfileIndex::newer));
        }
        return new ProfileIndex(Map.copyOf(dedicated), Map.copyOf(pools), loadedAt, scan.size());
    }

    Optional<InferenceProfile> dedicated(TenantId tenant, String logicalModel) {
        return Optional.ofNullable(dedicated.get(new ProfileKey(tenant, logicalModel)));
    }

    Optional<InferenceProfile> pool(Tier tier, String logicalModel) {
        return Optional.ofNullable(pools.get(new PoolKey(tier, logicalModel)));
    }

    /** When the scan behind this index ended, or {@code null} for the empty index. */
    Instant loadedAt() {
        return loadedAt;
    }

    int dedicatedCount() {
        return dedicated.size();
    }

    int scanned() {
        return scanned;
    }

    private static InferenceProfile newer(InferenceProfile a, InferenceProfile b) {
        return NEWEST_FIRST.compare(a, b) <= 0 ? a : b;
    }
}
