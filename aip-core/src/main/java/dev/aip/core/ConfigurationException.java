package dev.aip.core;

/**
 * Thrown when the library's setup is unusable: a malformed price catalog, a ledger file that cannot be opened or
 * read back, an invalid builder setting.
 *
 * <p>Never retryable: the configuration, file or environment must be fixed first. The message names the file,
 * line or field at fault.
 *
 * <p>Immutable.
 */
public final class ConfigurationException extends AipException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is wrong, where, and what to do
     */
    public ConfigurationException(String message) {
        super(message, null, false, null);
    }

    /**
     * Creates the exception with a cause.
     *
     * @param message what is wrong, where, and what to do
     * @param cause the underlying failure
     */
    public ConfigurationException(String message, Throwable cause) {
        super(message, null, false, cause);
    }
}
