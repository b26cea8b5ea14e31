package dev.aip.spring;

import dev.aip.core.AipException;
import dev.aip.core.BudgetExceededException;
import dev.aip.core.ConfigurationException;
import dev.aip.core.GovernanceUnavailableException;
import dev.aip.core.InvalidTenantIdException;
import dev.aip.core.PolicyViolationException;
import dev.aip.core.ProfileResolutionException;
import dev.aip.core.RateLimitExceededException;
import dev.aip.core.UnknownTenantException;
import dev.aip.core.chat.CallTimeoutException;
import dev.aip.core.chat.IncompleteStreamException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * How aip's failures (and Bedrock's, passed through unchanged) map to HTTP answers, for web applications and the
 * gateway alike.
 *
 * <table>
 *   <caption>Mapping</caption>
 *   <tr><th>Failure</th><th>Status</th><th>Retry-After</th></tr>
 *   <tr><td>{@link RateLimitExceededException}</td><td>429 {@code rate_limit_exceeded}</td><td>its retry-after</td></tr>
 *   <tr><td>{@link BudgetExceededException}</td><td>429 {@code budget_exceeded}</td><td>until the period resets</td></tr>
 *   <tr><td>{@link PolicyViolationException} rule {@code allowed-models}</td><td>403 {@code model_not_allowed}</td><td></td></tr>
 *   <tr><td>other {@link PolicyViolationException}</td><td>400 {@code policy_violation}</td><td></td></tr>
 *   <tr><td>{@link InvalidTenantIdException} (the message names the rule the id broke)</td><td>400 {@code invalid_tenant_id}</td><td></td></tr>
 *   <tr><td>{@link UnknownTenantException} without a tenant</td><td>400 {@code tenant_required}</td><td></td></tr>
 *   <tr><td>{@link UnknownTenantException} for a tenant (e.g. not listed while {@code aip.tenant.known-only} is
 *       on)</td><td>403 {@code unknown_tenant}</td><td></td></tr>
 *   <tr><td>{@link GovernanceUnavailableException}</td><td>503</td><td>1 s</td></tr>
 *   <tr><td>{@link ProfileResolutionException} for a profile the call named and may not use
 *       ({@link ProfileResolutionException#notPermitted()})</td><td>403 {@code profile_not_permitted}</td><td></td></tr>
 *   <tr><td>other {@link ProfileResolutionException}</td><td>503 if retryable, else 500</td><td>1 s if retryable</td></tr>
 *   <tr><td>{@link IncompleteStreamException}</td><td>502</td><td></td></tr>
 *   <tr><td>Bedrock throttling (429) or 503</td><td>503 {@code upstream_unavailable}</td><td>1 s</td></tr>
 *   <tr><td>{@link CallTimeoutException} (the tenant's call timeout ran out)</td><td>504 {@code call_timeout}</td><td></td></tr>
 *   <tr><td>Bedrock timeouts (408, model timeout), SDK timeouts</td><td>504</td><td></td></tr>
 *   <tr><td>Bedrock validation (400)</td><td>400 {@code upstream_rejected}</td><td></td></tr>
 *   <tr><td>other Bedrock failures, SDK client failures</td><td>502</td><td></td></tr>
 *   <tr><td>anything else</td><td>500</td><td></td></tr>
 * </table>
 * Messages of aip's exceptions are safe to show to the caller (they name the tenant's own limits); Bedrock's and
 * unknown failures are answered with a generic message.
 *
 * <p>Thread-safe: stateless.
 */
public final class AipErrors {

    private static final Duration SHORT_WAIT = Duration.ofSeconds(1);

    private AipErrors() {
    }

    /**
     * An HTTP answer to a failure.
     *
     * <p>Immutable.
     *
     * @param status the HTTP status
     * @param type a short error type, e.g. {@code rate_limit_exceeded}
     * @param message what went wrong, safe to show to the caller
     * @param retryAfter when to retry, or {@code null}
     * @param cause the failure, unwrapped
     */
    public record Answer(int status, String type, String message, Duration retryAfter, Throwable cause) {

        /**
         * Returns the {@code Retry-After} header value: whole seconds, rounded up.
         *
         * @return the value, or empty when no retry-after applies
         */
        public Optional<String> retryAfterHeader() {
            if (retryAfter == null) {
                return Optional.empty();
            }
            long millis = retryAfter.toMillis();
            return Optional.of(Long.toString(Math.max(1, (millis + 999) / 1000)));
        }
    }

    /**
     * Maps a failure (wrappers such as {@link CompletionException} are looked through).
     *
     * @param failure the failure
     * @return the answer
     */
    public static Answer map(Throwable failure) {
        Throwable t = unwrap(failure);
        if (t instanceof RateLimitExceededException e) {
            return new Answer(429, "rate_limit_exceeded", e.getMessage(), e.retryAfter(), e);
        }
        if (t instanceof BudgetExceededException e) {
            return new Answer(429, "budget_exceeded", e.getMessage(), e.retryAfter(), e);
        }
        if (t instanceof PolicyViolationException e) {
            return "allowed-models".equals(e.rule())
                    ? new Answer(403, "model_not_allowed", e.getMessage(), null, e)
                    : new Answer(400, "policy_violation", e.getMessage(), null, e);
        }
        if (t instanceof InvalidTenantIdException e) {
            return new Answer(400, "invalid_tenant_id", e.getMessage(), null, e);
        }
        if (t instanceof UnknownTenantException e) {
            return e.tenant().isPresent()
                    ? new Answer(403, "unknown_tenant", e.getMessage(), null, e)
                    : new Answer(400, "tenant_required", e.getMessage(), null, e);
        }
        if (t instanceof GovernanceUnavailableException e) {
            return new Answer(503, "governance_unavailable", "Limits cannot be checked right now; retry shortly.",
                    SHORT_WAIT, e);
        }
        if (t instanceof ProfileResolutionException e) {
            if (e.notPermitted()) {
                // Whose profile it is stays unsaid: a tenant must not learn which ARNs exist for other tenants.
                return new Answer(403, "profile_not_permitted", "The request names a model profile this tenant may"
                        + " not use; name a logical model, or a profile of the tenant's own.", null, e);
            }
            return e.retryable()
                    ? new Answer(503, "profile_unavailable", "The tenant's model profile cannot be resolved right"
                            + " now; retry shortly.", SHORT_WAIT, e)
                    : new Answer(500, "profile_misconfigured", "The tenant's model profile is misconfigured.", null,
                            e);
        }
        if (t instanceof CallTimeoutException e) {
            long ms = e.timeout().toMillis();
            return new Answer(504, "call_timeout", "The call did not finish within its timeout of "
                    + (ms % 1000 == 0 ? ms / 1000 + " s." : ms + " ms."), null, e);
        }
        if (t instanceof IncompleteStreamException e) {
            return new Answer(502, "upstream_incomplete", "The model's answer ended early.", null, e);
        }
        if (t instanceof ConfigurationException || t instanceof AipException) {
            return new Answer(500, "internal_error", "Internal error.", null, t);
        }
        if (t instanceof ApiCallTimeoutException || t instanceof ApiCallAttemptTimeoutException) {
            return new Answer(504, "upstream_timeout", "The model did not answer in time.", null, t);
        }
        if (t instanceof AwsServiceException e) {
            int status = e.statusCode();
            String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
            if (status == 429 || status == 503 || "ThrottlingException".equals(code)) {
                return new Answer(503, "upstream_unavailable", "The model service is busy; retry shortly.",
                        SHORT_WAIT, e);
            }
            if (status == 408 || "ModelTimeoutException".equals(code)) {
                return new Answer(504, "upstream_timeout", "The model did not answer in time.", null, e);
            }
            if (status == 400 && "ValidationException".equals(code)) {
                return new Answer(400, "upstream_rejected", "The model service rejected the request: "
                        + e.awsErrorDetails().errorMessage(), null, e);
            }
            return new Answer(502, "upstream_error", "The model service failed (" + code + ").", null, e);
        }
        if (t instanceof SdkClientException) {
            return new Answer(502, "upstream_unreachable", "The model service cannot be reached.", null, t);
        }
        return new Answer(500, "internal_error", "Internal error.", null, t);
    }

    private static Throwable unwrap(Throwable t) {
        Throwable current = t;
        while ((current instanceof CompletionException || current instanceof ExecutionException)
                && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }
}
