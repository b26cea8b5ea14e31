/**
 * Test support for code built on aip. Add {@code dev.aip:aip-testkit} with test scope.
 *
 * <ul>
 *   <li>{@link dev.aip.testkit.ManualClock}: a clock and nanosecond ticker that move only when told, for every
 *       {@code clock(...)} and {@code ticker(...)} setting of aip's builders.</li>
 *   <li>{@link dev.aip.testkit.EmulatorFixture}: the in-process Bedrock emulator with one application inference
 *       profile per tenant, a resolver, a meter collecting records and SDK clients pointed at it; a JUnit 5
 *       extension or a plain {@code AutoCloseable}.</li>
 *   <li>Contract tests, abstract JUnit 5 classes to extend for your own implementations of aip's extension points:
 *       {@link dev.aip.testkit.UsageSinkContract}, {@link dev.aip.testkit.BudgetStoreContract},
 *       {@link dev.aip.testkit.RateLimitStateContract} (token buckets: exact levels, refill and waits by a
 *       {@link dev.aip.testkit.ManualClock}, debt, reconfiguration, no over-consumption under concurrency) and
 *       {@link dev.aip.testkit.ConcurrencyStateContract} (slots: the cap held exactly, one slot freed per release,
 *       exact counts under concurrency; idempotent release and slot leases for implementations that promise
 *       them).</li>
 *   <li>{@link dev.aip.testkit.LocalRedis} and {@link dev.aip.testkit.LocalPostgres}: the Redis and PostgreSQL a
 *       test needs, from {@code AIP_REDIS_URL} / {@code AIP_PG_URL} or started on loopback from the Debian packages;
 *       skipped without them, failed when {@code AIP_REQUIRE_REDIS=1} / {@code AIP_REQUIRE_POSTGRES=1}.</li>
 * </ul>
 *
 * <p><b>Dependency direction.</b> The kit depends on {@code aip-core} and {@code aip-emulator}; nothing in aip's
 * main code depends on the kit. A module whose <em>tests</em> use the kit must not be one the kit depends on, or
 * Maven sees a cycle: so {@code aip-core}'s and {@code aip-emulator}'s own tests keep private helpers, and the
 * contracts for {@code aip-core}'s implementations ({@code InMemoryUsageAggregates}, {@code LoggingUsageSink},
 * {@code JsonLinesLedger}, {@code AsyncUsageSink}, the fan-out of {@code UsageSinks}, the local
 * {@code BudgetStore} and the local {@code RateLimitState} and {@code ConcurrencyState}) run from this module's own
 * test suite. Every other module (and every application) runs them from its own tests, with the kit in test scope:
 * {@code aip-micrometer} does so for its sink, and a backend module such as {@code aip-governance-redis} does so for
 * its budget store, rate-limit state and concurrency state.
 */
@NullMarked
package dev.aip.testkit;

import org.jspecify.annotations.NullMarked;
