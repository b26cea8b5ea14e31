package dev.aip.core.profile;

import dev.aip.core.ConfigurationException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;

/**
 * Spreads a tenant's calls over the several profiles it owns for one logical model (e.g. one per region, or several
 * application profiles to multiply per-profile quotas), as returned by
 * {@link TenantProfileResolver#resolveAll}. Per call it puts them in an order: the first is where the call goes, the
 * others are where it fails over to, before any fallback chain.
 *
 * <pre>{@code
 * ProfileBalancer balancer = ProfileBalancer.builder()
 *     .strategy(ProfileBalancer.Strategy.LEAST_LOADED)
 *     .weight(usEastArn, 3)          // WEIGHTED_RANDOM: three calls here for one on a weight-1 profile
 *     .build();
 * ChatClient chat = ChatPipeline.builder()....resolver(resolver).balancer(balancer).build();
 * }</pre>
 *
 * <p><b>Strategies.</b> {@link Strategy#WEIGHTED_RANDOM}: each profile comes first with probability
 * {@code weight / sum of weights}; the rest follow in weighted-random order. {@link Strategy#LEAST_LOADED}: the
 * profiles with the fewest attempts in flight in this instance come first, ties ordered weighted-randomly. The load
 * is read when the call is routed, so calls routed at the same instant may pick the same idle profile.
 *
 * <p><b>Load.</b> The pipeline {@linkplain #acquire acquires} a {@link Lease} when an attempt on a profile starts
 * and releases it when the attempt ends, on every outcome (success, failure, cancelled stream); a lease releases
 * its count at most once, however often it is released. {@link #inFlight} reads the count.
 *
 * <p><b>Ownership.</b> The balancer only orders the profiles it is given, never adds one; the resolver's ownership
 * check decides which profiles a tenant may use.
 *
 * <p>Thread-safe; share one instance per process.
 */
public final class ProfileBalancer {

    /** How the balancer orders a tenant's profiles for a call. */
    public enum Strategy {
        /** By weight, at random: a profile of weight 3 comes first three times as often as one of weight 1. */
        WEIGHTED_RANDOM,
        /** Fewest attempts in flight in this instance first; ties by weight, at random. */
        LEAST_LOADED
    }

    /** One attempt in flight on a profile. */
    public interface Lease {

        /** Ends the attempt; only the first call counts. */
        void release();
    }

    private final Strategy strategy;
    private final Map<String, Integer> weights;
    private final RandomGenerator random;
    private final ConcurrentHashMap<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();

    private ProfileBalancer(Builder b) {
        this.strategy = b.strategy;
        this.weights = Map.copyOf(b.weights);
        this.random = b.random;
    }

    /**
     * Returns a builder: weighted random, every profile of weight 1.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Orders a tenant's profiles for one call.
     *
     * @param profiles the profiles the resolver returned for the tenant and model, at least one
     * @return the same profiles, in the order to try them; unmodifiable
     * @throws IllegalArgumentException if the list is empty
     */
    public List<ResolvedProfile> order(List<ResolvedProfile> profiles) {
        Objects.requireNonNull(profiles, "profiles");
        if (profiles.isEmpty()) {
            throw new IllegalArgumentException("a tenant needs at least one profile to balance over");
        }
        if (profiles.size() == 1) {
            return List.copyOf(profiles);
        }
        RandomGenerator r = random != null ? random : ThreadLocalRandom.current();
        List<ResolvedProfile> left = new ArrayList<>(profiles);
        List<ResolvedProfile> ordered = new ArrayList<>(profiles.size());
        long total = 0;
        for (ResolvedProfile p : left) {
            total += weight(p);
        }
        while (!left.isEmpty()) {
            long pick = r.nextLong(total);
            int i = 0;
            for (; i < left.size() - 1; i++) {
                pick -= weight(left.get(i));
                if (pick < 0) {
                    break;
                }
            }
            ResolvedProfile chosen = left.remove(i);
            total -= weight(chosen);
            ordered.add(chosen);
        }
        if (strategy == Strategy.LEAST_LOADED) {
            // A stable sort keeps the weighted-random order among profiles of equal load. Loads are read once, so
            // the comparator stays consistent while attempts start and end concurrently.
            Map<String, Integer> loads = new HashMap<>();
            for (ResolvedProfile p : ordered) {
                loads.put(p.profileArn(), inFlight(p.profileArn()));
            }
            ordered.sort(Comparator.comparingInt(p -> loads.get(p.profileArn())));
        }
        return List.copyOf(ordered);
    }

    /**
     * Counts an attempt on a profile as in flight until the lease is released.
     *
     * @param profile the profile the attempt goes to
     * @return the lease; release it exactly when the attempt ends (extra releases are ignored)
     */
    public Lease acquire(ResolvedProfile profile) {
        AtomicInteger count = inFlight.computeIfAbsent(profile.profileArn(), a -> new AtomicInteger());
        count.incrementAndGet();
        AtomicBoolean released = new AtomicBoolean();
        return () -> {
            if (released.compareAndSet(false, true)) {
                count.decrementAndGet();
            }
        };
    }

    /**
     * Returns the attempts in flight on a profile in this instance.
     *
     * @param profileArn the profile
     * @return the count, 0 for a profile never used
     */
    public int inFlight(String profileArn) {
        AtomicInteger count = inFlight.get(profileArn);
        return count == null ? 0 : count.get();
    }

    /**
     * Returns the strategy.
     *
     * @return how profiles are ordered
     */
    public Strategy strategy() {
        return strategy;
    }

    private int weight(ResolvedProfile p) {
        return weights.getOrDefault(p.profileArn(), 1);
    }

    /**
     * Builds a {@link ProfileBalancer}. Not thread-safe; confine to one thread.
     *
     * <p>Each setting may be set once; a second set is a {@link ConfigurationException}, except {@code weight}, which
     * adds one profile's weight per call.
     */
    public static final class Builder {
        private final Map<String, Object> given = new HashMap<>();
        private Strategy strategy = Strategy.WEIGHTED_RANDOM;
        private final Map<String, Integer> weights = new HashMap<>();
        private RandomGenerator random;

        private Builder() {
        }

        /** Sets how profiles are ordered; default {@link Strategy#WEIGHTED_RANDOM}. */
        public Builder strategy(Strategy value) {
            ConfigurationException.requireFirstSet(given, "ProfileBalancer.strategy", value);
            strategy = Objects.requireNonNull(value, "strategy");
            return this;
        }

        /**
         * Sets a profile's weight; profiles without one weigh 1.
         *
         * @param profileArn the profile
         * @param weight at least 1
         * @return this builder
         * @throws ConfigurationException if the weight is below 1
         */
        public Builder weight(String profileArn, int weight) {
            Constraints.requireProfileArn(profileArn);
            if (weight < 1) {
                throw new ConfigurationException("ProfileBalancer weight of " + profileArn + " must be at least 1, was "
                        + weight);
            }
            weights.put(profileArn, weight);
            return this;
        }

        /**
         * Sets the source of randomness, e.g. a seeded {@link java.util.Random} in tests; default
         * {@link ThreadLocalRandom}. It is shared by all threads, so it must be thread-safe.
         */
        public Builder random(RandomGenerator value) {
            ConfigurationException.requireFirstSet(given, "ProfileBalancer.random", value);
            random = Objects.requireNonNull(value, "random");
            return this;
        }

        /**
         * Builds the balancer.
         *
         * @return the balancer
         */
        public ProfileBalancer build() {
            return new ProfileBalancer(this);
        }
    }
}
