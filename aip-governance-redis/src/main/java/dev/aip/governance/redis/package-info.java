/**
 * Governance state shared on Redis, so that N application instances enforce one rate limit, one concurrency cap and
 * one budget per tenant instead of N: {@link dev.aip.governance.redis.RedisGovernanceState} hands out a
 * {@link dev.aip.core.governance.BudgetStore}, a {@link dev.aip.core.governance.ConcurrencyState} and a
 * {@link dev.aip.core.governance.FairShareState} (Lua scripts, run atomically by Redis) and a
 * {@link dev.aip.core.governance.RateLimitState} (Bucket4j's Lettuce proxy manager) for
 * {@link dev.aip.core.governance.Governance.Builder}; or, in one round trip per admission and one per release, a
 * {@link dev.aip.core.governance.SharedAdmission} that takes all of them in one Lua script
 * ({@link dev.aip.governance.redis.RedisGovernanceState#admission()}).
 *
 * <p>The module {@code dev.aip:aip-governance-redis}: adding it as a dependency brings Lettuce and Bucket4j's Lettuce
 * integration; {@code aip-core} knows neither. The only public type is
 * {@link dev.aip.governance.redis.RedisGovernanceState}; the states it hands out are seen through the
 * {@code aip-core} interfaces only.
 */
@NullMarked
package dev.aip.governance.redis;

import org.jspecify.annotations.NullMarked;
