package dev.aip.ledger.jdbc;

import dev.aip.core.AipException;

/**
 * The failure to read usage records from the PostgreSQL ledger: the database did not answer, refused the credentials,
 * has no {@code usage_records} table, or holds a row this library cannot read. The message says which and what to
 * check. {@linkplain #retryable() Retryable}: reading changes nothing, so reading again is safe.
 *
 * <p>Immutable.
 */
public final class LedgerReadException extends AipException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what failed and what to do
     * @param cause the database failure
     */
    public LedgerReadException(String message, Throwable cause) {
        super(message, null, true, cause);
    }
}
