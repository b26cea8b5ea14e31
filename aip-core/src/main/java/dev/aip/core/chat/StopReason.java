package dev.aip.core.chat;

/** Why the model stopped; Bedrock's {@code stopReason}. */
public enum StopReason {
    /** The model finished its turn. */
    END_TURN,
    /** The model asks for tools; answer with {@link ContentPart.ToolResult}s. */
    TOOL_USE,
    /** The output token limit was reached. */
    MAX_TOKENS,
    /** A stop sequence was produced. */
    STOP_SEQUENCE,
    /** A guardrail intervened. */
    GUARDRAIL_INTERVENED,
    /** Content filters removed output. */
    CONTENT_FILTERED,
    /** The model produced output that could not be parsed. */
    MALFORMED_MODEL_OUTPUT,
    /** The model produced a malformed tool use. */
    MALFORMED_TOOL_USE,
    /** The conversation exceeds the model's context window. */
    MODEL_CONTEXT_WINDOW_EXCEEDED,
    /** A reason this version does not know, or none was received. */
    UNKNOWN
}
