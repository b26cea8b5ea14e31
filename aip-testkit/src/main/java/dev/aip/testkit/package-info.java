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
 *       {@link dev.aip.testkit.UsageSinkContract} and {@link dev.aip.testkit.BudgetStoreContract}.</li>
 * </ul>
 *
 * <p><b>Dependency direction.</b> The kit depends on {@code aip-core} and {@code aip-emulator}; nothing in aip's
 * main code depends on the kit. A module whose <em>tests</em> use the kit must not be one the kit depends on, or
 * Maven sees a cycle: so {@code aip-core}'s and {@code aip-emulator}'s own tests keep private helpers, and the
 * contracts for {@code aip-core}'s implementations ({@code InMemoryUsageAggregates}, {@code LoggingUsageSink},
 * {@code JsonLinesLedger}, {@code AsyncUsageSink}, the fan-out of {@code UsageSinks} and the local
 * {@code BudgetStore}) run from this module's own test suite. Every other module (and every application) runs them
 * from its own tests, with the kit in test scope: {@code aip-micrometer} does so for its sink, and a backend module
 * such as a Redis or PostgreSQL store does so for its stores.
 */
@NullMarked
package dev.aip.testkit;

import org.jspecify.annotations.NullMarked;
