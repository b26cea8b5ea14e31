package dev.aip.langchain4j;

import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.TenantScope;
import dev.langchain4j.model.chat.ChatRequestOptions;
import java.util.HashMap;
import java.util.Map;

/** Which tenant a LangChain4j call is for, and how the models pass it on. Stateless. */
final class Tenants {

    private Tenants() {
    }

    /**
     * The tenant of a call: the {@link TenantBedrockModels#TENANT} listener attribute of its options, else the
     * {@link TenantScope} of the calling thread, else {@code null}.
     *
     * @throws IllegalArgumentException if the attribute is neither a {@link TenantContext}, a {@link TenantId} nor a
     *     {@link String}
     * @throws dev.aip.core.InvalidTenantIdException if it is a string that is not a valid tenant id
     */
    static TenantContext of(ChatRequestOptions options) {
        Object given = options == null ? null : options.listenerAttributes().get(TenantBedrockModels.TENANT);
        if (given == null) {
            return TenantScope.current().orElse(null);
        }
        if (given instanceof TenantContext context) {
            return context;
        }
        if (given instanceof TenantId id) {
            return TenantContext.of(id);
        }
        if (given instanceof String id) {
            return TenantContext.of(id);
        }
        throw new IllegalArgumentException("The listener attribute \"" + TenantBedrockModels.TENANT + "\" is a "
                + given.getClass().getName() + "; pass a TenantContext, a TenantId or a tenant id string");
    }

    /** {@code options} with the tenant as its {@link TenantBedrockModels#TENANT} attribute, for the listeners. */
    static ChatRequestOptions with(ChatRequestOptions options, TenantContext tenant) {
        Map<Object, Object> attributes = options == null ? new HashMap<>(2)
                : new HashMap<>(options.listenerAttributes());
        attributes.put(TenantBedrockModels.TENANT, tenant);
        return ChatRequestOptions.builder().listenerAttributes(attributes).build();
    }
}
