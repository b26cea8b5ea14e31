/**
 * The usage ledger in PostgreSQL: {@link dev.aip.ledger.jdbc.JdbcLedger}, a {@link dev.aip.core.sink.UsageSink}
 * that every replica of an application writes to, idempotent on record id, spooling to a local JSON-lines file while
 * the database is away.
 */
@NullMarked
package dev.aip.ledger.jdbc;

import org.jspecify.annotations.NullMarked;
