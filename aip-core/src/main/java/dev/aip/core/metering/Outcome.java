package dev.aip.core.metering;

/**
 * How a model call attempt ended. Every attempt ends in exactly one outcome, and is metered on every one of them.
 */
public enum Outcome {
    /** The model answered in full (for a stream: the final event, with usage, was received). */
    SUCCESS,
    /** Bedrock refused the call for lack of capacity or quota ({@code ThrottlingException}, HTTP 429). */
    THROTTLED,
    /** Bedrock rejected the request as invalid or forbidden (other 4xx, e.g. {@code ValidationException}). */
    CLIENT_ERROR,
    /** Bedrock failed ({@code 5xx}, e.g. {@code InternalServerException}, {@code ServiceUnavailableException}). */
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
