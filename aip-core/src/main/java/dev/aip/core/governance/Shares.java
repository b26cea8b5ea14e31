package dev.aip.core.governance;

import dev.aip.core.tenant.Tier;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The share of a congested model's capacity each active tenant gets, by tier: weighted fair share, with the reserved
 * shares of tiers guaranteed. Exact integer arithmetic, rounding down, so the shares never add up to more than the
 * capacity.
 *
 * <p>Stateless.
 */
final class Shares {

    private static final long PPM = 1_000_000L;

    private Shares() {
    }

    /**
     * Splits a capacity among the active tenants.
     *
     * <p>Each tier's tenants together get the tier's weighted share ({@code count × weight} over the sum of those of
     * all active tiers) of what the reserved tiers leave; a tier whose weighted share falls below its reserved share
     * is given exactly its reserved share and leaves the others the rest (repeated until no tier falls below its
     * reservation). Within a tier, tenants share equally.
     *
     * @param capacity tokens per minute, at least 0
     * @param active active tenants per tier; tiers with 0 tenants are ignored
     * @param settings weights and reserved shares
     * @return the share of one tenant of each active tier, in tokens per minute
     */
    static Map<Tier, Long> perTenant(long capacity, Map<Tier, Integer> active, FairShare settings) {
        Map<Tier, Long> weightOf = new HashMap<>();
        Map<Tier, Long> reservedOf = new HashMap<>();
        for (Map.Entry<Tier, Integer> e : active.entrySet()) {
            if (e.getValue() > 0) {
                weightOf.put(e.getKey(), (long) e.getValue() * settings.weight(e.getKey()));
                reservedOf.put(e.getKey(), mulDiv(capacity, settings.reservedPpm(e.getKey()), PPM));
            }
        }
        Set<Tier> fixed = new HashSet<>();
        long rest = capacity;
        long restWeight = 0;
        for (long w : weightOf.values()) {
            restWeight += w;
        }
        boolean changed = true;
        while (changed && restWeight > 0) {
            changed = false;
            Set<Tier> below = new HashSet<>();
            for (Map.Entry<Tier, Long> e : weightOf.entrySet()) {
                Tier t = e.getKey();
                long reserved = reservedOf.get(t);
                if (!fixed.contains(t) && reserved > 0 && mulDiv(rest, e.getValue(), restWeight) < reserved) {
                    below.add(t);
                }
            }
            for (Tier t : below) {
                fixed.add(t);
                rest -= reservedOf.get(t);
                restWeight -= weightOf.get(t);
                changed = true;
            }
        }
        Map<Tier, Long> out = new HashMap<>();
        for (Map.Entry<Tier, Long> e : weightOf.entrySet()) {
            Tier t = e.getKey();
            long tierTotal = fixed.contains(t) ? reservedOf.get(t) : mulDiv(rest, e.getValue(), restWeight);
            out.put(t, tierTotal / active.get(t));
        }
        return out;
    }

    /** {@code a × b / c}, rounded down, exact for any non-negative longs. */
    static long mulDiv(long a, long b, long c) {
        if (c <= 0 || a <= 0 || b <= 0) {
            return 0;
        }
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        if (hi == 0 && lo >= 0) {
            return lo / c;
        }
        return BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)).divide(BigInteger.valueOf(c)).longValue();
    }
}
