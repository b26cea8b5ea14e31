package dev.aip.spring;

import dev.aip.core.governance.Budget;
import dev.aip.core.governance.BudgetStore;
import dev.aip.core.governance.Governance;
import dev.aip.core.governance.PolicyStore;
import dev.aip.core.governance.TenantPolicy;
import dev.aip.core.metering.Outcome;
import dev.aip.core.sink.InMemoryUsageAggregates;
import dev.aip.core.sink.TenantUsage;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * {@code /actuator/aip}: per-tenant usage (calls by outcome, tokens by bucket, cost, latency), budget state (limit,
 * spent, reserved, remaining) and limit state (the policy's rates and caps, calls in flight, refusals by limit and
 * the last one with its retry-after). {@code /actuator/aip/{tenant}} shows one tenant.
 *
 * <p><b>Calls and refusals.</b> In {@code usage}, {@code calls}, {@code callsByOutcome} and the latency percentiles
 * ({@code latencyP50Ms}, {@code latencyP95Ms}) cover the model calls sent to Bedrock, whatever their outcome;
 * {@code refusals} counts the calls aip's policy refused before they reached Bedrock (rate limits, budgets, models
 * not allowed, another tenant's profile), which take no model time and so stay out of the percentiles.
 *
 * <p><b>Policies</b> ({@code policies}): the version in force on this replica (the SHA-256 of the policy file's
 * text, the same on every replica that reads the same file), the file, the watcher's last check and failure, and,
 * with {@code aip.redis.uri}, the version last announced to the replicas and whether this one enforces it. Compare
 * {@code policies.version} across replicas to see that they agree. {@code POST /actuator/aip/policies/reload} reads
 * the file again, puts it in force if valid, and announces its version to the other replicas.
 *
 * <p>Usage comes from this instance's in-memory aggregates (rebuilt from the ledger by the application if it wants
 * history across restarts); budget state from the governance's budget store, which is shared when it is on Redis.
 *
 * <p>Thread-safe.
 */
@Endpoint(id = "aip")
public class AipEndpoint {

    private final InMemoryUsageAggregates usage;
    private final TenantDirectory tenants;
    private final Governance governance;
    private final PolicyStore policies;
    private final AdmissionGate gate;
    private final PolicyReloads reloads;

    AipEndpoint(InMemoryUsageAggregates usage, TenantDirectory tenants, Governance governance, PolicyStore policies,
                AdmissionGate gate, PolicyReloads reloads) {
        this.usage = usage;
        this.tenants = tenants;
        this.governance = governance;
        this.policies = policies;
        this.gate = gate;
        this.reloads = reloads;
    }

