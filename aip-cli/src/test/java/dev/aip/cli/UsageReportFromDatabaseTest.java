package dev.aip.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.cli.report.ReportFixtures;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.sink.JsonLinesLedger;
import dev.aip.core.tenant.Tier;
import dev.aip.testkit.LocalPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code aip usage report --jdbc-url}: the same records give the same report, byte for byte, from the JSON-lines file
 * and from the PostgreSQL ledger they were imported into.
 */
class UsageReportFromDatabaseTest {

    @TempDir
    static Path dir;

    static Path ledger;
    static String url;
    static String schema;

    @BeforeAll
    static void importLedger() {
        url = LocalPostgres.url();
        schema = LocalPostgres.freshSchema();
        List<UsageRecord> records = new ArrayList<>(ReportFixtures.generated(7));
        // Ties on the start instant (the order is then by record id), and nanoseconds beyond PostgreSQL's microseconds.
        Instant tie = Instant.parse("2025-03-10T10:20:00.123456789Z");
        for (String id : List.of("tie-b", "tie-a", "Tie-c")) {
            records.add(ReportFixtures.call("acme", Tier.PREMIUM, 0, 100).recordId(id).startedAt(tie).build());
        }
        records.add(ReportFixtures.call("acme", Tier.PREMIUM, 0, 2000).recordId("edge-window")
                .startedAt(Instant.parse("2025-03-10T10:00:00.000000001Z")).build());
        ledger = dir.resolve("usage.jsonl");
        try (JsonLinesLedger l = JsonLinesLedger.open(ledger)) {
            records.forEach(l::accept);
        }
        CliRun.Result run = CliRun.run("ledger", "import", "--jdbc-url", url, "--schema", schema, ledger.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo(ledger + ": read " + records.size() + ", inserted " + records.size()
                + ", already present 0\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"table", "csv", "json", "html"})
    void report_sameRecordsFromFileAndDatabase_sameOutputByteForByte(String format) {
        List<List<String>> filters = List.of(
                List.of(),
                List.of("--from", "2025-03-10T10:00:00.000000001Z", "--to", "2025-03-10T10:20:00.123456789Z"),
                List.of("--from", "2025-03-10T10:00:00.000000002Z", "--tenant", "acme,globex"),
                List.of("--to", "2025-03-10T10:30:00Z", "--tenant", "lab-7", "--title", "Lab 7"));
        for (List<String> filter : filters) {
            CliRun.Result file = report(filter, format, "--ledger", ledger.toString());
            CliRun.Result database = report(filter, format, "--jdbc-url", url, "--schema", schema);

            assertThat(file.exitCode()).as(file.err()).isZero();
            assertThat(database.exitCode()).as(database.err()).isZero();
            assertThat(database.out()).as("%s %s", format, filter).isEqualTo(file.out());
            assertThat(file.out()).as("the report is not empty").contains(filter.contains("lab-7") ? "lab-7" : "acme");
        }
    }

    @Test
    void report_htmlFromDatabaseToFile_sameFileAsFromTheLedgerFile() throws Exception {
        Path fromFile = dir.resolve("file.html");
        Path fromDatabase = dir.resolve("db.html");

        CliRun.Result a = CliRun.run("usage", "report", "--ledger", ledger.toString(), "--format", "html",
                "--output", fromFile.toString());
        CliRun.Result b = CliRun.run("usage", "report", "--jdbc-url", url, "--schema", schema, "--format", "html",
                "--output", fromDatabase.toString());

        assertThat(a.exitCode()).as(a.err()).isZero();
        assertThat(b.exitCode()).as(b.err()).isZero();
        assertThat(b.error()).isEqualTo(a.error().replace(fromFile.toAbsolutePath().toString(),
                fromDatabase.toAbsolutePath().toString()));
        assertThat(Files.readString(fromDatabase)).startsWith("<!DOCTYPE html>").contains("wayne-enterprises")
                .isEqualTo(Files.readString(fromFile));
    }

    @Test
    void report_unknownTenantInDatabase_failsNamingTheKnownOnes() {
        CliRun.Result run = CliRun.run("usage", "report", "--jdbc-url", url, "--schema", schema, "--tenant",
                "nobody", "--to", "2025-03-10T08:00:00Z");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.error()).startsWith("aip: unknown tenant 'nobody': no usage in ").contains(schema)
                .endsWith(" in the window; tenants with usage: none");
    }

    @Test
    void report_badSchemaName_isAUsageError() {
        CliRun.Result run = CliRun.run("usage", "report", "--jdbc-url", url, "--schema", "Robert'); DROP");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.error()).startsWith("aip: --schema must be lower-case letters");
    }

    @Test
    void report_schemaWithoutJdbcUrl_isAUsageError() {
        CliRun.Result run = CliRun.run("usage", "report", "--ledger", ledger.toString(), "--schema", "x");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.error()).isEqualTo("aip: --jdbc-user, --jdbc-password and --schema go with --jdbc-url");
    }

    private static CliRun.Result report(List<String> filter, String format, String... source) {
        List<String> args = new ArrayList<>(List.of("usage", "report", "--format", format));
        args.addAll(List.of(source));
        args.addAll(filter);
        return CliRun.run(args.toArray(String[]::new));
    }
}
