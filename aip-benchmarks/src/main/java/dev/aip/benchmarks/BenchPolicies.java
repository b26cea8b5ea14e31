package dev.aip.benchmarks;

import dev.aip.core.governance.Budget;
import dev.aip.core.governance.BudgetPeriod;
import dev.aip.core.governance.TenantPolicy;
import java.math.BigDecimal;
import java.time.ZoneOffset;

/** The benchmarks' tenant policy: every check on, every limit out of reach, so admission is measured, not refusal. */
final class BenchPolicies {

    private BenchPolicies() {
    }

    /** Request, token, concurrency, output and model checks, and a monthly budget of {@code budgetUsd}. */
    static TenantPolicy generous(String model, String budgetUsd) {
        return TenantPolicy.builder()
                .requestsPerMinute(1_000_000_000L)
                .tokensPerMinute(50_000_000_000L)
                .maxConcurrentCalls(1_000)
                .maxOutputTokens(4_096)
                .allowedModels(model)
                .budget(Budget.of(new BigDecimal(budgetUsd), BudgetPeriod.monthly(ZoneOffset.UTC)))
                .build();
    }
}
