package dev.aip.core;

import dev.aip.core.tenant.TenantId;

/**
 * Thrown when a call needs a tenant and none is known: no tenant is in scope on the current thread, or a
 * resolver does not know the tenant it was given.
 *
 * <p>Not retryable: the caller must set a tenant (see {@link dev.aip.core.tenant.TenantScope}) or register the
 * tenant first.
 *
 * <p>Immutable.
 */
public final class UnknownTenantException extends AipException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception for a call made with no tenant at all.
     *
     * @param message what was missing and how to provide it
     */
    public UnknownTenantException(String message) {
        super(message, null, false, null);
    }

    /**
     * Creates the exception for a tenant that is not known where it was looked up.
     *
     * @param tenant the tenant that was looked up
     * @param message where it was looked up and how to register it
     */
    public UnknownTenantException(TenantId tenant, String message) {
        super(message, tenant, false, null);
    }
}
