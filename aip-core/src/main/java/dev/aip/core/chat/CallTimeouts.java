package dev.aip.core.chat;

import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.Tier;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How long a call may run, by the tenant's tier: the whole call, from its start (admission included) to the last
 * byte of its answer or stream, across its retries. A call still running then is abandoned with a
 * {@link CallTimeoutException}: its attempt in flight is cancelled and recorded as
 * {@link dev.aip.core.metering.Outcome#TIMEOUT}.
 *
 * <pre>{@code
 * CallTimeouts.of(Duration.ofSeconds(120))
 *     .withTier(Tier.PREMIUM, Duration.ofMinutes(5))
 *     .withTier(Tier.BASIC, Duration.ofSeconds(30));
 * }</pre>
 *
 * <p>Immutable.
 *
 * @param fallback the timeout of a tier not named in {@code byTier}; {@code null} for none
 * @param byTier the timeout of each named tier
 */
public record CallTimeouts(@Nullable Duration fallback, Map<Tier, Duration> byTier) {

    private static final CallTimeouts NONE = new CallTimeouts(null, Map.of());

    /**
     * Validates and copies.
     *
     * @throws IllegalArgumentException if a timeout is zero or negative
     */
    public CallTimeouts {
        Objects.requireNonNull(byTier, "byTier");
        if (fallback != null) {
            requirePositive(fallback, "fallback timeout");
        }
        byTier.forEach((tier, timeout) -> requirePositive(Objects.requireNonNull(timeout, "timeout of " + tier),
                "timeout of tier " + Objects.requireNonNull(tier, "tier")));
        byTier = Map.copyOf(byTier);
    }

    /**
     * Returns no timeouts: calls run until they end.
     *
     * @return no timeouts
     */
    public static CallTimeouts none() {
        return NONE;
    }

    /**
     * Returns the same timeout for every tier.
     *
     * @param timeout the timeout
     * @return the timeouts
     * @throws IllegalArgumentException if {@code timeout} is zero or negative
     */
    public static CallTimeouts of(Duration timeout) {
        return new CallTimeouts(Objects.requireNonNull(timeout, "timeout"), Map.of());
    }

    /**
     * Returns these timeouts with {@code tier}'s set to {@code timeout}.
     *
     * @param tier the tier
     * @param timeout its timeout
     * @return the new timeouts
     */
    public CallTimeouts withTier(Tier tier, Duration timeout) {
        Map<Tier, Duration> m = new HashMap<>(byTier);
        m.put(Objects.requireNonNull(tier, "tier"), Objects.requireNonNull(timeout, "timeout"));
        return new CallTimeouts(fallback, m);
    }

    /**
     * Returns the timeout of a tenant's calls.
     *
     * @param tenant the tenant
     * @return its tier's timeout, else the fallback; {@code null} for none
     */
    public @Nullable Duration timeoutOf(TenantContext tenant) {
        Duration d = byTier.get(tenant.tier());
        return d != null ? d : fallback;
    }

    /**
     * Returns whether no call has a timeout.
     *
     * @return {@code true} for {@link #none()}
     */
    public boolean isNone() {
        return fallback == null && byTier.isEmpty();
    }

    private static void requirePositive(Duration d, String what) {
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException("The " + what + " must be positive, was " + d);
        }
    }
}
