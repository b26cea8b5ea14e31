package dev.aip.ledger.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class JdbcLedgerKillTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(180)
    void kill9_thenRestart_everyAcknowledgedRecordPresentOnce() throws Exception {
        String schema = PostgresServer.freshSchema();
        Path spool = dir.resolve("spool.jsonl");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                KilledWriterMain.class.getName(), PostgresServer.url(), schema, spool.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        int acknowledged = 0;
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith("ACK ")) {
                    acknowledged = Integer.parseInt(line.substring(4));
                    if (acknowledged >= 400) {
                        break; // two rounds in the database, six in the spool
                    }
                }
            }
        } finally {
            child.destroyForcibly(); // SIGKILL: no close, no flush
            child.waitFor();
        }
        assertThat(acknowledged).as("the child acknowledged records before it was killed").isGreaterThanOrEqualTo(400);

        try (JdbcLedger restarted = Fixtures.ledger(PostgresServer.dataSource(), schema, spool).build()) {
            assertThat(restarted.spoolPending()).as("acknowledged while the database was away: in the spool")
                    .isGreaterThanOrEqualTo(acknowledged - 100);
            assertThat(restarted.drain(Duration.ofSeconds(60))).isTrue();
            assertThat(restarted.drainedRecords()).isGreaterThanOrEqualTo(acknowledged - 100);
        }
        assertThat(Fixtures.query(schema, "SELECT count(*) FROM %s.usage_records WHERE"
                + " substring(record_id from 6)::int < " + acknowledged)).isEqualTo(acknowledged);
        assertThat(Fixtures.distinctRows(schema)).isEqualTo(Fixtures.rows(schema));
    }

    @Test
    @Timeout(180)
    void kill9_syncDurability_everyRecordWhoseAcceptReturnedPresentOnce() throws Exception {
        String schema = PostgresServer.freshSchema();
        Path spool = dir.resolve("spool.jsonl");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                KilledWriterMain.class.getName(), PostgresServer.url(), schema, spool.toString(), "sync")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Set<String> acknowledged = new HashSet<>();
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith("ACK ")) {
                    acknowledged.add(line.substring(4));
                    if (acknowledged.size() >= 600) {
                        break; // about half in the database, half in the spool
                    }
                }
            }
        } finally {
            child.destroyForcibly(); // SIGKILL: no close, no flush; the writers are mid-accept
            child.waitFor();
        }
        assertThat(acknowledged).as("the child acknowledged records before it was killed").hasSizeGreaterThanOrEqualTo(600);

        try (JdbcLedger restarted = Fixtures.ledger(PostgresServer.dataSource(), schema, spool).build()) {
            assertThat(restarted.spoolPending()).as("acknowledged while the database was away: in the spool")
                    .isPositive();
            assertThat(restarted.drain(Duration.ofSeconds(60))).isTrue();
        }
        String ids = acknowledged.stream().map(id -> "'" + id + "'").collect(Collectors.joining(","));
        assertThat(Fixtures.query(schema, "SELECT count(*) FROM %s.usage_records WHERE record_id IN (" + ids + ")"))
                .as("every record whose accept returned is stored").isEqualTo(acknowledged.size());
        assertThat(Fixtures.distinctRows(schema)).isEqualTo(Fixtures.rows(schema));
    }
}
