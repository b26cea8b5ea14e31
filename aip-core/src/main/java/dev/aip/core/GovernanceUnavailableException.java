package dev.aip.core;

import dev.aip.core.tenant.TenantId;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Thrown when governance cannot decide because the shared state it keeps limits or budgets in (e.g. Redis) cannot be
 * reached, and the tenant's tier is configured to <b>fail closed</b> for that state. The call was not sent and
 * consumed nothing.
 *
 * <p>Always {@linkplain #retryable() retryable}: the same call can succeed once the store is reachable again.
 * Callers that serve HTTP map it to {@code 503 Service Unavailable}. The {@linkplain #getCause() cause} is the
 * store's own failure.
 *
 * <p>Its own stack trace is not filled in (a refusal is expected control flow); the cause keeps the store's.
 *
 * <p>Immutable.
 */
public final class GovernanceUnavailableException extends AipException {

    private static final long serialVersionUID = 1L;

    private final String state;

    /**
     * Creates the exception.
     *
     * @param tenant the tenant whose call was refused, or {@code null} when raised by a store outside any call
     * @param state which state could not be reached: {@code budget}, {@code rate-limits} or
     *     {@code concurrency}
     * @param message what could not be reached and what to do
     * @param cause the store's failure
     */
    public GovernanceUnavailableException(@Nullable TenantId tenant, String state, String message, Throwable cause) {
        super(message, tenant, true, cause, false);
        this.state = Objects.requireNonNull(state, "state");
    }

    /**
     * Returns which shared state could not be reached.
     *
     * @return {@code budget}, {@code rate-limits} or {@code concurrency}
     */
    public String state() {
        return state;
    }
}
