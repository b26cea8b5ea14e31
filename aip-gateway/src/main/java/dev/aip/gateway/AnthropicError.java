package dev.aip.gateway;

import dev.aip.spring.AipErrors;

/**
 * A refusal or failure answered in Anthropic's error shape,
 * {@code {"type":"error","error":{"type":..., "message":...},"request_id":...}}, with Anthropic's status codes.
 *
 * <table>
 *   <caption>Mapping</caption>
 *   <tr><th>Cause</th><th>Status</th><th>{@code error.type}</th></tr>
 *   <tr><td>malformed request, unsupported field, Bedrock validation, policy violation</td><td>400</td>
 *       <td>{@code invalid_request_error}</td></tr>
 *   <tr><td>missing or unknown API key</td><td>401</td><td>{@code authentication_error}</td></tr>
 *   <tr><td>model not allowed by the tenant's policy, unknown tenant</td><td>403</td>
 *       <td>{@code permission_error}</td></tr>
 *   <tr><td>model not served</td><td>404</td><td>{@code not_found_error}</td></tr>
 *   <tr><td>body over {@code aip.gateway.max-body-bytes}</td><td>413</td><td>{@code request_too_large}</td></tr>
 *   <tr><td>the tenant's rate limit, budget or in-flight cap</td><td>429 with {@code retry-after}</td>
 *       <td>{@code rate_limit_error}</td></tr>
 *   <tr><td>shared capacity: Bedrock throttling or unavailable, the gateway's own in-flight cap, limits or
 *       profiles that cannot be checked right now, shutdown</td><td>529 with {@code retry-after}</td>
 *       <td>{@code overloaded_error}</td></tr>
 *   <tr><td>upstream failures and timeouts (502, 504), anything else (500)</td><td>as {@link AipErrors}</td>
 *       <td>{@code api_error}</td></tr>
 * </table>
 * 529 rather than 503: Anthropic answers 529 {@code overloaded_error} when capacity shared by all callers runs
 * short, which is what a Bedrock throttle on the account's quota is; a tenant's own limits stay 429. Anthropic's
 * SDKs retry both. An exhausted budget also says {@code x-should-retry: false}: its {@code retry-after} can be hours,
 * and Anthropic's SDKs otherwise retry at once.
 *
 * <p>Immutable.
 */
final class AnthropicError extends RuntimeException {

    private static final long serialVersionUID = 1L;

    final int status;
    final String type;
    /** Seconds for a {@code retry-after} header, or {@code null}. */
    final String retryAfter;
    /** Whether the answer says {@code x-should-retry: false}. */
    final boolean doNotRetry;

    AnthropicError(int status, String type, String message) {
        this(status, type, message, null, false);
    }

    AnthropicError(int status, String type, String message, String retryAfter, boolean doNotRetry) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.retryAfter = retryAfter;
        this.doNotRetry = doNotRetry;
    }

    /** 400 {@code invalid_request_error}; the message names the field and what to send instead. */
    static AnthropicError invalid(String message) {
        return new AnthropicError(400, "invalid_request_error", message);
    }

    /** Any failure of a call, in Anthropic's terms: the gateway's own refusals, aip's and Bedrock's. */
    static AnthropicError of(Throwable failure) {
        if (failure instanceof AnthropicError e) {
            return e;
        }
        if (failure instanceof GatewayError e) {
            return fromStatus(e.status, e.getMessage(), e.retryAfter, false);
        }
        AipErrors.Answer answer = AipErrors.map(failure);
        return fromStatus(answer.status(), answer.message(), answer.retryAfterHeader().orElse(null),
                "budget_exceeded".equals(answer.type()));
    }

    private static AnthropicError fromStatus(int status, String message, String retryAfter, boolean doNotRetry) {
        return switch (status) {
            case 400 -> new AnthropicError(400, "invalid_request_error", message);
            case 401 -> new AnthropicError(401, "authentication_error", message);
            case 403 -> new AnthropicError(403, "permission_error", message);
            case 404 -> new AnthropicError(404, "not_found_error", message);
            case 413 -> new AnthropicError(413, "request_too_large", message);
            case 429 -> new AnthropicError(429, "rate_limit_error", message, retryAfter, doNotRetry);
            case 503 -> new AnthropicError(529, "overloaded_error", message,
                    retryAfter != null ? retryAfter : InFlightLimits.RETRY_AFTER_SECONDS, false);
            default -> new AnthropicError(status >= 500 ? status : 500, "api_error", message);
        };
    }
}
