package dev.aip.core.profile;

import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
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

    static final ProfileIndex EMPTY = new ProfileIndex(Map.of(), Map.of(), Map.of(), Map.of(), null, 0);

    private static final Comparator<InferenceProfile> NEWEST_FIRST = Comparator
            .comparing((InferenceProfile p) -> p.createdAt() == null ? Instant.MIN : p.createdAt())
            .thenComparing(InferenceProfile::arn)
            .reversed();

    record PoolKey(Tier tier, String logicalModel) {
    }

    /** Whose an indexed profile is: a tenant's ({@code owner} set) or a tier pool's ({@code poolTier} set). */
    record Owner(TenantId owner, Tier poolTier, String logicalModel, InferenceProfile profile) {
    }

    private final Map<ProfileKey, InferenceProfile> dedicated;
    private final Map<ProfileKey, List<InferenceProfile>> dedicatedAll;
    private final Map<PoolKey, InferenceProfile> pools;
    private final Map<String, Owner> byArn;
    private final Instant loadedAt;
    private final int scanned;

    private ProfileIndex(Map<ProfileKey, InferenceProfile> dedicated,
            Map<ProfileKey, List<InferenceProfile>> dedicatedAll, Map<PoolKey, InferenceProfile> pools,
            Map<String, Owner> byArn, Instant loadedAt, int scanned) {
        this.dedicated = dedicated;
        this.dedicatedAll = dedicatedAll;
        this.pools = pools;
        this.byArn = byArn;
        this.loadedAt = loadedAt;
        this.scanned = scanned;
    }

    static ProfileIndex of(Collection<TaggedProfile> scan, TagSchema schema, boolean managedOnly, Instant loadedAt) {
        Map<ProfileKey, InferenceProfile> dedicated = new HashMap<>();
        Map<ProfileKey, List<InferenceProfile>> all = new HashMap<>();
        Map<PoolKey, InferenceProfile> pools = new HashMap<>();
        Map<String, Owner> byArn = new HashMap<>();
        for (TaggedProfile t : scan) {
            if (managedOnly && !schema.isManaged(t.tags())) {
                continue;
            }
            InferenceProfile p = t.profile();
            String model = t.tags().getOrDefault(schema.modelKey(), p.sourceModelId());
            Optional<TenantId> tenant = schema.tenantOf(t.tags());
            if (tenant.isPresent()) {
                ProfileKey key = new ProfileKey(tenant.get(), model);
                dedicated.merge(key, p, ProfileIndex::newer);
                all.computeIfAbsent(key, k -> new ArrayList<>(1)).add(p);
                byArn.put(p.arn(), new Owner(tenant.get(), null, model, p));
                continue;
            }
            schema.poolTierOf(t.tags()).ifPresent(tier -> {
                pools.merge(new PoolKey(tier, model), p, ProfileIndex::newer);
                byArn.put(p.arn(), new Owner(null, tier, model, p));
            });
        }
        Map<ProfileKey, List<InferenceProfile>> sorted = new HashMap<>();
        all.forEach((key, list) -> {
            list.sort(NEWEST_FIRST);
            sorted.put(key, List.copyOf(list));
        });
        return new ProfileIndex(Map.copyOf(dedicated), Map.copyOf(sorted), Map.copyOf(pools), Map.copyOf(byArn),
                loadedAt, scan.size());
    }

    Optional<InferenceProfile> dedicated(TenantId tenant, String logicalModel) {
        return Optional.ofNullable(dedicated.get(new ProfileKey(tenant, logicalModel)));
    }

    /** Every profile tagged for the tenant and model, newest first; empty if none. */
    List<InferenceProfile> dedicatedAll(TenantId tenant, String logicalModel) {
        return dedicatedAll.getOrDefault(new ProfileKey(tenant, logicalModel), List.of());
    }

    /** Whose the profile with this ARN is, if it is indexed. */
    Optional<Owner> owner(String arn) {
        return Optional.ofNullable(byArn.get(arn));
    }

    /** This index without the tenant's profiles for the model; {@code this} if it holds none. */
    ProfileIndex without(ProfileKey key) {
        List<InferenceProfile> gone = dedicatedAll.get(key);
        if (gone == null) {
            return this;
        }
        Map<ProfileKey, InferenceProfile> d = new HashMap<>(dedicated);
        d.remove(key);
        Map<ProfileKey, List<InferenceProfile>> all = new HashMap<>(dedicatedAll);
        all.remove(key);
        Map<String, Owner> arns = new HashMap<>(byArn);
        gone.forEach(p -> arns.remove(p.arn()));
        return new ProfileIndex(Map.copyOf(d), Map.copyOf(all), pools, Map.copyOf(arns), loadedAt, scanned);
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
