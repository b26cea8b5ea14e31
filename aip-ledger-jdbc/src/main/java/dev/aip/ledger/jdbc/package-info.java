/**
 * The usage ledger in PostgreSQL: {@link dev.aip.ledger.jdbc.JdbcLedger}, a {@link dev.aip.core.sink.UsageSink}
 * that every replica of an application writes to, idempotent on record id, spooling to a local JSON-lines file while
 * the database is away; {@link dev.aip.ledger.jdbc.LedgerTable}, the table for reports and imports (ordered,
 * streamed reads by window and tenant; idempotent bulk inserts).
 */
@NullMarked
package dev.aip.ledger.jdbc;

import org.jspecify.annotations.NullMarked;
