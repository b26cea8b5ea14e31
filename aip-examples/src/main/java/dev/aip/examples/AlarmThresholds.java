package dev.aip.examples;

import dev.aip.core.tenant.Tier;

/**
 * The limits a tenant's alarms watch, set by its tier: a premium tenant may run far more traffic than a basic one
 * before anyone is paged.
 *
 * <p>Immutable.
 *
 * @param invocationsPer5Minutes invocations in 5 minutes above which the invocations alarm fires
 * @param tokensPerMinute input plus output tokens per minute above which the token alarm fires
 * @param tokenMinutes how many consecutive minutes the token rate must stay above its limit
 * @param throttlesPer5Minutes throttled calls in 5 minutes above which the throttle alarm fires (0: any throttle)
 */
record AlarmThresholds(long invocationsPer5Minutes, long tokensPerMinute, int tokenMinutes,
                       long throttlesPer5Minutes) {

    /** Premium: up to 1,000 invocations per 5 minutes and 400,000 tokens per minute. */
    static final AlarmThresholds PREMIUM = new AlarmThresholds(1_000, 400_000, 3, 0);
    /** Standard: up to 250 invocations per 5 minutes and 100,000 tokens per minute. */
    static final AlarmThresholds STANDARD = new AlarmThresholds(250, 100_000, 3, 0);
    /** Basic: up to 50 invocations per 5 minutes and 20,000 tokens per minute; a burst of throttles is tolerated. */
    static final AlarmThresholds BASIC = new AlarmThresholds(50, 20_000, 3, 5);

    /**
     * Validates.
     *
     * @throws IllegalArgumentException if a limit is negative or the token window is under a minute
     */
    AlarmThresholds {
        if (invocationsPer5Minutes < 0 || tokensPerMinute < 0 || throttlesPer5Minutes < 0 || tokenMinutes < 1) {
            throw new IllegalArgumentException("alarm thresholds must be non-negative with tokenMinutes >= 1: "
                    + invocationsPer5Minutes + ", " + tokensPerMinute + ", " + tokenMinutes + ", "
                    + throttlesPer5Minutes);
        }
    }

    /**
     * The thresholds of one of the default tiers.
     *
     * @throws IllegalArgumentException for another tier: give its thresholds explicitly
     */
    static AlarmThresholds forTier(Tier tier) {
        if (Tier.PREMIUM.equals(tier)) {
            return PREMIUM;
        }
        if (Tier.STANDARD.equals(tier)) {
            return STANDARD;
        }
        if (Tier.BASIC.equals(tier)) {
            return BASIC;
        }
        throw new IllegalArgumentException("no default alarm thresholds for tier " + tier
                + "; pass AlarmThresholds for it");
    }
}
