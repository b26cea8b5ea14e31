package dev.aip.core.chat;

import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantScope;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Chat with a model on behalf of a tenant. The standard implementation, {@link ChatPipeline}, routes each call to
 * the tenant's application inference profile, governs it and meters it.
 *
 * <p>Implementations are thread-safe; share one.
 */
public interface ChatClient {

    /**
     * Sends a request and waits for the whole answer.
     *
     * @param tenant the tenant the call is made for
     * @param request the request
     * @return the answer
     * @throws dev.aip.core.AipException for library failures (unknown tenant, profile resolution, policy)
     * @throws RuntimeException Bedrock's exceptions, unchanged
     */
    ChatResponse chat(TenantContext tenant, ChatRequest request);

    /**
     * Sends a request without waiting for the answer. The stage completes with the answer, or exceptionally with
     * what {@link #chat(TenantContext, ChatRequest)} would throw (a library refusal or Bedrock's exception,
     * unchanged, as the cause of a {@link java.util.concurrent.CompletionException} for dependent stages).
     * Cancelling the stage's future ({@code toCompletableFuture().cancel(...)}) abandons the call; it is settled
     * once, as for a cancelled stream.
     *
     * <p>The default runs {@link #chat(TenantContext, ChatRequest)} on the calling thread and returns a completed
     * stage; {@link ChatPipeline} overrides it without blocking any thread while the model answers.
     *
     * @param tenant the tenant the call is made for
     * @param request the request
     * @return the answer, when it arrives
     */
    default CompletionStage<ChatResponse> chatAsync(TenantContext tenant, ChatRequest request) {
        try {
            return CompletableFuture.completedFuture(chat(tenant, request));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Sends a request and streams the answer to {@code listener}.
     *
     * @param tenant the tenant the call is made for
     * @param request the request
     * @param listener receives the answer
     * @return the stream, to cancel it or wait for its end; failures go to the listener and the completion
     */
    ChatStream stream(TenantContext tenant, ChatRequest request, ChatStreamListener listener);

    /**
     * Like {@link #chat(TenantContext, ChatRequest)} for the tenant in {@link TenantScope}.
     *
     * @param request the request
     * @return the answer
     * @throws dev.aip.core.UnknownTenantException if no tenant is in scope
     */
    default ChatResponse chat(ChatRequest request) {
        return chat(TenantScope.require(), request);
    }

    /**
     * Like {@link #chatAsync(TenantContext, ChatRequest)} for the tenant in {@link TenantScope}.
     *
     * @param request the request
     * @return the answer, when it arrives
     * @throws dev.aip.core.UnknownTenantException if no tenant is in scope
     */
    default CompletionStage<ChatResponse> chatAsync(ChatRequest request) {
        return chatAsync(TenantScope.require(), request);
    }

    /**
     * Like {@link #stream(TenantContext, ChatRequest, ChatStreamListener)} for the tenant in {@link TenantScope}.
     *
     * @param request the request
     * @param listener receives the answer
     * @return the stream
     * @throws dev.aip.core.UnknownTenantException if no tenant is in scope
     */
    default ChatStream stream(ChatRequest request, ChatStreamListener listener) {
        return stream(TenantScope.require(), request, listener);
    }
}
