package dev.aip.core.metering;

/** Where the token counts of a usage record come from. */
public enum UsageProvenance {
    /** Bedrock reported them (the response's or the final stream event's {@code usage}). */
    REPORTED,
    /**
     * They were estimated from what was seen, because Bedrock reported none (a cancelled or interrupted stream, a
     * lost final event). Bedrock may bill differently.
     */
    ESTIMATED,
    /** No tokens are known, for example a call rejected before it was sent; the usage is zero. */
    NONE
}
