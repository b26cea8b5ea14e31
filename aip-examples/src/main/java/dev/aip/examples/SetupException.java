package dev.aip.examples;

/**
 * A lab cannot start as asked: missing AWS credentials or region with {@code --aws}, or an option out of range. The
 * message is one line saying what to set; the lab prints it and exits with code 2.
 */
final class SetupException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    SetupException(String message) {
        super(message);
    }
}
