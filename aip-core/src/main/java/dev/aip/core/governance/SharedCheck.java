package dev.aip.core.governance;

import dev.aip.core.metering.UsageRecord;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Steps 2 to 4 and the budget of step 6 in one step, through a {@link SharedAdmission}: the concurrency slot, the
 * request, the token reservation and the budget reservation are one claim, taken or refused at once. It decides
 * what the separate checks decide (the same refusals, with the same figures; the same policy violations, in the same
 * order) and applies the tier's {@link FailurePolicy} per step as {@link Guarded} does per check: when the store
 * cannot be reached, the steps of the claim are walked in order; a step that fails open is skipped and counted, the
 * first that fails closed refuses. Settlement is one release; the budget alerts fire as in {@link BudgetCheck}, whose
 * pricing, violations, costs and alerts this check uses.
 */
final class SharedCheck implements AdmissionCheck {

    /** Governance's own logger, where operators look for fail-open warnings and settlement errors. */
    private static final Logger LOG = LoggerFactory.getLogger(Governance.class);

    private final SharedAdmission shared;
    private final BudgetCheck budgets;
    private final AtomicLong failOpen;
    private final Clock clock;

    SharedCheck(SharedAdmission shared, BudgetCheck budgets, AtomicLong failOpen, Clock clock) {
        this.shared = shared;
        this.budgets = budgets;
        this.failOpen = failOpen;
        this.clock = clock;
    }

    /**
     * The claim of a call, and what the steps read to build a refusal. {@code claim == null}: no step before the
     * refusing one (or none at all) is shared, so the store is not asked.
     */
    private record Plan(SharedAdmission.@Nullable Claim claim, @Nullable Refusal neverFits,
                        @Nullable Budget budget, @Nullable BudgetKey key, @Nullable BigDecimal worstCase) {
    }

    private Plan plan(Ask ask) {
        TenantPolicy policy = ask.policy();
        int cap = Math.max(0, policy.concurrencyCap());
        long rpm = Math.max(0, policy.requestRate());
        long tpm = Math.max(0, policy.tokenRate());
        SharedAdmission.Step refuseAt = null;
        Refusal neverFits = null;
        Budget budget = null;
        BudgetKey key = null;
        BigDecimal worstCase = null;
        if (tpm > 0 && ask.tokens() > tpm) {
            refuseAt = SharedAdmission.Step.TOKENS;
            neverFits = new Refusal.TokenRateNeverFits(ask.id(), ask.tokens(), ask.inputTokens(), ask.outputTokens(),
                    tpm);
        } else {
            budget = policy.budgetInForce();
            if (budget != null) {
                worstCase = budgets.worstCase(ask);
                if (worstCase == null || worstCase.compareTo(budget.amountUsd()) > 0) {
                    refuseAt = SharedAdmission.Step.BUDGET;
                    neverFits = budgets.violation(ask, budget, worstCase);
                } else {
                    key = ask.limits().budgetKey(budget.period(), ask.now());
                }
            }
        }
        boolean asks = cap > 0 || rpm > 0 || refuseAt != SharedAdmission.Step.TOKENS && (tpm > 0 || key != null);
        if (!asks) {
            return new Plan(null, neverFits, budget, null, worstCase);
        }
        SharedAdmission.Claim claim = new SharedAdmission.Claim(ask.id(), ask.now(), cap, rpm,
                refuseAt == SharedAdmission.Step.TOKENS ? 0 : tpm, ask.tokens(), key,
                key != null ? worstCase : BigDecimal.ZERO, key != null ? budget.amountUsd() : BigDecimal.ZERO,
                refuseAt);
        return new Plan(claim, neverFits, budget, key, worstCase);
    }

    @Override
    public @Nullable Refusal take(Ask ask, GovernancePermit grant) {
        Plan plan = plan(ask);
        if (plan.claim() == null) {
            return plan.neverFits();
        }
        SharedAdmission.Outcome outcome;
        try {
            outcome = shared.take(plan.claim());
        } catch (RuntimeException e) {
            return unreachable(ask, plan, e);
        }
        return decided(ask, grant, plan, outcome);
    }

    @Override
    public CompletionStage<@Nullable Refusal> takeAsync(Ask ask, GovernancePermit grant) {
        Plan plan = plan(ask);
        if (plan.claim() == null) {
            return plan.neverFits() == null ? AdmissionCheck.passed()
                    : CompletableFuture.completedFuture(plan.neverFits());
        }
        CompletionStage<SharedAdmission.Outcome> stage;
        try {
            stage = shared.takeAsync(plan.claim());
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(unreachable(ask, plan, e));
        }
        if (Stages.ready(stage)) {
            Refusal refusal = decided(ask, grant, plan, Stages.now(stage));
            return refusal == null ? AdmissionCheck.passed() : CompletableFuture.completedFuture(refusal);
        }
        return stage.handle((outcome, failure) -> {
            if (failure == null) {
                return decided(ask, grant, plan, outcome);
            }
            Throwable cause = Stages.unwrap(failure);
            if (cause instanceof RuntimeException e) {
                return unreachable(ask, plan, e);
            }
            throw new CompletionException(cause);
        });
    }

