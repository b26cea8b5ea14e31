package dev.aip.core.profile;

import dev.aip.core.tenant.TenantId;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * One step of a {@link ProfilePlan}, with the reason it is needed.
 *
 * <p>Immutable.
 *
 * @param kind what to do
 * @param tenant the tenant concerned
 * @param logicalModel the logical model of the profile that should exist (for {@code DELETE}: of the profile
 *     deleted)
 * @param reason why, in words, e.g. {@code "tier tag is basic, want premium"}
 * @param profileArn the existing profile acted on: deleted ({@code DELETE}), retagged ({@code RETAG}) or replaced
 *     ({@code REPLACE}); {@code null} for {@code CREATE}
 * @param newProfile the profile to create ({@code CREATE}, {@code REPLACE}); {@code null} otherwise
 * @param tagsToSet tags to add or overwrite ({@code RETAG}); empty otherwise
 * @param tagsToRemove tag keys to remove ({@code RETAG}); empty otherwise
 */
public record PlanAction(
        Kind kind,
        TenantId tenant,
        String logicalModel,
        String reason,
        @Nullable String profileArn,
        @Nullable NewProfile newProfile,
        Map<String, String> tagsToSet,
        Set<String> tagsToRemove) {

    /** The kinds of action, in the order a plan lists and starts them. */
    public enum Kind {
        /** Delete a managed profile whose tenant (or model) is no longer desired; first, to free quota. */
        DELETE,
        /** Bring a profile's tags in line with the schema (tag drift). */
        RETAG,
        /**
         * Change a tenant's model: create the new profile, then delete the old one (profiles are immutable except
         * for tags). Resolvers switch to the new profile as soon as it exists (the newest profile wins).
         */
        REPLACE,
        /** Create a missing profile. */
        CREATE
    }

    /**
     * Validates that the parts required by the kind are present, and copies.
     *
     * @throws IllegalArgumentException if a part the kind needs is missing
     */
    public PlanAction {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(logicalModel, "logicalModel");
        Objects.requireNonNull(reason, "reason");
        if ((kind == Kind.CREATE) != (profileArn == null)) {
            throw new IllegalArgumentException(kind + " " + (profileArn == null ? "needs" : "takes no")
                    + " existing profile ARN");
        }
        if ((kind == Kind.CREATE || kind == Kind.REPLACE) != (newProfile != null)) {
            throw new IllegalArgumentException(kind + " " + (newProfile == null ? "needs" : "takes no")
                    + " new profile");
        }
        tagsToSet = Collections.unmodifiableMap(new TreeMap<>(Objects.requireNonNull(tagsToSet, "tagsToSet")));
        tagsToRemove = Collections.unmodifiableSet(new TreeSet<>(Objects.requireNonNull(tagsToRemove,
                "tagsToRemove")));
    }

    static PlanAction create(TenantId tenant, String logicalModel, NewProfile profile, String reason) {
        return new PlanAction(Kind.CREATE, tenant, logicalModel, reason, null, profile, Map.of(), Set.of());
    }

    static PlanAction delete(TenantId tenant, String logicalModel, String arn, String reason) {
        return new PlanAction(Kind.DELETE, tenant, logicalModel, reason, arn, null, Map.of(), Set.of());
    }

    static PlanAction retag(TenantId tenant, String logicalModel, String arn, Map<String, String> set,
            Set<String> remove, String reason) {
        return new PlanAction(Kind.RETAG, tenant, logicalModel, reason, arn, null, set, remove);
    }

    static PlanAction replace(TenantId tenant, String logicalModel, String oldArn, NewProfile profile,
            String reason) {
        return new PlanAction(Kind.REPLACE, tenant, logicalModel, reason, oldArn, profile, Map.of(), Set.of());
    }

    @Override
    public String toString() {
        return kind + " " + tenant + "/" + logicalModel + (profileArn == null ? "" : " " + profileArn) + ": " + reason;
    }
}
