package dev.aip.examples;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/** What the lab mains share: option parsing, exit codes and text helpers. Stateless. */
final class Labs {

    /** Exit code of a lab that cannot start as asked (bad option, no AWS credentials or Region). */
    static final int USAGE = 2;

    private Labs() {
    }

    /**
     * Parses the arguments into the command and runs it. Help and usage errors go to {@code out} and {@code err}
     * (usage errors exit with {@value #USAGE}); a {@link SetupException} prints one line on {@code err} and exits
     * with {@value #USAGE}; other failures propagate as picocli reports them (exit 1).
     */
    static int execute(Callable<Integer> command, String[] args, PrintStream out, PrintStream err) {
        CommandLine cli = new CommandLine(command);
        cli.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cli.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        cli.setExecutionExceptionHandler((e, commandLine, parsed) -> {
            if (e instanceof SetupException) {
                err.println("aip: " + e.getMessage());
                return USAGE;
            }
            throw e;
        });
        return cli.execute(args);
    }

    /** The first line of a model answer, cut to {@code max} characters, for a one-line preview. */
    static String preview(String text, int max) {
        String line = text.strip().lines().filter(l -> !l.isBlank()).findFirst().orElse("").strip();
        return line.length() <= max ? line : line.substring(0, max - 3) + "...";
    }
}
