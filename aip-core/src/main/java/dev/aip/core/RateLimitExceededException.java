package dev.aip.core;

import dev.aip.core.tenant.TenantId;
import java.time.Duration;
import java.util.Objects;

/**
 * Thrown when a call would exceed one of its tenant's rate limits: requests per minute, tokens per minute or
 * concurrent calls; or its fair share of a model whose account capacity is congested. The call was not sent and
 * consumed nothing.
 *
 * <p>Always {@linkplain #retryable() retryable}: the same call can succeed after {@link #retryAfter()}. Callers that
 * serve HTTP map it to {@code 429 Too Many Requests} with a {@code Retry-After} header.
 *
 * <p>The stack trace is not filled in: a rejection is an expected outcome on a hot path, not a bug.
 *
 * <p>Immutable.
 */
public final class RateLimitExceededException extends AipException {

    private static final long serialVersionUID = 1L;

    private final String limitName;
    private final long limit;
    private final long remaining;
    private final Duration retryAfter;

    /**
     * Creates the exception.
     *
     * @param tenant the tenant whose limit was reached
     * @param limitName which limit, e.g. {@code requests-per-minute}, {@code tokens-per-minute},
     *     {@code concurrent-calls}, {@code fair-share}
     * @param limit the limit's value, in its unit (requests, tokens or calls)
     * @param remaining what is left of the limit right now, in the same unit, non-negative
     * @param retryAfter how long to wait before the same call can be admitted, non-negative
     * @param message what was exceeded and what to do
     */
    public RateLimitExceededException(TenantId tenant, String limitName, long limit, long remaining,
                                      Duration retryAfter, String message) {
        super(message, Objects.requireNonNull(tenant, "tenant"), true, null, false);
        this.limitName = Objects.requireNonNull(limitName, "limitName");
        this.limit = limit;
        this.remaining = Math.max(0, remaining);
        Objects.requireNonNull(retryAfter, "retryAfter");
        this.retryAfter = retryAfter.isNegative() ? Duration.ZERO : retryAfter;
    }

    /**
     * Returns which limit was reached.
     *
     * @return {@code requests-per-minute}, {@code tokens-per-minute}, {@code concurrent-calls}, or
     *     {@code fair-share} (the tenant's share of a congested model's account capacity, in tokens per minute)
     */
    public String limitName() {
        return limitName;
    }

    /**
     * Returns the limit's value.
     *
     * @return requests, tokens or calls, as {@link #limitName()} says
     */
    public long limit() {
        return limit;
    }

    /**
     * Returns what was left of the limit when the call was refused.
     *
     * @return a non-negative amount in the limit's unit; less than the call needed
     */
    public long remaining() {
        return remaining;
    }

    /**
     * Returns how long to wait before retrying the same call.
     *
     * @return a non-negative duration
     */
    public Duration retryAfter() {
        return retryAfter;
    }
}
