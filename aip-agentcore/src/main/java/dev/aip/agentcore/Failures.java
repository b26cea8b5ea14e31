package dev.aip.agentcore;

import dev.aip.core.AipException;
import dev.aip.core.BudgetExceededException;
import dev.aip.core.GovernanceUnavailableException;
import dev.aip.core.InvalidTenantIdException;
import dev.aip.core.PolicyViolationException;
import dev.aip.core.ProfileResolutionException;
import dev.aip.core.RateLimitExceededException;
import dev.aip.core.UnknownTenantException;
import dev.aip.core.chat.CallTimeoutException;
import dev.aip.core.chat.IncompleteStreamException;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * How a handler's failure is answered. Frameworks wrap aip's refusals (LangChain4j's {@code CallRejectedException},
 * executors' {@code ExecutionException}), so the cause chain is searched for the first failure with a meaning; the
 * table is in {@link AgentCoreServer}'s Javadoc. Stateless.
 */
final class Failures {

    private static final Duration SHORT_WAIT = Duration.ofSeconds(1);

    /**
     * One answer. Immutable.
     *
     * @param status the HTTP status
     * @param type a short error type, e.g. {@code budget_exceeded}
     * @param message what went wrong, safe to show to the caller
     * @param retryAfter when to retry, or {@code null}
     */
    record Answer(int status, String type, String message, @Nullable Duration retryAfter) {

        /** Whole seconds, rounded up, at least 1; or {@code null}. */
        @Nullable String retryAfterSeconds() {
            if (retryAfter == null) {
                return null;
            }
            long millis = retryAfter.toMillis();
            return Long.toString(Math.max(1, (millis + 999) / 1000));
        }
    }

    private Failures() {
    }

    static Answer answer(Throwable failure) {
        // aip's refusals first: a wrapper that means something itself (an SdkClientException) may carry one.
        for (boolean aip : new boolean[] {true, false}) {
            Map<Throwable, Boolean> seen = new IdentityHashMap<>();
            for (Throwable t = failure; t != null && seen.put(t, Boolean.TRUE) == null; t = t.getCause()) {
                Answer a = aip ? aip(t) : sdk(t);
                if (a != null) {
                    return a;
                }
            }
        }
        return new Answer(500, "internal_error", "The agent failed; the container's log has the details.", null);
    }

    private static @Nullable Answer aip(Throwable t) {
        if (t instanceof RateLimitExceededException e) {
            return new Answer(429, "rate_limit_exceeded", e.getMessage(), e.retryAfter());
        }
        if (t instanceof BudgetExceededException e) {
            return new Answer(429, "budget_exceeded", e.getMessage(), e.retryAfter());
        }
        if (t instanceof PolicyViolationException e) {
            return "allowed-models".equals(e.rule())
                    ? new Answer(403, "model_not_allowed", e.getMessage(), null)
                    : new Answer(400, "policy_violation", e.getMessage(), null);
        }
        if (t instanceof InvalidTenantIdException e) {
            return new Answer(400, "invalid_tenant_id", e.getMessage(), null);
        }
        if (t instanceof UnknownTenantException e) {
            return e.tenant().isPresent()
                    ? new Answer(403, "unknown_tenant", e.getMessage(), null)
                    : new Answer(401, "tenant_required", e.getMessage(), null);
        }
        if (t instanceof GovernanceUnavailableException) {
            return new Answer(503, "governance_unavailable", "Limits cannot be checked right now; retry shortly.",
                    SHORT_WAIT);
        }
        if (t instanceof ProfileResolutionException e) {
            if (e.notPermitted()) {
                return new Answer(403, "profile_not_permitted", "The request names a model profile this tenant may"
                        + " not use; name a logical model, or a profile of the tenant's own.", null);
            }
            return e.retryable()
                    ? new Answer(503, "profile_unavailable", "The tenant's model profile cannot be resolved right"
                            + " now; retry shortly.", SHORT_WAIT)
                    : new Answer(500, "profile_misconfigured", "The tenant's model profile is misconfigured.", null);
        }
        if (t instanceof CallTimeoutException e) {
            return new Answer(504, "call_timeout", "A model call did not finish within its timeout of "
                    + e.timeout().toMillis() + " ms.", null);
        }
        if (t instanceof IncompleteStreamException) {
            return new Answer(502, "upstream_incomplete", "The model's answer ended early.", null);
        }
        if (t instanceof AipException) {
            return new Answer(500, "internal_error", "Internal error; the container's log has the details.", null);
        }
        return null;
    }

    private static @Nullable Answer sdk(Throwable t) {
        if (t instanceof ApiCallTimeoutException || t instanceof ApiCallAttemptTimeoutException) {
            return new Answer(504, "upstream_timeout", "The model did not answer in time.", null);
        }
        if (t instanceof AwsServiceException e) {
            int status = e.statusCode();
            String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
            if (status == 429 || status == 503 || "ThrottlingException".equals(code)) {
                return new Answer(503, "upstream_unavailable", "The model service is busy; retry shortly.",
                        SHORT_WAIT);
            }
            if (status == 408 || "ModelTimeoutException".equals(code)) {
                return new Answer(504, "upstream_timeout", "The model did not answer in time.", null);
            }
            if (status == 400 && "ValidationException".equals(code)) {
                return new Answer(400, "upstream_rejected", "The model service rejected the request: "
                        + e.awsErrorDetails().errorMessage(), null);
            }
            return new Answer(502, "upstream_error", "The model service failed (" + code + ").", null);
        }
        if (t instanceof SdkClientException) {
            return new Answer(502, "upstream_unreachable", "The model service cannot be reached.", null);
        }
        return null;
    }
}
