package dev.aip.core.profile;

import dev.aip.core.tenant.TenantId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Computes a {@link ProfilePlan} from the desired profiles and one scan of the account; a pure function.
 *
 * <p>Only <em>managed</em> tenant profiles take part: those tagged {@code ManagedBy=aip} (per the schema) whose
 * owner tag names a valid tenant id. Unmanaged profiles and pool profiles are counted as ignored and never acted
 * on. Managed profiles are keyed by (owner tag, model tag); for each key:
 * <ul>
 *   <li>desired, none exists: CREATE;</li>
 *   <li>exists, not desired: DELETE;</li>
 *   <li>desired and existing with the desired source model: keep the newest such profile, RETAG it if its tags
 *       differ (schema tags are set; schema keys the desired tags lack are removed; keys outside the schema are
 *       never touched), DELETE the other profiles of the key as duplicates;</li>
 *   <li>desired and existing with another source model (the route changed): REPLACE the newest, DELETE the rest.</li>
 * </ul>
 * Finally, a tenant with exactly one CREATE and one DELETE has changed its model: the pair becomes one REPLACE.
 */
final class Planner {

    private static final Comparator<InferenceProfile> NEWEST_FIRST = Comparator
            .comparing((InferenceProfile p) -> p.createdAt() == null ? Instant.MIN : p.createdAt())
            .thenComparing(InferenceProfile::arn)
            .reversed();

    private static final Comparator<PlanAction> ORDER = Comparator.comparing(PlanAction::kind)
            .thenComparing(PlanAction::tenant)
            .thenComparing(PlanAction::logicalModel)
            .thenComparing(a -> a.profileArn() == null ? "" : a.profileArn());

    private final ProfileSpecs specs;

    Planner(ProfileSpecs specs) {
        this.specs = specs;
    }

    ProfilePlan plan(Collection<DesiredProfile> desired, Collection<TaggedProfile> current) {
        TagSchema schema = specs.schema;
        Map<ProfileKey, DesiredProfile> wanted = new LinkedHashMap<>();
        for (DesiredProfile d : desired) {
            if (wanted.put(new ProfileKey(d.tenant(), d.logicalModel()), d) != null) {
                throw new IllegalArgumentException("tenant " + d.tenant() + " is desired twice for model "
                        + d.logicalModel());
            }
        }

        Map<ProfileKey, List<TaggedProfile>> existing = new HashMap<>();
        int ignored = 0;
        for (TaggedProfile t : current) {
            var tenant = schema.tenantOf(t.tags());
            if (!schema.isManaged(t.tags()) || tenant.isEmpty()) {
                ignored++;
                continue;
            }
            String model = t.tags().getOrDefault(schema.modelKey(), t.profile().sourceModelId());
            existing.computeIfAbsent(new ProfileKey(tenant.get(), model), k -> new ArrayList<>()).add(t);
        }

        List<PlanAction> actions = new ArrayList<>();
        Map<TenantId, List<PlanAction>> creates = new TreeMap<>();
        Map<TenantId, List<PlanAction>> deletes = new TreeMap<>();
        int unchanged = 0;

        for (Map.Entry<ProfileKey, DesiredProfile> e : wanted.entrySet()) {
            ProfileKey key = e.getKey();
            DesiredProfile d = e.getValue();
            NewProfile spec = specs.forTenant(d.tenant(), d.tier(), d.logicalModel(), d.extraTags());
            List<TaggedProfile> have = existing.remove(key);
            if (have == null) {
                creates.computeIfAbsent(key.tenant(), k -> new ArrayList<>())
                        .add(PlanAction.create(key.tenant(), key.logicalModel(), spec, "missing"));
                continue;
            }
            have.sort(Comparator.comparing(TaggedProfile::profile, NEWEST_FIRST));
            String wantSource = specs.routes.sourceModelId(d.logicalModel());
            TaggedProfile keep = have.stream()
                    .filter(t -> t.profile().sourceModelId().equals(wantSource))
                    .findFirst()
                    .orElse(null);
            if (keep == null) {
                TaggedProfile old = have.get(0);
                NewProfile successor = spec.name().equals(old.profile().name()) ? ProfileSpecs.renamed(spec) : spec;
                actions.add(PlanAction.replace(key.tenant(), key.logicalModel(), old.profile().arn(), successor,
                        "model changed from " + old.profile().sourceModelId() + " to " + wantSource));
                keep = old;
            } else {
                PlanAction retag = retag(key, keep, spec.tags());
                if (retag == null) {
                    unchanged++;
                } else {
                    actions.add(retag);
                }
            }
            for (TaggedProfile t : have) {
                if (t != keep) {
                    actions.add(PlanAction.delete(key.tenant(), key.logicalModel(), t.profile().arn(),
                            "duplicate of " + keep.profile().arn()));
                }
            }
        }

        existing.forEach((key, have) -> {
            for (TaggedProfile t : have) {
                deletes.computeIfAbsent(key.tenant(), k -> new ArrayList<>()).add(PlanAction.delete(key.tenant(),
                        key.logicalModel(), t.profile().arn(), "tenant " + key.tenant() + " is no longer desired for "
                                + key.logicalModel()));
            }
        });

        for (Map.Entry<TenantId, List<PlanAction>> e : creates.entrySet()) {
            List<PlanAction> removed = deletes.get(e.getKey());
            if (e.getValue().size() == 1 && removed != null && removed.size() == 1) {
                PlanAction create = e.getValue().get(0);
                PlanAction delete = removed.get(0);
                deletes.remove(e.getKey());
                actions.add(PlanAction.replace(create.tenant(), create.logicalModel(), delete.profileArn(),
                        create.newProfile(), "model changed from " + delete.logicalModel() + " to "
                                + create.logicalModel()));
            } else {
                actions.addAll(e.getValue());
            }
        }
        deletes.values().forEach(actions::addAll);
        actions.sort(ORDER);
        return new ProfilePlan(actions, unchanged, ignored);
    }

    private PlanAction retag(ProfileKey key, TaggedProfile profile, Map<String, String> want) {
        Map<String, String> have = profile.tags();
        Map<String, String> set = new TreeMap<>();
        want.forEach((k, v) -> {
            if (!v.equals(have.get(k))) {
                set.put(k, v);
            }
        });
        Set<String> remove = new TreeSet<>();
        for (String k : specs.schema.schemaKeys()) {
            if (have.containsKey(k) && !want.containsKey(k)) {
                remove.add(k);
            }
        }
        if (set.isEmpty() && remove.isEmpty()) {
            return null;
        }
        StringBuilder reason = new StringBuilder("tag drift:");
        set.forEach((k, v) -> reason.append(' ').append(k).append(' ')
                .append(have.containsKey(k) ? "is " + have.get(k) + ", want " + v : "missing, want " + v)
                .append(';'));
        remove.forEach(k -> reason.append(' ').append(k).append(" not wanted;"));
        reason.setLength(reason.length() - 1);
        return PlanAction.retag(key.tenant(), key.logicalModel(), profile.profile().arn(), set, remove,
                reason.toString());
    }
}
