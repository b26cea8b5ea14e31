package dev.aip.cli;

import dev.aip.core.governance.Budget;
import dev.aip.core.governance.BudgetPeriod;
import dev.aip.core.governance.BudgetStore;
import dev.aip.core.governance.Governance;
import dev.aip.core.governance.PolicySet;
import dev.aip.core.governance.TenantPolicy;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The demo's governance in act 3: every call is admitted by a {@link Governance} whose policies put two tenants at
 * their limits, so the run shows refusals that cost nothing and reach no model.
 * <ul>
 *   <li>The first basic-tier tenant may make half its calls per minute: it runs its calls back to back, reaches its
 *       request rate and has the rest refused ({@code RateLimitExceededException}, with a retry-after).</li>
 *   <li>The last premium tenant (never the first tenant, whose abandoned stream settles at an estimate that
 *       depends on timing) has a daily budget of about half its calls: once the spend plus a call's worst case
 *       would pass it, calls are refused ({@code BudgetExceededException}); alerts fire at 80 % and 100 %.</li>
 * </ul>
 * Every tenant's output is capped at {@value #MAX_OUTPUT_TOKENS} tokens, and the cap is sent to Bedrock as
 * {@code maxTokens}. Calls of one tenant run in order, so which calls are refused depends only on the seed, as long
 * as the rate-limited tenant's calls take less than a refill interval (at least 12 s).
 *
 * <p>Confined to the demo's thread, except for the alert list, which settling threads append to.
 */
final class DemoGovernance {

    static final int MAX_OUTPUT_TOKENS = 1024;
    /** The {@code feature} attribute of act 3's calls: the calls this governance admits. */
    static final String FEATURE = "campaign";
    /** The budget tenant's output cap: it bounds the worst case reserved per call. */
    static final int BUDGET_TENANT_OUTPUT_TOKENS = 200;
    /** About a premium call's worst case under that cap, and its typical real cost, in the bundled prices. */
    private static final BigDecimal WORST_CASE_USD = new BigDecimal("0.004");
    private static final BigDecimal TYPICAL_USD = new BigDecimal("0.0016");

    private final TenantId rateLimited;
    private final long requestsPerMinute;
    private final TenantId budgeted;
    private final TenantContext budgetedContext;
    private final BigDecimal budgetUsd;
    private final List<String> alerts = new CopyOnWriteArrayList<>();
    private final Governance governance;

    private DemoGovernance(List<DemoTenants.Tenant> tenants, int[] quota) {
        int bronze = -1;
        int spender = -1;
        for (int i = 0; i < tenants.size() && bronze < 0; i++) {
            if (tenants.get(i).tier().equals(Tier.BASIC)) {
                bronze = i;
            }
        }
        for (int i = 1; i < tenants.size(); i++) {
            boolean premiumSeen = spender > 0 && tenants.get(spender).tier().equals(Tier.PREMIUM);
            if (i != bronze && (tenants.get(i).tier().equals(Tier.PREMIUM) || !premiumSeen)) {
                spender = i;
            }
        }
        PolicySet.Builder policies = PolicySet.builder().source("aip demo")
                .defaults(TenantPolicy.builder().maxOutputTokens(MAX_OUTPUT_TOKENS).build());
        rateLimited = bronze < 0 ? null : tenants.get(bronze).id();
        requestsPerMinute = bronze < 0 ? 0 : half(quota[bronze], 5);
        if (rateLimited != null) {
            policies.tenant(rateLimited, TenantPolicy.builder().requestsPerMinute(requestsPerMinute).build());
        }
        budgeted = spender < 0 ? null : tenants.get(spender).id();
        budgetedContext = spender < 0 ? null : tenants.get(spender).context();
        budgetUsd = spender < 0 ? null
                : WORST_CASE_USD.add(TYPICAL_USD.multiply(BigDecimal.valueOf(half(quota[spender], 6))));
        if (budgeted != null) {
            policies.tenant(budgeted, TenantPolicy.builder().maxOutputTokens(BUDGET_TENANT_OUTPUT_TOKENS)
                    .budget(Budget.of(budgetUsd, BudgetPeriod.daily(ZoneOffset.UTC))).build());
        }
        governance = Governance.builder()
                .policies(policies.build())
                .budgetThresholds(new BigDecimal("0.8"), BigDecimal.ONE)
                .budgetListener(a -> alerts.add(a.key().tenant() + " has spent "
                        + a.spentUsd().setScale(4, RoundingMode.HALF_EVEN).toPlainString() + " of its "
                        + a.limitUsd().toPlainString() + " USD daily budget ("
                        + a.threshold().movePointRight(2).stripTrailingZeros().toPlainString() + " % alert)"))
                .build();
    }

    /** Half a tenant's calls (at least one), or {@code fallback} when it runs for a duration. */
    private static long half(int quota, long fallback) {
        return quota == Integer.MAX_VALUE ? fallback : Math.max(1, quota / 2);
    }

    static DemoGovernance of(List<DemoTenants.Tenant> tenants, int[] quota) {
        return new DemoGovernance(tenants, quota);
    }

    Governance governance() {
        return governance;
    }

    /** One line for the act's header. */
    String plan() {
        StringBuilder b = new StringBuilder("   Governance: output capped at " + MAX_OUTPUT_TOKENS + " tokens (sent as"
                + " maxTokens)");
        if (rateLimited != null) {
            b.append("; ").append(rateLimited).append(" may make ").append(requestsPerMinute)
                    .append(" requests per minute");
        }
        if (budgeted != null) {
            b.append("; ").append(budgeted).append(" has a daily budget of ").append(budgetUsd.toPlainString())
                    .append(" USD");
        }
        return b.toString();
    }

    /** What this governance did in act 3, from the act's records. */
    void report(PrintWriter out, List<UsageRecord> records) {
        out.println("Governance (refused calls never reached Bedrock; each is one REJECTED_BY_POLICY record, cost 0)");
        if (rateLimited != null) {
            out.println("  " + rateLimited + ": " + rejected(records, rateLimited, "RateLimitExceededException")
                    + " calls refused at its limit of " + requestsPerMinute + " requests per minute"
                    + " (RateLimitExceededException, with a retry-after)");
        }
        if (budgeted != null) {
            BudgetStore.Usage usage = governance.budgetUsage(budgetedContext);
            out.println("  " + budgeted + ": " + rejected(records, budgeted, "BudgetExceededException")
                    + " calls refused once its daily budget of " + budgetUsd.toPlainString() + " USD could not"
                    + " cover a call's worst case (BudgetExceededException); spent "
                    + usage.spentUsd().setScale(4, RoundingMode.HALF_EVEN).toPlainString() + " USD, "
                    + usage.openReservations() + " reservations open");
        }
        for (String alert : alerts) {
            out.println("  alert: " + alert);
        }
        out.println();
    }

    private static long rejected(List<UsageRecord> records, TenantId tenant, String code) {
        return records.stream().filter(r -> r.tenant().equals(tenant) && r.outcome() == Outcome.REJECTED_BY_POLICY
                && code.equals(r.errorCode()) && FEATURE.equals(r.attributes().get("feature"))).count();
    }
}
