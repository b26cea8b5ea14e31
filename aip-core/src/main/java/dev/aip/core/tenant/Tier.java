package dev.aip.core.tenant;

import java.util.regex.Pattern;

/**
 * A tenant's service tier: a user-defined name that selects policy (limits, allowed models, priority) and, for
 * tenants on a shared profile, the tier profile they share.
 *
 * <p>A tier name is 1 to 32 characters matching {@code [a-z][a-z0-9-]{0,31}}: lowercase so that {@code Premium} and
 * {@code premium} cannot become two tiers by accident, and safe in tag values, metric tags and profile names.
 * {@link #PREMIUM}, {@link #STANDARD} and {@link #BASIC} are defaults; any other valid name may be used.
 *
 * <p>Immutable.
 *
 * @param name the tier name
 */
public record Tier(String name) {

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,31}");

    /** The highest default tier. */
    public static final Tier PREMIUM = new Tier("premium");
    /** The default tier, used when none is given. */
    public static final Tier STANDARD = new Tier("standard");
    /** The lowest default tier. */
    public static final Tier BASIC = new Tier("basic");

    /**
     * Validates and creates a tier.
     *
     * @throws NullPointerException if {@code name} is {@code null}
     * @throws IllegalArgumentException if {@code name} does not match {@code [a-z][a-z0-9-]{0,31}}
     */
    public Tier {
        if (name == null) {
            throw new NullPointerException("Tier name is null");
        }
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("Tier name \"" + Texts.escape(name) + "\" is invalid: it must match"
                    + " [a-z][a-z0-9-]{0,31} (lowercase letter first, then lowercase letters, digits or '-').");
        }
    }

    /**
     * Validates and creates a tier.
     *
     * @param name the tier name
     * @return the tier
     * @throws IllegalArgumentException if {@code name} is not a valid tier name
     */
    public static Tier of(String name) {
        return new Tier(name);
    }

    /** Returns the tier name. */
    @Override
    public String toString() {
        return name;
    }
}
