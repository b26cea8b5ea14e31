package dev.aip.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.ConfigurationException;
import dev.aip.core.UnknownTenantException;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.TenantScope;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.memory.ChatMemory;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.MemoryId;
import dev.langchain4j.service.TokenStream;
import dev.langchain4j.service.UserMessage;
import dev.langchain4j.service.memory.ChatMemoryAccess;
import dev.langchain4j.store.memory.chat.ChatMemoryStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.Message;

class TenantChatMemoriesTest {

    /** Tenants of the concurrency test, besides acme and globex. */
    static final List<String> MANY = IntStream.range(0, 6).mapToObj(i -> "tenant-" + i).toList();

    static EmulatorFixture fx;
    static TenantBedrockModels models;
    /** Every Converse / ConverseStream request as it went on the wire: model id (the tenant's profile) and texts. */
    static final List<Sent> sent = new CopyOnWriteArrayList<>();

    record Sent(String modelId, List<String> texts) {
    }

    interface Assistant extends ChatMemoryAccess {
        String chat(@MemoryId String user, @UserMessage String message);
    }

    interface StreamingAssistant {
        TokenStream chat(@MemoryId String user, @UserMessage String message);
    }

    /** A store shared by all memories, as an application's database would be; keyed by whatever id it is given. */
    static final class RecordingStore implements ChatMemoryStore {
        final Map<Object, List<ChatMessage>> rows = new ConcurrentHashMap<>();

        @Override
        public List<ChatMessage> getMessages(Object memoryId) {
            return rows.getOrDefault(memoryId, List.of());
        }

        @Override
        public void updateMessages(Object memoryId, List<ChatMessage> messages) {
            rows.put(memoryId, List.copyOf(messages));
        }

        @Override
        public void deleteMessages(Object memoryId) {
            rows.remove(memoryId);
        }
    }

