package dev.aip.langchain4j;

import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantScope;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.CompleteToolCall;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.PartialThinking;
import dev.langchain4j.model.chat.response.PartialThinkingContext;
import dev.langchain4j.model.chat.response.PartialToolCall;
import dev.langchain4j.model.chat.response.PartialToolCallContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;

/**
 * Runs every callback of a streaming handler in one tenant's {@link TenantScope}; the callbacks come on the SDK's
 * response threads, where the caller's scope is gone. Thread-safe if the handler is.
 */
final class ScopedHandler implements StreamingChatResponseHandler {

    private final StreamingChatResponseHandler handler;
    private final TenantContext tenant;

    ScopedHandler(StreamingChatResponseHandler handler, TenantContext tenant) {
        this.handler = handler;
        this.tenant = tenant;
    }

    @Override
    public void onPartialResponse(String partialResponse) {
        TenantScope.run(tenant, () -> handler.onPartialResponse(partialResponse));
    }

    @Override
    public void onPartialResponse(PartialResponse partialResponse, PartialResponseContext context) {
        TenantScope.run(tenant, () -> handler.onPartialResponse(partialResponse, context));
    }

    @Override
    public void onPartialThinking(PartialThinking partialThinking) {
        TenantScope.run(tenant, () -> handler.onPartialThinking(partialThinking));
    }

    @Override
    public void onPartialThinking(PartialThinking partialThinking, PartialThinkingContext context) {
        TenantScope.run(tenant, () -> handler.onPartialThinking(partialThinking, context));
    }

    @Override
    public void onPartialToolCall(PartialToolCall partialToolCall) {
        TenantScope.run(tenant, () -> handler.onPartialToolCall(partialToolCall));
    }

    @Override
    public void onPartialToolCall(PartialToolCall partialToolCall, PartialToolCallContext context) {
        TenantScope.run(tenant, () -> handler.onPartialToolCall(partialToolCall, context));
    }

    @Override
    public void onCompleteToolCall(CompleteToolCall completeToolCall) {
        TenantScope.run(tenant, () -> handler.onCompleteToolCall(completeToolCall));
    }

    @Override
    public void onCompleteResponse(ChatResponse completeResponse) {
        TenantScope.run(tenant, () -> handler.onCompleteResponse(completeResponse));
    }

    @Override
    public void onError(Throwable error) {
        TenantScope.run(tenant, () -> handler.onError(error));
    }
}