    private static @Nullable Refusal decided(Ask ask, GovernancePermit grant, Plan plan,
                                             SharedAdmission.Outcome outcome) {
        SharedAdmission.Claim claim = plan.claim();
        SharedAdmission.Step step = outcome.refusedBy();
        if (step == null) {
            grant.shared = outcome.hold();
            grant.reservedTokens = claim.tokensPerMinute() > 0 ? claim.tokens() : 0;
            if (plan.key() != null) {
                grant.budget = new BudgetStore.Reservation(plan.key(), outcome.hold().id(), plan.worstCase(), true,
                        BigDecimal.ZERO);
                grant.budgetLimit = plan.budget().amountUsd();
            }
            return null;
        }
        if (step == claim.refuseAt()) {
            return plan.neverFits();
        }
        return switch (step) {
            case CONCURRENCY -> new Refusal.ConcurrencyFull(ask.id(), claim.concurrencyCap());
            case REQUESTS -> new Refusal.RequestRateReached(ask.id(), claim.requestsPerMinute(),
                    outcome.remainingTokens(), outcome.nanosToWait());
            case TOKENS -> new Refusal.TokenRateReached(ask.id(), claim.tokensPerMinute(), outcome.remainingTokens(),
                    outcome.nanosToWait(), ask.tokens(), ask.inputTokens(), ask.outputTokens());
            case BUDGET -> new Refusal.OverBudget(ask.id(), plan.key(), plan.budget().amountUsd(),
                    outcome.remainingUsd(), plan.worstCase(), ask.now());
        };
    }

    /** The store failed: walk the claim's steps in order under the tier's failure policy. */
    private @Nullable Refusal unreachable(Ask ask, Plan plan, RuntimeException cause) {
        SharedAdmission.Claim claim = plan.claim();
        for (SharedAdmission.Step step : SharedAdmission.Step.values()) {
            if (step == claim.refuseAt()) {
                return plan.neverFits();
            }
            Guarded.State state = switch (step) {
                case CONCURRENCY -> claim.concurrencyCap() > 0 ? Guarded.State.CONCURRENCY : null;
                case REQUESTS -> claim.requestsPerMinute() > 0 ? Guarded.State.RATE_LIMITS : null;
                case TOKENS -> claim.tokensPerMinute() > 0 ? Guarded.State.RATE_LIMITS : null;
                case BUDGET -> claim.budgeted() ? Guarded.State.BUDGET : null;
            };
            if (state == null) {
                continue;
            }
            if (state.mode(ask.onFailure()) == FailureMode.FAIL_CLOSED) {
                return new Refusal.Unavailable(ask.id(), state.label, cause);
            }
            failOpen.incrementAndGet();
            LOG.warn("The {} state of tenant {} cannot be reached ({}); the call is admitted without that check, as"
                    + " its tier fails open", state.label, ask.id(), cause.toString());
        }
        return null;
    }

    @Override
    public void giveBack(GovernancePermit grant) {
        SharedAdmission.Hold hold = grant.shared;
        if (hold != null) {
            try {
                shared.giveBack(hold, clock.instant());
            } catch (RuntimeException e) {
                LOG.warn("Could not give back what a refused call of tenant {} took; its leases reclaim it",
                        grant.tenant.id(), e);
            }
        }
    }

    @Override
    public CompletionStage<@Nullable Void> giveBackAsync(GovernancePermit grant) {
        SharedAdmission.Hold hold = grant.shared;
        if (hold == null) {
            return Stages.DONE;
        }
        CompletionStage<@Nullable Void> given;
        try {
            given = shared.giveBackAsync(hold, clock.instant());
        } catch (RuntimeException e) {
            given = CompletableFuture.failedFuture(e);
        }
        return Stages.logged(given, e -> LOG.warn("Could not give back what a refused call of tenant {} took; its"
                + " leases reclaim it", grant.tenant.id(), e));
    }

    @Override
    public void settle(GovernancePermit grant, @Nullable List<UsageRecord> attempts) {
        SharedAdmission.Hold hold = grant.shared;
        if (hold == null) {
            return;
        }
        try {
            long actualTokens = attempts == null ? grant.reservedTokens : tokens(attempts);
            BigDecimal actualUsd = grant.budget == null ? BigDecimal.ZERO
                    : attempts == null ? grant.budget.amountUsd() : budgets.cost(grant, attempts);
            BudgetStore.Settlement settled = shared.release(hold, actualTokens, actualUsd, clock.instant());
            if (settled != null && settled.applied()) {
                budgets.alert(grant, settled);
            }
        } catch (RuntimeException e) {
            LOG.error("Could not settle the shared hold {} of a call of tenant {}; its leases reclaim it", hold.id(),
                    grant.tenant.id(), e);
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
        return "shared admission";
    }
}
