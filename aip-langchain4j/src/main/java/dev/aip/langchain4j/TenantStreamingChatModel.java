package dev.aip.langchain4j;

import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantScope;
import dev.langchain4j.model.bedrock.BedrockStreamingChatModel;
import dev.langchain4j.model.chat.ChatRequestOptions;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;

/**
 * LangChain4j's {@link BedrockStreamingChatModel}, unchanged but for where the tenant comes from: the call is sent
 * in the {@link TenantScope} of its tenant (see {@link Tenants#of}), and the handler's callbacks, which run on the
 * SDK's response threads, run in that scope too. So a streaming AiServices tool loop, which makes its next model
 * call from {@code onCompleteResponse}, keeps its tenant. Thread-safe.
 */
final class TenantStreamingChatModel extends BedrockStreamingChatModel {

    TenantStreamingChatModel(BedrockStreamingChatModel.Builder builder) {
        super(builder);
    }

    @Override
    public void chat(ChatRequest request, ChatRequestOptions options, StreamingChatResponseHandler handler) {
        TenantContext tenant = Tenants.of(options);
        if (tenant == null) {
            super.chat(request, options, handler);
            return;
        }
        ChatRequestOptions withTenant = Tenants.with(options, tenant);
        ScopedHandler scoped = new ScopedHandler(handler, tenant);
        TenantScope.run(tenant, () -> super.chat(request, withTenant, scoped));
    }
}
