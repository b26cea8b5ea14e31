package dev.aip.cli;

import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code aip demo}: see {@link Demo}. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"The multi-tenant story in one run, on an in-process Bedrock emulator (no AWS account needed).",
            "shared system profiles hide tenants; per-tenant application inference profiles reveal them; aip meters,"
                + " prices, reconciles and reports every call.",
            "Writes the usage ledger (usage.jsonl) and an HTML report into --out."})
final class DemoCommand extends Subcommand {

    static final int MAX_TENANTS = 100;

    @Option(names = "--tenants", paramLabel = "N", defaultValue = "8",
            description = "Sample tenants across the premium, standard and basic tiers (1-" + MAX_TENANTS
                    + ", default ${DEFAULT-VALUE}).")
    int tenants;

    @ArgGroup(exclusive = true)
    Length length = new Length();

    static final class Length {
        @Option(names = "--calls", paramLabel = "N",
                description = "Total calls across tenants, split by tier (default 200). Deterministic for a seed.")
        Integer calls;

        @Option(names = "--duration", paramLabel = "SECONDS",
                description = "Run the workload for this long instead of a fixed number of calls.")
        Integer durationSeconds;
    }

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42",
            description = "Seed of the emulator and the workload (default ${DEFAULT-VALUE}); same seed, same tokens.")
    long seed;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "aip-demo-out",
            description = "Where to write usage.jsonl and report.html (default ./${DEFAULT-VALUE}).")
    Path out;

    @Override
    int execute() throws Exception {
        if (tenants < 1 || tenants > MAX_TENANTS) {
            throw CliException.usage("--tenants must be between 1 and " + MAX_TENANTS + ", was " + tenants);
        }
        Integer calls = length.calls;
        Duration duration = null;
        if (length.durationSeconds != null) {
            if (length.durationSeconds < 1 || length.durationSeconds > 3600) {
                throw CliException.usage("--duration must be between 1 and 3600 seconds, was "
                        + length.durationSeconds);
            }
            duration = Duration.ofSeconds(length.durationSeconds);
        } else if (calls == null) {
            calls = 200;
        }
        if (calls != null && (calls < tenants || calls > 1_000_000)) {
            throw CliException.usage("--calls must be at least the number of tenants (" + tenants
                    + ") and at most 1,000,000, was " + calls);
        }
        Demo.Result result = new Demo(out()).run(new Demo.Settings(tenants, calls, duration, seed, out));
        return result.reconciliation().ok() ? AipCommand.EXIT_OK : AipCommand.EXIT_FAILURE;
    }
}
