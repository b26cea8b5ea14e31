package dev.aip.core.governance;

import dev.aip.core.metering.UsageRecord;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step 2, concurrency: takes one of the tenant's {@code maxConcurrentCalls} slots from the {@link ConcurrencyState},
 * and frees it when the call is released, expires or is refused later.
 */
final class ConcurrencyCheck implements AdmissionCheck {

    private static final Logger LOG = LoggerFactory.getLogger(GovernancePermit.class);

    @Override
    public @Nullable Refusal take(Ask ask, GovernancePermit grant) {
        int cap = ask.policy().concurrencyCap();
        if (cap <= 0) {
            return null;
        }
        return taken(ask, grant, cap, ask.limits().slots().tryAcquire(cap));
    }

    @Override
    public CompletionStage<@Nullable Refusal> takeAsync(Ask ask, GovernancePermit grant) {
        int cap = ask.policy().concurrencyCap();
        if (cap <= 0) {
            return AdmissionCheck.passed();
        }
        CompletionStage<ConcurrencyState.@Nullable Slot> slot = ask.limits().slots().tryAcquireAsync(cap);
        if (Stages.ready(slot)) {
            Refusal refusal = taken(ask, grant, cap, Stages.now(slot));
            return refusal == null ? AdmissionCheck.passed() : CompletableFuture.completedFuture(refusal);
        }
        return slot.thenApply(s -> taken(ask, grant, cap, s));
    }

    private static @Nullable Refusal taken(Ask ask, GovernancePermit grant, int cap,
                                           ConcurrencyState.@Nullable Slot slot) {
        if (slot == null) {
            return new Refusal.ConcurrencyFull(ask.id(), cap);
        }
        grant.slot = slot;
        return null;
    }

    @Override
    public void giveBack(GovernancePermit grant) {
        release(grant);
    }

    @Override
    public CompletionStage<@Nullable Void> giveBackAsync(GovernancePermit grant) {
        if (grant.slot == null) {
            return Stages.DONE;
        }
        CompletionStage<@Nullable Void> released;
        try {
            released = grant.slot.releaseAsync();
        } catch (RuntimeException e) {
            released = CompletableFuture.failedFuture(e);
        }
        return Stages.logged(released, e -> LOG.warn("Could not release the concurrency slot of a call of tenant {};"
                + " a shared state reclaims it when its lease ends", grant.tenant.id(), e));
    }

    @Override
    public void settle(GovernancePermit grant, @Nullable List<UsageRecord> attempts) {
        release(grant);
    }

    private static void release(GovernancePermit grant) {
        if (grant.slot != null) {
            try {
                grant.slot.release();
            } catch (RuntimeException e) {
                LOG.warn("Could not release the concurrency slot of a call of tenant {}; a shared state reclaims it"
                        + " when its lease ends", grant.tenant.id(), e);
            }
        }
    }

    @Override
    public String toString() {
        return "concurrency";
    }
}
