package dev.aip.keys;

import dev.aip.core.AipException;
import org.jspecify.annotations.Nullable;

/**
 * A store operation could not be done: the database could not be reached or refused it (retryable), or the key's
 * state does not allow it (not retryable; the message says what to do instead).
 *
 * <p>Immutable.
 */
public final class ApiKeyStoreException extends AipException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what failed and what to do
     * @param retryable whether the same operation can succeed later
     * @param cause the underlying failure, or {@code null}
     */
    public ApiKeyStoreException(String message, boolean retryable, @Nullable Throwable cause) {
        super(message, null, retryable, cause);
    }
}
