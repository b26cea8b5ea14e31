package dev.aip.langchain4j;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeServiceClientConfiguration;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamResponseHandler;

/**
 * The async client handed to LangChain4j's {@code BedrockStreamingChatModel}: forwards ConverseStream (and
 * Converse), and completes the returned future with a {@link CallRejectedException} when aip refused the call, so
 * the streaming handler's {@code onError} receives LangChain4j's non-retriable type rather than the SDK's
 * {@code CompletionException}. Thread-safe if the delegate is.
 */
final class RejectionTranslatingAsyncClient implements BedrockRuntimeAsyncClient {

    private final BedrockRuntimeAsyncClient delegate;

    RejectionTranslatingAsyncClient(BedrockRuntimeAsyncClient delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    @Override
    public CompletableFuture<Void> converseStream(ConverseStreamRequest request,
                                                  ConverseStreamResponseHandler handler) {
        CompletableFuture<Void> sent;
        try {
            sent = delegate.converseStream(request, handler);
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        return translated(sent);
    }

    @Override
    public CompletableFuture<ConverseResponse> converse(ConverseRequest request) {
        CompletableFuture<ConverseResponse> sent;
        try {
            sent = delegate.converse(request);
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        return translated(sent);
    }

    /**
     * A future completed like {@code sent}, with a refusal replaced by a {@link CallRejectedException}. Other
     * failures pass as they are. Cancelling the returned future cancels {@code sent}, so the SDK still learns that
     * the caller gave up.
     */
    private static <T> CompletableFuture<T> translated(CompletableFuture<T> sent) {
        CompletableFuture<T> out = new CompletableFuture<>() {
            @Override
            public boolean cancel(boolean mayInterruptIfRunning) {
                sent.cancel(mayInterruptIfRunning);
                return super.cancel(mayInterruptIfRunning);
            }
        };
        sent.whenComplete((value, failure) -> {
            if (failure == null) {
                out.complete(value);
            } else {
                out.completeExceptionally(Rejections.translate(failure));
            }
        });
        return out;
    }

    @Override
    public BedrockRuntimeServiceClientConfiguration serviceClientConfiguration() {
        return delegate.serviceClientConfiguration();
    }

    @Override
    public String serviceName() {
        return delegate.serviceName();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