    /**
     * Every tenant with usage, policy or refusals, and the totals.
     *
     * @return the report
     */
    @ReadOperation
    public Map<String, Object> all() {
        TreeSet<TenantId> ids = new TreeSet<>(usage.snapshot().keySet());
        ids.addAll(tenants.tenants().keySet());
        if (gate != null) {
            ids.addAll(gate.refusals().keySet());
        }
        Map<String, Object> byTenant = new LinkedHashMap<>();
        for (TenantId id : ids) {
            byTenant.put(id.value(), tenant(id));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("tenants", byTenant);
        out.put("total", usage(usage.total()));
        out.put("governance", governance == null ? "off" : Map.of("openPermits", governance.openPermits(),
                "failOpenAdmissions", governance.failOpenAdmissions(), "expiredLeases", governance.expiredLeases()));
        if (reloads != null) {
            out.put("policies", reloads.status());
        }
        return out;
    }

    /**
     * {@code POST /actuator/aip/policies/reload}: reads the policy file again, puts it in force if it is valid, and
     * announces its version to the other replicas (with {@code aip.redis.uri}), which then check their own file.
     *
     * @param area {@code policies}
     * @param action {@code reload}
     * @return {@code reloaded} (whether the file had changed), {@code version}, and {@code announcedTo} (how many
     *     replicas received the announcement)
     * @throws dev.aip.core.ConfigurationException if the file is invalid (the old policies stay) or the policies do
     *     not come from a file
     * @throws IllegalArgumentException for any other area or action
     */
    @WriteOperation
    public Map<String, Object> write(@Selector String area, @Selector String action) {
        if (!"policies".equals(area) || !"reload".equals(action)) {
            throw new IllegalArgumentException("Unknown operation " + area + "/" + action
                    + "; the one write operation is POST /actuator/aip/policies/reload");
        }
        if (reloads == null) {
            throw new dev.aip.core.ConfigurationException("No policies are configured; set aip.policy-file");
        }
        return reloads.reload();
    }

    /**
     * One tenant.
     *
     * @param tenant the tenant id
     * @return the tenant's report
     */
    @ReadOperation
    public Map<String, Object> tenant(@Selector String tenant) {
        return tenant(TenantId.of(tenant));
    }

    private Map<String, Object> tenant(TenantId id) {
        TenantContext context = tenants.contextOf(id);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("tier", context.tier().name());
        out.put("usage", usage(usage.snapshot(id)));
        if (governance != null && policies != null) {
            TenantPolicy policy = policies.current().policyFor(context);
            out.put("budget", budget(context, policy));
            out.put("limits", limits(id, policy));
        }
        return out;
    }

    private Map<String, Object> budget(TenantContext tenant, TenantPolicy policy) {
        Budget budget = policy.budget();
        Map<String, Object> out = new LinkedHashMap<>();
        if (budget == null || !budget.isLimited()) {
            out.put("limited", false);
            return out;
        }
        BudgetStore.Usage used = governance.budgetUsage(tenant);
        out.put("limited", true);
        out.put("period", budget.period().toString());
        out.put("limitUsd", budget.amountUsd().toPlainString());
        out.put("spentUsd", used.spentUsd().toPlainString());
        out.put("reservedUsd", used.reservedUsd().toPlainString());
        BigDecimal remaining = budget.amountUsd().subtract(used.spentUsd()).subtract(used.reservedUsd());
        out.put("remainingUsd", remaining.max(BigDecimal.ZERO).toPlainString());
        out.put("exhausted", remaining.signum() <= 0);
        return out;
    }

    private Map<String, Object> limits(TenantId id, TenantPolicy policy) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("requestsPerMinute", limit(policy.requestsPerMinute()));
        out.put("tokensPerMinute", limit(policy.tokensPerMinute()));
        out.put("maxConcurrentCalls", policy.maxConcurrentCalls() == null
                || policy.maxConcurrentCalls() == Integer.MAX_VALUE ? "unlimited" : policy.maxConcurrentCalls());
        out.put("inFlight", governance.inFlight(id));
        out.put("allowedModels", policy.allowedModels() == null ? "*" : policy.allowedModels());
        AdmissionGate.Refusals refused = gate == null ? null : gate.refusals().get(id);
        if (refused != null) {
            out.put("refusals", refused.byLimit());
            Map<String, Object> last = new LinkedHashMap<>();
            last.put("limit", refused.lastLimit());
            last.put("at", refused.lastAt().toString());
            Duration retry = refused.lastRetryAfter();
            if (retry != null) {
                last.put("retryAfterSeconds", retry.toMillis() / 1000.0);
            }
            out.put("lastRefusal", last);
        } else {
            out.put("refusals", Map.of());
        }
        return out;
    }

    private static Object limit(Long value) {
        return value == null || value == TenantPolicy.UNLIMITED ? "unlimited" : value;
    }

    private static Map<String, Object> usage(TenantUsage u) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("calls", u.modelCalls());
        Map<String, Long> outcomes = new LinkedHashMap<>();
        for (Outcome o : Outcome.values()) {
            if (o != Outcome.REJECTED_BY_POLICY && u.calls(o) > 0) {
                outcomes.put(o.name(), u.calls(o));
            }
        }
        out.put("callsByOutcome", outcomes);
        out.put("refusals", u.refusals());
        out.put("inputTokens", u.tokens().inputTokens());
        out.put("outputTokens", u.tokens().outputTokens());
        out.put("cacheReadInputTokens", u.tokens().cacheReadInputTokens());
        out.put("cacheWriteInputTokens", u.tokens().cacheWriteInputTokens());
        out.put("costUsd", u.costUsd().toPlainString());
        out.put("unpricedCalls", u.unpricedCalls());
        u.latency().p50().ifPresent(d -> out.put("latencyP50Ms", d.toMillis()));
        u.latency().p95().ifPresent(d -> out.put("latencyP95Ms", d.toMillis()));
        u.timeToFirstToken().p50().ifPresent(d -> out.put("timeToFirstTokenP50Ms", d.toMillis()));
        return out;
    }
}
