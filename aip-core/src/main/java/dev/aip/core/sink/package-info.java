/**
 * Where usage records go.
 *
 * <p>{@link dev.aip.core.sink.UsageSink} is the contract; built-ins are
 * {@link dev.aip.core.sink.InMemoryUsageAggregates} (per-tenant totals and latency percentiles),
 * {@link dev.aip.core.sink.LoggingUsageSink} (one structured log line per record),
 * {@link dev.aip.core.sink.JsonLinesLedger} (durable append-only ledger for billing, with a bounded loss window or,
 * in its {@code SYNC} mode, none) and
 * {@link dev.aip.core.sink.AsyncUsageSink} (moves a slow sink off the caller's thread). {@link
 * dev.aip.core.sink.UsageSinks#fanOut} sends each record to several sinks, isolating their failures.
 *
 * <p>No sink ever loses a record silently: every drop is counted and logged.
 */
@NullMarked
package dev.aip.core.sink;

import org.jspecify.annotations.NullMarked;
