package dev.aip.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code aip} command. Subcommands are registered here; each lives in its own class. */
@Command(name = "aip", mixinStandardHelpOptions = true, version = "aip 0.1.0-SNAPSHOT",
        description = "Tenant-aware Amazon Bedrock: demo, emulator, application inference profiles, usage reports.")
public final class AipCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new AipCommand()).execute(args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
