package dev.aip.examples;

import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantScope;
import dev.aip.emulator.BedrockEmulator;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.tool.ToolExecution;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * Workshop Lab 4, a tenant-aware agent with tools (the workshop uses Strands Agents; here it is a LangChain4j
 * AiServices agent): each tenant has its own system prompt and conversation, all agents share one tenant-aware chat
 * model from {@code aip-langchain4j}, and every model call of every agent loop is routed to the tenant's profile and
 * metered. The lab prints, per tenant, what Strands calls the agent's metrics: cycles (model calls), tool calls with
 * successes and errors, tokens, model time and cost; then checks aip's records against the server's metrics.
 *
 * <p>On the emulator the model's tool use is scripted (ask for the tool, then answer with its result), so the agent
 * loop really runs: two cycles per task. On AWS the model decides.
 *
 * <pre>{@code
 * java -cp ... dev.aip.examples.Lab4Agent [--aws [--region R]]
 * }</pre>
 */
@Command(name = "lab4-agent", mixinStandardHelpOptions = true, version = "aip examples 0.1.0-SNAPSHOT",
        description = "Lab 4: a tenant-aware agent with tools on one shared model; per-tenant agent metrics"
                + " (cycles, tool calls, tokens, latency, cost) that match the per-profile AWS/Bedrock metrics.")
public final class Lab4Agent implements Callable<Integer> {

    /** The record attribute that names the agent, so its calls can be told from other features'. */
    static final String AGENT = "campaign-planner";

    /** Per tenant: the system prompt that makes the same agent a B2B or a B2C expert. */
    static final Map<String, String> SYSTEM_PROMPTS = Map.of(
            "tenant-a", "You are a B2B demand-generation expert for technology companies. Use your tools for"
                    + " audience analysis, channel plans and ROI. Answer in at most 120 words.",
            "tenant-b", "You are a B2C e-commerce marketing expert for sustainable fashion brands. Use your tools"
                    + " for audience analysis, channel plans and ROI. Answer in at most 120 words.");

    /** Per tenant: three tasks, one per tool. */
    static final Map<String, List<String>> TASKS = Map.of(
            "tenant-a", List.of(
                    "Analyse the target audience for CloudOps Monitor, a DevOps observability platform (B2B).",
                    "Recommend marketing channels for a $50,000 budget over 12 weeks.",
                    "Estimate the campaign ROI: $50,000 budget, 500 expected conversions, $2,400 per customer."),
            "tenant-b", List.of(
                    "Analyse the target audience for the EcoThread organic-cotton summer collection (B2C).",
                    "Recommend marketing channels for a $30,000 budget over 8 weeks.",
                    "Estimate the campaign ROI: $30,000 budget, conversions not known yet, $85 per customer."));

    @Mixin
    LabOptions options = new LabOptions();

    private final PrintStream out;
    private final LabEnvironment.Host host;

    private Lab4Agent(PrintStream out, LabEnvironment.Host host) {
        this.out = out;
        this.host = host;
    }

    /** The agent: one method, a brief in, an answer out. Lab 8 serves the same agent under AgentCore Runtime. */
    interface MarketingAgent {
        String run(String brief);
    }

    /** One tool's calls in one tenant's agent. Confined to the agent's thread. */
    static final class ToolStats {
        long ok;
        long errors;
        Duration time = Duration.ZERO;

