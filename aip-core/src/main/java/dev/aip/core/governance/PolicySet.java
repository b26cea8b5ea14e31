package dev.aip.core.governance;

import dev.aip.core.ConfigurationException;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * All tenants' policies: a default, one layer per tier, one per tenant. {@link #policyFor(TenantContext)} layers
 * them into the policy a call is admitted under.
 *
 * <p>The tier layer used is the tenant layer's {@link TenantPolicy#tier()} when it sets one (the operator's word),
 * otherwise the tier of the caller's {@link TenantContext}. A tenant without a layer of its own gets its tier's
 * policy; a tier without a layer gets the default.
 *
 * <pre>{@code
 * PolicySet policies = PolicySet.builder()
 *     .defaults(TenantPolicy.builder().requestsPerMinute(60).maxConcurrentCalls(4).build())
 *     .tier(Tier.PREMIUM, TenantPolicy.builder().requestsPerMinute(600).build())
 *     .tenant(TenantId.of("acme"), TenantPolicy.builder()
 *         .budget(Budget.of(new BigDecimal("50"), BudgetPeriod.monthly(ZoneId.of("Europe/Berlin"))))
 *         .build())
 *     .build();
 * }</pre>
 *
 * <p>Immutable and thread-safe (layered policies are cached); share one, and swap it whole through a
 * {@link PolicyStore} to change policy at run time.
 */
public final class PolicySet {

    private final TenantPolicy defaults;
    private final Map<Tier, TenantPolicy> tiers;
    private final Map<TenantId, TenantPolicy> tenants;
    private final String source;
    private final FairShare fairShare;
    /** Layered policies by tenant and context tier; bounded by tenants × tiers actually seen. */
    private final Map<TenantId, Map<Tier, TenantPolicy>> layered = new ConcurrentHashMap<>();
    private final Map<Tier, TenantPolicy> tierLayered = new ConcurrentHashMap<>();

    private PolicySet(Builder b) {
        this.defaults = b.defaults;
        this.tiers = Collections.unmodifiableMap(new LinkedHashMap<>(b.tiers));
        this.tenants = Collections.unmodifiableMap(new LinkedHashMap<>(b.tenants));
        this.source = b.source;
        this.fairShare = b.fairShare;
    }

    /**
     * Returns an empty builder.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns a set in which every tenant has the same policy.
     *
     * @param policy the policy
     * @return the set
     */
    public static PolicySet of(TenantPolicy policy) {
        return builder().defaults(policy).build();
    }

    /**
     * Returns the policy a tenant's calls are admitted under: its layer over its tier's over the default.
     *
     * @param tenant the tenant and the tier its caller gave
     * @return the layered policy
     */
    public TenantPolicy policyFor(TenantContext tenant) {
        Objects.requireNonNull(tenant, "tenant");
        TenantPolicy own = tenants.get(tenant.id());
        if (own == null) {
            return forTier(tenant.tier());
        }
        // get first: the layering lambda captures, so computeIfAbsent alone would allocate on every call
        Map<Tier, TenantPolicy> byTier = layered.get(tenant.id());
        TenantPolicy cached = byTier != null ? byTier.get(tenant.tier()) : null;
        if (cached != null) {
            return cached;
        }
        return layered.computeIfAbsent(tenant.id(), id -> new ConcurrentHashMap<>())
                .computeIfAbsent(tenant.tier(), t -> forTier(own.tier() != null ? own.tier() : t).overriddenBy(own));
    }

    /**
     * Returns the default layer.
     *
     * @return the policy every tenant starts from
     */
    public TenantPolicy defaults() {
        return defaults;
    }

    /**
     * Returns the tier layers.
     *
     * @return unmodifiable, in the order they were added
     */
    public Map<Tier, TenantPolicy> tiers() {
        return tiers;
    }

    /**
     * Returns the tenant layers.
     *
     * @return unmodifiable, in the order they were added
     */
    public Map<TenantId, TenantPolicy> tenants() {
        return tenants;
    }

    /**
     * Returns the fair-share settings of this set, which win over those given to {@link Governance.Builder#fairShare}.
     *
     * @return the settings, or empty if the set has none
     */
    public Optional<FairShare> fairShare() {
        return Optional.ofNullable(fairShare);
    }

    /** The fair-share settings, or {@code null}; for the admission path. */
    FairShare fairShareSettings() {
        return fairShare;
    }

    /**
     * Returns where the set came from, for messages.
     *
     * @return a file name, or {@code "code"}
     */
    public String source() {
        return source;
    }

    @Override
    public String toString() {
        return "PolicySet[" + source + ", tiers=" + tiers.keySet() + ", tenants=" + tenants.size() + "]";
    }

    private TenantPolicy forTier(Tier tier) {
        TenantPolicy layer = tiers.get(tier);
        if (layer == null) {
            return defaults;
        }
        TenantPolicy cached = tierLayered.get(tier);
        return cached != null ? cached : tierLayered.computeIfAbsent(tier, t -> defaults.overriddenBy(layer));
    }

    /**
     * Builds a {@link PolicySet}. Not thread-safe; confine to one thread.
     *
     * <p>Each setting may be set once; a second set is a {@link ConfigurationException}, except {@code tier} and
     * {@code tenant}, which add one layer per call.
     */
    public static final class Builder {
        private final Map<String, Object> given = new HashMap<>();
        private TenantPolicy defaults = TenantPolicy.EMPTY;
        private final Map<Tier, TenantPolicy> tiers = new LinkedHashMap<>();
        private final Map<TenantId, TenantPolicy> tenants = new LinkedHashMap<>();
        private String source = "code";
        private FairShare fairShare;

        private Builder() {
        }

        /** Sets the default layer; default {@link TenantPolicy#EMPTY} (no limits). */
        public Builder defaults(TenantPolicy value) {
            ConfigurationException.requireFirstSet(given, "PolicySet.defaults", value);
            defaults = Objects.requireNonNull(value, "defaults");
            return this;
        }

        /** Sets a tier's layer. */
        public Builder tier(Tier tier, TenantPolicy value) {
            tiers.put(Objects.requireNonNull(tier, "tier"), Objects.requireNonNull(value, "policy"));
            return this;
        }

        /** Sets a tenant's layer. */
        public Builder tenant(TenantId tenant, TenantPolicy value) {
            tenants.put(Objects.requireNonNull(tenant, "tenant"), Objects.requireNonNull(value, "policy"));
            return this;
        }

        /** Names where the set came from, for messages; default {@code "code"}. */
        public Builder source(String value) {
            ConfigurationException.requireFirstSet(given, "PolicySet.source", value);
            source = Objects.requireNonNull(value, "source");
            return this;
        }

        /**
         * Sets how tenants share each model's account capacity (see {@link FairShare}); default none, which leaves
         * the choice to {@link Governance.Builder#fairShare}.
         *
         * @param value the settings
         * @return this builder
         */
        public Builder fairShare(FairShare value) {
            ConfigurationException.requireFirstSet(given, "PolicySet.fairShare", value);
            fairShare = Objects.requireNonNull(value, "fairShare");
            return this;
        }

        /**
         * Builds the set.
         *
         * @return the set
         */
        public PolicySet build() {
            return new PolicySet(this);
        }
    }
}
