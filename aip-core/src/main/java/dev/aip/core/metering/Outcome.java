package dev.aip.core.metering;

/**
 * How a model call attempt ended. Every attempt ends in exactly one outcome, and is metered on every one of them.
 */
public enum Outcome {
    /**
     * The model answered in full (for a stream: {@code messageStop} was received). The usage is normally the one
     * Bedrock reported; if a complete stream never delivered its {@code metadata} event, the record is still a
     * success but its provenance is {@link UsageProvenance#ESTIMATED}.
     */
    SUCCESS,
    /** Bedrock refused the call for lack of capacity or quota ({@code ThrottlingException}, HTTP 429). */
    THROTTLED,
    /** Bedrock rejected the request as invalid or forbidden (other 4xx, e.g. {@code ValidationException}). */
    CLIENT_ERROR,
    /**
     * Bedrock or the model failed ({@code 5xx}, e.g. {@code InternalServerException},
     * {@code ServiceUnavailableException}; and 424 {@code ModelErrorException} / {@code ModelStreamErrorException},
     * where the model, not the request, was at fault).
     */
    SERVER_ERROR,
    /** No complete answer arrived within the client's timeout. */
    TIMEOUT,
    /** The caller abandoned the call, typically a stream it stopped reading halfway. */
    CANCELLED,
    /** A stream started but the server cut it or sent an error event before its end. */
    STREAM_INTERRUPTED,
    /** The library refused the call before it reached Bedrock (rate limit, budget, disallowed model). */
    REJECTED_BY_POLICY
}
