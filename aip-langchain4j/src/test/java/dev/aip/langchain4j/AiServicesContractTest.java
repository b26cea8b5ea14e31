package dev.aip.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.metering.Operation;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantScope;
import dev.aip.emulator.InvocationRecord;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.MemoryId;
import dev.langchain4j.service.SystemMessage;
import dev.langchain4j.service.TokenStream;
import dev.langchain4j.service.UserMessage;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** AiServices on a tenant-aware model: tool loops, chat memory and structured output, each model call metered once. */
class AiServicesContractTest {

    static EmulatorFixture fx;
    static TenantBedrockModels models;

    @BeforeAll
    static void start() {
        fx = new EmulatorFixture("acme", "globex");
        models = fx.models();
    }

    @AfterAll
    static void stop() {
        models.close();
        fx.close();
    }

    @BeforeEach
    void reset() {
        fx.reset();
        fx.emulator.script().forAnyModel().whenPromptContains("audience")
                .useTool("analyzeAudience", "{\"segment\":\"platform teams\"}", "Target platform teams first.");
        fx.emulator.script().forAnyModel().whenPromptContains("Extract")
                .replyText("{\"name\":\"Spring launch\",\"budget\":5000}");
    }

    interface Planner {
        @SystemMessage("You plan marketing campaigns.")
        String plan(@MemoryId String session, @UserMessage String brief);
    }

    interface StreamingPlanner {
        TokenStream plan(String brief);
    }

    record Campaign(String name, int budget) {
    }

    interface Extractor {
        Campaign extract(String text);
    }

    /** A tool that remembers which tenant's scope it ran in. */
    static final class AudienceTools {
        final List<String> calledFor = new CopyOnWriteArrayList<>();

        @Tool("Analyses the target audience of a campaign")
        String analyzeAudience(@P(name = "segment", value = "the segment to analyse") String segment) {
            calledFor.add(TenantScope.require().id().value());
            return "Segment " + segment + ": 40% of demo requests, reads technical blogs.";
        }
    }

    @Test
    void aiServices_toolLoopWithMemoryAndStructuredOutput_meteredOncePerModelCall() {
        AudienceTools tools = new AudienceTools();
        Planner planner = AiServices.builder(Planner.class)
                .chatModel(models.chatModel(EmulatorFixture.MODEL))
                .chatMemoryProvider(id -> MessageWindowChatMemory.withMaxMessages(20))
                .tools(tools)
                .build();
        Extractor extractor = AiServices.create(Extractor.class, models.chatModel(EmulatorFixture.MODEL));

        String plan = TenantScope.get(TenantContext.of("acme"),
                () -> planner.plan("s1", "Analyse the audience for CloudOps Monitor"));
        String followUp = TenantScope.get(TenantContext.of("acme"), () -> planner.plan("s1", "Now a headline."));
        Campaign campaign = TenantScope.get(TenantContext.of("globex"),
                () -> extractor.extract("Extract the campaign: Spring launch, budget 5000 dollars"));

        assertThat(plan).isEqualTo("Target platform teams first.");
        assertThat(followUp).isNotBlank();
        assertThat(campaign).isEqualTo(new Campaign("Spring launch", 5000));
        assertThat(tools.calledFor).containsExactly("acme");
        List<InvocationRecord> calls = fx.emulator.invocations();
        assertThat(calls).extracting(fx::ownerOf).containsExactly("acme", "acme", "acme", "globex");
        // The follow-up carries the whole conversation from memory: more input than the first question.
        assertThat(calls.get(2).inputTokens()).isGreaterThan(calls.get(0).inputTokens());
        assertThat(fx.records).hasSameSizeAs(calls).extracting(UsageRecord::outcome).containsOnly(Outcome.SUCCESS);
        assertThat(fx.recordTokens()).isEqualTo(fx.emulatorTokens());
    }

    @Test
    void streamingAiServices_toolLoopContinuesOnSdkThreads_withItsTenant() throws Exception {
        AudienceTools tools = new AudienceTools();
        StreamingPlanner planner = AiServices.builder(StreamingPlanner.class)
                .streamingChatModel(models.streamingChatModel(EmulatorFixture.MODEL))
                .tools(tools)
                .build();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();

        TenantScope.run(TenantContext.of("globex"), () -> planner.plan("Analyse the audience for EcoThread")
                .onPartialResponse(text -> { })
                .onCompleteResponse(done::complete)
                .onError(done::completeExceptionally)
                .start());
        ChatResponse response = done.get(10, TimeUnit.SECONDS);

        assertThat(response.aiMessage().text()).isEqualTo("Target platform teams first.");
        assertThat(tools.calledFor).containsExactly("globex");
        assertThat(fx.emulator.invocations()).hasSize(2).extracting(fx::ownerOf).containsOnly("globex");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (fx.records.size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThat(fx.records).hasSize(2).allSatisfy(r -> {
            assertThat(r.tenant().value()).isEqualTo("globex");
            assertThat(r.operation()).isEqualTo(Operation.CONVERSE_STREAM);
            assertThat(r.timeToFirstToken()).isNotNull();
        });
        assertThat(fx.recordTokens()).isEqualTo(fx.emulatorTokens());
    }
}
