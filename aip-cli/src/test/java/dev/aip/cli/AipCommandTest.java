package dev.aip.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class AipCommandTest {

    @Test
    void aip_withoutArguments_printsUsageWithEveryCommand() {
        CliRun.Result run = CliRun.run();

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("demo", "emulator", "profiles", "usage", "Exit codes: 0 ok, 1 failure");
    }

    @Test
    void version_printsTheVersion() {
        CliRun.Result run = CliRun.run("--version");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out().strip()).isEqualTo("aip 0.1.0-SNAPSHOT");
    }

    @Test
    void help_onEverySubcommand_succeeds() {
        for (String[] args : new String[][] {{"demo", "--help"}, {"emulator", "--help"}, {"profiles", "--help"},
            {"profiles", "plan", "--help"}, {"profiles", "apply", "--help"}, {"profiles", "list", "--help"},
            {"profiles", "delete", "--help"}, {"usage", "--help"}, {"usage", "report", "--help"}}) {
            CliRun.Result run = CliRun.run(args);
            assertThat(run.exitCode()).as(String.join(" ", args)).isZero();
            assertThat(run.out()).as(String.join(" ", args)).startsWith("Usage: aip " + args[0]);
        }
    }

    @Test
    void unknownSubcommand_isAUsageErrorOnOneLineWithASuggestion() {
        CliRun.Result run = CliRun.run("demos");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.error()).startsWith("aip: Unmatched argument at index 0: 'demos' (did you mean demo")
                .endsWith("Try 'aip --help'.").doesNotContain("\n");
    }

    @Test
    void unknownOption_isAUsageErrorOnOneLine() {
        CliRun.Result run = CliRun.run("demo", "--tenant");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.error()).isEqualTo("aip: Unknown option: '--tenant' (did you mean --tenants?). Try 'aip demo"
                + " --help'.");
    }

    @Test
    void badOptionValue_isAUsageError() {
        CliRun.Result run = CliRun.run("demo", "--calls", "many");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.error()).contains("'many' is not an int").doesNotContain("\n");
    }

    @Test
    void plainCommandLine_unknownSubcommand_stillExitsWithTwo() {
        CommandLine cl = new CommandLine(new AipCommand());
        cl.setErr(new PrintWriter(new StringWriter()));

        assertThat(cl.execute("nope")).isEqualTo(2);
    }
}
