package dev.aip.langchain4j;

import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantScope;
import dev.langchain4j.model.bedrock.BedrockChatModel;
import dev.langchain4j.model.chat.ChatRequestOptions;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;

/**
 * LangChain4j's {@link BedrockChatModel}, unchanged but for where the tenant comes from: every call runs in the
 * {@link TenantScope} of its tenant (see {@link Tenants#of}), so the routing interceptor on the model's client sees
 * it, and the model's listeners find it under {@link TenantBedrockModels#TENANT}. Thread-safe.
 */
final class TenantChatModel extends BedrockChatModel {

    TenantChatModel(BedrockChatModel.Builder builder) {
        super(builder);
    }

    @Override
    public ChatResponse chat(ChatRequest request, ChatRequestOptions options) {
        TenantContext tenant = Tenants.of(options);
        if (tenant == null) {
            // The interceptor refuses it (UnknownTenantException), which reaches the caller as CallRejectedException.
            return super.chat(request, options);
        }
        ChatRequestOptions withTenant = Tenants.with(options, tenant);
        return TenantScope.get(tenant, () -> super.chat(request, withTenant));
    }
}
