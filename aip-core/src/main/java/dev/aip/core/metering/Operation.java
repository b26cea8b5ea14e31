package dev.aip.core.metering;

import org.jspecify.annotations.Nullable;

/** The Bedrock runtime operations aip routes and meters. */
public enum Operation {
    /** {@code Converse}: one whole answer. */
    CONVERSE("Converse", false),
    /** {@code ConverseStream}: an event stream of deltas. */
    CONVERSE_STREAM("ConverseStream", true),
    /** {@code InvokeModel}: a model-specific body, answered whole. */
    INVOKE_MODEL("InvokeModel", false),
    /** {@code InvokeModelWithResponseStream}: a model-specific body, answered as chunks. */
    INVOKE_MODEL_WITH_RESPONSE_STREAM("InvokeModelWithResponseStream", true);

    private final String wireName;
    private final boolean streaming;

    Operation(String wireName, boolean streaming) {
        this.wireName = wireName;
        this.streaming = streaming;
    }

    /**
     * Returns the operation's name on the wire and in usage records, e.g. {@code ConverseStream}.
     *
     * @return the name
     */
    public String wireName() {
        return wireName;
    }

    /**
     * Returns whether the operation streams its answer (time to first token is recorded for streams only).
     *
     * @return {@code true} for the two stream operations
     */
    public boolean streaming() {
        return streaming;
    }

    /**
     * Returns the operation of a wire name.
     *
     * @param wireName e.g. {@code Converse}
     * @return the operation, or {@code null} for any other name
     */
    public static @Nullable Operation ofWireName(@Nullable String wireName) {
        for (Operation o : values()) {
            if (o.wireName.equals(wireName)) {
                return o;
            }
        }
        return null;
    }
}
