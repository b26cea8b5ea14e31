package dev.aip.core.governance;

import dev.aip.core.ConfigurationException;
import dev.aip.core.tenant.Tier;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * How tenants share a model's account-wide capacity when Bedrock throttles: tier weights, reserved shares, the
 * capacity of each model, and how the capacity estimate reacts to throttles.
 *
 * <p><b>Why.</b> Bedrock's tokens-per-minute quota is per model and region for the whole account: every tenant's
 * calls to one source model draw from one quota, so one tenant that floods can get every tenant throttled. With fair
 * share on ({@link Governance.Builder#fairShare}, or a {@code fairShare} section in the {@link PolicyFile}),
 * {@link Governance} keeps, per source model and region, the tokens each tenant used in the last minute and an
 * estimate of the account's capacity, and sheds the tenants above their share when the model is congested, lowest
 * weights first.
 *
 * <p><b>Capacity estimate</b> (tokens per minute, per source model and region). It starts at the model's configured
 * {@linkplain Builder#capacity(String, long) capacity} (the account's quota, or the part of it this application may
 * use), or is unknown when none is configured: then the model counts as uncongested until Bedrock first throttles
 * it. When a call of the model comes back throttled ({@code THROTTLED}, or a {@code ThrottlingException} inside a
 * stream: a Bedrock 429; not {@code ModelNotReadyException}), the estimate drops to {@linkplain Builder#decrease β}
 * times the lower of itself and the tokens used in the last minute (multiplicative decrease). A throttling event
 * counts once, not once per caller: there is at most one decrease per {@linkplain Builder#cooldown cooldown}, and
 * none while the tokens of the last minute are still above the estimate (Bedrock still counts the minute before the
 * decrease, and throttles the calls in flight until it drains; reacting to each of those would collapse the
 * estimate). After each
 * {@linkplain Builder#increaseInterval interval} without a decrease, it grows by the
 * {@linkplain Builder#additiveIncrease additive increase} (default: a twentieth of the configured capacity, or of
 * the load at the first throttle when none is configured). It stays within [{@linkplain Builder#minimumCapacity
 * minimum}, configured capacity].
 *
 * <p><b>Shares.</b> A tenant's share of a congested model is its tier's weight over the weights of all tenants active
 * on the model in the last minute, times the capacity estimate; a tier whose weighted share would fall below its
 * {@linkplain Builder#reservedShare reserved share} gets the reserved share instead (split equally among its active
 * tenants), and the other tiers share the rest by weight. Shares of the active tenants never add up to more than the
 * estimate. Defaults: weights premium 4, standard 2, basic 1, any other tier 1; premium reserves 30 %.
 * Example: with capacity 600,000 and one premium, two standard and one basic tenant active, the shares are 266,666,
 * 133,333, 133,333 and 66,666 tokens per minute; with one premium and twenty basic tenants, premium's weighted share
 * would be 4/24 (100,000), and its reservation lifts it to 180,000.
 *
 * <p><b>Admission</b> (a step of {@link Governance}'s admission, after the tenant's own rate limits and before its
 * budget). The call's estimated tokens (the same estimate the token bucket reserves) are added to its tenant's and its
 * model's usage of the last minute. If the model's usage then stays within the estimate less its
 * {@linkplain Builder#headroom headroom} (default 10 %), the call passes: an uncongested model sheds nothing, whatever
 * a tenant's share. Otherwise the model is congested, and the call passes only if its tenant's usage
 * stays within the tenant's share (or the tenant had used nothing in the last minute); else it is refused with a
 * retryable {@link dev.aip.core.RateLimitExceededException} named {@code fair-share}, its reservation is taken back,
 * and the retry-after says when enough of the tenant's or the model's usage leaves the minute for the same call to
 * pass. At release, the reservation is settled to the tokens the call's attempts really used. The headroom is what
 * keeps tenants within their share clear of Bedrock's throttles: one tenant cannot fill the quota to the brim, so the
 * others' ups and downs find room.
 *
 * <p><b>The window</b> is the last 60 to 61 seconds, in one-second slots, on the {@link Governance.Builder#ticker
 * ticker}: never shorter than Bedrock's own minute. State is per source model and region, kept by the
 * {@link FairShareState}: by default local to the {@code Governance} instance (a tenant unseen for two minutes is
 * forgotten), so N instances each believe the whole capacity is theirs.
 *
 * <p><b>Several instances.</b> With a shared {@link FairShareState} ({@link Governance.Builder#fairShareState}, e.g.
 * on Redis) every instance decides on the same windows and the same estimate, with the decisions above: calls spread
 * over N instances are decided as if they had reached one, so a flooding tenant gets its share once; a throttle any
 * instance settles lowers the one estimate (at most once per cooldown, whoever reports it); the additive increase is
 * due by time, one step per interval however many instances ask. Each admission's add, decision and take-back is one
 * atomic step of the shared state, so concurrent calls on different instances never both pass on the same room.
 * While it cannot be reached, calls are decided on the instance's own state or refused, as the tier's
 * {@link FailurePolicy#rateLimits()} says (see {@link FairShareState}).
 *
 * <pre>{@code
 * Governance governance = Governance.builder()
 *     .policies(policies)
 *     .fairShare(FairShare.builder()
 *         .weight(Tier.PREMIUM, 4).weight(Tier.STANDARD, 2).weight(Tier.BASIC, 1)
 *         .reservedShare(Tier.PREMIUM, new BigDecimal("0.30"))
 *         .capacity("anthropic.claude-3-5-haiku-20241022-v1:0", 400_000)
 *         .build())
 *     .build();
 * System.out.println(governance.fairShare());   // estimates, active tenants, shares, shed calls
 * }</pre>
 *
 * <p>Immutable.
 */
public final class FairShare {

    /** The weight of a tier without one of its own, unless {@link Builder#defaultWeight} says otherwise. */
    public static final int DEFAULT_WEIGHT = 1;
    private static final long PPM = 1_000_000L;

    private final Map<Tier, Integer> weights;
    private final int defaultWeight;
    private final Map<Tier, BigDecimal> reservedShares;
    private final Map<Tier, Long> reservedPpm;
    private final Map<String, Long> capacities;
    private final Long defaultCapacity;
    private final BigDecimal decrease;
    private final BigDecimal headroom;
    private final long headroomPpm;
    private final long decreasePpm;
    private final Long additiveIncrease;
    private final Duration increaseInterval;
    private final Duration cooldown;
    private final long minimumCapacity;

    private FairShare(Builder b) {
        this.weights = Collections.unmodifiableMap(new LinkedHashMap<>(b.weights));
        this.defaultWeight = b.defaultWeight;
        this.reservedShares = Collections.unmodifiableMap(new LinkedHashMap<>(b.reserved));
        Map<Tier, Long> ppm = new LinkedHashMap<>();
        b.reserved.forEach((tier, fraction) -> {
            if (fraction.signum() > 0) {
                ppm.put(tier, ppm(fraction));
            }
        });
        this.reservedPpm = Map.copyOf(ppm);
        this.capacities = Collections.unmodifiableMap(new LinkedHashMap<>(b.capacities));
        this.defaultCapacity = b.defaultCapacity;
        this.decrease = b.decrease;
        this.decreasePpm = ppm(b.decrease);
        this.headroom = b.headroom;
        this.headroomPpm = ppm(b.headroom);
        this.additiveIncrease = b.additiveIncrease;
        this.increaseInterval = b.increaseInterval;
        this.cooldown = b.cooldown;
        this.minimumCapacity = b.minimumCapacity;
    }

    /**
     * Returns a builder holding the defaults.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the defaults: weights premium 4, standard 2, basic 1 (others 1), premium reserves 30 %, no configured
     * capacity, β 0.7, headroom 0.1, increase every 15 s, cooldown 5 s, minimum 1,000 tokens per minute.
     *
     * @return the default settings
     */
    public static FairShare defaults() {
        return builder().build();
    }

    /**
     * Returns a builder holding these settings.
     *
     * @return the builder
     */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.weights.clear();
        b.weights.putAll(weights);
        b.defaultWeight = defaultWeight;
        b.reserved.clear();
        b.reserved.putAll(reservedShares);
        b.capacities.putAll(capacities);
        b.defaultCapacity = defaultCapacity;
        b.decrease = decrease;
        b.headroom = headroom;
        b.additiveIncrease = additiveIncrease;
        b.increaseInterval = increaseInterval;
        b.cooldown = cooldown;
        b.minimumCapacity = minimumCapacity;
        return b;
    }

    /**
     * Returns a tier's weight.
     *
     * @param tier the tier
     * @return its configured weight, or the default weight
     */
    public int weight(Tier tier) {
        Integer w = weights.get(tier);
        return w != null ? w : defaultWeight;
    }

    /**
     * Returns the weights configured per tier.
     *
     * @return unmodifiable, in the order they were set
     */
    public Map<Tier, Integer> weights() {
        return weights;
    }

    /**
     * Returns the weight of tiers without one of their own.
     *
     * @return at least 1
     */
    public int defaultWeight() {
        return defaultWeight;
    }

    /**
     * Returns a tier's reserved share.
     *
     * @param tier the tier
     * @return the fraction of a model's capacity its active tenants keep together, 0 if none
     */
    public BigDecimal reservedShare(Tier tier) {
        return reservedShares.getOrDefault(tier, BigDecimal.ZERO);
    }

    /**
     * Returns the reserved shares configured per tier.
     *
     * @return unmodifiable, fractions between 0 and 1 that add up to at most 1
     */
    public Map<Tier, BigDecimal> reservedShares() {
        return reservedShares;
    }

    /**
     * Returns the configured capacity of a model in a region: the most specific of {@code model@region},
     * {@code model} and the default.
     *
     * @param sourceModelId the foundation model, e.g. {@code anthropic.claude-3-5-haiku-20241022-v1:0}
     * @param region the region
     * @return tokens per minute, or empty when none is configured (the capacity is then learnt from throttles)
     */
    public OptionalLong capacity(String sourceModelId, String region) {
        Long c = capacities.get(sourceModelId + "@" + region);
        if (c == null) {
            c = capacities.get(sourceModelId);
        }
        if (c == null) {
            c = defaultCapacity;
        }
        return c == null ? OptionalLong.empty() : OptionalLong.of(c);
    }

    /**
     * Returns the capacities configured per model, keyed {@code model} or {@code model@region}.
     *
     * @return unmodifiable, tokens per minute
     */
    public Map<String, Long> capacities() {
        return capacities;
    }

    /**
     * Returns the capacity of models without one of their own.
     *
     * @return tokens per minute, or empty for none
     */
    public OptionalLong defaultCapacity() {
        return defaultCapacity == null ? OptionalLong.empty() : OptionalLong.of(defaultCapacity);
    }

    /**
     * Returns β, the factor the capacity estimate is multiplied by when Bedrock throttles.
     *
     * @return a fraction above 0 and below 1
     */
    public BigDecimal decrease() {
        return decrease;
    }

    /**
     * Returns the fraction of the capacity estimate that tenants above their share leave free for those within it.
     *
     * @return a fraction from 0 to below 1
     */
    public BigDecimal headroom() {
        return headroom;
    }

    /**
     * Returns the additive increase per interval without throttles.
     *
     * @return tokens per minute, or empty for the default (a twentieth of the configured capacity, or of the load
     *     at the first throttle)
     */
    public OptionalLong additiveIncrease() {
        return additiveIncrease == null ? OptionalLong.empty() : OptionalLong.of(additiveIncrease);
    }

    /**
     * Returns how long the estimate must go without a decrease before each additive increase.
     *
     * @return a positive duration
     */
    public Duration increaseInterval() {
        return increaseInterval;
    }

    /**
     * Returns the shortest time between two decreases of one model's estimate.
     *
     * @return a positive duration
     */
    public Duration cooldown() {
        return cooldown;
    }

    /**
     * Returns the lowest the capacity estimate goes.
     *
     * @return tokens per minute, at least 1
     */
    public long minimumCapacity() {
        return minimumCapacity;
    }

    /**
     * Returns the share of one tenant of each active tier on a congested model, as admission computes it: weighted
     * fair share with the reserved shares guaranteed, in exact integer arithmetic, rounded down (see the class
     * comment). For a shared {@link FairShareState}'s snapshot, and for what-if questions.
     *
     * @param capacityTokensPerMinute the capacity estimate, at least 0
     * @param activeTenants how many tenants of each tier are active; tiers with 0 are ignored
     * @return one tenant's share of each tier with an active tenant, in tokens per minute; unmodifiable
     * @throws IllegalArgumentException if the capacity or a count is negative
     */
    public Map<Tier, Long> shares(long capacityTokensPerMinute, Map<Tier, Integer> activeTenants) {
        if (capacityTokensPerMinute < 0) {
            throw new IllegalArgumentException("A capacity must be at least 0, was " + capacityTokensPerMinute);
        }
        activeTenants.forEach((tier, count) -> {
            if (count < 0) {
                throw new IllegalArgumentException("The active tenants of tier " + tier.name() + " must be at least"
                        + " 0, were " + count);
            }
        });
        return Collections.unmodifiableMap(Shares.perTenant(capacityTokensPerMinute, activeTenants, this));
    }

    /** The reserved share of a tier in parts per million, 0 if none. */
    long reservedPpm(Tier tier) {
        Long p = reservedPpm.get(tier);
        return p == null ? 0 : p;
    }

    /** The headroom in parts per million. */
    long headroomPpm() {
        return headroomPpm;
    }

    /** β in parts per million. */
    long decreasePpm() {
        return decreasePpm;
    }

    @Override
    public String toString() {
        return "FairShare[weights=" + weights + ", defaultWeight=" + defaultWeight + ", reserved=" + reservedShares
                + ", capacities=" + capacities + ", defaultCapacity=" + defaultCapacity + ", decrease="
                + decrease.toPlainString() + ", headroom=" + headroom.toPlainString() + ", additiveIncrease=" + additiveIncrease + ", increaseInterval="
                + increaseInterval + ", cooldown=" + cooldown + ", minimumCapacity=" + minimumCapacity + "]";
    }

    private static long ppm(BigDecimal fraction) {
        return fraction.movePointRight(6).setScale(0, java.math.RoundingMode.DOWN).longValueExact();
    }

    /**
     * Builds {@link FairShare} settings, starting from the defaults. Not thread-safe; confine to one thread.
     *
     * <p>Each setting may be set once; a second set is a {@link ConfigurationException}, except {@code weight},
     * {@code reservedShare} and {@code capacity}, which add one entry per call.
     */
    public static final class Builder {
        private final Map<String, Object> given = new HashMap<>();
        private final Map<Tier, Integer> weights = new LinkedHashMap<>();
        private int defaultWeight = DEFAULT_WEIGHT;
        private final Map<Tier, BigDecimal> reserved = new LinkedHashMap<>();
        private final Map<String, Long> capacities = new LinkedHashMap<>();
        private Long defaultCapacity;
        private BigDecimal decrease = new BigDecimal("0.7");
        private BigDecimal headroom = new BigDecimal("0.1");
        private Long additiveIncrease;
        private Duration increaseInterval = Duration.ofSeconds(15);
        private Duration cooldown = Duration.ofSeconds(5);
        private long minimumCapacity = 1_000;

        private Builder() {
            weights.put(Tier.PREMIUM, 4);
            weights.put(Tier.STANDARD, 2);
            weights.put(Tier.BASIC, 1);
            reserved.put(Tier.PREMIUM, new BigDecimal("0.30"));
        }

        /**
         * Sets a tier's weight.
         *
         * @param tier the tier
         * @param weight 1 to 1,000
         * @return this builder
         * @throws ConfigurationException if the weight is out of range
         */
        public Builder weight(Tier tier, int weight) {
            Objects.requireNonNull(tier, "tier");
            weights.put(tier, checkWeight(weight, "weight of tier " + tier.name()));
            return this;
        }

        /**
         * Sets the weight of tiers without one of their own; default {@value FairShare#DEFAULT_WEIGHT}.
         *
         * @param weight 1 to 1,000
         * @return this builder
         * @throws ConfigurationException if the weight is out of range
         */
        public Builder defaultWeight(int weight) {
            ConfigurationException.requireFirstSet(given, "FairShare.defaultWeight", weight);
            defaultWeight = checkWeight(weight, "defaultWeight");
            return this;
        }

        /**
         * Sets the fraction of a congested model's capacity a tier's active tenants keep together, whatever lower
         * tiers send; {@code 0} removes a reservation (premium reserves 0.30 by default).
         *
         * @param tier the tier
         * @param fraction 0 to 1, at most 6 decimal places; all tiers' together at most 1
         * @return this builder
         * @throws ConfigurationException if the fraction is out of range
         */
        public Builder reservedShare(Tier tier, BigDecimal fraction) {
            Objects.requireNonNull(tier, "tier");
            Objects.requireNonNull(fraction, "fraction");
            if (fraction.signum() < 0 || fraction.compareTo(BigDecimal.ONE) > 0) {
                throw new ConfigurationException("FairShare reserved share of tier " + tier.name() + " must be"
                        + " between 0 and 1, was " + fraction.toPlainString());
            }
            if (fraction.stripTrailingZeros().scale() > 6) {
                throw new ConfigurationException("FairShare reserved share of tier " + tier.name() + " has more"
                        + " than 6 decimal places: " + fraction.toPlainString());
            }
            if (fraction.signum() == 0) {
                reserved.remove(tier);
            } else {
                reserved.put(tier, fraction);
            }
            return this;
        }

        /**
         * Sets the capacity of a model in every region: the account's tokens-per-minute quota for it, or the part of
         * it this application may use. The estimate never goes above it.
         *
         * @param sourceModelId the foundation model, as in {@code ResolvedProfile.sourceModelId}
         * @param tokensPerMinute at least the {@linkplain #minimumCapacity minimum}
         * @return this builder
         */
        public Builder capacity(String sourceModelId, long tokensPerMinute) {
            capacities.put(modelKey(sourceModelId, null), checkCapacity(tokensPerMinute, sourceModelId));
            return this;
        }

        /**
         * Sets the capacity of a model in one region (more specific than {@link #capacity(String, long)}).
         *
         * @param sourceModelId the foundation model
         * @param region the region, e.g. {@code us-east-1}
         * @param tokensPerMinute at least the {@linkplain #minimumCapacity minimum}
         * @return this builder
         */
        public Builder capacity(String sourceModelId, String region, long tokensPerMinute) {
            capacities.put(modelKey(sourceModelId, region),
                    checkCapacity(tokensPerMinute, sourceModelId + "@" + region));
            return this;
        }

        /**
         * Sets the capacity of every model without one of its own; default none (learnt from throttles).
         *
         * @param tokensPerMinute at least the {@linkplain #minimumCapacity minimum}
         * @return this builder
         */
        public Builder defaultCapacity(long tokensPerMinute) {
            ConfigurationException.requireFirstSet(given, "FairShare.defaultCapacity", tokensPerMinute);
            defaultCapacity = checkCapacity(tokensPerMinute, "defaultCapacity");
            return this;
        }

        /**
         * Sets β, the factor of the multiplicative decrease on a throttle; default 0.7.
         *
         * @param factor above 0 and below 1, at most 6 decimal places
         * @return this builder
         */
        public Builder decrease(BigDecimal factor) {
            ConfigurationException.requireFirstSet(given, "FairShare.decrease", factor);
            Objects.requireNonNull(factor, "factor");
            if (factor.signum() <= 0 || factor.compareTo(BigDecimal.ONE) >= 0
                    || factor.stripTrailingZeros().scale() > 6) {
                throw new ConfigurationException("FairShare decrease must be above 0 and below 1 with at most 6"
                        + " decimal places, e.g. 0.7; was " + factor.toPlainString());
            }
            decrease = factor;
            return this;
        }

        /**
         * Sets the fraction of the capacity estimate that tenants above their share leave free for tenants within
         * it; default 0.1. Bedrock throttles whichever call arrives when the quota is full, so a model kept exactly
         * full by one flooding tenant would throttle every tenant's calls alike; the headroom absorbs the others'
         * ups and downs.
         *
         * @param fraction from 0 to below 1, at most 6 decimal places
         * @return this builder
         */
        public Builder headroom(BigDecimal fraction) {
            ConfigurationException.requireFirstSet(given, "FairShare.headroom", fraction);
            Objects.requireNonNull(fraction, "fraction");
            if (fraction.signum() < 0 || fraction.compareTo(BigDecimal.ONE) >= 0
                    || fraction.stripTrailingZeros().scale() > 6) {
                throw new ConfigurationException("FairShare headroom must be from 0 to below 1 with at most 6"
                        + " decimal places, e.g. 0.1; was " + fraction.toPlainString());
            }
            headroom = fraction;
            return this;
        }

        /**
         * Sets the additive increase per interval without throttles; default a twentieth of the model's configured
         * capacity, or of the load at its first throttle when none is configured.
         *
         * @param tokensPerMinute at least 1
         * @return this builder
         */
        public Builder additiveIncrease(long tokensPerMinute) {
            ConfigurationException.requireFirstSet(given, "FairShare.additiveIncrease", tokensPerMinute);
            if (tokensPerMinute < 1) {
                throw new ConfigurationException("FairShare additiveIncrease must be at least 1 token per minute,"
                        + " was " + tokensPerMinute);
            }
            additiveIncrease = tokensPerMinute;
            return this;
        }

        /**
         * Sets how long the estimate must go without a decrease before each additive increase; default 15 s. An
         * estimate above the real capacity lets the quota fill for a whole minute, so probing gently pays.
         *
         * @param value positive
         * @return this builder
         */
        public Builder increaseInterval(Duration value) {
            ConfigurationException.requireFirstSet(given, "FairShare.increaseInterval", value);
            increaseInterval = positive(value, "increaseInterval");
            return this;
        }

        /**
         * Sets the shortest time between two decreases of one model's estimate; default 5 s. Throttles within it
         * after a decrease belong to the same event.
         *
         * @param value positive
         * @return this builder
         */
        public Builder cooldown(Duration value) {
            ConfigurationException.requireFirstSet(given, "FairShare.cooldown", value);
            cooldown = positive(value, "cooldown");
            return this;
        }

        /**
         * Sets the lowest the capacity estimate goes; default 1,000 tokens per minute.
         *
         * @param tokensPerMinute at least 1
         * @return this builder
         */
        public Builder minimumCapacity(long tokensPerMinute) {
            ConfigurationException.requireFirstSet(given, "FairShare.minimumCapacity", tokensPerMinute);
            if (tokensPerMinute < 1) {
                throw new ConfigurationException("FairShare minimumCapacity must be at least 1 token per minute,"
                        + " was " + tokensPerMinute);
            }
            minimumCapacity = tokensPerMinute;
            return this;
        }

        /**
         * Builds the settings.
         *
         * @return the settings
         * @throws ConfigurationException if the reserved shares add up to more than 1, or a capacity is below the
         *     minimum
         */
        public FairShare build() {
            BigDecimal sum = reserved.values().stream().reduce(BigDecimal.ZERO, BigDecimal::add);
            if (sum.compareTo(BigDecimal.ONE) > 0) {
                throw new ConfigurationException("FairShare reserved shares add up to " + sum.toPlainString()
                        + " (" + reserved + "), more than the whole capacity; make them add up to at most 1");
            }
            capacities.forEach((model, tpm) -> {
                if (tpm < minimumCapacity) {
                    throw new ConfigurationException("FairShare capacity of " + model + " is " + tpm + " tokens per"
                            + " minute, below the minimumCapacity of " + minimumCapacity + "; raise it or lower"
                            + " the minimum");
                }
            });
            if (defaultCapacity != null && defaultCapacity < minimumCapacity) {
                throw new ConfigurationException("FairShare defaultCapacity is " + defaultCapacity + " tokens per"
                        + " minute, below the minimumCapacity of " + minimumCapacity);
            }
            return new FairShare(this);
        }

        private static int checkWeight(int weight, String what) {
            if (weight < 1 || weight > 1_000) {
                throw new ConfigurationException("FairShare " + what + " must be between 1 and 1000, was " + weight);
            }
            return weight;
        }

        private static long checkCapacity(long tokensPerMinute, String what) {
            if (tokensPerMinute < 1 || tokensPerMinute > FairShareController.MAX_CAPACITY) {
                throw new ConfigurationException("FairShare capacity of " + what + " must be between 1 and "
                        + FairShareController.MAX_CAPACITY + " tokens per minute, was " + tokensPerMinute);
            }
            return tokensPerMinute;
        }

        private static String modelKey(String sourceModelId, String region) {
            if (sourceModelId == null || sourceModelId.isBlank() || sourceModelId.contains("@")) {
                throw new ConfigurationException("FairShare capacity needs a source model id without '@', was \""
                        + sourceModelId + "\"");
            }
            if (region == null) {
                return sourceModelId;
            }
            if (region.isBlank() || region.contains("@")) {
                throw new ConfigurationException("FairShare capacity needs a region such as us-east-1, was \""
                        + region + "\"");
            }
            return sourceModelId + "@" + region;
        }

        private static Duration positive(Duration value, String name) {
            Objects.requireNonNull(value, name);
            if (value.isNegative() || value.isZero()) {
                throw new ConfigurationException("FairShare " + name + " must be positive, was " + value);
            }
            return value;
        }
    }
}
