package dev.aip.examples;

import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantScope;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.input.PromptTemplate;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * Workshop Lab 6, chains (the workshop uses LangChain's {@code prompt | llm | parser}; here LangChain4j prompt
 * templates and a chat model): each tenant has its own two-step chain built from its own prompt templates, tenant A
 * a headline generator, tenant B a product description with a call to action. All chains share one tenant-aware
 * chat model, and each chain run is tagged with its chain and run id, so its usage is attributed to its tenant and
 * run. The lab prints each run's calls, tokens, model time and cost, then checks aip's records against the
 * server's metrics.
 *
 * <pre>{@code
 * java -cp ... dev.aip.examples.Lab6Chains [--aws [--region R]]
 * }</pre>
 */
@Command(name = "lab6-chains", mixinStandardHelpOptions = true, version = "aip examples 0.1.0-SNAPSHOT",
        description = "Lab 6: tenant-aware prompt-template chains on one shared model; each chain run's usage"
                + " attributed to its tenant and matched against the per-profile AWS/Bedrock metrics.")
public final class Lab6Chains implements Callable<Integer> {

    /**
     * A chain: prompt templates applied in turn, each step's answer stored under its output variable for the next.
     * Immutable.
     *
     * @param name the chain's name (a record attribute)
     * @param steps the templates, in order, with the variable each answer is stored in
     */
    record Chain(String name, List<Map.Entry<PromptTemplate, String>> steps) {

        /** Runs the chain on the calling thread, whose tenant scope the model's calls use. */
        String run(ChatModel model, Map<String, Object> input) {
            Map<String, Object> variables = new LinkedHashMap<>(input);
            String answer = "";
            for (Map.Entry<PromptTemplate, String> step : steps) {
                answer = model.chat(step.getKey().apply(variables).text()).strip();
                variables.put(step.getValue(), answer);
            }
            return answer;
        }
    }

    /** Per tenant, its chain: its own templates, in its own voice. */
    static final Map<String, Chain> CHAINS = Map.of(
            "tenant-a", new Chain("headline", List.of(
                    Map.entry(PromptTemplate.from("Write a catchy B2B headline for {{product}} aimed at"
                            + " {{audience}}."), "headline"),
                    Map.entry(PromptTemplate.from("Shorten this headline to at most eight words, keep the"
                            + " promise: {{headline}}"), "short"))),
            "tenant-b", new Chain("description", List.of(
                    Map.entry(PromptTemplate.from("Write a product description of at most 100 words for"
                            + " {{product}}, highlighting {{features}}."), "description"),
                    Map.entry(PromptTemplate.from("Add a one-line call to action to this description:"
                            + " {{description}}"), "cta"))));

    /** Per tenant, the inputs of its chain runs. */
    static final Map<String, List<Map<String, Object>>> INPUTS = Map.of(
            "tenant-a", List.of(
                    Map.of("product", "CloudOps Monitor", "audience", "CTOs of mid-size tech companies"),
                    Map.of("product", "CloudOps Monitor", "audience", "platform engineering teams")),
            "tenant-b", List.of(
                    Map.of("product", "the EcoThread summer dress", "features", "organic cotton and a relaxed fit"),
                    Map.of("product", "the EcoThread linen shirt", "features", "recycled buttons and natural dyes")));

    @Mixin
    LabOptions options = new LabOptions();

    private final PrintStream out;
    private final LabEnvironment.Host host;

    private Lab6Chains(PrintStream out, LabEnvironment.Host host) {
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
        return Labs.execute(new Lab6Chains(out, host), args, out, err);
    }

    @Override
    public Integer call() {
        try (FrameworkLab lab = FrameworkLab.open(options, host, out,
                "Lab 6: tenant-aware chains (LangChain4j prompt templates, the workshop's LangChain chains)",
                "Each tenant's chain uses its own templates on one shared chat model; every run is tagged with its"
                        + " chain and run id")) {
            ChatModel model = lab.models.chatModel(LabProfiles.LOGICAL_MODEL, b -> b.defaultRequestParameters(
                    ChatRequestParameters.builder().maxOutputTokens(300).temperature(0.7).build()));

            Map<String, LabTenant> runs = new LinkedHashMap<>();
            out.println("CHAIN RUNS");
            for (LabTenant tenant : lab.tenants()) {
                Chain chain = CHAINS.get(tenant.id().value());
                List<Map<String, Object>> inputs = INPUTS.get(tenant.id().value());
                for (int i = 0; i < inputs.size(); i++) {
                    String run = tenant.id() + "-" + chain.name() + "-" + (i + 1);
                    runs.put(run, tenant);
                    TenantContext context = tenant.context().withAttribute("chain", chain.name())
                            .withAttribute("run", run);
                    long t0 = System.nanoTime();
                    Map<String, Object> input = inputs.get(i);
                    String answer = TenantScope.get(context, () -> chain.run(model, input));
                    out.printf("  %-9s %-22s %5d ms  \"%s\"%n", tenant.id(), run, (System.nanoTime() - t0) / 1_000_000,
                            Labs.preview(answer, 60));
                }
            }
            out.println();

            out.println("USAGE PER CHAIN RUN  from aip's records (attributes chain and run)");
            out.printf("  %-9s %-12s %-22s %5s %10s %10s %10s %11s%n", "TENANT", "CHAIN", "RUN", "CALLS",
                    "IN TOKENS", "OUT TOKENS", "MODEL TIME", "COST");
            runs.forEach((run, tenant) -> {
                List<UsageRecord> records = lab.recordsOf(tenant).stream()
                        .filter(r -> run.equals(r.attributes().get("run"))).toList();
                FrameworkLab.Totals t = FrameworkLab.Totals.of(records);
                out.printf("  %-9s %-12s %-22s %5d %10d %10d %10s %11s%n", tenant.id(),
                        records.isEmpty() ? "-" : records.get(0).attributes().get("chain"), run, t.calls(),
                        t.tokens().totalInputTokens(), t.tokens().outputTokens(), t.millis(), t.cost());
            });
            out.println();
            lab.reconcile();
            out.println("A chain is plain LangChain4j code: the tenant and the run travel in aip's scope, and every");
            out.println("step's model call lands on the tenant's profile and in the run's usage.");
            return 0;
        }
    }
}
