package dev.aip.ledger.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.metering.UsageMeter;
import dev.aip.core.metering.UsageRecord;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's PostgreSQL ledger example, exactly as printed there (ReadmeSnippetsTest checks it). */
class ReadmeJdbcLedgerTest {

    @TempDir
    Path dataDir;

    @Test
    void readmeExample_recordGivenToTheSink_isInTheTable() throws SQLException {
        String schema = PostgresServer.freshSchema();
        try (Connection c = PostgresServer.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        }
        String jdbcUrl = PostgresServer.url() + (PostgresServer.url().contains("?") ? "&" : "?") + "currentSchema="
                + schema;
        String user = "postgres";      // the test server trusts loopback connections; AIP_PG_URL carries its own
        String secret = "unused";
        // --- as in the README ---
        JdbcLedger ledger = JdbcLedger.builder()
                .jdbcUrl(jdbcUrl).username(user).password(secret)   // "jdbc:postgresql://db:5432/aip"; or .dataSource(pool)
                .spool(dataDir.resolve("ledger-spool.jsonl"))       // where records wait while the database is away
                .build();
        UsageMeter meter = UsageMeter.builder().sink(ledger::accept).build();
        // --- end ---
        try (ledger) {
            assertThat(meter).isNotNull();
            UsageRecord record = Fixtures.record("acme", 42);
            ledger.accept(record);
            assertThat(ledger.drain(Duration.ofSeconds(60))).isTrue();
            try (Stream<UsageRecord> read = ledger.read(Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z"))) {
                assertThat(read.toList()).containsExactly(record);
            }
        }
    }
}
