package dev.aip.cli;

/**
 * A failure the user can act on, printed as one line ({@code aip: MESSAGE}) without a stack trace. The message says
 * what was wrong and what to do.
 *
 * <p>Immutable.
 */
final class CliException extends RuntimeException {

    private final int exitCode;

    private CliException(String message, int exitCode, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    /** Bad input: an option value, a file named on the command line, or its contents. Exit code 2. */
    static CliException usage(String message) {
        return new CliException(message, AipCommand.EXIT_USAGE, null);
    }

    /** Bad input, with the exception that revealed it (shown with {@code --verbose}). Exit code 2. */
    static CliException usage(String message, Throwable cause) {
        return new CliException(message, AipCommand.EXIT_USAGE, cause);
    }

    /** The command could not do its work: AWS refused, an action failed, the environment lacks something. Exit code 1. */
    static CliException failure(String message) {
        return new CliException(message, AipCommand.EXIT_FAILURE, null);
    }

    /** Like {@link #failure(String)}, with the exception that caused it. */
    static CliException failure(String message, Throwable cause) {
        return new CliException(message, AipCommand.EXIT_FAILURE, cause);
    }

    int exitCode() {
        return exitCode;
    }
}
