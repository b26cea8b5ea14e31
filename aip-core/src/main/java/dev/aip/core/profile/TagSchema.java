package dev.aip.core.profile;

import dev.aip.core.ConfigurationException;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The tags the library writes on the profiles it manages, and reads to decide whom a profile belongs to.
 *
 * <p>Every managed profile carries four reserved tags: the owner ({@link #tenantKey()}, default {@code TenantId},
 * value the tenant id), the tier ({@link #tierKey()}, default {@code Tier}), the logical model
 * ({@link #modelKey()}, default {@code Model}) and the manager marker ({@link #managedByKey()} =
 * {@link #managedByValue()}, default {@code ManagedBy=aip}). {@link #fixedTags()} (e.g. {@code CostCenter},
 * {@code Environment}) are added to every profile; a tenant's own extra tags may override them but never the
 * reserved ones. Activate the keys as cost allocation tags to see them in Cost Explorer.
 *
 * <p><b>Pool profiles</b>, shared by the tenants of a tier beyond the account's profile quota, carry the owner
 * value {@code pool:TIER} (see {@link #poolOwner(Tier)}); a {@code :} can never occur in a tenant id, so a pool
 * can never be mistaken for a tenant's dedicated profile.
 *
 * <p>Immutable.
 *
 * @param tenantKey tag key naming the owning tenant
 * @param tierKey tag key holding the tenant's tier
 * @param modelKey tag key holding the logical model
 * @param managedByKey tag key marking profiles this library manages
 * @param managedByValue value of {@code managedByKey} on managed profiles
 * @param fixedTags tags added to every managed profile
 */
public record TagSchema(
        String tenantKey,
        String tierKey,
        String modelKey,
        String managedByKey,
        String managedByValue,
        Map<String, String> fixedTags) {

    /** Prefix of the owner tag value of pool profiles. */
    public static final String POOL_OWNER_PREFIX = "pool:";

    private static final TagSchema DEFAULTS = builder().build();

    /**
     * Validates against Bedrock's tag rules and copies.
     *
     * @throws ConfigurationException naming the bad key or value, a reserved key used twice, or more tags than
     *     Bedrock allows on one resource (50)
     */
    public TagSchema {
        Objects.requireNonNull(fixedTags, "fixedTags");
        Map<String, String> reserved = new TreeMap<>();
        try {
            for (String key : new String[] {tenantKey, tierKey, modelKey, managedByKey}) {
                Constraints.requireTagKey(key);
                if (reserved.put(key, "") != null) {
                    throw new IllegalArgumentException("tag key \"" + key + "\" is used for two reserved tags");
                }
            }
            Constraints.requireTag(managedByKey, managedByValue);
            if (managedByValue.isEmpty()) {
                throw new IllegalArgumentException("the managed-by tag " + managedByKey + " needs a non-empty value");
            }
            for (Map.Entry<String, String> e : fixedTags.entrySet()) {
                Constraints.requireTag(e.getKey(), e.getValue());
                if (reserved.containsKey(e.getKey())) {
                    throw new IllegalArgumentException("fixed tag \"" + e.getKey()
                            + "\" collides with a reserved tag key; choose another key");
                }
            }
            if (fixedTags.size() + reserved.size() > Constraints.MAX_TAGS_PER_RESOURCE) {
                throw new IllegalArgumentException("the schema writes " + (fixedTags.size() + reserved.size())
                        + " tags; Bedrock allows at most " + Constraints.MAX_TAGS_PER_RESOURCE + " per profile");
            }
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("Invalid tag schema: " + e.getMessage(), e);
        }
        fixedTags = Collections.unmodifiableMap(new TreeMap<>(fixedTags));
    }

    /** The default schema: {@code TenantId}, {@code Tier}, {@code Model}, {@code ManagedBy=aip}, no fixed tags. */
    public static TagSchema defaults() {
        return DEFAULTS;
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The owner tag value of the pool profile of a tier: {@code pool:TIER}. */
    public static String poolOwner(Tier tier) {
        return POOL_OWNER_PREFIX + tier.name();
    }

    /**
     * The tags of a tenant's dedicated profile: reserved tags, then fixed tags, then the tenant's extra tags (which
     * may override fixed tags).
     *
     * @param extraTags per-tenant tags, e.g. a tenant-specific {@code CostCenter}
     * @return the tags, sorted by key
     * @throws IllegalArgumentException naming an invalid logical model, tag, a reserved key in {@code extraTags},
     *     or more than 50 tags in total
     */
    public Map<String, String> tagsFor(TenantId tenant, Tier tier, String logicalModel,
            Map<String, String> extraTags) {
        Objects.requireNonNull(tenant, "tenant");
        return tags(tenant.value(), tier, logicalModel, extraTags);
    }

    /** The tags of a tier's pool profile for a logical model. */
    public Map<String, String> poolTagsFor(Tier tier, String logicalModel) {
        return tags(poolOwner(tier), tier, logicalModel, Map.of());
    }

    /** The raw owner tag value, if the tags have one (a tenant id, or {@code pool:TIER} for pool profiles). */
    public Optional<String> ownerOf(Map<String, String> tags) {
        return Optional.ofNullable(tags.get(tenantKey));
    }

    /** The owning tenant named by the tags, if they name a valid tenant id (pool profiles name none). */
    public Optional<TenantId> tenantOf(Map<String, String> tags) {
        String owner = tags.get(tenantKey);
        if (owner == null || owner.startsWith(POOL_OWNER_PREFIX)) {
            return Optional.empty();
        }
        try {
            return Optional.of(TenantId.of(owner));
        } catch (RuntimeException invalid) {
            return Optional.empty();
        }
    }

    /** The tier whose pool the tags describe, if they describe a pool profile. */
    public Optional<Tier> poolTierOf(Map<String, String> tags) {
        String owner = tags.get(tenantKey);
        if (owner == null || !owner.startsWith(POOL_OWNER_PREFIX)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Tier.of(owner.substring(POOL_OWNER_PREFIX.length())));
        } catch (RuntimeException invalid) {
            return Optional.empty();
        }
    }

    /** Whether the tags mark a profile managed by this library ({@code managedByKey=managedByValue}). */
    public boolean isManaged(Map<String, String> tags) {
        return managedByValue.equals(tags.get(managedByKey));
    }

    /** The keys this schema writes on every profile: the reserved keys and the fixed tag keys. */
    public Set<String> schemaKeys() {
        Set<String> keys = new LinkedHashSet<>(List.of(tenantKey, tierKey, modelKey, managedByKey));
        keys.addAll(fixedTags.keySet());
        return Collections.unmodifiableSet(keys);
    }

    /**
     * Checks a logical model name: it is written into the model tag, so it must be a valid, non-empty tag value.
     *
     * @throws IllegalArgumentException naming the problem
     */
    static String requireLogicalModel(String logicalModel) {
        if (logicalModel == null || logicalModel.isBlank()) {
            throw new IllegalArgumentException("logical model is " + (logicalModel == null ? "null" : "blank"));
        }
        if (logicalModel.length() > Constraints.MAX_TAG_VALUE_LENGTH
                || !Constraints.TAG_TEXT.matcher(logicalModel).matches()) {
            throw new IllegalArgumentException("logical model \"" + logicalModel + "\" is not a valid tag value"
                    + " (at most 256 of letters, digits, whitespace and . _ : / = + @ -)");
        }
        return logicalModel;
    }

    private Map<String, String> tags(String owner, Tier tier, String logicalModel, Map<String, String> extraTags) {
        Objects.requireNonNull(tier, "tier");
        Objects.requireNonNull(extraTags, "extraTags");
        requireLogicalModel(logicalModel);
        TreeMap<String, String> tags = new TreeMap<>(fixedTags);
        for (Map.Entry<String, String> e : extraTags.entrySet()) {
            String key = e.getKey();
            if (tenantKey.equals(key) || tierKey.equals(key) || modelKey.equals(key) || managedByKey.equals(key)) {
                throw new IllegalArgumentException("extra tag \"" + key + "\" is reserved by the tag schema;"
                        + " the library sets it itself");
            }
            Constraints.requireTag(key, e.getValue());
            tags.put(key, e.getValue());
        }
        tags.put(tenantKey, owner);
        tags.put(tierKey, tier.name());
        tags.put(modelKey, logicalModel);
        tags.put(managedByKey, managedByValue);
        Constraints.requireTags(tags);
        return Collections.unmodifiableMap(tags);
    }

    /**
     * Builds a {@link TagSchema}. Not thread-safe; confine to one thread.
     *
     * <p>Each setting may be set once; a second set is a {@link ConfigurationException}, except {@code tag}, which adds
     * one fixed tag per call.
     */
    public static final class Builder {
        private final Map<String, Object> given = new HashMap<>();
        private String tenantKey = "TenantId";
        private String tierKey = "Tier";
        private String modelKey = "Model";
        private String managedByKey = "ManagedBy";
        private String managedByValue = "aip";
        private final TreeMap<String, String> fixedTags = new TreeMap<>();

        private Builder() {
        }

        /** Tag key naming the owning tenant (default {@code TenantId}). */
        public Builder tenantKey(String key) {
            ConfigurationException.requireFirstSet(given, "TagSchema.tenantKey", key);
            this.tenantKey = key;
            return this;
        }

        /** Tag key holding the tier (default {@code Tier}). */
        public Builder tierKey(String key) {
            ConfigurationException.requireFirstSet(given, "TagSchema.tierKey", key);
            this.tierKey = key;
            return this;
        }

        /** Tag key holding the logical model (default {@code Model}). */
        public Builder modelKey(String key) {
            ConfigurationException.requireFirstSet(given, "TagSchema.modelKey", key);
            this.modelKey = key;
            return this;
        }

        /** The marker of managed profiles (default {@code ManagedBy=aip}). */
        public Builder managedBy(String key, String value) {
            ConfigurationException.requireFirstSet(given, "TagSchema.managedBy", key + "=" + value);
            this.managedByKey = key;
            this.managedByValue = value;
            return this;
        }

        /** Adds {@code CostCenter=value} to every profile. */
        public Builder costCenter(String value) {
            ConfigurationException.requireFirstSet(given, "TagSchema.costCenter", value);
            return tag("CostCenter", value);
        }

        /** Adds {@code Environment=value} to every profile. */
        public Builder environment(String value) {
            ConfigurationException.requireFirstSet(given, "TagSchema.environment", value);
            return tag("Environment", value);
        }

        /** Adds a fixed tag to every profile. */
        public Builder tag(String key, String value) {
            fixedTags.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * Builds the schema.
         *
         * @throws ConfigurationException naming the invalid key or value
         */
        public TagSchema build() {
            return new TagSchema(tenantKey, tierKey, modelKey, managedByKey, managedByValue, fixedTags);
        }
    }
}
