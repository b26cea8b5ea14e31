package dev.aip.core.chat;

import java.util.concurrent.CompletableFuture;

/**
 * A streamed answer in progress.
 *
 * <p>Thread-safe.
 */
public interface ChatStream {

    /**
     * Abandons the stream. The attempt is settled at once as {@code CANCELLED}, with the usage Bedrock reported if
     * it already arrived, else an estimate; the listener gets no further calls and {@link #completion()} completes
     * exceptionally with a {@link java.util.concurrent.CancellationException}.
     *
     * @return {@code true} if this call cancelled the stream; {@code false} if it had already ended
     */
    boolean cancel();

    /**
     * Returns the outcome of the stream: the whole response, or the failure given to the listener.
     *
     * @return a future completed when the stream ends (cancelling the future does not cancel the stream; call
     *     {@link #cancel()})
     */
    CompletableFuture<ChatResponse> completion();
}
