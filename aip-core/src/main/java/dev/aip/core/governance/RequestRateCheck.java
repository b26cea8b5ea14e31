package dev.aip.core.governance;

import dev.aip.core.metering.UsageRecord;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step 3, request rate: takes one request from the tenant's requests-per-minute bucket. A request is spent once
 * admitted, so settlement leaves it; only a later refusal gives it back.
 */
final class RequestRateCheck implements AdmissionCheck {

    private static final Logger LOG = LoggerFactory.getLogger(GovernancePermit.class);

    @Override
    public @Nullable Refusal take(Ask ask, GovernancePermit grant) {
        long rpm = ask.policy().requestRate();
        if (rpm <= 0) {
            return null;
        }
        RateLimitState.TokenBucket bucket = ask.limits().requests(rpm);
        return taken(ask, grant, rpm, bucket, bucket.tryConsume(1));
    }

    @Override
    public CompletionStage<@Nullable Refusal> takeAsync(Ask ask, GovernancePermit grant) {
        long rpm = ask.policy().requestRate();
        if (rpm <= 0) {
            return AdmissionCheck.passed();
        }
        RateLimitState.TokenBucket bucket = ask.limits().requests(rpm);
        CompletionStage<RateLimitState.Consumption> probe = bucket.tryConsumeAsync(1);
        if (Stages.ready(probe)) {
            Refusal refusal = taken(ask, grant, rpm, bucket, Stages.now(probe));
            return refusal == null ? AdmissionCheck.passed() : CompletableFuture.completedFuture(refusal);
        }
        return probe.thenApply(p -> taken(ask, grant, rpm, bucket, p));
    }

    private static @Nullable Refusal taken(Ask ask, GovernancePermit grant, long rpm, RateLimitState.TokenBucket bucket,
                                           RateLimitState.Consumption probe) {
        if (!probe.consumed()) {
            return new Refusal.RequestRateReached(ask.id(), rpm, probe.remainingTokens(),
                    probe.nanosToWaitForRefill());
        }
        grant.requestBucket = bucket;
        return null;
    }

    @Override
    public void giveBack(GovernancePermit grant) {
        if (grant.requestBucket != null) {
            try {
                grant.requestBucket.addTokens(1);
            } catch (RuntimeException e) {
                LOG.warn("Could not give back the request a refused call of tenant {} took", grant.tenant.id(), e);
            }
        }
    }

    @Override
    public CompletionStage<@Nullable Void> giveBackAsync(GovernancePermit grant) {
        if (grant.requestBucket == null) {
            return Stages.DONE;
        }
        CompletionStage<@Nullable Void> added;
        try {
            added = grant.requestBucket.addTokensAsync(1);
        } catch (RuntimeException e) {
            added = CompletableFuture.failedFuture(e);
        }
        return Stages.logged(added, e -> LOG.warn("Could not give back the request a refused call of tenant {} took",
                grant.tenant.id(), e));
    }

    @Override
    public void settle(GovernancePermit grant, @Nullable List<UsageRecord> attempts) {
    }

    @Override
    public String toString() {
        return "request rate";
    }
}
