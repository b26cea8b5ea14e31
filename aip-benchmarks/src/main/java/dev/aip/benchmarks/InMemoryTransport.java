package dev.aip.benchmarks;

import dev.aip.core.chat.CallProgress;
import dev.aip.core.chat.ChatInvocation;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatResponse;
import dev.aip.core.chat.ChatStream;
import dev.aip.core.chat.ChatStreamListener;
import dev.aip.core.chat.ChatTransport;
import dev.aip.core.chat.StopReason;
import dev.aip.core.chat.TransportFailure;
import dev.aip.core.metering.TokenUsage;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A transport that answers at once from memory, so a benchmark measures aip's own work and nothing of the network.
 * Thread-safe.
 */
final class InMemoryTransport implements ChatTransport {

    private static final ChatMessage ANSWER = ChatMessage.assistant("The report shows growth in every region.");
    private static final TokenUsage USAGE = TokenUsage.of(42, 9);

    @Override
    public ChatResponse converse(ChatInvocation invocation, CallProgress progress) {
        progress.awsRequestId("req-1");
        progress.usageReported(USAGE);
        return new ChatResponse(ANSWER, StopReason.END_TURN, USAGE, Duration.ofMillis(1), "req-1",
                invocation.profile().profileArn(), null);
    }

    @Override
    public ChatStream converseStream(ChatInvocation invocation, CallProgress progress, ChatStreamListener listener) {
        ChatResponse response = converse(invocation, progress);
        listener.onComplete(response);
        CompletableFuture<ChatResponse> done = CompletableFuture.completedFuture(response);
        return new ChatStream() {
            @Override
            public boolean cancel() {
                return false;
            }

            @Override
            public CompletableFuture<ChatResponse> completion() {
                return done;
            }
        };
    }

    @Override
    public TransportFailure classify(Throwable failure) {
        throw new UnsupportedOperationException("the in-memory transport never fails");
    }
}