        long calls() {
            return ok + errors;
        }
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out));
    }

    /** Runs the lab; returns the exit code (0 done, 1 failed, 2 cannot start as asked). */
    static int run(String[] args, PrintStream out) {
        return run(args, out, System.err, LabEnvironment.Host.system());
    }

    static int run(String[] args, PrintStream out, PrintStream err, LabEnvironment.Host host) {
        return Labs.execute(new Lab4Agent(out, host), args, out, err);
    }

    @Override
    public Integer call() {
        try (FrameworkLab lab = FrameworkLab.open(options, host, out,
                "Lab 4: a tenant-aware agent with tools (LangChain4j AiServices, the workshop's Strands agent)",
                "Each tenant's agent has its own system prompt and memory; all share one chat model, and aip routes"
                        + " every call to the tenant's profile")) {
            lab.emulator().ifPresent(emulator -> script(emulator, lab));
            ChatModel model = lab.models.chatModel(LabProfiles.LOGICAL_MODEL, b -> b.defaultRequestParameters(
                    ChatRequestParameters.builder().maxOutputTokens(400).temperature(0.7).build()));

            Map<String, Map<String, ToolStats>> tools = new TreeMap<>();
            out.println("AGENT RUNS");
            for (LabTenant tenant : lab.tenants()) {
                Map<String, ToolStats> stats = new TreeMap<>();
                tools.put(tenant.id().value(), stats);
                MarketingAgent agent = AiServices.builder(MarketingAgent.class)
                        .chatModel(model)
                        .systemMessageProvider(memoryId -> SYSTEM_PROMPTS.get(tenant.id().value()))
                        .chatMemory(MessageWindowChatMemory.withMaxMessages(40))
                        .tools(new MarketingTools())
                        .afterToolExecution(execution -> count(stats, execution))
                        .build();
                TenantContext context = tenant.context().withAttribute("agent", AGENT);
                for (String task : TASKS.get(tenant.id().value())) {
                    String answer = TenantScope.get(context, () -> agent.run(task));
                    out.printf("  %-9s %s%n  %-9s -> %s%n", tenant.id(), Labs.preview(task, 70), "",
                            Labs.preview(answer, 70));
                }
            }
            out.println();
            printMetrics(lab, tools);
            lab.reconcile();
            out.println("Each agent cycle is one model call on the tenant's own profile, metered once: the agent's");
            out.println("metrics come from the same records that match Bedrock's per-profile metrics.");
            return 0;
        }
    }

    private static void count(Map<String, ToolStats> stats, ToolExecution execution) {
        ToolStats s = stats.computeIfAbsent(execution.request().name(), name -> new ToolStats());
        if (execution.hasFailed()) {
            s.errors++;
        } else {
            s.ok++;
        }
        Duration took = execution.duration();
        if (took != null) {
            s.time = s.time.plus(took);
        }
    }

    private void printMetrics(FrameworkLab lab, Map<String, Map<String, ToolStats>> tools) {
        out.println("AGENT METRICS  per tenant, from aip's records (model calls) and the agent's tool hook");
        out.printf("  %-9s %6s %6s %4s %4s %10s %10s %10s %11s%n", "TENANT", "CYCLES", "TOOLS", "OK", "ERR",
                "IN TOKENS", "OUT TOKENS", "MODEL TIME", "COST");
        for (LabTenant tenant : lab.tenants()) {
            List<UsageRecord> calls = lab.recordsOf(tenant).stream()
                    .filter(r -> AGENT.equals(r.attributes().get("agent"))).toList();
            FrameworkLab.Totals t = FrameworkLab.Totals.of(calls);
            Map<String, ToolStats> stats = tools.get(tenant.id().value());
            long ok = stats.values().stream().mapToLong(s -> s.ok).sum();
            long errors = stats.values().stream().mapToLong(s -> s.errors).sum();
            out.printf("  %-9s %6d %6d %4d %4d %10d %10d %10s %11s%n", tenant.id(), t.calls(), ok + errors, ok,
                    errors, t.tokens().totalInputTokens(), t.tokens().outputTokens(), t.millis(), t.cost());
        }
        out.printf("  %-9s %-30s %5s %4s %4s %9s%n", "TENANT", "TOOL", "CALLS", "OK", "ERR", "TIME");
        tools.forEach((tenant, stats) -> stats.forEach((name, s) -> out.printf("  %-9s %-30s %5d %4d %4d %9s%n",
                tenant, name, s.calls(), s.ok, s.errors, s.time.toMillis() + "ms")));
        out.println();
    }

    /**
     * The emulator's model for each tenant's profile: asked for audience, channels or ROI, it calls the matching
     * tool with the tenant's figures, then answers once the tool's result is in. Tenant B's ROI has no conversions,
     * so that tool call fails.
     */
    static void script(BedrockEmulator emulator, FrameworkLab lab) {
        for (LabTenant tenant : lab.tenants()) {
            String arn = lab.profiles.get(tenant).arn();
            boolean b2b = tenant.id().value().equals("tenant-a");
            String type = b2b ? "B2B" : "B2C";
            emulator.script().forModel(arn).whenPromptContains("target audience").useTool("analyze_target_audience",
                    "{\"business_type\":\"" + type + "\",\"product_category\":\""
                            + (b2b ? "DevOps observability" : "sustainable fashion") + "\",\"age_range\":\""
                            + (b2b ? "30-55" : "25-40") + "\"}",
                    b2b ? "Target CTOs and platform leads at mid-size tech firms; lead with proof of faster incident"
                            + " response." : "Target eco-conscious women 25-40 on Instagram and TikTok; lead with"
                            + " style and creators.");
            emulator.script().forModel(arn).whenPromptContains("channels").useTool("recommend_marketing_channels",
                    b2b ? "{\"business_type\":\"B2B\",\"budget\":50000,\"campaign_duration\":12}"
                            : "{\"business_type\":\"B2C\",\"budget\":30000,\"campaign_duration\":8}",
                    b2b ? "Put 40% into LinkedIn and 30% into content; events and email take the rest."
                            : "Lead with social (35%) and influencers (25%), then search, email and content.");
            emulator.script().forModel(arn).whenPromptContains("ROI").useTool("calculate_campaign_roi",
                    b2b ? "{\"budget\":50000,\"expected_conversions\":500,\"avg_customer_value\":2400}"
                            : "{\"budget\":30000,\"expected_conversions\":0,\"avg_customer_value\":85}",
                    b2b ? "Expected revenue $1.2M: an ROI of 2300% at $100 per acquisition."
                            : "The ROI cannot be computed without expected conversions; estimate them first.");
        }
    }
}
