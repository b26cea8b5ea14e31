package dev.aip.core.governance;

import dev.aip.core.metering.UsageRecord;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step 5, fair share (when configured): counts the call's estimated tokens against the account capacity of the
 * profile's source model and region, shared by all tenants, and sheds a tenant above its share of a congested model.
 * Settlement puts the attempts' real tokens in place of the estimate.
 *
 * <p>The state is this instance's {@link FairShareController}, or a shared {@link FairShareState}. When the shared
 * state cannot be reached, the tier's {@link FailurePolicy#rateLimits()} mode decides: fail open decides the call on
 * the local controller (counted in {@link Governance#failOpenAdmissions()}), fail closed refuses it as
 * {@link Refusal.Unavailable} ({@code fair-share}). The grant records the reservation of whichever state decided, so
 * give-back and settlement go to the same one.
 */
final class FairShareCheck implements AdmissionCheck {

    private static final Logger LOG = LoggerFactory.getLogger(GovernancePermit.class);
    /** Governance's own logger, where operators look for fail-open warnings. */
    private static final Logger GOVERNANCE = LoggerFactory.getLogger(Governance.class);
    static final String STATE = "fair-share";

    private final FairShareController controller;
    private final @Nullable FairShareState shared;
    private final AtomicLong failOpen;

    FairShareCheck(FairShareController controller, @Nullable FairShareState shared, AtomicLong failOpen) {
        this.controller = controller;
        this.shared = shared;
        this.failOpen = failOpen;
    }

    @Override
    public @Nullable Refusal take(Ask ask, GovernancePermit grant) {
        FairShare settings = controller.settings(ask.policies());
        if (settings == null) {
            return null;
        }
        FairShareState state = shared;
        if (state == null) {
            return taken(ask, grant, settings, controller.reserve(settings, ask.id(), ask.tier(),
                    ask.profile().sourceModelId(), ask.profile().region(), ask.tokens()));
        }
        FairShareState.Reservation share;
        try {
            share = state.reserve(settings, ask.id(), ask.tier(), ask.profile().sourceModelId(),
                    ask.profile().region(), ask.tokens());
        } catch (RuntimeException e) {
            return unreachable(ask, grant, settings, e);
        }
        return taken(ask, grant, settings, share);
    }

    @Override
    public CompletionStage<@Nullable Refusal> takeAsync(Ask ask, GovernancePermit grant) {
        FairShareState state = shared;
        FairShare settings = controller.settings(ask.policies());
        if (state == null || settings == null) {
            Refusal refusal = take(ask, grant);
            return refusal == null ? AdmissionCheck.passed() : CompletableFuture.completedFuture(refusal);
        }
        CompletionStage<FairShareState.Reservation> stage;
        try {
            stage = state.reserveAsync(settings, ask.id(), ask.tier(), ask.profile().sourceModelId(),
                    ask.profile().region(), ask.tokens());
        } catch (RuntimeException e) {
            Refusal refusal = unreachable(ask, grant, settings, e);
            return refusal == null ? AdmissionCheck.passed() : CompletableFuture.completedFuture(refusal);
        }
        return stage.handle((share, failure) -> {
            if (failure == null) {
                return taken(ask, grant, settings, share);
            }
            Throwable cause = Stages.unwrap(failure);
            if (cause instanceof RuntimeException e) {
                return unreachable(ask, grant, settings, e);
            }
            throw new CompletionException(cause);
        });
    }

    private static @Nullable Refusal taken(Ask ask, GovernancePermit grant, FairShare settings,
                                           FairShareState.Reservation share) {
        FairShareState.Shed shed = share.shed();
        if (shed != null) {
            long amount = Math.max(1, Math.min(ask.tokens(), UsageWindow.MAX_AMOUNT));
            return new Refusal.FairShareShed(ask.id(), shed.shareTokensPerMinute(), shed.usedTokens(),
                    shed.retryAfter(), ask.profile().sourceModelId(), ask.profile().region(),
                    shed.capacityTokensPerMinute(), shed.modelTokens(), ask.tier(), settings.weight(ask.tier()),
                    amount);
        }
        grant.share = share;
        return null;
    }

    /** The shared state failed: decide on this instance's own state, or refuse, as the tier says. */
    private @Nullable Refusal unreachable(Ask ask, GovernancePermit grant, FairShare settings, RuntimeException cause) {
        if (ask.onFailure().rateLimits() == FailureMode.FAIL_CLOSED) {
            return new Refusal.Unavailable(ask.id(), STATE, cause);
        }
        failOpen.incrementAndGet();
        GOVERNANCE.warn("The {} state of tenant {} cannot be reached ({}); the call is decided on this instance's own"
                + " fair share, as its tier fails open", STATE, ask.id(), cause.toString());
        return taken(ask, grant, settings, controller.reserve(settings, ask.id(), ask.tier(),
                ask.profile().sourceModelId(), ask.profile().region(), ask.tokens()));
    }

    @Override
    public void giveBack(GovernancePermit grant) {
        if (grant.share != null) {
            try {
                grant.share.cancel();
            } catch (RuntimeException e) {
                LOG.warn("Could not give back the fair-share reservation a refused call of tenant {} took",
                        grant.tenant.id(), e);
            }
        }
    }

    @Override
    public CompletionStage<@Nullable Void> giveBackAsync(GovernancePermit grant) {
        FairShareState.Reservation share = grant.share;
        if (share == null) {
            return Stages.DONE;
        }
        CompletionStage<@Nullable Void> given;
        try {
            given = share.cancelAsync();
        } catch (RuntimeException e) {
            LOG.warn("Could not give back the fair-share reservation a refused call of tenant {} took",
                    grant.tenant.id(), e);
            return Stages.DONE;
        }
        return Stages.logged(given, e -> LOG.warn("Could not give back the fair-share reservation a refused call of"
                + " tenant {} took", grant.tenant.id(), e));
    }

    @Override
    public void settle(GovernancePermit grant, @Nullable List<UsageRecord> attempts) {
        if (grant.share != null) {
            grant.share.settle(FairShareState.Attempt.of(attempts));
        }
    }

    @Override
    public String toString() {
        return "fair share";
    }
}
