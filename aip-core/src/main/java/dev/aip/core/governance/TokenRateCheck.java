package dev.aip.core.governance;

import dev.aip.core.metering.UsageRecord;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step 4, token rate: reserves the call's estimated tokens in the tenant's tokens-per-minute bucket; settlement gives
 * back what the attempts did not use or takes what they used beyond it (the bucket may go into debt). A call larger
 * than a whole minute's limit is a policy violation: waiting would not help.
 */
final class TokenRateCheck implements AdmissionCheck {

    private static final Logger GIVE_BACK = LoggerFactory.getLogger(GovernancePermit.class);
    private static final Logger LOG = LoggerFactory.getLogger(Governance.class);

    @Override
    public @Nullable Refusal take(Ask ask, GovernancePermit grant) {
        long tpm = ask.policy().tokenRate();
        if (tpm <= 0) {
            return null;
        }
        if (ask.tokens() > tpm) {
            return neverFits(ask, tpm);
        }
        RateLimitState.TokenBucket bucket = ask.limits().tokens(tpm);
        return taken(ask, grant, tpm, bucket, bucket.tryConsume(ask.tokens()));
    }

    @Override
    public CompletionStage<@Nullable Refusal> takeAsync(Ask ask, GovernancePermit grant) {
        long tpm = ask.policy().tokenRate();
        if (tpm <= 0) {
            return AdmissionCheck.passed();
        }
        if (ask.tokens() > tpm) {
            return CompletableFuture.completedFuture(neverFits(ask, tpm));
        }
        RateLimitState.TokenBucket bucket = ask.limits().tokens(tpm);
        CompletionStage<RateLimitState.Consumption> probe = bucket.tryConsumeAsync(ask.tokens());
        if (Stages.ready(probe)) {
            Refusal refusal = taken(ask, grant, tpm, bucket, Stages.now(probe));
            return refusal == null ? AdmissionCheck.passed() : CompletableFuture.completedFuture(refusal);
        }
        return probe.thenApply(p -> taken(ask, grant, tpm, bucket, p));
    }

    private static Refusal neverFits(Ask ask, long tpm) {
        return new Refusal.TokenRateNeverFits(ask.id(), ask.tokens(), ask.inputTokens(), ask.outputTokens(), tpm);
    }

    private static @Nullable Refusal taken(Ask ask, GovernancePermit grant, long tpm, RateLimitState.TokenBucket bucket,
                                           RateLimitState.Consumption probe) {
        if (!probe.consumed()) {
            return new Refusal.TokenRateReached(ask.id(), tpm, probe.remainingTokens(), probe.nanosToWaitForRefill(),
                    ask.tokens(), ask.inputTokens(), ask.outputTokens());
        }
        grant.tokenBucket = bucket;
        grant.reservedTokens = ask.tokens();
        return null;
    }

    @Override
    public void giveBack(GovernancePermit grant) {
        if (grant.tokenBucket != null) {
            try {
                grant.tokenBucket.addTokens(grant.reservedTokens);
            } catch (RuntimeException e) {
                GIVE_BACK.warn("Could not give back the tokens a refused call of tenant {} took", grant.tenant.id(),
                        e);
            }
        }
    }

    @Override
    public CompletionStage<@Nullable Void> giveBackAsync(GovernancePermit grant) {
        if (grant.tokenBucket == null) {
            return Stages.DONE;
        }
        CompletionStage<@Nullable Void> added;
        try {
            added = grant.tokenBucket.addTokensAsync(grant.reservedTokens);
        } catch (RuntimeException e) {
            added = CompletableFuture.failedFuture(e);
        }
        return Stages.logged(added, e -> GIVE_BACK.warn("Could not give back the tokens a refused call of tenant {}"
                + " took", grant.tenant.id(), e));
    }

    @Override
    public void settle(GovernancePermit grant, @Nullable List<UsageRecord> attempts) {
        if (grant.tokenBucket == null) {
            return;
        }
        try {
            long actual = attempts == null ? grant.reservedTokens : tokens(attempts);
            long refund = grant.reservedTokens - actual;
            if (refund > 0) {
                grant.tokenBucket.addTokens(refund);
            } else if (refund < 0) {
                grant.tokenBucket.consumeIgnoringLimit(-refund);
            }
        } catch (RuntimeException e) {
            LOG.error("Could not settle the token reservation of a call of tenant {}", grant.tenant.id(), e);
        }
    }

    private static long tokens(List<UsageRecord> attempts) {
        long sum = 0;
        for (UsageRecord r : attempts) {
            sum = Math.addExact(sum, r.usage().totalTokens());
        }
        return sum;
    }

    @Override
    public String toString() {
        return "token rate";
    }
}
