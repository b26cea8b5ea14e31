package dev.aip.langchain4j;

import dev.aip.core.tenant.TenantId;
import java.util.Objects;

/**
 * The id of one tenant's chat memory: the memory id the application uses (LangChain4j's {@code @MemoryId}, e.g. a
 * user or conversation id) qualified by the tenant. {@link TenantChatMemories} gives it to the memories it creates,
 * so a {@code ChatMemoryStore} behind them sees it as the memory id and keeps two tenants' {@code "user-1"} apart.
 *
 * <p>A store keyed by {@code equals} (such as LangChain4j's {@code InMemoryChatMemoryStore}) uses the record as it
 * is; a store keyed by text uses {@link #toString()}, {@code "<tenant>:<memoryId>"}, which is unambiguous because a
 * tenant id never contains {@code ':'} ({@link TenantId#PATTERN}). A store that wants the tenant in a column of its
 * own (for row-level security, or to delete a tenant's rows) reads {@link #tenant()}.
 *
 * <p>Immutable.
 *
 * @param tenant the tenant the memory belongs to
 * @param memoryId the application's memory id, as passed to {@code @MemoryId}
 */
public record TenantMemoryId(TenantId tenant, Object memoryId) {

    /**
     * Checks both parts.
     *
     * @param tenant the tenant the memory belongs to
     * @param memoryId the application's memory id
     * @throws NullPointerException if either is {@code null}
     */
    public TenantMemoryId {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(memoryId, "memoryId");
    }

    /**
     * Returns {@code "<tenant>:<memoryId>"}, e.g. {@code "acme:user-1"}: the key for stores that key by text.
     *
     * @return the tenant id, a colon and the memory id's text
     */
    @Override
    public String toString() {
        return tenant.value() + ":" + memoryId;
    }
}
