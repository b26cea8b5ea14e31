package dev.aip.core.governance;

import dev.aip.core.metering.UsageRecord;
import dev.aip.core.internal.ProfileOwnership;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Step 1, model policy: the request's model is allowed and its {@code maxTokens} within the tenant's cap. Reads only
 * the policy, so it takes nothing.
 */
final class ModelPolicyCheck implements AdmissionCheck {

    @Override
    public @Nullable Refusal take(Ask ask, GovernancePermit grant) {
        TenantPolicy policy = ask.policy();
        // A call naming a profile ARN (its owner already checked) is a call to the logical model the profile serves,
        // so listing the logical model is enough.
        if (!policy.allowsModel(ask.model()) && !(ProfileOwnership.isArn(ask.model())
                && policy.allowsModel(ask.profile().logicalModel()))) {
            return new Refusal.ModelNotAllowed(ask.id(), ask.model(), policy.allowedModels());
        }
        Integer maxTokens = ask.maxTokens();
        int cap = policy.outputCap();
        if (cap > 0 && maxTokens != null && maxTokens > cap) {
            return new Refusal.OutputCapExceeded(ask.id(), cap, maxTokens);
        }
        return null;
    }

    @Override
    public void giveBack(GovernancePermit grant) {
    }

    @Override
    public void settle(GovernancePermit grant, @Nullable List<UsageRecord> attempts) {
    }

    @Override
    public String toString() {
        return "model policy";
    }
}
