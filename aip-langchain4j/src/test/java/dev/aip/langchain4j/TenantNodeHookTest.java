package dev.aip.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bsc.langgraph4j.GraphDefinition.END;
import static org.bsc.langgraph4j.GraphDefinition.START;
import static org.bsc.langgraph4j.action.AsyncEdgeAction.edge_async;
import static org.bsc.langgraph4j.action.AsyncNodeAction.node_async;

import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantScope;
import dev.langchain4j.model.chat.ChatModel;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.bsc.langgraph4j.CompiledGraph;
import org.bsc.langgraph4j.GraphStateException;
import org.bsc.langgraph4j.StateGraph;
import org.bsc.langgraph4j.state.AgentState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A generate, review, publish workflow whose review sends the draft back once: usage per tenant, run and node. */
class TenantNodeHookTest {

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
    }

    static final class Content extends AgentState {
        Content(Map<String, Object> data) {
            super(data);
        }

        String request() {
            return this.<String>value("request").orElseThrow();
        }

        String draft() {
            return this.<String>value("draft").orElse("");
        }

        boolean approved() {
            return this.<Boolean>value("approved").orElse(false);
        }
    }

    static CompiledGraph<Content> workflow(ChatModel model) throws GraphStateException {
        return new StateGraph<Content>(Map.of(), Content::new)
                .addNode("generate", node_async(s -> Map.of("draft",
                        model.chat("Create a brief marketing message for: " + s.request()))))
                .addNode("review", node_async(s -> Map.of("approved",
                        model.chat("Review this draft, answer APPROVED or REVISE: " + s.draft()).startsWith("APPROVED"))))
                .addNode("publish", node_async(s -> Map.of("published", "[PUBLISHED] " + s.draft())))
                .addEdge(START, "generate")
                .addEdge("generate", "review")
                .addConditionalEdges("review", edge_async(s -> s.approved() ? "publish" : "generate"),
                        Map.of("publish", "publish", "generate", "generate"))
                .addEdge("publish", END)
                .addWrapCallNodeHook(new TenantNodeHook<>())
                .compile();
    }

    @Test
    void invoke_reviewSendsBackOnce_everyModelCallAttributedToItsTenantRunAndNode() throws Exception {
        // Each run's first review asks for a revision, the second approves.
        for (int run = 0; run < 2; run++) {
            fx.emulator.script().forAnyModel().whenPromptContains("Review").once().replyText("REVISE: shorter");
            fx.emulator.script().forAnyModel().whenPromptContains("Review").once().replyText("APPROVED");
        }
        CompiledGraph<Content> graph = workflow(models.chatModel(EmulatorFixture.MODEL));

        Content a = graph.invoke(Map.of("request", "eco dresses"),
                TenantNodeHook.config(TenantContext.of("acme"), "run-1")).orElseThrow();
        // The tenant may also come from the caller's scope; the run id then from the config's thread id.
        Content b = TenantScope.get(TenantContext.of("globex"), () -> {
            try {
                return graph.invoke(Map.of("request", "cloud monitoring"),
                        org.bsc.langgraph4j.RunnableConfig.builder().threadId("run-2").build()).orElseThrow();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });

        assertThat(a.<String>value("published")).hasValueSatisfying(p -> assertThat(p).startsWith("[PUBLISHED] "));
        assertThat(b.approved()).isTrue();
        assertThat(fx.records).hasSize(8).hasSameSizeAs(fx.emulator.invocations());
        assertThat(fx.recordTokens()).isEqualTo(fx.emulatorTokens());
        Map<String, Long> perRunAndNode = fx.records.stream().collect(Collectors.groupingBy(
                r -> r.tenant().value() + "/" + r.attributes().get(TenantNodeHook.RUN_ATTRIBUTE) + "/"
                        + r.attributes().get(TenantNodeHook.NODE_ATTRIBUTE), TreeMap::new, Collectors.counting()));
        assertThat(perRunAndNode).containsExactly(
                Map.entry("acme/run-1/generate", 2L), Map.entry("acme/run-1/review", 2L),
                Map.entry("globex/run-2/generate", 2L), Map.entry("globex/run-2/review", 2L));
        // The attributes also travel to Bedrock, where invocation logs show them.
        assertThat(fx.emulator.invocations()).allSatisfy(i ->
                assertThat(i.requestMetadata()).containsKeys("run", "node"));
        List<UsageRecord> acme = fx.records.stream().filter(r -> r.tenant().value().equals("acme")).toList();
        assertThat(acme).extracting(r -> r.attributes().get("node"))
                .containsExactly("generate", "review", "generate", "review");
    }

    @Test
    void invoke_withoutTenant_modelCallsAreRefusedAndNothingIsSent() throws Exception {
        CompiledGraph<Content> graph = workflow(models.chatModel(EmulatorFixture.MODEL));

        assertThatThrownBy(() -> graph.invoke(Map.of("request", "x")))
                .hasRootCauseInstanceOf(dev.aip.core.UnknownTenantException.class);
        assertThat(fx.emulator.invocations()).isEmpty();
    }

    @Test
    void config_invalidRunId_isRefusedUpFront() {
        assertThatThrownBy(() -> TenantNodeHook.config(TenantContext.of("acme"), "run\n1"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
