package dev.aip.core.governance;

import dev.aip.core.metering.CostCalculator;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.pricing.PriceCatalog;
import java.math.BigDecimal;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step 6, budget: reserves the call's worst-case cost in the current period's account of the {@link BudgetStore};
 * settlement replaces the reservation by the attempts' real cost and fires the thresholds crossed. Last, so a call
 * refused by any other check never touches the shared account. A call that cannot be priced, or whose worst case
 * is above the whole budget, is a policy violation: waiting would not help.
 */
final class BudgetCheck implements AdmissionCheck {

    private static final Logger LOG = LoggerFactory.getLogger(Governance.class);

    private final PriceCatalog prices;
    private final CostCalculator costs;
    private final BudgetStore budgets;
    private final BudgetListener listener;
    private final List<BigDecimal> thresholds;

    BudgetCheck(PriceCatalog prices, BudgetStore budgets, BudgetListener listener, List<BigDecimal> thresholds) {
        this.prices = prices;
        this.costs = new CostCalculator(prices);
        this.budgets = budgets;
        this.listener = listener;
        this.thresholds = thresholds;
    }

    @Override
    public @Nullable Refusal take(Ask ask, GovernancePermit grant) {
        Budget budget = ask.policy().budgetInForce();
        if (budget == null) {
            return null;
        }
        BigDecimal worstCase = worstCase(ask);
        if (worstCase == null || worstCase.compareTo(budget.amountUsd()) > 0) {
            return violation(ask, budget, worstCase);
        }
        BudgetKey key = ask.limits().budgetKey(budget.period(), ask.now());
        return reserved(ask, grant, budget, key, worstCase, budgets.reserve(key, worstCase, budget.amountUsd()));
    }

    @Override
    public CompletionStage<@Nullable Refusal> takeAsync(Ask ask, GovernancePermit grant) {
        Budget budget = ask.policy().budgetInForce();
        if (budget == null) {
            return AdmissionCheck.passed();
        }
        BigDecimal worstCase = worstCase(ask);
        if (worstCase == null || worstCase.compareTo(budget.amountUsd()) > 0) {
            return CompletableFuture.completedFuture(violation(ask, budget, worstCase));
        }
        BudgetKey key = ask.limits().budgetKey(budget.period(), ask.now());
        CompletionStage<BudgetStore.Reservation> reservation = budgets.reserveAsync(key, worstCase,
                budget.amountUsd());
        if (Stages.ready(reservation)) {
            Refusal refusal = reserved(ask, grant, budget, key, worstCase, Stages.now(reservation));
            return refusal == null ? AdmissionCheck.passed() : CompletableFuture.completedFuture(refusal);
        }
        return reservation.thenApply(r -> reserved(ask, grant, budget, key, worstCase, r));
    }

    /** The call's worst-case cost, priced by the profile's source model; {@code null} if the catalog has no price. */
    @Nullable BigDecimal worstCase(Ask ask) {
        TenantLimits.Prices price = ask.limits().prices(prices, ask.profile().sourceModelId(), ask.profile().region());
        return price == null ? null : price.worstCase(ask.inputTokens(), ask.outputTokens());
    }

    /** Why no reservation could ever be granted: no price, or a worst case above the whole budget. */
    Refusal violation(Ask ask, Budget budget, @Nullable BigDecimal worstCase) {
        return worstCase == null
                ? new Refusal.NoPrice(ask.id(), ask.profile().sourceModelId(), ask.profile().region(), prices.version())
                : new Refusal.BudgetNeverFits(ask.id(), worstCase, budget.amountUsd());
    }

    private static @Nullable Refusal reserved(Ask ask, GovernancePermit grant, Budget budget, BudgetKey key,
                                              BigDecimal worstCase, BudgetStore.Reservation reservation) {
        if (!reservation.granted()) {
            return new Refusal.OverBudget(ask.id(), key, budget.amountUsd(), reservation.remainingUsd(), worstCase,
                    ask.now());
        }
        grant.budget = reservation;
        grant.budgetLimit = budget.amountUsd();
        return null;
    }

    /** The last check: when it refuses, it holds nothing; an admitted call's reservation is settled, not given back. */
    @Override
    public void giveBack(GovernancePermit grant) {
    }

    @Override
    public void settle(GovernancePermit grant, @Nullable List<UsageRecord> attempts) {
        if (grant.budget == null) {
            return;
        }
        try {
            BigDecimal actual = attempts == null ? grant.budget.amountUsd() : cost(grant, attempts);
            BudgetStore.Settlement settled = budgets.settle(grant.budget, actual);
            if (settled.applied()) {
                alert(grant, settled);
            }
        } catch (RuntimeException e) {
            LOG.error("Could not settle the budget reservation {} of tenant {}", grant.budget.id(), grant.tenant.id(),
                    e);
        }
    }

    /** The attempts' real cost; an attempt that cannot be priced at all is charged the whole reservation. */
    BigDecimal cost(GovernancePermit grant, List<UsageRecord> attempts) {
        BigDecimal sum = null;
        for (UsageRecord r : attempts) {
            BigDecimal amount = r.cost().amountUsd();
            if (amount == null) {
                String model = r.sourceModelId() != null ? r.sourceModelId() : grant.profile.sourceModelId();
                amount = costs.cost(model, r.region(), r.usage()).amountUsd();
            }
            amount = amount != null ? amount : grant.budget.amountUsd();
            sum = sum == null ? amount : sum.add(amount);
        }
        return sum == null ? BigDecimal.ZERO : sum;
    }

    void alert(GovernancePermit grant, BudgetStore.Settlement settled) {
        BigDecimal[] levels = grant.limits.alertLevels(grant.budgetLimit, thresholds);
        for (int i = 0; i < levels.length; i++) {
            BigDecimal threshold = thresholds.get(i);
            BigDecimal level = levels[i];
            if (settled.spentBeforeUsd().compareTo(level) < 0 && settled.spentAfterUsd().compareTo(level) >= 0) {
                try {
                    listener.onThreshold(new BudgetAlert(settled.key(), threshold, grant.budgetLimit,
                            settled.spentAfterUsd()));
                } catch (RuntimeException e) {
                    LOG.warn("Budget listener {} failed on the {} alert of tenant {}", listener, threshold,
                            grant.tenant.id(), e);
                }
            }
        }
    }

    @Override
    public String toString() {
        return "budget";
    }
}
