package dev.aip.examples;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelResponse;

/**
 * Workshop Lab 1, the multi-tenant metrics problem: two tenants call Amazon Nova Pro through one system-defined
 * inference profile, and the server-side view ({@code AWS/Bedrock} by {@code ModelId}) holds a single series with
 * both tenants' tokens summed; nothing in it says which tenant spent what.
 *
 * <pre>{@code
 * java -cp ... dev.aip.examples.Lab1SharedProfile [--calls N] [--aws [--region R]]
 * }</pre>
 */
@Command(name = "lab1-shared-profile", mixinStandardHelpOptions = true, version = "aip examples 0.1.0-SNAPSHOT",
        description = "Lab 1: two tenants share one system-defined inference profile; the metrics cannot tell them"
                + " apart.")
public final class Lab1SharedProfile implements Callable<Integer> {

    /** The system-defined (cross-Region) inference profile the workshop calls. */
    static final String SYSTEM_PROFILE_ID = "us.amazon.nova-pro-v1:0";

    @Mixin
    LabOptions options = new LabOptions();

    @Option(names = "--calls", paramLabel = "N", defaultValue = "1",
            description = "InvokeModel calls per tenant (default: ${DEFAULT-VALUE}).")
    int calls;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "300",
            description = "Cap on each answer's length (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    private final PrintStream out;
    private final LabEnvironment.Host host;

    private Lab1SharedProfile(PrintStream out, LabEnvironment.Host host) {
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
        return Labs.execute(new Lab1SharedProfile(out, host), args, out, err);
    }

    @Override
    public Integer call() {
        if (calls < 1 || maxTokens < 1) {
            throw new SetupException("--calls and --max-tokens must be at least 1");
        }
        try (LabEnvironment env = LabEnvironment.open(options, host)) {
            out.println("Lab 1: the multi-tenant metrics problem");
            out.println("Alex, Platform Engineer at AnyCompany Solutions, runs a marketing-AI platform. Its tenants:");
            for (LabTenant t : LabTenant.WORKSHOP) {
                out.printf("  %-9s %s%n", t.id(), t.description());
            }
            out.println("Every tenant calls Amazon Nova Pro through the same system-defined inference profile "
                    + SYSTEM_PROFILE_ID + ",");
            out.println("on " + env.describe() + ".");
            out.println();

            Map<String, ModelIdTotals> baseline = Map.of(SYSTEM_PROFILE_ID,
                    env.serverMetrics().totals(SYSTEM_PROFILE_ID));
            BedrockRuntimeClient runtime = env.runtime();
            long input = 0;
            long output = 0;
            for (LabTenant tenant : LabTenant.WORKSHOP) {
                long tenantInput = 0;
                long tenantOutput = 0;
                for (int i = 0; i < calls; i++) {
                    InvokeModelResponse response = runtime.invokeModel(r -> r.modelId(SYSTEM_PROFILE_ID)
                            .contentType("application/json").accept("application/json")
                            .body(NovaMessages.request(tenant.campaignBrief(), maxTokens)));
                    NovaMessages.Reply reply = NovaMessages.parse(response.body());
                    tenantInput += reply.inputTokens();
                    tenantOutput += reply.outputTokens();
                    if (i == 0) {
                        out.printf("  %-9s InvokeModel(modelId=%s): \"%s\"%n", tenant.id(), SYSTEM_PROFILE_ID,
                                Labs.preview(reply.text(), 60));
                    }
                }
                out.printf("  %-9s calls=%d inputTokens=%d outputTokens=%d (from the responses)%n", tenant.id(), calls,
                        tenantInput, tenantOutput);
                input += tenantInput;
                output += tenantOutput;
            }
            long invocations = (long) calls * LabTenant.WORKSHOP.size();
            out.printf("  all       calls=%d inputTokens=%d outputTokens=%d%n", invocations, input, output);
            out.println();

            out.println("What AWS sees, from " + env.serverMetrics().source() + ":");
            long expectedInput = input;
            ModelIdTotals server = MetricsWait.read(env, List.of(SYSTEM_PROFILE_ID), baseline,
                    t -> t.get(SYSTEM_PROFILE_ID).inputTokenCount() >= expectedInput, out).get(SYSTEM_PROFILE_ID);
            out.println("  " + server.line());
            out.println();
            out.println("Lesson: one ModelId series holds every tenant's calls, summed. AWS/Bedrock has no tenant");
            out.println("dimension and the bill carries no tenant tag, so Alex cannot say what tenant-a or tenant-b");
            out.println("spent, bill them by use, or alarm on one of them. Lab 2 gives each tenant its own");
            out.println("application inference profile.");
            return 0;
        }
    }
}
