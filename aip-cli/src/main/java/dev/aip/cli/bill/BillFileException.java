package dev.aip.cli.bill;

/**
 * A bill file that cannot be read as what it claims to be. The message starts with {@code FILE:LINE:} (the line
 * where the problem is, when it is known), says what was wrong and what to do.
 *
 * <p>Immutable.
 */
public final class BillFileException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    BillFileException(String message) {
        super(message);
    }

    BillFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