    @BeforeAll
    static void start() {
        List<String> tenants = new ArrayList<>(List.of("acme", "globex"));
        tenants.addAll(MANY);
        fx = new EmulatorFixture(tenants.toArray(String[]::new));
        models = fx.models(null, new ExecutionInterceptor() {
            @Override
            public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
                if (context.request() instanceof ConverseRequest r) {
                    sent.add(new Sent(r.modelId(), texts(r.messages())));
                } else if (context.request() instanceof ConverseStreamRequest r) {
                    sent.add(new Sent(r.modelId(), texts(r.messages())));
                }
            }
        });
    }

    @AfterAll
    static void stop() {
        models.close();
        fx.close();
    }

    @BeforeEach
    void reset() {
        fx.reset();
        sent.clear();
    }

    static List<String> texts(List<Message> messages) {
        return messages.stream().flatMap(m -> m.content().stream()).map(ContentBlock::text)
                .filter(t -> t != null).toList();
    }

    static TenantChatMemories memoriesIn(ChatMemoryStore store) {
        return TenantChatMemories.of(id -> MessageWindowChatMemory.builder().id(id).maxMessages(20)
                .chatMemoryStore(store).build());
    }

    /** The tenant whose profile a request was sent to. */
    static String tenantOf(Sent request) {
        return MANY.stream().filter(t -> fx.arn(t).equals(request.modelId())).findFirst().orElse(null);
    }

    /** The user messages' texts of a memory, as the calling tenant sees it. */
    static List<String> userTexts(ChatMemory memory) {
        return memory.messages().stream().filter(m -> m instanceof dev.langchain4j.data.message.UserMessage)
                .map(m -> ((dev.langchain4j.data.message.UserMessage) m).singleText()).toList();
    }

    @Test
    void aiService_twoTenantsSameMemoryId_eachSecondCallSeesOnlyItsOwnFirstMessage() {
        RecordingStore store = new RecordingStore();
        Assistant assistant = AiServices.builder(Assistant.class).chatModel(models.chatModel(EmulatorFixture.MODEL))
                .chatMemoryProvider(memoriesIn(store)).build();
        TenantContext acme = TenantContext.of("acme");
        TenantContext globex = TenantContext.of("globex");

        TenantScope.get(acme, () -> assistant.chat("user-1", "acme first: my code is A-1"));
        TenantScope.get(globex, () -> assistant.chat("user-1", "globex first: my code is G-7"));
        TenantScope.get(acme, () -> assistant.chat("user-1", "acme second: what is my code?"));
        TenantScope.get(globex, () -> assistant.chat("user-1", "globex second: what is my code?"));

        // What Bedrock received: each second call carries its own tenant's first message and nothing of the other.
        assertThat(sent).hasSize(4);
        assertThat(sent.get(2).modelId()).isEqualTo(fx.arn("acme"));
        assertThat(sent.get(2).texts()).contains("acme first: my code is A-1", "acme second: what is my code?")
                .noneMatch(t -> t.contains("globex"));
        assertThat(sent.get(3).modelId()).isEqualTo(fx.arn("globex"));
        assertThat(sent.get(3).texts()).contains("globex first: my code is G-7", "globex second: what is my code?")
                .noneMatch(t -> t.contains("acme"));
        // What the memories hold, seen through the AI service, per tenant.
        assertThat(TenantScope.get(acme, () -> userTexts(assistant.getChatMemory("user-1"))))
                .containsExactly("acme first: my code is A-1", "acme second: what is my code?");
        assertThat(TenantScope.get(globex, () -> userTexts(assistant.getChatMemory("user-1"))))
                .containsExactly("globex first: my code is G-7", "globex second: what is my code?");
        // What the shared store saw: tenant-qualified ids, one row each.
        assertThat(store.rows).containsOnlyKeys(new TenantMemoryId(TenantId.of("acme"), "user-1"),
                new TenantMemoryId(TenantId.of("globex"), "user-1"));
        assertThat(store.rows.get(new TenantMemoryId(TenantId.of("acme"), "user-1"))).hasSize(4);
    }

    @Test
    void aiService_noTenant_isRefusedWithUnknownTenantAndNothingIsSentOrStored() {
        RecordingStore store = new RecordingStore();
        Assistant assistant = AiServices.builder(Assistant.class).chatModel(models.chatModel(EmulatorFixture.MODEL))
                .chatMemoryProvider(memoriesIn(store)).build();
        TenantScope.get(TenantContext.of("acme"), () -> assistant.chat("user-1", "hello"));
        sent.clear();
        fx.reset();

        assertThatThrownBy(() -> assistant.chat("user-1", "who am I?"))
                .isInstanceOf(UnknownTenantException.class)
                .hasMessageContaining("user-1").hasMessageContaining("TenantScope.run");
        assertThat(sent).isEmpty();
        assertThat(fx.emulator.invocations()).isEmpty();
        assertThat(store.rows).containsOnlyKeys(new TenantMemoryId(TenantId.of("acme"), "user-1"));
        assertThat(store.rows.get(new TenantMemoryId(TenantId.of("acme"), "user-1"))).hasSize(2);
    }

    @Test
    void aiService_manyTenantsAndMemoryIdsFromSeveralThreads_noCrossTalk() throws Exception {
        RecordingStore store = new RecordingStore();
        TenantChatMemories memories = memoriesIn(store);
        Assistant assistant = AiServices.builder(Assistant.class).chatModel(models.chatModel(EmulatorFixture.MODEL))
                .chatMemoryProvider(memories).build();
        List<String> users = List.of("user-1", "user-2", "user-3", "user-4");
        int turns = 3;
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> done = new ArrayList<>();
        try {
            // Each conversation is one task (its turns in order); the conversations of all tenants run at once.
            for (String tenant : MANY) {
                for (String user : users) {
                    done.add(pool.submit(() -> TenantScope.run(TenantContext.of(tenant), () -> {
                        for (int turn = 0; turn < turns; turn++) {
                            assistant.chat(user, "tenant=" + tenant + " user=" + user + " turn=" + turn);
                        }
                    })));
                }
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(sent).hasSize(MANY.size() * users.size() * turns);
        // Every request on the wire holds one conversation only, sent to its own tenant's profile.
        Map<String, Integer> longestPerConversation = new LinkedHashMap<>();
        for (Sent request : sent) {
            List<String> prompts = request.texts().stream().filter(t -> t.startsWith("tenant=")).toList();
            String conversation = prompts.get(0).substring(0, prompts.get(0).indexOf(" turn="));
            assertThat(prompts).allMatch(t -> t.startsWith(conversation + " turn="));
            assertThat(conversation).startsWith("tenant=" + tenantOf(request) + " ");
            longestPerConversation.merge(conversation, prompts.size(), Math::max);
        }
        assertThat(longestPerConversation).hasSize(MANY.size() * users.size()).allSatisfy((c, n) ->
                assertThat(n).isEqualTo(turns));
        // Every memory holds its own turns, in order, and the store one row per tenant and user.
        for (String tenant : MANY) {
            for (String user : users) {
                List<String> expected = IntStream.range(0, turns)
                        .mapToObj(turn -> "tenant=" + tenant + " user=" + user + " turn=" + turn).toList();
                assertThat(TenantScope.get(TenantContext.of(tenant), () -> userTexts(memories.get(user))))
                        .containsExactlyElementsOf(expected);
            }
        }
        assertThat(store.rows).hasSize(MANY.size() * users.size())
                .allSatisfy((id, messages) -> assertThat(id).isInstanceOf(TenantMemoryId.class));
    }

    @Test
    void streamingAiService_twoTenantsSameMemoryId_answersAreStoredInTheCallersMemory() throws Exception {
        TenantChatMemories memories = memoriesIn(new RecordingStore());
        StreamingAssistant assistant = AiServices.builder(StreamingAssistant.class)
                .streamingChatModel(models.streamingChatModel(EmulatorFixture.MODEL))
                .chatMemoryProvider(memories).build();

        for (String tenant : List.of("acme", "globex", "acme")) {
            CompletableFuture<ChatResponse> done = new CompletableFuture<>();
            TenantScope.run(TenantContext.of(tenant), () -> assistant.chat("user-1", tenant + " asks")
                    .onPartialResponse(p -> { })
                    .onCompleteResponse(done::complete)
                    .onError(done::completeExceptionally)
                    .start());
            done.get(10, TimeUnit.SECONDS);
        }

        // The answers were added on the SDK's threads, in the caller's tenant scope.
        List<ChatMessage> acme = TenantScope.get(TenantContext.of("acme"), () -> memories.get("user-1").messages());
        List<ChatMessage> globex = TenantScope.get(TenantContext.of("globex"),
                () -> memories.get("user-1").messages());
        assertThat(acme).hasSize(4);
        assertThat(acme.get(1)).isInstanceOf(AiMessage.class);
        assertThat(acme.get(3)).isInstanceOf(AiMessage.class);
        assertThat(TenantScope.get(TenantContext.of("acme"), () -> userTexts(memories.get("user-1"))))
                .containsExactly("acme asks", "acme asks");
        assertThat(globex).hasSize(2);
        assertThat(TenantScope.get(TenantContext.of("globex"), () -> userTexts(memories.get("user-1"))))
                .containsExactly("globex asks");
        assertThat(sent.get(2).texts()).noneMatch(t -> t.contains("globex"));
    }

    @Test
    void get_factoryIgnoringTheGivenId_isAConfigurationErrorNamingBothIds() {
        TenantChatMemories memories = TenantChatMemories.of(id -> MessageWindowChatMemory.withMaxMessages(10));

        assertThatThrownBy(() -> TenantScope.run(TenantContext.of("acme"), () -> memories.get("user-1").messages()))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("\"default\"").hasMessageContaining("\"acme:user-1\"")
                .hasMessageContaining(".id(id)");
    }

    @Test
    void maxMemories_exceeded_dropsTheLeastRecentlyUsedAndAStoreBackedMemoryKeepsItsMessages() {
        RecordingStore store = new RecordingStore();
        List<Object> built = new CopyOnWriteArrayList<>();
        TenantChatMemories memories = TenantChatMemories.builder().maxMemories(2).memory(id -> {
            built.add(id);
            return MessageWindowChatMemory.builder().id(id).maxMessages(10).chatMemoryStore(store).build();
        }).build();
        TenantContext acme = TenantContext.of("acme");

        TenantScope.run(acme, () -> {
            memories.get("a").add(dev.langchain4j.data.message.UserMessage.from("to a"));
            memories.get("b").add(dev.langchain4j.data.message.UserMessage.from("to b"));
            memories.get("a").messages();                 // a is now more recent than b
            memories.get("c").add(dev.langchain4j.data.message.UserMessage.from("to c"));   // drops b
            memories.get("a").messages();                 // still kept: not built again
            assertThat(userTexts(memories.get("b"))).containsExactly("to b");   // built again over its row
        });

        TenantId id = TenantId.of("acme");
        assertThat(built).containsExactly(new TenantMemoryId(id, "a"), new TenantMemoryId(id, "b"),
                new TenantMemoryId(id, "c"), new TenantMemoryId(id, "b"));
    }

    @Test
    void clear_inOneTenant_leavesTheOtherTenantsMemoryOfTheSameId() {
        RecordingStore store = new RecordingStore();
        TenantChatMemories memories = memoriesIn(store);
        ChatMemory view = memories.get("user-1");
        TenantContext acme = TenantContext.of("acme");
        TenantContext globex = TenantContext.of("globex");
        TenantScope.run(acme, () -> view.add(dev.langchain4j.data.message.UserMessage.from("acme")));
        TenantScope.run(globex, () -> view.add(dev.langchain4j.data.message.UserMessage.from("globex")));

        TenantScope.run(acme, view::clear);

        assertThat(view.id()).isEqualTo("user-1");
        assertThat(TenantScope.get(acme, view::messages)).isEmpty();
        assertThat(TenantScope.get(globex, () -> userTexts(view))).containsExactly("globex");
        assertThat(store.rows).containsOnlyKeys(new TenantMemoryId(TenantId.of("globex"), "user-1"));
    }

    @Test
    void builder_missingFactoryOrBadBoundOrSecondSet_isAConfigurationError() {
        assertThatThrownBy(() -> TenantChatMemories.builder().build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("memory(");
        assertThatThrownBy(() -> TenantChatMemories.builder().maxMemories(0))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("at least 1");
        assertThatThrownBy(() -> TenantChatMemories.builder().maxMemories(5).maxMemories(6))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("already set to 5");
        assertThatThrownBy(() -> TenantChatMemories.builder().memory(id -> null).memory(id -> null))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("already set");
    }

    @Test
    void tenantMemoryId_toString_isTenantColonMemoryId() {
        assertThat(new TenantMemoryId(TenantId.of("acme"), "user-1")).hasToString("acme:user-1");
        assertThat(new TenantMemoryId(TenantId.of("acme"), 42)).hasToString("acme:42")
                .isNotEqualTo(new TenantMemoryId(TenantId.of("globex"), 42));
    }

    /** A memory that may be used from several threads at once, to race the first use of one conversation. */
    record SynchronizedMemory(Object id, List<ChatMessage> list) implements ChatMemory {
        @Override
        public void add(ChatMessage message) {
            list.add(message);
        }

        @Override
        public List<ChatMessage> messages() {
            return List.copyOf(list);
        }

        @Override
        public void clear() {
            list.clear();
        }
    }

    @Test
    void get_concurrentFirstUseOfOneConversation_keepsOneMemoryAndLosesNoMessage() throws Exception {
        TenantChatMemories memories = TenantChatMemories.of(id -> new SynchronizedMemory(id,
                new CopyOnWriteArrayList<>()));
        int writers = 8;
        int messagesEach = 50;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        List<Future<?>> done = new ArrayList<>();
        try {
            TenantScope.run(TenantContext.of("acme"), () -> {
                for (int w = 0; w < writers; w++) {
                    int writer = w;
                    done.add(pool.submit(TenantScope.wrap(() -> {
                        for (int m = 0; m < messagesEach; m++) {
                            memories.get("shared-" + m).add(AiMessage.from(writer + "/" + m));
                        }
                    })));
                }
            });
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        for (int m = 0; m < messagesEach; m++) {
            String memoryId = "shared-" + m;
            assertThat(TenantScope.get(TenantContext.of("acme"), () -> memories.get(memoryId).messages()))
                    .as(memoryId).hasSize(writers);
            assertThat(TenantScope.get(TenantContext.of("globex"), () -> memories.get(memoryId).messages()))
                    .isEmpty();
        }
    }
}
