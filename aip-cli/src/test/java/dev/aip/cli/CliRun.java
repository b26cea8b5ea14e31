package dev.aip.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.util.function.Function;
import picocli.CommandLine;

/** Runs the {@code aip} command in-process with captured output. */
final class CliRun {

    /** Environment without AWS settings and without a readable AWS config file. */
    static final Function<String, String> EMPTY_ENV = Map.of("AWS_CONFIG_FILE", "/nonexistent/aws-config")::get;

    /**
     * What a run gave.
     *
     * @param exitCode the exit code
     * @param out standard output
     * @param err standard error
     */
    record Result(int exitCode, String out, String err) {

        /** Standard error without its trailing newline. */
        String error() {
            return err.strip();
        }
    }

    private CliRun() {
    }

    static Result run(String... args) {
        return run(EMPTY_ENV, args);
    }

    static Result run(Function<String, String> env, String... args) {
        return run(env, java.time.Clock.systemUTC(), args);
    }

    static Result run(Function<String, String> env, java.time.Clock clock, String... args) {
        AipCommand aip = new AipCommand();
        aip.env = env;
        aip.clock = clock;
        CommandLine cl = AipCommand.configure(new CommandLine(aip));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }
}
