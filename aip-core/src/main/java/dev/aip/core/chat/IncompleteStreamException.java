package dev.aip.core.chat;

import dev.aip.core.AipException;
import dev.aip.core.tenant.TenantId;

/**
 * A streamed answer ended before its final event: the connection closed cleanly but Bedrock never sent
 * {@code messageStop}. The text received so far is incomplete. Retryable: the same request may well succeed.
 *
 * <p>Immutable.
 */
public final class IncompleteStreamException extends AipException {

    private static final long serialVersionUID = 1L;

    /** The error code recorded for such attempts. */
    public static final String ERROR_CODE = "IncompleteStream";

    /**
     * Creates the exception.
     *
     * @param tenant the tenant of the call
     * @param message what was missing
     */
    public IncompleteStreamException(TenantId tenant, String message) {
        super(message, tenant, true, null);
    }
}
