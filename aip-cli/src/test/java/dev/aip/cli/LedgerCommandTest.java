package dev.aip.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.sink.JsonLinesLedger;
import dev.aip.core.tenant.Tier;
import dev.aip.testkit.LocalPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LedgerCommandTest {

    @TempDir
    Path dir;

    String url;
    String schema;
    List<UsageRecord> records;

    @BeforeEach
    void database() {
        url = LocalPostgres.url();
        schema = LocalPostgres.freshSchema();
        records = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            records.add(UsageCommandTest.record(i % 2 == 0 ? "acme" : "globex", Tier.PREMIUM,
                    UsageCommandTest.T0.plusSeconds(i), 100 + i, 10, "0.00" + i, Outcome.SUCCESS));
        }
    }

    @Test
    void import_twiceAndOverlappingFiles_storesEachRecordOnce() throws Exception {
        Path first = ledger("first.jsonl", records.subList(0, 6));
        Path second = ledger("second.jsonl", records.subList(4, 10));

        CliRun.Result once = importing("--batch-size", "4", first.toString());
        CliRun.Result twice = importing("--batch-size", "4", first.toString(), second.toString());

        assertThat(once.exitCode()).as(once.err()).isZero();
        assertThat(once.out()).isEqualTo(first + ": read 6, inserted 6, already present 0\n");
        assertThat(twice.exitCode()).as(twice.err()).isZero();
        assertThat(twice.out()).isEqualTo(first + ": read 6, inserted 0, already present 6\n"
                + second + ": read 6, inserted 4, already present 2\n"
                + "total: read 12, inserted 4, already present 8\n");
        assertThat(count("SELECT count(*) FROM %s.usage_records")).isEqualTo(10);
        assertThat(count("SELECT count(DISTINCT record_id) FROM %s.usage_records")).isEqualTo(10);
    }

    @Test
    void import_recordTwiceInOneBatch_storedOnce() throws Exception {
        Path file = dir.resolve("dup.jsonl");
        String line = line(records.get(0));
        Files.writeString(file, line + line + line(records.get(1)));

        CliRun.Result run = importing(file.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo(file + ": read 3, inserted 2, already present 1\n");
        assertThat(count("SELECT count(*) FROM %s.usage_records")).isEqualTo(2);
    }

    @Test
    void import_malformedLine_failsNamingFileAndLineAfterStoringTheRecordsBeforeIt() throws Exception {
        Path file = dir.resolve("bad.jsonl");
        Files.writeString(file, line(records.get(0)) + line(records.get(1)) + "{\"v\":1,\"tenant\":\n"
                + line(records.get(2)));

        CliRun.Result run = importing(file.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err().lines().toList()).hasSize(2);
        assertThat(run.err().lines().toList().get(0)).isEqualTo("aip: " + file
                + ": before the bad line: read 2, inserted 2, already present 0");
        assertThat(run.error().lines().toList().get(1)).startsWith("aip: " + file + ":3 is not a valid usage record: ")
                .endsWith("pass --skip-bad-lines to skip and count bad lines");
        assertThat(count("SELECT count(*) FROM %s.usage_records")).isEqualTo(2);
    }

    @Test
    void import_skipBadLines_skipsAndCountsThem() throws Exception {
        Path file = dir.resolve("bad.jsonl");
        Files.writeString(file, "garbage\n" + line(records.get(0)) + "{\"v\":2}\n" + line(records.get(1)));

        CliRun.Result run = importing("--skip-bad-lines", file.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo(file + ": read 2, inserted 2, already present 0, bad lines skipped 2\n");
        assertThat(run.err().lines().toList()).hasSize(2).allMatch(l -> l.startsWith("aip: skipped " + file + ":"));
        assertThat(run.err()).contains(file + ":1: ").contains(file + ":3: ");
    }

    @Test
    void import_tornLastLine_skippedAsTheFileReaderDoes() throws Exception {
        Path file = dir.resolve("torn.jsonl");
        String whole = line(records.get(1));
        Files.writeString(file, line(records.get(0)) + whole.substring(0, whole.length() / 2) + "\n\n");

        CliRun.Result run = importing(file.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo(file + ": read 1, inserted 1, already present 0, bad lines skipped 1\n");
        assertThat(run.error()).startsWith("aip: skipped " + file + ":2, a torn last line");
    }

    @Test
    void import_withoutJdbcUrl_isAUsageError() throws IOException {
        Path file = ledger("a.jsonl", records);

        CliRun.Result run = CliRun.run("ledger", "import", file.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.error()).isEqualTo("aip: aip ledger import needs --jdbc-url URL: the PostgreSQL database to"
                + " load into (jdbc:postgresql://host:port/database)");
    }

    @Test
    void import_missingFile_isAUsageErrorBeforeAnyImport() throws Exception {
        Path file = ledger("a.jsonl", records);
        Path missing = dir.resolve("missing.jsonl");

        CliRun.Result run = importing(file.toString(), missing.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.error()).isEqualTo("aip: ledger file not found: " + missing.toAbsolutePath());
        assertThat(run.out()).isEmpty();
    }

    private CliRun.Result importing(String... args) {
        List<String> all = new ArrayList<>(List.of("ledger", "import", "--jdbc-url", url, "--schema", schema));
        all.addAll(List.of(args));
        return CliRun.run(all.toArray(String[]::new));
    }

    private Path ledger(String name, List<UsageRecord> content) {
        Path file = dir.resolve(name);
        try (JsonLinesLedger l = JsonLinesLedger.open(file)) {
            content.forEach(l::accept);
        }
        return file;
    }

    /** One record as the JSON-lines ledger writes it. */
    private String line(UsageRecord record) throws IOException {
        Path file = ledger("one-" + record.recordId() + ".jsonl", List.of(record));
        return Files.readString(file);
    }

    private long count(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(String.format(sql, schema))) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
