package dev.aip.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code aip} command. Each subcommand lives in its own class.
 *
 * <pre>{@code
 * aip demo                          the five-minute story, on an in-process Bedrock emulator
 * aip emulator --port 4566          the emulator as a standalone server
 * aip profiles plan|apply|list|delete --tenants tenants.csv [--endpoint URL]
 * aip usage report --ledger usage.jsonl [--format table|csv|json|html]
 * aip usage reconcile --ledger usage.jsonl --cost-explorer ce.json | --cur export.csv.gz
 * aip keys create|list|rotate|revoke --jdbc-url URL
 * aip pricing list|check            the price catalog, and its drift from the AWS Price List API
 * }</pre>
 *
 * <p>Exit codes: {@value #EXIT_OK} success, {@value #EXIT_FAILURE} failure while running (AWS refused, an action
 * failed, credentials or region missing), {@value #EXIT_USAGE} bad command line or input file. Errors are one line
 * on standard error; {@code --verbose} adds the stack trace. {@code aip pricing check} exits with
 * {@value PricingCommand#EXIT_DRIFT} when the catalog drifted from AWS's prices, {@code aip usage reconcile} with
 * {@value ReconcileCommand#EXIT_DIFFERENCES} when the ledger and AWS's bill differ.
 */
@Command(name = "aip", mixinStandardHelpOptions = true, version = "aip 0.1.0-SNAPSHOT",
        description = "Tenant-aware Amazon Bedrock: demo, emulator, application inference profiles, usage reports.",
        subcommands = {DemoCommand.class, EmulatorCommand.class, PoliciesCommand.class, ProfilesCommand.class,
            UsageCommand.class, LedgerCommand.class, KeysCommand.class, PricingCommand.class,
            CommandLine.HelpCommand.class},
        footer = {"", "Exit codes: 0 ok, 1 failure while running, 2 bad command line or input file,"
                + " 3 drift found by 'aip pricing check' or differences by 'aip usage reconcile'.",
                "Start with: aip demo"})
public final class AipCommand implements Runnable {

    static final int EXIT_OK = 0;
    static final int EXIT_FAILURE = 1;
    static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Where environment variables come from; tests replace it. */
    java.util.function.Function<String, String> env = System::getenv;

    /** Where the date and time come from; tests replace it. */
    java.time.Clock clock = java.time.Clock.systemUTC();

    public static void main(String[] args) {
        System.exit(newCommandLine().execute(args));
    }

    /**
     * The command line as {@code main} runs it: usage errors are one line plus a hint to {@code --help} (exit code
     * 2), instead of picocli's full usage text.
     */
    public static CommandLine newCommandLine() {
        return configure(new CommandLine(new AipCommand()));
    }

    /** Installs the one-line usage error handler on a command line of an {@code AipCommand}. */
    static CommandLine configure(CommandLine cl) {
        cl.setParameterExceptionHandler(AipCommand::usageError);
        return cl;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        PrintWriter err = cl.getErr();
        String message = Subcommand.oneLine(e.getMessage());
        if (e instanceof CommandLine.UnmatchedArgumentException u) {
            var suggestions = u.getSuggestions();
            if (!suggestions.isEmpty()) {
                message += " (did you mean " + String.join(" or ", suggestions) + "?)";
            }
        }
        err.println("aip: " + message + ". Try '" + cl.getCommandSpec().qualifiedName() + " --help'.");
        err.flush();
        return EXIT_USAGE;
    }
}
