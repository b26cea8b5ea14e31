package dev.aip.core;

import dev.aip.core.tenant.TenantId;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Base of every exception the library raises itself.
 *
 * <p>Each instance says which tenant it concerns ({@link #tenant()}, empty when the failure is not about one tenant,
 * or when the tenant could not be identified) and whether retrying the same operation can succeed
 * ({@link #retryable()}). Messages say what was wrong and what to do about it.
 *
 * <p>Exceptions thrown by Bedrock or the AWS SDK are never wrapped in an {@code AipException}: they reach the caller
 * unchanged, so existing error handling keeps working.
 *
 * <p>The hierarchy is open for the library's own modules (rate limit and budget errors are added by the governance
 * package); applications should catch the subtypes, not extend them.
 *
 * <p>Immutable after construction.
 */
public abstract class AipException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient @Nullable TenantId tenant;
    private final boolean retryable;

    /**
     * Creates an exception.
     *
     * @param message what was wrong and what to do; must not be {@code null}
     * @param tenant the tenant concerned, or {@code null} if none or unknown
     * @param retryable whether retrying the same operation can succeed
     * @param cause the underlying failure, or {@code null}
     */
    protected AipException(String message, @Nullable TenantId tenant, boolean retryable, @Nullable Throwable cause) {
        super(message, cause);
        this.tenant = tenant;
        this.retryable = retryable;
    }

    /**
     * Creates an exception that may skip its stack trace: for refusals that are expected control flow on a hot path,
     * whose message says everything, so the cost of walking the stack buys nothing.
     *
     * @param message what was wrong and what to do; must not be {@code null}
     * @param tenant the tenant concerned, or {@code null} if none or unknown
     * @param retryable whether retrying the same operation can succeed
     * @param cause the underlying failure, or {@code null}
     * @param stackTrace whether to fill in the stack trace
     */
    protected AipException(String message, @Nullable TenantId tenant, boolean retryable, @Nullable Throwable cause,
                           boolean stackTrace) {
        super(message, cause, true, stackTrace);
        this.tenant = tenant;
        this.retryable = retryable;
    }

    /**
     * Returns the tenant this failure concerns.
     *
     * @return the tenant, or empty when the failure is not about one tenant or the tenant could not be identified
     */
    public Optional<TenantId> tenant() {
        return Optional.ofNullable(tenant);
    }

    /**
     * Returns whether retrying the same operation, unchanged, can succeed.
     *
     * @return {@code true} for transient conditions, {@code false} when the input or setup must change first
     */
    public boolean retryable() {
        return retryable;
    }
}
