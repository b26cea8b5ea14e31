package dev.aip.cli;

import dev.aip.core.AipException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * The base of every leaf command: runs {@link #execute()} and turns what it throws into an exit code and one line on
 * standard error ({@code aip: ...}); {@code --verbose} adds the stack trace. Output goes to the command line's
 * writers, so tests capture it.
 */
abstract class Subcommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--verbose", description = "Print stack traces and debugging detail on failure.")
    boolean verbose;

    /** Does the work; returns the exit code. */
    abstract int execute() throws Exception;

    @Override
    public final Integer call() {
        try {
            return execute();
        } catch (CliException e) {
            return fail(e.getMessage(), e, e.exitCode());
        } catch (AipException e) {
            return fail(e.getMessage(), e, AipCommand.EXIT_FAILURE);
        } catch (SdkException e) {
            return fail("AWS call failed: " + oneLine(e.getMessage()), e, AipCommand.EXIT_FAILURE);
        } catch (UncheckedIOException e) {
            return fail(oneLine(e.getCause().getMessage()), e, AipCommand.EXIT_FAILURE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted", e, AipCommand.EXIT_FAILURE);
        } catch (Exception e) {
            return fail("unexpected failure: " + e + (verbose ? "" : " (run with --verbose for details)"), e,
                    AipCommand.EXIT_FAILURE);
        }
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    private int fail(String message, Throwable e, int code) {
        PrintWriter err = err();
        err.println("aip: " + oneLine(message));
        if (verbose) {
            e.printStackTrace(err);
        }
        err.flush();
        out().flush();
        return code;
    }

    static String oneLine(String message) {
        if (message == null) {
            return "(no message)";
        }
        return message.strip().replaceAll("\\s*[\\r\\n]+\\s*", " ");
    }
}
