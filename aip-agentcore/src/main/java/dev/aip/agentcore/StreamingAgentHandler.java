package dev.aip.agentcore;

import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * An agent that can stream its answer. When the request asks for {@code Accept: text/event-stream}, the server calls
 * {@link #stream} and answers with server-sent events:
 * <pre>{@code
 * event: token
 * data: {"text":"Hello"}
 *
 * event: final
 * data: <the reply, as JSON>
 * }</pre>
 * A failure before the first token is answered like a JSON invocation's (status and JSON error, e.g. a 429 for a
 * budget refusal); after it, as a last {@code event: error} whose data is the JSON error with its {@code status}.
 *
 * <p>{@link #stream} must return only when the answer is complete: tokens may be passed from any thread (a
 * streaming model's callbacks) until then, and are refused with {@link IllegalStateException} after. Passing a token
 * throws {@link java.io.UncheckedIOException} when the client has gone.
 *
 * <p>Without {@code text/event-stream}, {@link #invoke} answers with JSON; by default it runs {@link #stream} and
 * drops the tokens, so the reply should carry the whole answer.
 *
 * <p>Implementations must be thread-safe.
 */
@FunctionalInterface
public interface StreamingAgentHandler extends AgentHandler {

    /**
     * Handles one invocation, in the calling tenant's scope, passing the answer's text as it is produced.
     *
     * @param invocation the request
     * @param tokens receives each piece of text, in order
     * @return the final reply, sent as the {@code final} event
     * @throws Exception any failure
     */
    @Nullable Object stream(Invocation invocation, Consumer<String> tokens) throws Exception;

    @Override
    default @Nullable Object invoke(Invocation invocation) throws Exception {
        return stream(invocation, token -> { });
    }
}
