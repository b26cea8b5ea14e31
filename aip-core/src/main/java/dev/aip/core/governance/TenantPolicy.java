package dev.aip.core.governance;

import dev.aip.core.ConfigurationException;
import dev.aip.core.chat.InferenceSettings;
import dev.aip.core.tenant.Tier;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What one tenant (or every tenant of a tier) may do: rates, concurrency, budget, models and output size.
 *
 * <p><b>Layers.</b> A {@link PolicySet} holds a default policy, one per tier and one per tenant; the policy a call
 * is admitted under is the tenant's layered over its tier's over the default ({@link #overriddenBy}). In a layer,
 * {@code null} means "not said here, inherit"; to lift a limit that a lower layer sets, use {@link #UNLIMITED}
 * ({@link Budget#UNLIMITED} for budgets, {@code "*"} among the allowed models). In the effective policy,
 * {@code null} and the unlimited values both mean no limit.
 *
 * <p><b>Units.</b>
 * <ul>
 *   <li>{@code tokensPerMinute} counts every token of a call as Bedrock reports it: input, output, and both
 *       prompt-cache buckets. Cached prompt tokens are counted because the reservation made before a call is
 *       estimated from the whole prompt, cached part included, and because a budget of throughput should not
 *       depend on cache hits; this errs on the safe side of Bedrock's own per-model quota.</li>
 *   <li>{@code requestsPerMinute} counts admitted calls, not the attempts a retry policy makes inside one call.</li>
 *   <li>Rates are token buckets refilled smoothly: a limit of 60 per minute allows a burst of 60 and then one per
 *       second.</li>
 * </ul>
 *
 * <p><b>Shaping and fallback.</b> {@code defaultSettings} fill the inference settings a request leaves unset, and a
 * request without {@code maxTokens} is sent with {@code maxOutputTokens} ({@link Governance#shape}). The
 * {@code fallbackChain} is where the pipeline sends a call once the tenant's own profiles have failed
 * ({@link Governance#fallbackRoutes()}, {@code RetryPolicy}).
 *
 * <p>Immutable.
 *
 * @param tier the tenant's tier as configured; when set it selects the tier layer instead of the tier the caller's
 *     {@code TenantContext} carries. Meaningful in tenant layers only
 * @param requestsPerMinute admitted calls per minute, at least 1
 * @param tokensPerMinute tokens per minute (see Units), at least 1
 * @param maxConcurrentCalls calls in flight at once, at least 1
 * @param budget the spending limit per period
 * @param allowedModels the logical models the tenant may call (as in {@code ChatRequest.model}); {@code "*"} allows
 *     any; an empty set allows none; copied
 * @param maxOutputTokens the largest {@code maxTokens} a call may ask for, at least 1; also the {@code maxTokens}
 *     sent (and reserved) for calls that do not set one
 * @param defaultSettings inference settings for calls that leave them unset
 * @param fallbackChain profiles to try, in order, when the tenant's own fails (profile ARNs or logical models);
 *     copied
 */
public record TenantPolicy(
        @Nullable Tier tier,
        @Nullable Long requestsPerMinute,
        @Nullable Long tokensPerMinute,
        @Nullable Integer maxConcurrentCalls,
        @Nullable Budget budget,
        @Nullable Set<String> allowedModels,
        @Nullable Integer maxOutputTokens,
        @Nullable InferenceSettings defaultSettings,
        @Nullable List<String> fallbackChain) {

    /** The value that lifts a numeric limit set by a lower layer. */
    public static final long UNLIMITED = Long.MAX_VALUE;

    /** The entry of {@link #allowedModels()} that allows every model. */
    public static final String ANY_MODEL = "*";

    /** A policy that says nothing: every limit inherited, or none. */
    public static final TenantPolicy EMPTY = builder().build();

    /**
     * Validates and copies.
     *
     * @throws IllegalArgumentException naming the field that is out of range
     */
    public TenantPolicy {
        positive("requestsPerMinute", requestsPerMinute);
        positive("tokensPerMinute", tokensPerMinute);
        positive("maxConcurrentCalls", maxConcurrentCalls == null ? null : maxConcurrentCalls.longValue());
        positive("maxOutputTokens", maxOutputTokens == null ? null : maxOutputTokens.longValue());
        if (allowedModels != null) {
            for (String m : allowedModels) {
                if (m == null || m.isBlank()) {
                    throw new IllegalArgumentException("allowedModels holds a blank model name");
                }
            }
            allowedModels = Collections.unmodifiableSet(new LinkedHashSet<>(allowedModels));
        }
        if (fallbackChain != null) {
            fallbackChain = List.copyOf(fallbackChain);
            if (fallbackChain.stream().anyMatch(String::isBlank)) {
                throw new IllegalArgumentException("fallbackChain holds a blank profile");
            }
        }
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
     * Returns a builder holding this policy.
     *
     * @return the builder
     */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.tier = tier;
        b.requestsPerMinute = requestsPerMinute;
        b.tokensPerMinute = tokensPerMinute;
        b.maxConcurrentCalls = maxConcurrentCalls;
        b.budget = budget;
        b.allowedModels = allowedModels;
        b.maxOutputTokens = maxOutputTokens;
        b.defaultSettings = defaultSettings;
        b.fallbackChain = fallbackChain;
        return b;
    }

    /**
     * Layers another policy over this one: every field the other sets replaces this one's.
     *
     * @param over the higher layer (a tier's over the default, a tenant's over its tier's)
     * @return the layered policy
     */
    public TenantPolicy overriddenBy(TenantPolicy over) {
        Objects.requireNonNull(over, "over");
        return new TenantPolicy(
                pick(over.tier, tier),
                pick(over.requestsPerMinute, requestsPerMinute),
                pick(over.tokensPerMinute, tokensPerMinute),
                pick(over.maxConcurrentCalls, maxConcurrentCalls),
                pick(over.budget, budget),
                pick(over.allowedModels, allowedModels),
                pick(over.maxOutputTokens, maxOutputTokens),
                pick(over.defaultSettings, defaultSettings),
                pick(over.fallbackChain, fallbackChain));
    }

    /**
     * Returns whether the policy lets the tenant call a logical model.
     *
     * @param model the logical model, as in {@code ChatRequest.model}
     * @return {@code true} if no model list is set, it holds {@value #ANY_MODEL}, or it holds the model
     */
    public boolean allowsModel(String model) {
        return allowedModels == null || allowedModels.contains(ANY_MODEL) || allowedModels.contains(model);
    }

    /** The requests-per-minute limit in force, or 0 for none. */
    long requestRate() {
        return limit(requestsPerMinute);
    }

    /** The tokens-per-minute limit in force, or 0 for none. */
    long tokenRate() {
        return limit(tokensPerMinute);
    }

    /** The concurrency cap in force, or 0 for none. */
    int concurrencyCap() {
        return maxConcurrentCalls == null || maxConcurrentCalls == Integer.MAX_VALUE ? 0 : maxConcurrentCalls;
    }

    /** The output cap in force, or 0 for none. */
    int outputCap() {
        return maxOutputTokens == null || maxOutputTokens == Integer.MAX_VALUE ? 0 : maxOutputTokens;
    }

    /** The budget in force, or {@code null} for none. */
    Budget budgetInForce() {
        return budget != null && budget.isLimited() ? budget : null;
    }

    private static long limit(Long value) {
        return value == null || value == UNLIMITED ? 0 : value;
    }

    private static <T> T pick(T over, T under) {
        return over != null ? over : under;
    }

    private static void positive(String name, Long value) {
        if (value != null && value < 1) {
            throw new IllegalArgumentException(name + " must be at least 1, was " + value
                    + "; leave it unset to inherit, or use TenantPolicy.UNLIMITED for no limit");
        }
    }

    /**
     * Builds a {@link TenantPolicy}; unset fields are inherited. Not thread-safe; confine to one thread.
     *
     * <p>Each setting may be set once; a second set is a {@link ConfigurationException}.
     */
    public static final class Builder {
        private final Map<String, Object> given = new HashMap<>();
        private Tier tier;
        private Long requestsPerMinute;
        private Long tokensPerMinute;
        private Integer maxConcurrentCalls;
        private Budget budget;
        private Set<String> allowedModels;
        private Integer maxOutputTokens;
        private InferenceSettings defaultSettings;
        private List<String> fallbackChain;

        private Builder() {
        }

        /** Sets the tenant's tier (tenant layers only). */
        public Builder tier(Tier value) {
            ConfigurationException.requireFirstSet(given, "TenantPolicy.tier", value);
            tier = value;
            return this;
        }

        /** Sets the admitted calls per minute; {@link TenantPolicy#UNLIMITED} for none. */
        public Builder requestsPerMinute(long value) {
            ConfigurationException.requireFirstSet(given, "TenantPolicy.requestsPerMinute", value);
            requestsPerMinute = value;
            return this;
        }

        /** Sets the tokens per minute; {@link TenantPolicy#UNLIMITED} for none. */
        public Builder tokensPerMinute(long value) {
            ConfigurationException.requireFirstSet(given, "TenantPolicy.tokensPerMinute", value);
            tokensPerMinute = value;
            return this;
        }

        /** Sets the calls in flight at once; {@code Integer.MAX_VALUE} for none. */
        public Builder maxConcurrentCalls(int value) {
            ConfigurationException.requireFirstSet(given, "TenantPolicy.maxConcurrentCalls", value);
            maxConcurrentCalls = value;
            return this;
        }

        /** Sets the budget; {@link Budget#UNLIMITED} for none. */
        public Builder budget(Budget value) {
            ConfigurationException.requireFirstSet(given, "TenantPolicy.budget", value);
            budget = value;
            return this;
        }

        /** Sets the logical models the tenant may call; {@code "*"} for any. */
        public Builder allowedModels(String... values) {
            return allowedModels(new LinkedHashSet<>(List.of(values)));
        }

        /** Sets the logical models the tenant may call; {@code "*"} for any. */
        public Builder allowedModels(Set<String> value) {
            ConfigurationException.requireFirstSet(given, "TenantPolicy.allowedModels", value);
            allowedModels = Objects.requireNonNull(value, "allowedModels");
            return this;
        }

        /** Sets the largest {@code maxTokens} a call may ask for; {@code Integer.MAX_VALUE} for none. */
        public Builder maxOutputTokens(int value) {
            ConfigurationException.requireFirstSet(given, "TenantPolicy.maxOutputTokens", value);
            maxOutputTokens = value;
            return this;
        }

        /** Sets the inference settings for calls that leave them unset. */
        public Builder defaultSettings(InferenceSettings value) {
            ConfigurationException.requireFirstSet(given, "TenantPolicy.defaultSettings", value);
            defaultSettings = value;
            return this;
        }

        /** Sets the fallback profiles, in order. */
        public Builder fallbackChain(List<String> value) {
            ConfigurationException.requireFirstSet(given, "TenantPolicy.fallbackChain", value);
            fallbackChain = value;
            return this;
        }

        /**
         * Builds the policy.
         *
         * @return the policy
         * @throws IllegalArgumentException naming a field that is out of range
         */
        public TenantPolicy build() {
            return new TenantPolicy(tier, requestsPerMinute, tokensPerMinute, maxConcurrentCalls, budget,
                    allowedModels, maxOutputTokens, defaultSettings, fallbackChain);
        }
    }
}
