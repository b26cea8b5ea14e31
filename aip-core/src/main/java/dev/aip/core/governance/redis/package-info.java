/**
 * Governance state shared on Redis, so that N application instances enforce one rate limit, one concurrency cap and
 * one budget per tenant instead of N: {@link dev.aip.core.governance.redis.RedisGovernanceState} hands out a
 * {@link dev.aip.core.governance.BudgetStore} and a {@link dev.aip.core.governance.ConcurrencyState} (Lua scripts, run
 * atomically by Redis) and a {@link dev.aip.core.governance.RateLimitState} (Bucket4j's Lettuce proxy manager) for
 * {@link dev.aip.core.governance.Governance.Builder}.
 *
 * <p>Needs {@code io.lettuce:lettuce-core} and {@code com.bucket4j:bucket4j_jdk17-lettuce} on the classpath; both are
 * optional dependencies of {@code aip-core}, and nothing outside this package refers to them.
 */
package dev.aip.core.governance.redis;
