package dev.aip.core;

import dev.aip.core.tenant.TenantId;

/**
 * Thrown when the application inference profile for a tenant and model cannot be resolved: it does not exist and
 * may not be created, it belongs to another tenant, or the control plane could not be reached.
 *
 * <p>Retryable when the cause is transient (throttling or an unreachable control plane), as the creator states.
 *
 * <p>Immutable.
 */
public final class ProfileResolutionException extends AipException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param tenant the tenant whose profile was being resolved, or {@code null} if unknown
     * @param message what failed and what to do
     * @param retryable whether a retry can succeed
     * @param cause the underlying failure, or {@code null}
     */
    public ProfileResolutionException(TenantId tenant, String message, boolean retryable, Throwable cause) {
        super(message, tenant, retryable, cause);
    }
}
