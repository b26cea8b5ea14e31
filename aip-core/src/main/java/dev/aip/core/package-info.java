/**
 * Tenant-aware Amazon Bedrock: the library's exception hierarchy.
 *
 * <p>Every failure the library raises itself is an {@link dev.aip.core.AipException}; it carries the tenant it
 * concerns (when known) and whether a retry can help. Bedrock's own exceptions pass through unchanged.
 *
 * <p>Sub-packages, split by concept:
 * <ul>
 *   <li>{@code tenant}: validated tenant identity, tier, context, and the scoped current tenant;</li>
 *   <li>{@code metering}: the usage record written once per model call, token usage, outcome, cost;</li>
 *   <li>{@code pricing}: the dated price catalog and exact cost arithmetic;</li>
 *   <li>{@code governance}: per-tenant policy, rate limits, concurrency caps and budgets, admitted before a call
 *       and settled after it; its refusals are {@link dev.aip.core.RateLimitExceededException},
 *       {@link dev.aip.core.BudgetExceededException} and {@link dev.aip.core.PolicyViolationException};</li>
 *   <li>{@code sink}: where usage records go (in-memory aggregates, log, durable ledger, async hand-off); a durable
 *       append to the ledger that cannot be confirmed on disk fails with
 *       {@link dev.aip.core.LedgerWriteException};</li>
 *   <li>{@code profile}: resolving, provisioning and reconciling tenants' application inference profiles;</li>
 *   <li>{@code chat}: the chat model, the {@code ChatPipeline} and the call engine every path drives;</li>
 *   <li>{@code bedrock}: the AWS SDK binding (transport, control plane, the SDK interceptor);</li>
 *   <li>{@code internal}: <b>not API</b>, shared by aip's own packages only.</li>
 * </ul>
 *
 * <p>None of these packages depends on the AWS SDK; the Bedrock binding lives in its own package.
 */
@NullMarked
package dev.aip.core;

import org.jspecify.annotations.NullMarked;
