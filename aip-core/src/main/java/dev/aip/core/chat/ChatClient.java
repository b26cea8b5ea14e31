package dev.aip.core.chat;

import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantScope;

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
