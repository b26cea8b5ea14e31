package dev.aip.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.metering.Cost;
import dev.aip.core.metering.Operation;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageProvenance;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.sink.JsonLinesLedger;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UsageCommandTest {

    static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    @TempDir
    Path dir;

    Path ledger;

    @BeforeEach
    void writeLedger() {
        ledger = dir.resolve("usage.jsonl");
        try (JsonLinesLedger l = JsonLinesLedger.open(ledger)) {
            l.accept(record("acme", Tier.PREMIUM, T0, 100, 40, "0.000900", Outcome.SUCCESS));
            l.accept(record("acme", Tier.PREMIUM, T0.plusSeconds(60), 120, 30, "0.000810", Outcome.SUCCESS));
            l.accept(record("globex", Tier.BASIC, T0.plusSeconds(3600), 0, 0, "0", Outcome.THROTTLED));
            l.accept(record("globex", Tier.BASIC, T0.plusSeconds(3601), 80, 20, "0.000010", Outcome.SUCCESS));
        }
    }

    @Test
    void report_tableFormat_showsEachTenantWithItsCalls() {
        CliRun.Result run = CliRun.run("usage", "report", "--ledger", ledger.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).containsPattern("acme +premium +2 ").containsPattern("globex +basic +2 ")
                .contains("TOTAL");
    }

    @Test
    void report_csvFormat_hasAHeaderAndOneLinePerTenant() {
        CliRun.Result run = CliRun.run("usage", "report", "--ledger", ledger.toString(), "--format", "csv");

        assertThat(run.exitCode()).isZero();
        String[] lines = run.out().split("\r\n");
        assertThat(lines[0]).startsWith("tenant,tier,calls");
        assertThat(lines).anyMatch(l -> l.startsWith("acme,premium,2,")).anyMatch(l -> l.startsWith("globex,basic,2,"));
    }

    @Test
    void report_jsonFormatWithWindow_keepsOnlyRecordsInTheWindow() {
        CliRun.Result run = CliRun.run("usage", "report", "--ledger", ledger.toString(), "--format", "JSON",
                "--from", "2026-03-01T10:30:00Z", "--to", "2026-03-02");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("\"globex\"").doesNotContain("\"acme\"");
    }

    @Test
    void report_htmlToOutputFile_writesTheFileAndSaysWhere() throws IOException {
        Path html = dir.resolve("out/report.html");

        CliRun.Result run = CliRun.run("usage", "report", "--ledger", ledger.toString(), "--format", "html",
                "--output", html.toString());

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).isEmpty();
        assertThat(run.error()).isEqualTo("aip: wrote html report of 4 records to " + html.toAbsolutePath());
        assertThat(Files.readString(html)).startsWith("<!DOCTYPE html>").contains("acme", "globex");
    }

    @Test
    void report_tenantFilter_keepsThatTenant() {
        CliRun.Result run = CliRun.run("usage", "report", "--ledger", ledger.toString(), "--tenant", "globex",
                "--format", "csv");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("globex,basic,2,").doesNotContain("acme,");
    }

    @Test
    void report_unknownTenant_failsNamingTheKnownOnes() {
        CliRun.Result run = CliRun.run("usage", "report", "--ledger", ledger.toString(), "--tenant", "initech");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.error()).isEqualTo("aip: unknown tenant 'initech': no usage in " + ledger
                + "; tenants with usage: acme, globex");
    }

    @Test
    void report_missingLedgerFile_isAUsageError() {
        Path missing = dir.resolve("missing.jsonl");

        CliRun.Result run = CliRun.run("usage", "report", "--ledger", missing.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.error()).isEqualTo("aip: ledger file not found: " + missing.toAbsolutePath()
                + " (run 'aip demo' to make one, or pass --ledger FILE)");
    }

    @Test
    void report_withoutLedgerOption_isAUsageErrorOnOneLine() {
        CliRun.Result run = CliRun.run("usage", "report");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.error()).isEqualTo("aip: give exactly one source: --ledger FILE (a JSON-lines ledger) or"
                + " --jdbc-url URL (the PostgreSQL ledger), got neither");
    }

    @Test
    void report_bothLedgerAndJdbcUrl_isAUsageErrorNamingBoth() {
        CliRun.Result run = CliRun.run("usage", "report", "--ledger", ledger.toString(), "--jdbc-url",
                "jdbc:postgresql://127.0.0.1:1/none");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.error()).isEqualTo("aip: give exactly one source: --ledger FILE (a JSON-lines ledger) or"
                + " --jdbc-url URL (the PostgreSQL ledger), got both");
    }

    @Test
    void report_unknownFormat_listsTheFormats() {
        CliRun.Result run = CliRun.run("usage", "report", "--ledger", ledger.toString(), "--format", "xml");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.error()).isEqualTo("aip: Unknown report format \"xml\"; use one of table, csv, json, html");
    }

    @Test
    void report_corruptLedgerLine_namesTheLine() throws IOException {
        Path bad = Files.writeString(dir.resolve("bad.jsonl"), "garbage\n" + Files.readString(ledger));

        CliRun.Result run = CliRun.run("usage", "report", "--ledger", bad.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.error()).startsWith("aip: cannot read ledger ").contains("line 1").doesNotContain("\n");
    }

    @Test
    void report_badFromDate_isAUsageError() {
        CliRun.Result run = CliRun.run("usage", "report", "--ledger", ledger.toString(), "--from", "yesterday");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.error()).isEqualTo("aip: --from needs an ISO-8601 instant (2026-03-01T00:00:00Z) or date"
                + " (2026-03-01), got 'yesterday'");
    }

    static UsageRecord record(String tenant, Tier tier, Instant at, long in, long out, String usd, Outcome outcome) {
        return UsageRecord.builder().newRecordId().callId(UsageRecord.newId()).tenant(TenantId.of(tenant)).tier(tier)
                .operation(Operation.CONVERSE).requestedModel("claude-haiku").region("us-east-1")
                .sourceModelId("anthropic.claude-3-5-haiku-20241022-v1:0")
                .usage(TokenUsage.of(in, out))
                .provenance(outcome == Outcome.SUCCESS ? UsageProvenance.REPORTED : UsageProvenance.NONE)
                .cost(Cost.priced(new BigDecimal(usd), "test")).outcome(outcome)
                .errorCode(outcome == Outcome.THROTTLED ? "ThrottlingException" : null)
                .startedAt(at).latency(Duration.ofMillis(200)).build();
    }
}
