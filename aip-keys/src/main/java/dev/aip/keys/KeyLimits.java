package dev.aip.keys;

/**
 * The limits of one API key, on top of its tenant's: requests per minute and tokens (input plus output) per minute,
 * each {@code 0} for no limit. Enforced by whoever serves the key (the gateway answers 429 with {@code Retry-After}).
 *
 * <p>Immutable.
 *
 * @param requestsPerMinute the most requests per minute, or 0 for no limit
 * @param tokensPerMinute the most tokens per minute, or 0 for no limit
 */
public record KeyLimits(long requestsPerMinute, long tokensPerMinute) {

    /** No per-key limit. */
    public static final KeyLimits NONE = new KeyLimits(0, 0);

    /**
     * Validates.
     *
     * @throws IllegalArgumentException if a limit is negative
     */
    public KeyLimits {
        if (requestsPerMinute < 0 || tokensPerMinute < 0) {
            throw new IllegalArgumentException("Key limits are 0 (no limit) or positive, got " + requestsPerMinute
                    + " requests and " + tokensPerMinute + " tokens per minute");
        }
    }

    /**
     * Returns whether neither limit is set.
     *
     * @return {@code true} for {@link #NONE}
     */
    public boolean none() {
        return requestsPerMinute == 0 && tokensPerMinute == 0;
    }
}
