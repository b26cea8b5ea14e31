/**
 * Per-tenant governance: what each tenant may do, enforced before a call and settled to real usage after it.
 *
 * <p>The API: {@link dev.aip.core.governance.Governance}, the chat pipeline's
 * {@link dev.aip.core.chat.Admission}; policies ({@link dev.aip.core.governance.TenantPolicy} per tenant and tier,
 * layered in a {@link dev.aip.core.governance.PolicySet}, read by {@link dev.aip.core.governance.PolicyFile} and
 * swapped at run time through a {@link dev.aip.core.governance.PolicyStore}); budgets
 * ({@link dev.aip.core.governance.Budget} per {@link dev.aip.core.governance.BudgetPeriod}, kept in a
 * {@link dev.aip.core.governance.BudgetStore}, alerting a {@link dev.aip.core.governance.BudgetListener}); fair share
 * of each model's account capacity by tier ({@link dev.aip.core.governance.FairShare}, seen through a
 * {@link dev.aip.core.governance.FairShareSnapshot}); where rate limits and concurrency slots live
 * ({@link dev.aip.core.governance.RateLimitState}, {@link dev.aip.core.governance.ConcurrencyState}) and what happens
 * when that state is unreachable ({@link dev.aip.core.governance.FailurePolicy}); and the exception-free
 * {@link dev.aip.core.governance.Decision}, also given without blocking by
 * {@link dev.aip.core.governance.Governance#tryAdmitAsync}. Refusals are the typed
 * {@link dev.aip.core.RateLimitExceededException}, {@link dev.aip.core.BudgetExceededException},
 * {@link dev.aip.core.PolicyViolationException} and {@link dev.aip.core.GovernanceUnavailableException}, built only
 * when asked for and without a stack trace.
 *
 * <p>Rate limits are token buckets seen through {@link dev.aip.core.governance.RateLimitState.TokenBucket}; the
 * in-memory ones are Bucket4j buckets, which no public signature names. The per-tenant state, the permits, the
 * admission checks (one per step, each owning what it takes) and the in-memory budget and rate-limit state are
 * package-private. Shared state on Redis is the module
 * {@code aip-governance-redis} ({@code dev.aip.governance.redis}).
 *
 * <p>Policy files ({@link dev.aip.core.governance.PolicyFile}) in JSON need nothing beyond {@code aip-core}; in YAML
 * they need the optional {@code com.fasterxml.jackson.dataformat:jackson-dataformat-yaml}.
 */
@NullMarked
package dev.aip.core.governance;

import org.jspecify.annotations.NullMarked;
