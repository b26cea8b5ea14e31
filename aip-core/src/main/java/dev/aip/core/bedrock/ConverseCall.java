package dev.aip.core.bedrock;

import dev.aip.core.chat.CallProgress;
import dev.aip.core.chat.ChatInvocation;
import dev.aip.core.chat.ChatResponse;
import dev.aip.core.chat.ChatStream;
import dev.aip.core.chat.ChatStreamListener;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;

/**
 * One Converse attempt on the async client: hands the whole answer (or the failure) to the listener once, unless a
 * cancel comes first, which abandons the SDK call. The SDK completes its future on one of its threads; a cancel may
 * come from any thread, so {@code ended} decides which of them ends the attempt.
 */
final class ConverseCall implements ChatStream {

    private final CompletableFuture<ChatResponse> completion = new CompletableFuture<>();
    private final AtomicBoolean ended = new AtomicBoolean();
    private final CompletableFuture<ConverseResponse> sdkCall;

    ConverseCall(ChatInvocation invocation, CallProgress progress, ChatStreamListener listener,
                 CompletableFuture<ConverseResponse> sdkCall) {
        this.sdkCall = sdkCall;
        sdkCall.whenComplete((response, error) -> {
            if (error != null) {
                fail(listener, BedrockErrors.unwrap(error));
                return;
            }
            ChatResponse answer;
            try {
                answer = ConverseMapping.fromConverse(response, invocation.profile().profileArn());
            } catch (RuntimeException e) {
                fail(listener, e);
                return;
            }
            progress.awsRequestId(response.responseMetadata().requestId());
            progress.usageReported(answer.usage());
            if (ended.compareAndSet(false, true)) {
                listener.onComplete(answer);
                completion.complete(answer);
            }
        });
    }

    private void fail(ChatStreamListener listener, Throwable error) {
        if (ended.compareAndSet(false, true)) {
            listener.onError(error);
            completion.completeExceptionally(error);
        }
    }

    @Override
    public boolean cancel() {
        if (!ended.compareAndSet(false, true)) {
            return false;
        }
        sdkCall.cancel(true);
        completion.completeExceptionally(new CancellationException("cancelled by the caller"));
        return true;
    }

    @Override
    public CompletableFuture<ChatResponse> completion() {
        return completion;
    }
}
