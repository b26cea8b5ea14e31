package dev.aip.langchain4j;

import dev.aip.core.ConfigurationException;
import dev.aip.core.UnknownTenantException;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantScope;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.memory.ChatMemory;
import dev.langchain4j.memory.chat.ChatMemoryProvider;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Chat memory per tenant for LangChain4j AI services: a {@link ChatMemoryProvider} that keeps one memory per tenant
 * and memory id, so two tenants' {@code "user-1"} never see each other's messages. The tenant is the caller's
 * {@link TenantScope}, the one {@link TenantBedrockModels} routes and meters the call for.
 *
 * <pre>{@code
 * ChatMemoryStore store = new InMemoryChatMemoryStore();   // or the application's persistent store
 * TenantChatMemories memories = TenantChatMemories.of(id -> MessageWindowChatMemory.builder()
 *         .id(id).maxMessages(20).chatMemoryStore(store).build());
 * // interface Assistant { String chat(@MemoryId String user, @UserMessage String text); }
 * Assistant assistant = AiServices.builder(Assistant.class).chatModel(model).chatMemoryProvider(memories).build();
 *
 * TenantScope.get(TenantContext.of("acme"), () -> assistant.chat("user-1", "Hello"));
 * }</pre>
 *
 * <p><b>The factory</b> builds the memory of one tenant and memory id; it is given a {@link TenantMemoryId} and must
 * build the memory with exactly that id, which the memory hands to its {@code ChatMemoryStore} as the row key. So a
 * store shared by all memories (the usual case) sees tenant-qualified ids. A memory built with any other id (e.g.
 * {@code MessageWindowChatMemory.withMaxMessages(20)}, whose id is {@code "default"}) is refused with a
 * {@link ConfigurationException}: behind a shared store every tenant's memories would be one row.
 *
 * <p><b>Why {@link #get} returns a view.</b> AiServices keeps the memory the provider gives for a memory id and uses
 * it for every later call with that id, whichever tenant makes it. So {@link #get(Object)} returns a view that, on
 * every use, finds the calling tenant's memory for that id (creating it with the factory on first use). Used with
 * no tenant in scope it throws {@link UnknownTenantException} (AiServices passes it on to the caller) and nothing
 * reaches any tenant's memory. Streaming AI services work the same way: the models of {@link TenantBedrockModels}
 * run the handler's callbacks, where AiServices stores the answer, in the caller's tenant scope.
 *
 * <p><b>Bounded.</b> At most {@link Builder#maxMemories(int) maxMemories} memories are kept (default
 * {@value #DEFAULT_MAX_MEMORIES}); beyond that the least recently used one is dropped. Dropping is not clearing: a
 * memory backed by a {@code ChatMemoryStore} is built again over the same rows when next used, so nothing is lost;
 * a memory that keeps its messages in itself (a {@code MessageWindowChatMemory} without a store) starts over. Size
 * the bound above the number of conversations kept in the JVM at once, or use a store. {@code clear()} on a view
 * clears the calling tenant's memory (and its store rows) and drops it. AiServices itself keeps one view per memory
 * id, for all tenants, until {@code ChatMemoryAccess.evictChatMemory(memoryId)}.
 *
 * <p>Thread-safe: share one instance between AI services and threads. Calls of different tenants, or with different
 * memory ids, never share a memory. Calls of one tenant with one memory id share one memory, as they would in
 * LangChain4j; whether it may be used by two threads at once is that memory's own contract.
 */
public final class TenantChatMemories implements ChatMemoryProvider {

    /** How many memories are kept unless {@link Builder#maxMemories(int)} says otherwise. */
    public static final int DEFAULT_MAX_MEMORIES = 10_000;

    private final ChatMemoryProvider factory;
    /** Least recently used first; guarded by itself. The factory runs outside the lock. */
    private final Map<TenantMemoryId, ChatMemory> memories;

    private TenantChatMemories(ChatMemoryProvider factory, int maxMemories) {
        this.factory = factory;
        this.memories = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<TenantMemoryId, ChatMemory> eldest) {
                return size() > maxMemories;
            }
        };
    }

    /**
     * Returns per-tenant memories built by {@code factory}, at most {@value #DEFAULT_MAX_MEMORIES} kept.
     *
     * @param factory builds the memory of one tenant and memory id, with the {@link TenantMemoryId} it is given as
     *     the memory's id: {@code id -> MessageWindowChatMemory.builder().id(id).maxMessages(20).build()}
     * @return the provider, for {@code AiServices.builder(...).chatMemoryProvider(...)}
     */
    public static TenantChatMemories of(ChatMemoryProvider factory) {
        return builder().memory(factory).build();
    }

    /**
     * Returns a builder; the memory factory is required.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the memory for {@code memoryId} of whichever tenant is in scope when it is used. The view itself
     * holds no messages and may be kept and shared (AiServices keeps it).
     *
     * @param memoryId the application's memory id, e.g. the value of an {@code @MemoryId} parameter
     * @return the view
     */
    @Override
    public ChatMemory get(Object memoryId) {
        return new TenantScopedChatMemory(Objects.requireNonNull(memoryId, "memoryId"));
    }

    /** The memory of the calling tenant for {@code memoryId}, built on first use. */
    private ChatMemory memoryOf(Object memoryId) {
        TenantContext tenant = TenantScope.current().orElseThrow(() -> new UnknownTenantException("The chat memory \""
                + memoryId + "\" was used with no tenant in scope on thread \"" + Thread.currentThread().getName()
                + "\". Memories are kept per tenant: call the AI service inside"
                + " TenantScope.run(TenantContext.of(\"<tenant-id>\"), ...)."));
        TenantMemoryId id = new TenantMemoryId(tenant.id(), memoryId);
        synchronized (memories) {
            ChatMemory known = memories.get(id);
            if (known != null) {
                return known;
            }
        }
        ChatMemory created = create(id);
        synchronized (memories) {
            ChatMemory raced = memories.putIfAbsent(id, created);
            return raced != null ? raced : created;
        }
    }

    private ChatMemory create(TenantMemoryId id) {
        ChatMemory created = factory.get(id);
        if (created == null) {
            throw new ConfigurationException("The chat memory factory of TenantChatMemories returned null for " + id
                    + "; return a memory built with that id, e.g. id -> MessageWindowChatMemory.builder().id(id)"
                    + ".maxMessages(20).build()");
        }
        if (!id.equals(created.id())) {
            throw new ConfigurationException("The chat memory factory of TenantChatMemories built a memory with id \""
                    + created.id() + "\" for \"" + id + "\". Build each memory with the TenantMemoryId it is given,"
                    + " e.g. id -> MessageWindowChatMemory.builder().id(id).maxMessages(20).chatMemoryStore(store)"
                    + ".build(), so that its store keeps each tenant's messages apart.");
        }
        return created;
    }

    private void forget(TenantMemoryId id, ChatMemory memory) {
        synchronized (memories) {
            memories.remove(id, memory);
        }
    }

    /** A view that is, on each use, the calling tenant's memory for one memory id. Stateless but for the id. */
    private final class TenantScopedChatMemory implements ChatMemory {
        private final Object memoryId;

        TenantScopedChatMemory(Object memoryId) {
            this.memoryId = memoryId;
        }

        /** The application's memory id, as AiServices asked for it (each tenant's memory has its own, qualified). */
        @Override
        public Object id() {
            return memoryId;
        }

        @Override
        public void add(ChatMessage message) {
            memoryOf(memoryId).add(message);
        }

        @Override
        public void add(ChatMessage... messages) {
            memoryOf(memoryId).add(messages);
        }

        @Override
        public void add(Iterable<ChatMessage> messages) {
            memoryOf(memoryId).add(messages);
        }

        @Override
        public void set(ChatMessage... messages) {
            memoryOf(memoryId).set(messages);
        }

        @Override
        public void set(Iterable<ChatMessage> messages) {
            memoryOf(memoryId).set(messages);
        }

        @Override
        public List<ChatMessage> messages() {
            return memoryOf(memoryId).messages();
        }

        @Override
        public void clear() {
            ChatMemory memory = memoryOf(memoryId);
            memory.clear();
            forget((TenantMemoryId) memory.id(), memory);
        }

        @Override
        public String toString() {
            return "TenantChatMemories[" + memoryId + "]";
        }
    }

    /** Builds {@link TenantChatMemories}. Not thread-safe; confine to one thread. */
    public static final class Builder {
        private ChatMemoryProvider factory;
        private int maxMemories;

        private Builder() {
        }

        /**
         * Sets how the memory of one tenant and memory id is built (required). The factory is given a
         * {@link TenantMemoryId} and must build the memory with exactly that id.
         *
         * @param value e.g. {@code id -> MessageWindowChatMemory.builder().id(id).maxMessages(20)
         *     .chatMemoryStore(store).build()}
         * @return this builder
         * @throws ConfigurationException if it was already set
         */
        public Builder memory(ChatMemoryProvider value) {
            Objects.requireNonNull(value, "value");
            if (factory != null) {
                throw new ConfigurationException("The chat memory factory was already set to " + factory
                        + "; set it once (it cannot be " + value + " too)");
            }
            factory = value;
            return this;
        }

        /**
         * Sets how many memories are kept at most (default {@value TenantChatMemories#DEFAULT_MAX_MEMORIES}); the least recently used
         * one is dropped beyond that (see the class documentation for what dropping means).
         *
         * @param value at least 1
         * @return this builder
         * @throws ConfigurationException if {@code value} is below 1, or it was already set
         */
        public Builder maxMemories(int value) {
            if (value < 1) {
                throw new ConfigurationException("maxMemories must be at least 1, was " + value
                        + "; it bounds how many tenant chat memories are kept at once");
            }
            if (maxMemories != 0) {
                throw new ConfigurationException("maxMemories was already set to " + maxMemories
                        + "; set it once (it cannot be " + value + " too)");
            }
            maxMemories = value;
            return this;
        }

        /**
         * Returns the provider.
         *
         * @return the provider, for {@code AiServices.builder(...).chatMemoryProvider(...)}
         * @throws ConfigurationException if no memory factory was set
         */
        public TenantChatMemories build() {
            if (factory == null) {
                throw new ConfigurationException("TenantChatMemories needs a memory factory: memory(id ->"
                        + " MessageWindowChatMemory.builder().id(id).maxMessages(20).build())");
            }
            return new TenantChatMemories(factory, maxMemories == 0 ? DEFAULT_MAX_MEMORIES : maxMemories);
        }
    }
}
