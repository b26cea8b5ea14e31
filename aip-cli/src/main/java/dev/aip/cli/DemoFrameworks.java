package dev.aip.cli;

import static org.bsc.langgraph4j.GraphDefinition.END;
import static org.bsc.langgraph4j.GraphDefinition.START;
import static org.bsc.langgraph4j.action.AsyncEdgeAction.edge_async;
import static org.bsc.langgraph4j.action.AsyncNodeAction.node_async;

import dev.aip.core.metering.UsageMeter;
import dev.aip.core.profile.TenantProfileResolver;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantScope;
import dev.aip.emulator.BedrockEmulator;
import dev.aip.langchain4j.TenantBedrockModels;
import dev.aip.langchain4j.TenantNodeHook;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.listener.ChatModelResponseContext;
import dev.langchain4j.model.output.TokenUsage;
import dev.langchain4j.service.AiServices;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.bsc.langgraph4j.CompiledGraph;
import org.bsc.langgraph4j.GraphStateException;
import org.bsc.langgraph4j.NodeOutput;
import org.bsc.langgraph4j.StateGraph;
import org.bsc.langgraph4j.state.AgentState;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * The demo's framework scene: for the first two tenants, a LangChain4j agent with a tool and a LangGraph4j
 * generate/review/publish workflow, both on tenant-aware models from {@code aip-langchain4j} that share the demo's
 * resolver and meter. Their calls land in the same ledger as the pipeline's, so the final reconciliation covers
 * them. On the emulator the agent's tool use and the reviewer's verdicts are scripted (the first review sends the
 * draft back), so the agent loop and the workflow's back edge really run; the same inputs give the same calls.
 *
 * <p>Confined: one run per call.
 */
final class DemoFrameworks {

    private static final StaticCredentialsProvider DUMMY =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDDEMO", "demo-secret"));

    private DemoFrameworks() {
    }

    /** The agent: a brief in, an answer out. */
    interface CampaignAgent {
        String plan(String brief);
    }

    /** The agent's tool, canned as in the workshop. Stateless. */
    static final class AudienceTool {
        @Tool(name = "analyze_target_audience", value = "Analyses the target audience of a campaign")
        String analyze(@P(name = "product", value = "what the campaign sells") String product) {
            return "Audience for " + product + ": decision makers aged 30-50; research online, trust peer reviews.";
        }
    }

    /** The workflow's state. */
    static final class Content extends AgentState {
        Content(Map<String, Object> data) {
            super(data);
        }

        String draft() {
            return this.<String>value("draft").orElse("");
        }

        boolean approved() {
            return this.<Boolean>value("approved").orElse(false);
        }
    }

    /** Runs the scene and prints one row per tenant. */
    static void run(PrintWriter out, BedrockEmulator emulator, TenantProfileResolver resolver, UsageMeter meter,
                    List<DemoTenants.Tenant> tenants) throws GraphStateException {
        List<DemoTenants.Tenant> chosen = tenants.subList(0, Math.min(2, tenants.size()));
        out.println("   Frameworks on the same AIPs: a LangChain4j agent with a tool and a LangGraph4j workflow"
                + " (generate -> review -> publish) for " + String.join(" and ",
                        chosen.stream().map(t -> t.id().value()).toList()) + ", through aip-langchain4j");
        Map<String, AtomicLong[]> seen = new ConcurrentHashMap<>();
        ChatModelListener listener = new ChatModelListener() {
            @Override
            public void onResponse(ChatModelResponseContext context) {
                // The models put the call's tenant into every listener's attributes.
                TenantContext tenant = (TenantContext) context.attributes().get(TenantBedrockModels.TENANT);
                TokenUsage usage = context.chatResponse().tokenUsage();
                AtomicLong[] counts = seen.computeIfAbsent(tenant.id().value(),
                        k -> new AtomicLong[] {new AtomicLong(), new AtomicLong(), new AtomicLong()});
                counts[0].incrementAndGet();
                counts[1].addAndGet(usage.inputTokenCount());
                counts[2].addAndGet(usage.outputTokenCount());
            }
        };
        TextTable table = new TextTable("TENANT", "MODEL", ">AGENT CYCLES", ">TOOL CALLS", "WORKFLOW PATH",
                ">MODEL CALLS", ">INPUT", ">OUTPUT");
        try (TenantBedrockModels models = TenantBedrockModels.builder().resolver(resolver).meter(meter)
                .client(c -> c.endpointOverride(emulator.endpoint()).region(Region.of(emulator.region()))
                        .credentialsProvider(DUMMY))
                .build()) {
            for (DemoTenants.Tenant t : chosen) {
                String arn = resolver.resolve(t.context(), t.model()).profileArn();
                emulator.faults().remove(arn);
                emulator.script().forModel(arn).whenPromptContains("target audience").useTool(
                        "analyze_target_audience", "{\"product\":\"" + t.product() + "\"}",
                        "Lead with peer proof for decision makers aged 30-50.");
                emulator.script().forModel(arn).whenPromptContains("Review this").once().replyText("REVISE: shorter");
                emulator.script().forModel(arn).whenPromptContains("Review this").replyText("APPROVED");

                ChatModel model = models.chatModel(t.model(), b -> b.listeners(listener));
                AtomicInteger toolCalls = new AtomicInteger();
                CampaignAgent agent = AiServices.builder(CampaignAgent.class).chatModel(model)
                        .tools(new AudienceTool()).afterToolExecution(e -> toolCalls.incrementAndGet()).build();
                TenantScope.run(t.context().withAttribute("feature", "agent"),
                        () -> agent.plan("Analyse the target audience for " + t.product() + "."));
                long agentCycles = seen.get(t.id().value())[0].get();

                List<String> path = new ArrayList<>();
                for (NodeOutput<Content> step : workflow(model).stream(Map.of("request", t.product()),
                        TenantNodeHook.config(t.context().withAttribute("feature", "workflow"),
                                t.id().value() + "-run-1"))) {
                    if (!step.isSTART() && !step.isEND()) {
                        path.add(step.node());
                    }
                }
                AtomicLong[] counts = seen.get(t.id().value());
                table.row(t.id(), t.model(), agentCycles, toolCalls.get(), String.join(" > ", path),
                        counts[0].get(), Reconciliation.n(counts[1].get()), Reconciliation.n(counts[2].get()));
            }
        }
        table.print(out, "     ");
    }

    private static CompiledGraph<Content> workflow(ChatModel model) throws GraphStateException {
        return new StateGraph<Content>(Map.of(), Content::new)
                .addNode("generate", node_async(s -> Map.of("draft", model.chat("Create a brief marketing message"
                        + " for: " + s.<String>value("request").orElse("")))))
                .addNode("review", node_async(s -> Map.of("approved", model.chat("Review this draft; answer"
                        + " APPROVED or REVISE: " + s.draft()).strip().startsWith("APPROVED"))))
                .addNode("publish", node_async(s -> Map.of("published", "[PUBLISHED] " + s.draft())))
                .addEdge(START, "generate")
                .addEdge("generate", "review")
                .addConditionalEdges("review", edge_async(s -> s.approved() ? "publish" : "generate"),
                        Map.of("publish", "publish", "generate", "generate"))
                .addEdge("publish", END)
                .addWrapCallNodeHook(new TenantNodeHook<>())
                .compile();
    }
}
