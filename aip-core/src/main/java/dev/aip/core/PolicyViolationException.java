package dev.aip.core;

import dev.aip.core.tenant.TenantId;
import java.util.Objects;

/**
 * Thrown when a call breaks its tenant's policy in a way no amount of waiting fixes: a model the tenant may not use,
 * more output tokens than the tenant may ask for, a call larger than a whole per-minute limit or budget, or a
 * budgeted call to a model that has no price.
 *
 * <p>Never {@linkplain #retryable() retryable}: the request (or the policy) must change first. Callers that serve
 * HTTP map it to {@code 403 Forbidden} or {@code 400 Bad Request}.
 *
 * <p>The stack trace is not filled in: a refusal is an expected outcome on a hot path, and the message says
 * everything.
 *
 * <p>Immutable.
 */
public final class PolicyViolationException extends AipException {

    private static final long serialVersionUID = 1L;

    private final String rule;

    /**
     * Creates the exception.
     *
     * @param tenant the tenant whose policy was broken
     * @param rule which rule, e.g. {@code allowed-models}, {@code max-output-tokens}, {@code tokens-per-minute},
     *     {@code budget-usd}
     * @param message what was wrong and what to change
     */
    public PolicyViolationException(TenantId tenant, String rule, String message) {
        super(message, Objects.requireNonNull(tenant, "tenant"), false, null, false);
        this.rule = Objects.requireNonNull(rule, "rule");
    }

    /**
     * Returns the rule the call broke.
     *
     * @return e.g. {@code allowed-models}
     */
    public String rule() {
        return rule;
    }
}
