package dev.aip.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageProvenance;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.sink.JsonLinesLedger;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCommandTest {

    static final List<String> FOUR = List.of("acme-devops", "greenthread", "urban-roots", "northwind-health");

    @TempDir
    Path dir;

    @Test
    void demo_withFourTenants_printsEveryTenantsUsageReconcilesAndWritesLedgerAndReport() throws Exception {
        Path out = dir.resolve("demo-out");

        CliRun.Result run = CliRun.run("demo", "--tenants", "4", "--calls", "40", "--seed", "7", "--out",
                out.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).isEmpty();
        String text = run.out();
        assertThat(text).contains("shared system profile", "application inference profile", "meters");
        String usage = section(text, "Usage by tenant", "Bedrock's view");
        for (String tenant : FOUR) {
            String[] row = row(usage, tenant);
            assertThat(Long.parseLong(row[2])).as("calls of %s", tenant).isPositive();
            assertThat(number(row[3])).as("input tokens of %s", tenant).isPositive();
            assertThat(number(row[4])).as("output tokens of %s", tenant).isPositive();
            // Shown to 4 decimals: the rate-limited basic tenant's two cheap calls may round to 0.0000.
            assertThat(new BigDecimal(row[7])).as("cost of %s", tenant).isNotNegative();
            assertThat(row[8] + " " + row[9]).as("p50 of %s", tenant).matches("\\d+ ms");
        }
        String server = section(text, "Bedrock's view", "reconciled:");
        for (String tenant : FOUR) {
            assertThat(server).contains(tenant);
        }
        assertThat(text).containsPattern("(?m)^reconciled: OK \\(7 of 7 profiles: .*ledger records [\\d,]+ =="
                + " Invocations [\\d,]+ \\+ InvocationThrottles [\\d,]+ \\+ rejected before acceptance [\\d,]+"
                + " \\+ refused by governance [1-9][\\d,]*\\)$");
        assertThat(text).contains("cancelled 1");

        Path ledger = out.resolve("usage.jsonl").toAbsolutePath();
        Path html = out.resolve("report.html").toAbsolutePath();
        assertThat(text).contains("Ledger: " + ledger, "Report: " + html);
        assertThat(html).isRegularFile();
        assertThat(Files.readString(html)).contains("<html", "acme-devops");
        List<UsageRecord> records;
        try (Stream<UsageRecord> s = JsonLinesLedger.read(ledger)) {
            records = s.toList();
        }
        assertThat(records).hasSizeGreaterThanOrEqualTo(40);
        for (String tenant : FOUR) {
            assertThat(records.stream().filter(r -> r.tenant().value().equals(tenant))
                    .map(r -> r.cost().amountUsd()).filter(java.util.Objects::nonNull)
                    .reduce(BigDecimal.ZERO, BigDecimal::add)).as("exact cost of %s", tenant).isPositive();
        }
        assertThat(records).extracting(r -> r.tenant().value()).containsOnlyElementsOf(FOUR);
        assertThat(records).anyMatch(r -> r.outcome() == Outcome.CANCELLED
                && r.provenance() == UsageProvenance.ESTIMATED);
        assertThat(records).anyMatch(r -> r.usage().cacheReadInputTokens() > 0);
        assertThat(records).anyMatch(r -> r.usage().cacheWriteInputTokens() > 0);
        assertThat(records).anyMatch(r -> r.timeToFirstToken() != null);
        assertThat(records).filteredOn(r -> r.outcome() == Outcome.THROTTLED
                && "campaign".equals(r.attributes().get("feature"))).hasSize(2);
        // The burst: Bedrock throttles while governance learns the capacity, then the flooder is shed for fair share.
        assertThat(text).contains("4. A throttling burst", "SHED (FAIR SHARE)");
        assertThat(records).anyMatch(r -> r.tenant().value().equals("urban-roots")
                && r.outcome() == Outcome.REJECTED_BY_POLICY && "flash-sale".equals(r.attributes().get("feature")));
        assertThat(records).anyMatch(r -> r.outcome() == Outcome.THROTTLED
                && "flash-sale".equals(r.attributes().get("feature")));
        // Governance: the basic tenant reaches its request rate, the last premium tenant its budget; refused calls
        // cost nothing and are in the reconciliation as refused, never as server calls.
        assertThat(records).anyMatch(r -> r.tenant().value().equals("urban-roots")
                && r.outcome() == Outcome.REJECTED_BY_POLICY && "RateLimitExceededException".equals(r.errorCode()));
        assertThat(records).anyMatch(r -> r.tenant().value().equals("northwind-health")
                && r.outcome() == Outcome.REJECTED_BY_POLICY && "BudgetExceededException".equals(r.errorCode()));
        assertThat(records).filteredOn(r -> r.outcome() == Outcome.REJECTED_BY_POLICY)
                .allMatch(r -> (r.cost().amountUsd() == null || r.cost().amountUsd().signum() == 0)
                        && r.usage().equals(TokenUsage.ZERO));
        assertThat(text).contains("urban-roots: ", "calls refused at its limit of 2 requests per minute",
                "northwind-health: ", "BudgetExceededException");
    }

    @Test
    void demo_sameSeedTwice_givesTheSameTokensPerTenant() throws Exception {
        Demo.Result first = demo(dir.resolve("one"), 11);
        Demo.Result second = demo(dir.resolve("two"), 11);

        assertThat(first.reconciliation().ok()).as(first.reconciliation().line()).isTrue();
        assertThat(tokensByTenant(second.records())).isEqualTo(tokensByTenant(first.records()));
        assertThat(outcomes(second.records())).isEqualTo(outcomes(first.records()));
    }

    @Test
    void demo_withZeroTenants_isAUsageError() {
        CliRun.Result run = CliRun.run("demo", "--tenants", "0", "--out", dir.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.error()).isEqualTo("aip: --tenants must be between 1 and 100, was 0");
    }

    @Test
    void demo_withCallsAndDuration_isAUsageError() {
        CliRun.Result run = CliRun.run("demo", "--calls", "10", "--duration", "5");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.error()).startsWith("aip: ").contains("--calls", "--duration", "mutually exclusive")
                .doesNotContain("\n");
    }

    private static Demo.Result demo(Path out, long seed) throws Exception {
        return new Demo(new PrintWriter(new StringWriter())).run(new Demo.Settings(3, 15, null, seed, out));
    }

    /** Tokens of the usage Bedrock reported, per tenant; estimates of abandoned streams depend on timing. */
    private static Map<String, TokenUsage> tokensByTenant(List<UsageRecord> records) {
        return records.stream().filter(r -> r.provenance() == UsageProvenance.REPORTED)
                .collect(Collectors.groupingBy(r -> r.tenant().value(), TreeMap::new,
                        Collectors.reducing(TokenUsage.ZERO, UsageRecord::usage, TokenUsage::plus)));
    }

    private static Map<String, Map<Outcome, Long>> outcomes(List<UsageRecord> records) {
        return records.stream().collect(Collectors.groupingBy(r -> r.tenant().value(), TreeMap::new,
                Collectors.groupingBy(UsageRecord::outcome, TreeMap::new, Collectors.counting())));
    }

    private static String section(String text, String start, String end) {
        int from = text.indexOf(start);
        int to = text.indexOf(end, from);
        assertThat(from).as("section '%s'", start).isNotNegative();
        assertThat(to).as("end of section '%s'", start).isGreaterThan(from);
        return text.substring(from, to);
    }

    private static String[] row(String table, String tenant) {
        return Arrays.stream(table.split("\n")).map(String::strip).filter(l -> l.startsWith(tenant + " "))
                .findFirst().map(l -> l.split("\\s+"))
                .orElseThrow(() -> new AssertionError("no row for " + tenant + " in\n" + table));
    }

    private static long number(String cell) {
        return Long.parseLong(cell.replace(",", ""));
    }
}
