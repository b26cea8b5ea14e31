package dev.aip.examples;

import static org.bsc.langgraph4j.GraphDefinition.END;
import static org.bsc.langgraph4j.GraphDefinition.START;
import static org.bsc.langgraph4j.action.AsyncEdgeAction.edge_async;
import static org.bsc.langgraph4j.action.AsyncNodeAction.node_async;

import dev.aip.core.metering.UsageRecord;
import dev.aip.emulator.BedrockEmulator;
import dev.aip.langchain4j.TenantNodeHook;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bsc.langgraph4j.CompiledGraph;
import org.bsc.langgraph4j.GraphStateException;
import org.bsc.langgraph4j.NodeOutput;
import org.bsc.langgraph4j.StateGraph;
import org.bsc.langgraph4j.state.AgentState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * Workshop Lab 7, a graph workflow (the workshop uses LangGraph; here LangGraph4j): generate, review, publish, where
 * a review that asks for a revision sends the draft back to generate. One compiled graph serves every tenant; its
 * nodes call one shared tenant-aware chat model, and {@link TenantNodeHook} runs each node in the run's tenant scope
 * with the run id and node name as record attributes. The lab prints the usage per tenant, run and node, a summary
 * per run (path, model calls, tokens, cost), then checks aip's records against the server's metrics.
 *
 * <p>On the emulator each tenant's first review asks for a revision and later ones approve, so the conditional edge
 * is taken; on AWS the model reviews, and a draft is approved after {@value #MAX_REVISIONS} revisions at most.
 *
 * <pre>{@code
 * java -cp ... dev.aip.examples.Lab7Workflow [--aws [--region R]]
 * }</pre>
 */
@Command(name = "lab7-workflow", mixinStandardHelpOptions = true, version = "aip examples 0.1.0-SNAPSHOT",
        description = "Lab 7: a LangGraph4j generate/review/publish workflow on one shared model; usage per tenant,"
                + " run and node, matched against the per-profile AWS/Bedrock metrics.")
public final class Lab7Workflow implements Callable<Integer> {

    /** A draft is published after this many revisions even if the reviewer still asks for one. */
    static final int MAX_REVISIONS = 2;

    /** Per tenant, what its runs ask for. */
    static final Map<String, List<String>> REQUESTS = Map.of(
            "tenant-a", List.of("the CloudOps Monitor launch webinar", "a case study of halved incident response"),
            "tenant-b", List.of("the EcoThread summer collection drop", "a rewear challenge on Instagram"));

    /** The workflow's state, as in the workshop's {@code ContentWorkflowState}. */
    static final class ContentState extends AgentState {
        ContentState(Map<String, Object> data) {
            super(data);
        }

        String request() {
            return this.<String>value("request").orElseThrow();
        }

        String content() {
            return this.<String>value("generated_content").orElse("");
        }

        String reviewStatus() {
            return this.<String>value("review_status").orElse("pending");
        }

        int revisions() {
            return this.<Integer>value("revisions").orElse(0);
        }

        int steps() {
            return this.<Integer>value("step_count").orElse(0);
        }
    }

    @Mixin
    LabOptions options = new LabOptions();

    private final PrintStream out;
    private final LabEnvironment.Host host;

    private Lab7Workflow(PrintStream out, LabEnvironment.Host host) {
        this.out = out;
        this.host = host;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out));
    }

    /** Runs the lab; returns the exit code (0 done, 1 failed, 2 cannot start as asked). */
    static int run(String[] args, PrintStream out) {
        return run(args, out, System.err, LabEnvironment.Host.system());
    }

    static int run(String[] args, PrintStream out, PrintStream err, LabEnvironment.Host host) {
        return Labs.execute(new Lab7Workflow(out, host), args, out, err);
    }

    /** The workflow: generate, review, then publish or back to generate. Shared by every tenant. */
    static CompiledGraph<ContentState> workflow(ChatModel model) throws GraphStateException {
        return new StateGraph<ContentState>(Map.of(), ContentState::new)
                .addNode("generate", node_async(s -> Map.of(
                        "generated_content", model.chat("Create a brief marketing message for: " + s.request()
                                + (s.revisions() > 0 ? ". Make it shorter and sharper than: " + s.content() : "")),
                        "step_count", s.steps() + 1)))
                .addNode("review", node_async(s -> {
                    String verdict = model.chat("Review this marketing message for tone and accuracy. Answer"
                            + " APPROVED, or REVISE with one reason: " + s.content()).strip();
                    boolean approved = verdict.toUpperCase(Locale.ROOT).startsWith("APPROVED")
                            || s.revisions() >= MAX_REVISIONS;
                    return Map.of("review_status", approved ? "approved" : "revise",
                            "revisions", approved ? s.revisions() : s.revisions() + 1, "step_count", s.steps() + 1);
                }))
                .addNode("publish", node_async(s -> Map.of("final_output", "[PUBLISHED] " + s.content(),
                        "step_count", s.steps() + 1)))
                .addEdge(START, "generate")
                .addEdge("generate", "review")
                .addConditionalEdges("review", edge_async(s -> "approved".equals(s.reviewStatus()) ? "publish"
                        : "generate"), Map.of("publish", "publish", "generate", "generate"))
                .addEdge("publish", END)
                .addWrapCallNodeHook(new TenantNodeHook<>())
                .compile();
    }

    /** What one run did. */
    private record Run(String id, LabTenant tenant, List<String> path, ContentState last) {
    }

    @Override
    public Integer call() throws GraphStateException {
        try (FrameworkLab lab = FrameworkLab.open(options, host, out,
                "Lab 7: a graph workflow (LangGraph4j, the workshop's LangGraph): generate -> review -> publish,"
                        + " review may send back",
                "One compiled graph serves every tenant; each node runs in its run's tenant scope, with run and node"
                        + " as record attributes")) {
            lab.emulator().ifPresent(emulator -> script(emulator, lab));
            CompiledGraph<ContentState> graph = workflow(lab.models.chatModel(LabProfiles.LOGICAL_MODEL,
                    b -> b.defaultRequestParameters(ChatRequestParameters.builder().maxOutputTokens(200)
                            .temperature(0.7).build())));

            List<Run> runs = new ArrayList<>();
            out.println("RUNS");
            for (LabTenant tenant : lab.tenants()) {
                List<String> requests = REQUESTS.get(tenant.id().value());
                for (int i = 0; i < requests.size(); i++) {
                    String id = tenant.id() + "-run-" + (i + 1);
                    List<String> path = new ArrayList<>();
                    ContentState last = null;
                    for (NodeOutput<ContentState> step : graph.stream(Map.of("tenant_id", tenant.id().value(),
                            "request", requests.get(i)), TenantNodeHook.config(tenant.context(), id))) {
                        if (!step.isSTART() && !step.isEND()) {
                            path.add(step.node());
                        }
                        last = step.state();
                    }
                    runs.add(new Run(id, tenant, path, last));
                    out.printf("  %-9s %-14s %s%n  %-9s %-14s \"%s\"%n", tenant.id(), id, String.join(" -> ", path),
                            "", "", Labs.preview(last == null ? "" : last.<String>value("final_output").orElse(""),
                                    64));
                }
            }
            out.println();
            printPerNode(lab, runs);
            printPerRun(lab, runs);
            lab.reconcile();
            out.println("The graph is plain LangGraph4j: one hook puts each node in its run's tenant scope, and aip");
            out.println("attributes every model call to tenant, run and node.");
            return 0;
        }
    }

    private void printPerNode(FrameworkLab lab, List<Run> runs) {
        out.println("USAGE PER NODE  from aip's records (attributes run and node)");
        out.printf("  %-9s %-14s %-9s %5s %10s %10s %10s %11s%n", "TENANT", "RUN", "NODE", "CALLS", "IN TOKENS",
                "OUT TOKENS", "MODEL TIME", "COST");
        for (Run run : runs) {
            Map<String, List<UsageRecord>> byNode = new LinkedHashMap<>();
            for (UsageRecord r : runRecords(lab, run)) {
                byNode.computeIfAbsent(r.attributes().get(TenantNodeHook.NODE_ATTRIBUTE), k -> new ArrayList<>())
                        .add(r);
            }
            byNode.forEach((node, records) -> {
                FrameworkLab.Totals t = FrameworkLab.Totals.of(records);
                out.printf("  %-9s %-14s %-9s %5d %10d %10d %10s %11s%n", run.tenant().id(), run.id(), node,
                        t.calls(), t.tokens().totalInputTokens(), t.tokens().outputTokens(), t.millis(), t.cost());
            });
        }
        out.println();
    }

    private void printPerRun(FrameworkLab lab, List<Run> runs) {
        out.println("RUN SUMMARY");
        out.printf("  %-14s %-9s %5s %9s %5s %10s %10s %11s  %s%n", "RUN", "TENANT", "STEPS", "REVISIONS", "CALLS",
                "IN TOKENS", "OUT TOKENS", "COST", "OUTCOME");
        for (Run run : runs) {
            FrameworkLab.Totals t = FrameworkLab.Totals.of(runRecords(lab, run));
            boolean published = run.last() != null && run.last().value("final_output").isPresent();
            out.printf("  %-14s %-9s %5d %9d %5d %10d %10d %11s  %s%n", run.id(), run.tenant().id(),
                    run.last() == null ? 0 : run.last().steps(), run.last() == null ? 0 : run.last().revisions(),
                    t.calls(), t.tokens().totalInputTokens(), t.tokens().outputTokens(), t.cost(),
                    published ? "published" : "not published");
        }
        out.println();
    }

    private static List<UsageRecord> runRecords(FrameworkLab lab, Run run) {
        return lab.recordsOf(run.tenant()).stream()
                .filter(r -> run.id().equals(r.attributes().get(TenantNodeHook.RUN_ATTRIBUTE))).toList();
    }

    /** The emulator's reviewer: each tenant's first review asks for a revision, every later one approves. */
    private static void script(BedrockEmulator emulator, FrameworkLab lab) {
        for (LabTenant tenant : lab.tenants()) {
            String arn = lab.profiles.get(tenant).arn();
            emulator.script().forModel(arn).whenPromptContains("Review this").once()
                    .replyText("REVISE: too long for a social post.");
            emulator.script().forModel(arn).whenPromptContains("Review this")
                    .replyText("APPROVED: clear, on brand and accurate.");
        }
    }
}
