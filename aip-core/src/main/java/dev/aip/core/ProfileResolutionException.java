package dev.aip.core;

import dev.aip.core.tenant.TenantId;
import org.jspecify.annotations.Nullable;

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

    /** Whether the call named a profile it may not use (the caller's mistake, not a misconfiguration). */
    private final boolean notPermitted;

    /**
     * Creates the exception.
     *
     * @param tenant the tenant whose profile was being resolved, or {@code null} if unknown
     * @param message what failed and what to do
     * @param retryable whether a retry can succeed
     * @param cause the underlying failure, or {@code null}
     */
    public ProfileResolutionException(@Nullable TenantId tenant, String message, boolean retryable,
            @Nullable Throwable cause) {
        this(tenant, message, retryable, false, cause);
    }

    private ProfileResolutionException(@Nullable TenantId tenant, String message, boolean retryable,
            boolean notPermitted, @Nullable Throwable cause) {
        super(message, tenant, retryable, cause);
        this.notPermitted = notPermitted;
    }

    /**
     * Creates the refusal of a call that named a profile (or model) ARN directly that the tenant may not use:
     * another tenant's profile, or one whose owner is not known. Not retryable.
     *
     * @param tenant the calling tenant
     * @param message which ARN and what to do instead
     * @param cause the resolver's own refusal, or {@code null}
     * @return the exception
     */
    public static ProfileResolutionException notPermitted(TenantId tenant, String message,
            @Nullable Throwable cause) {
        return new ProfileResolutionException(tenant, message, false, true, cause);
    }

    /**
     * Returns whether the call named a profile the tenant may not use: the caller's mistake (a web API answers
     * 403), as opposed to a profile that could not be resolved or a resolver that is misconfigured.
     *
     * @return {@code true} for a refused profile named by the call
     */
    public boolean notPermitted() {
        return notPermitted;
    }
}
