package dev.aip.core.chat;

/**
 * One part of a {@link ChatMessage}: text, a tool use request by the model, the result of a tool, or a prompt-cache
 * checkpoint.
 *
 * <p>Immutable.
 */
public sealed interface ContentPart
        permits ContentPart.Text, ContentPart.ToolUse, ContentPart.ToolResult, ContentPart.CachePoint {

    /**
     * Creates a text part.
     *
     * @param text the text, not empty
     * @return the part
     */
    static Text text(String text) {
        return new Text(text);
    }

    /**
     * Returns the prompt-cache checkpoint: everything before it may be cached by Bedrock.
     *
     * @return the part
     */
    static CachePoint cachePoint() {
        return CachePoint.INSTANCE;
    }

    /**
     * Text.
     *
     * @param text the text, not empty
     */
    record Text(String text) implements ContentPart {
        /** @throws IllegalArgumentException if the text is null or empty (Bedrock rejects empty text blocks) */
        public Text {
            if (text == null || text.isEmpty()) {
                throw new IllegalArgumentException("A text part needs at least one character");
            }
        }
    }

    /**
     * The model asks the application to run a tool.
     *
     * @param id the tool use id (1–64 of {@code [a-zA-Z0-9_.:-]}), echoed in the {@link ToolResult}
     * @param name the tool name, as in the {@link ToolSpec}
     * @param inputJson the tool input, a JSON object
     */
    record ToolUse(String id, String name, String inputJson) implements ContentPart {
        /** @throws IllegalArgumentException if a value is missing or the id or name is malformed */
        public ToolUse {
            Checks.toolUseId(id);
            Checks.toolName(name);
            Checks.jsonObject("ToolUse.inputJson", inputJson);
        }
    }

    /**
     * The application's answer to a {@link ToolUse}.
     *
     * @param toolUseId the id of the tool use answered
     * @param content the result as text (JSON is fine), not empty
     * @param isError whether the tool failed; the model sees the content as an error message
     */
    record ToolResult(String toolUseId, String content, boolean isError) implements ContentPart {
        /** @throws IllegalArgumentException if a value is missing or the id is malformed */
        public ToolResult {
            Checks.toolUseId(toolUseId);
            if (content == null || content.isEmpty()) {
                throw new IllegalArgumentException("ToolResult.content for " + toolUseId + " is empty; send at"
                        + " least one character, e.g. \"ok\"");
            }
        }

        /**
         * Creates a successful result.
         *
         * @param toolUseId the id of the tool use answered
         * @param content the result
         * @return the part
         */
        public static ToolResult of(String toolUseId, String content) {
            return new ToolResult(toolUseId, content, false);
        }
    }

    /** A prompt-cache checkpoint (Bedrock {@code cachePoint} of type {@code default}). */
    record CachePoint() implements ContentPart {
        static final CachePoint INSTANCE = new CachePoint();
    }
}
