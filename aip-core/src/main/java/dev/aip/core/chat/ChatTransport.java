package dev.aip.core.chat;

/**
 * The terminal of the chat pipeline: sends one attempt to a model service. The Bedrock implementation is
 * {@code dev.aip.core.bedrock.BedrockChatTransport}.
 *
 * <p>A transport sends {@link ChatInvocation#profile()}'s ARN as the model id and
 * {@link ChatInvocation#requestMetadata()} with the request, makes exactly one service call per attempt (no
 * retries of its own), reports progress to the {@link CallProgress} and passes service exceptions through
 * unchanged. It never settles metering itself.
 *
 * <p>Implementations are thread-safe.
 */
public interface ChatTransport {

    /**
     * Sends one attempt and waits for the answer.
     *
     * @param invocation the attempt
     * @param progress where to report the request id
     * @return the answer; its usage is what the service reported, its latency and usage record id are filled in
     *     by the pipeline
     */
    ChatResponse converse(ChatInvocation invocation, CallProgress progress);

    /**
     * Sends one attempt and streams the answer. The transport calls exactly one of the listener's
     * {@code onComplete} or {@code onError}, unless the returned stream is cancelled first. A stream that ends
     * before its final event fails with {@link IncompleteStreamException}; one that got its final
     * {@code messageStop} but no usage event completes, and its usage is estimated.
     *
     * @param invocation the attempt
     * @param progress where to report progress
     * @param listener the receiver
     * @return the running stream
     */
    ChatStream converseStream(ChatInvocation invocation, CallProgress progress, ChatStreamListener listener);

    /**
     * Classifies a failure of this transport (thrown by {@link #converse} or given to {@code onError}).
     *
     * @param failure the failure
     * @return its outcome, error code and request id
     */
    TransportFailure classify(Throwable failure);
}
