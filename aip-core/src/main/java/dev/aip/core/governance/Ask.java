package dev.aip.core.governance;

import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One admission's inputs, computed once before the checks run: what the call asks for (its model, its estimated
 * input, its {@code maxTokens}) and under which policy, limits and time. The checks read only this, never the
 * request, so that the shape of the public request is a concern of {@link Governance}'s public methods alone.
 *
 * <p>Immutable.
 *
 * @param tenant the caller
 * @param model the model the request names: a logical model or a profile ARN
 * @param maxTokens the request's {@code maxTokens}, or {@code null} if it sets none
 * @param inputTokens the estimated input tokens
 * @param outputTokens the output tokens reserved: {@code maxTokens}, else the policy's cap, else the default
 * @param tokens input plus output
 * @param tier the tier the policy and failure modes are chosen by: the policy's, else the caller's
 * @param policies the policy set in force, read once per call
 * @param policy the tenant's policy in that set
 * @param limits the tenant's state in this instance
 * @param onFailure what the tier does when a shared state is unreachable
 * @param profile the profile the call will use
 * @param now the admission's instant, from the governance clock
 */
record Ask(TenantContext tenant, String model, @Nullable Integer maxTokens, long inputTokens, long outputTokens,
           long tokens, Tier tier, PolicySet policies, TenantPolicy policy, TenantLimits limits,
           FailurePolicy onFailure, ResolvedProfile profile, Instant now) {

    TenantId id() {
        return tenant.id();
    }
}
