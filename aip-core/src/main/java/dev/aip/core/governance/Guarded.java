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
 * A check whose state may be unreachable (Redis down), under the tier's {@link FailurePolicy}: the one place that
 * decides what a failing state means. A take that throws, or whose stage fails, is
 * {@link FailureMode#FAIL_OPEN}: passed (the check took nothing), logged and counted in
 * {@link Governance#failOpenAdmissions()}; or {@link FailureMode#FAIL_CLOSED}: refused as
 * {@link Refusal.Unavailable}. The sync and async paths decide alike. A wrapped check records what it took in the
 * grant only once its state has answered, so a failed take has nothing to give back.
 */
final class Guarded implements AdmissionCheck {

    /** Governance's own logger, where operators look for fail-open warnings. */
    private static final Logger LOG = LoggerFactory.getLogger(Governance.class);

    /** The shared states a check may depend on, by the name refusals and logs give them. */
    enum State {
        CONCURRENCY("concurrency"),
        RATE_LIMITS("rate-limits"),
        BUDGET("budget");

        final String label;

        State(String label) {
            this.label = label;
        }

        FailureMode mode(FailurePolicy policy) {
            return switch (this) {
                case CONCURRENCY -> policy.concurrency();
                case RATE_LIMITS -> policy.rateLimits();
                case BUDGET -> policy.budgets();
            };
        }
    }

    private final AdmissionCheck check;
    private final State state;
    private final AtomicLong failOpen;

    Guarded(AdmissionCheck check, State state, AtomicLong failOpen) {
        this.check = check;
        this.state = state;
        this.failOpen = failOpen;
    }

    @Override
    public @Nullable Refusal take(Ask ask, GovernancePermit grant) {
        try {
            return check.take(ask, grant);
        } catch (RuntimeException e) {
            return unreachable(ask, e);
        }
    }

    @Override
    public CompletionStage<@Nullable Refusal> takeAsync(Ask ask, GovernancePermit grant) {
        CompletionStage<@Nullable Refusal> stage;
        try {
            stage = check.takeAsync(ask, grant);
        } catch (RuntimeException e) {
            Refusal refusal = unreachable(ask, e);
            return refusal == null ? AdmissionCheck.passed() : CompletableFuture.completedFuture(refusal);
        }
        if (Stages.ready(stage)) {
            return stage;
        }
        return stage.handle((refusal, failure) -> {
            if (failure == null) {
                return refusal;
            }
            Throwable cause = Stages.unwrap(failure);
            if (cause instanceof RuntimeException e) {
                return unreachable(ask, e);
            }
            throw new CompletionException(cause);
        });
    }

    @Override
    public void giveBack(GovernancePermit grant) {
        check.giveBack(grant);
    }

    @Override
    public CompletionStage<@Nullable Void> giveBackAsync(GovernancePermit grant) {
        return check.giveBackAsync(grant);
    }

    @Override
    public void settle(GovernancePermit grant, @Nullable List<UsageRecord> attempts) {
        check.settle(grant, attempts);
    }

    /** The state failed: pass without the check, or refuse, as the tier says. */
    private @Nullable Refusal unreachable(Ask ask, RuntimeException cause) {
        if (state.mode(ask.onFailure()) == FailureMode.FAIL_CLOSED) {
            return new Refusal.Unavailable(ask.id(), state.label, cause);
        }
        failOpen.incrementAndGet();
        LOG.warn("The {} state of tenant {} cannot be reached ({}); the call is admitted without that check, as its"
                + " tier fails open", state.label, ask.id(), cause.toString());
        return null;
    }

    @Override
    public String toString() {
        return check + " (" + state.label + ")";
    }
}
