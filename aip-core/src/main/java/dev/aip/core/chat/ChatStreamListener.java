package dev.aip.core.chat;

/**
 * Receives a streamed answer. For one stream, methods are called one at a time, in order, on a thread of the
 * transport (not the caller's): any number of {@link #onText} and {@link #onToolUse}, then exactly one of
 * {@link #onComplete} or {@link #onError} — or nothing more once the stream is {@linkplain ChatStream#cancel()
 * cancelled}.
 *
 * <p>Implementations should return quickly; an exception they throw is logged and ignored, it does not stop the
 * stream or its metering.
 */
public interface ChatStreamListener {

    /**
     * A piece of the answer's text.
     *
     * @param text the next characters
     */
    default void onText(String text) {
    }

    /**
     * A complete tool use request, delivered when its input has fully arrived.
     *
     * @param toolUse the request
     */
    default void onToolUse(ContentPart.ToolUse toolUse) {
    }

    /**
     * The stream ended normally.
     *
     * @param response the whole answer, with its usage and usage record id
     */
    default void onComplete(ChatResponse response) {
    }

    /**
     * The stream failed: a Bedrock exception (unchanged), an {@link IncompleteStreamException} if the stream ended
     * early, or a library exception (e.g. a rejected call).
     *
     * @param error the failure
     */
    default void onError(Throwable error) {
    }
}
