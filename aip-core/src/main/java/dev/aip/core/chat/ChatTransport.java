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
     * Sends one attempt without waiting for the answer, and hands the whole answer to the listener: exactly one of
     * its {@code onComplete} or {@code onError}, unless the returned handle is cancelled first (which abandons the
     * service call). The transport reports the AWS request id and the usage Bedrock returned to {@code progress}
     * before {@code onComplete}. Never calls {@code onText} or {@code onToolUse}: the answer comes whole.
     *
     * <p>The default runs {@link #converse} on the calling thread, so it blocks; a transport with a non-blocking
     * client (as {@code BedrockChatTransport} with an async client) overrides it.
     *
     * @param invocation the attempt
     * @param progress where to report the request id and the usage
     * @param listener receives the answer or the failure
     * @return the running call, to cancel it
     */
    default ChatStream converseAsync(ChatInvocation invocation, CallProgress progress, ChatStreamListener listener) {
        Relay relay = new Relay(listener);
        ChatResponse response;
        try {
            response = converse(invocation, progress);
        } catch (RuntimeException e) {
            relay.onError(e);
            return relay;
        }
        progress.usageReported(response.usage());
        relay.onComplete(response);
        return relay;
    }

    /**
     * Classifies a failure of this transport (thrown by {@link #converse} or given to {@code onError}).
     *
     * @param failure the failure
     * @return its outcome, error code and request id
     */
    TransportFailure classify(Throwable failure);
}
