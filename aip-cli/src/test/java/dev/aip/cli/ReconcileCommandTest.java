package dev.aip.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aip.core.bedrock.BedrockChatTransport;
import dev.aip.core.chat.ChatClient;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatPipeline;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.governance.Governance;
import dev.aip.core.governance.PolicySet;
import dev.aip.core.governance.TenantPolicy;
import dev.aip.core.metering.Cost;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.UsageProvenance;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.pricing.PriceCatalog;
import dev.aip.core.sink.JsonLinesLedger;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.emulator.BillingExport;
import dev.aip.testkit.EmulatorFixture;
import dev.aip.testkit.LocalPostgres;
import dev.aip.testkit.ManualClock;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code aip usage reconcile} end to end: tenants call Bedrock through aip on the emulator, the meter's records are
 * the ledger, and the emulator bills the same calls as Cost Explorer answers and a CUR 2.0 export. The two agree
 * exactly; every injected difference is found and explained; malformed bill files are refused with their line.
 */
class ReconcileCommandTest {

    static final LocalDate DAY1 = LocalDate.parse("2026-03-01");
    static final LocalDate DAY2 = LocalDate.parse("2026-03-02");
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    static EmulatorFixture bedrock;
    static Path ledger;
    static List<UsageRecord> records;

    @BeforeAll
    static void callThroughAip() {
        ManualClock clock = ManualClock.at(DAY1.atTime(10, 0).toInstant(java.time.ZoneOffset.UTC));
        bedrock = EmulatorFixture.builder().tenants("acme", "globex", "initech")
                .emulator(e -> e.clock(clock)).meter(m -> m.clock(clock)).build();
        // globex may send two calls a minute: its third is refused by governance, never reaching Bedrock.
        Governance governance = Governance.builder().clock(clock).policies(PolicySet.builder()
                .tenant(TenantId.of("globex"), TenantPolicy.builder().requestsPerMinute(2).build()).build()).build();
        ChatClient chat = ChatPipeline.builder().resolver(bedrock.resolver()).meter(bedrock.meter())
                .admission(governance)
                .transport(BedrockChatTransport.builder().client(bedrock.runtimeClient())
                        .asyncClient(bedrock.asyncRuntimeClient()).build())
                .build();
        for (String tenant : List.of("acme", "globex", "initech")) {
            chat(chat, tenant, "What is the capital of France?");
            chat(chat, tenant, "Summarise the quarterly report for " + tenant);
        }
        try {
            chat(chat, "globex", "One more");
        } catch (RuntimeException refused) {
            // the refusal is metered as REJECTED_BY_POLICY
        }
        clock.set(DAY2.atTime(9, 30).toInstant(java.time.ZoneOffset.UTC));
        chat(chat, "acme", "Good morning, a new day");
        chat(chat, "initech", "Tell me about TPS reports");
        records = bedrock.records();
        assertThat(records).anySatisfy(r -> assertThat(r.outcome()).isEqualTo(Outcome.REJECTED_BY_POLICY));
        ledger = dir.resolve("usage.jsonl");
        writeLedger(ledger, records);
    }

    @AfterAll
    static void stop() {
        bedrock.close();
    }

    private static void chat(ChatClient chat, String tenant, String text) {
        chat.chat(TenantContext.of(tenant), ChatRequest.builder().model(EmulatorFixture.MODEL)
                .message(ChatMessage.user(text)).build());
    }

    static void writeLedger(Path file, List<UsageRecord> rows) {
        try (JsonLinesLedger l = JsonLinesLedger.open(file)) {
            rows.forEach(l::accept);
        }
    }

    static BillingExport.Builder export() {
        PriceCatalog catalog = PriceCatalog.bundled();
        return BillingExport.builder(bedrock.emulator(), (model, region) -> catalog.find(model, region)
                .map(p -> new BillingExport.UnitPrices(p.inputPerMillion(), p.outputPerMillion(),
                        p.cacheReadPerMillion(), p.cacheWritePerMillion()))
                .orElse(null));
    }

    /** The Cost Explorer pages as files. */
    static List<String> costExplorerFiles(String name, BillingExport export) throws IOException {
        List<String> files = new ArrayList<>();
        List<String> pages = export.costAndUsage(DAY1, DAY2.plusDays(1));
        for (int i = 0; i < pages.size(); i++) {
            Path f = dir.resolve(name + "-" + (i + 1) + ".json");
            Files.writeString(f, pages.get(i));
            files.add(f.toString());
        }
        return files;
    }

    static Path write(String name, String text) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    static CliRun.Result reconcile(String... args) {
        List<String> all = new ArrayList<>(List.of("usage", "reconcile"));
        all.addAll(List.of(args));
        return CliRun.run(all.toArray(String[]::new));
    }

    static JsonNode rows(CliRun.Result run) throws IOException {
        return JSON.readTree(run.out()).get("rows");
    }

    static JsonNode row(JsonNode rows, LocalDate day, String tenant) {
        for (JsonNode r : rows) {
            if (r.get("day").asText().equals(day.toString())
                    && (tenant == null ? r.get("tenant").isNull() : tenant.equals(r.get("tenant").asText()))) {
                return r;
            }
        }
        throw new AssertionError("no row for " + day + " " + tenant + " in " + rows);
    }

    static List<String> reasons(JsonNode row) {
        List<String> out = new ArrayList<>();
        row.get("notes").forEach(n -> out.add(n.get("reason").asText()));
        return out;
    }

    // ------------------------------------------------------------------------------------------ exact match

    @Test
    void reconcile_costExplorerPagesOfTheSameCalls_matchesEveryTenantAndDayExactly() throws IOException {
        List<String> pages = costExplorerFiles("ce", export().pageSize(2).build());
        assertThat(pages).hasSizeGreaterThan(1);
        List<String> args = new ArrayList<>(List.of("--ledger", ledger.toString(), "--format", "json",
                "--tolerance-usd", "0", "--tolerance-percent", "0", "--cost-explorer"));
        args.addAll(pages);

        CliRun.Result run = reconcile(args.toArray(String[]::new));

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode rows = rows(run);
        assertThat(rows).hasSize(5);
        rows.forEach(r -> {
            assertThat(r.get("status").asText()).isEqualTo("match");
            assertThat(new java.math.BigDecimal(r.get("deltaUsd").asText())).isZero();
        });
        assertThat(reasons(row(rows, DAY1, "globex"))).containsExactly("refused-by-governance");
    }

    @Test
    void reconcile_curOfTheSameCalls_matchesCostAndEveryTokenKindAsTable() throws IOException {
        Path cur = write("cur.csv", export().build().curCsv());

        CliRun.Result run = reconcile("--ledger", ledger.toString(), "--cur", cur.toString(),
                "--tolerance-usd", "0", "--tolerance-percent", "0");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("reconcile: 5 match, 0 different, 0 aws-only, 0 ledger-only");
        assertThat(run.out()).contains("2026-03-01  acme");
        CliRun.Result json = reconcile("--ledger", ledger.toString(), "--cur", cur.toString(), "--format", "json");
        JsonNode acme = row(rows(json), DAY1, "acme");
        assertThat(acme.get("awsTokens")).isEqualTo(acme.get("ledgerTokens"));
        assertThat(acme.get("awsTokens").get("input").asLong()).isPositive();
        assertThat(acme.get("awsTokens").get("output").asLong()).isPositive();
    }

    @Test
    void reconcile_gzippedCur_isReadLikePlainCsv() throws IOException {
        Path gz = dir.resolve("cur.csv.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(export().build().curCsv().getBytes(StandardCharsets.UTF_8));
        }

        CliRun.Result run = reconcile("--ledger", ledger.toString(), "--cur", gz.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("reconcile: 5 match,");
    }

    @Test
    void reconcile_ledgerInPostgres_givesTheSameRowsAsTheLedgerFile() throws IOException {
        String url = LocalPostgres.url();
        String schema = LocalPostgres.freshSchema();
        CliRun.Result imported = CliRun.run("ledger", "import", "--jdbc-url", url, "--schema", schema,
                ledger.toString());
        assertThat(imported.exitCode()).as(imported.err()).isZero();
        Path cur = write("cur-db.csv", export().build().curCsv());

        CliRun.Result file = reconcile("--ledger", ledger.toString(), "--cur", cur.toString(), "--format", "json");
        CliRun.Result database = reconcile("--jdbc-url", url, "--schema", schema, "--cur", cur.toString(),
                "--format", "json");

        assertThat(database.exitCode()).as(database.err()).isZero();
        assertThat(rows(database)).hasSize(5).isEqualTo(rows(file));
    }

    @Test
    void billingExport_asTheReadmeShowsIt_givesPagesAndACsvThatReconcile() throws IOException {
        var emulator = bedrock.emulator();

        PriceCatalog catalog = PriceCatalog.bundled();
        BillingExport bill = BillingExport.builder(emulator, (model, region) -> catalog.find(model, region)
                .map(p -> new BillingExport.UnitPrices(p.inputPerMillion(), p.outputPerMillion(),
                        p.cacheReadPerMillion(), p.cacheWritePerMillion()))
                .orElse(null))
            .build();
        List<String> costExplorerPages = bill.costAndUsage(LocalDate.parse("2026-03-01"),
                LocalDate.parse("2026-03-03"));
        String cur = bill.curCsv();

        assertThat(costExplorerPages).hasSize(1);
        Path ce = write("readme-ce.json", costExplorerPages.get(0));
        Path csv = write("readme-cur.csv", cur);
        assertThat(reconcile("--ledger", ledger.toString(), "--cost-explorer", ce.toString()).exitCode()).isZero();
        assertThat(reconcile("--ledger", ledger.toString(), "--cur", csv.toString()).exitCode()).isZero();
    }

    // ------------------------------------------------------------------------------------ injected differences

    @Test
    void reconcile_curWithInjectedDifferences_findsAndExplainsEachOne() throws IOException {
        String[] lines = export().build().curCsv().split("\n");
        List<String> cur = new ArrayList<>(List.of(lines));
        int acmeOutput = -1;
        for (int i = 1; i < cur.size(); i++) {
            if (cur.get(i).contains("2026-03-01T00:00:00Z,2026-03-02") && cur.get(i).contains("-output-tokens")
                    && cur.get(i).contains("user_tenant_id\"\":\"\"acme")) {
                acmeOutput = i;
            }
        }
        assertThat(acmeOutput).as("acme's output line on day 1").isPositive();
        // A changed amount: acme's output tokens on day 1 cost 1 USD more.
        List<String> cells = new ArrayList<>(List.of(cur.get(acmeOutput).split(",", -1)));
        int cost = List.of(lines[0].split(",")).indexOf("line_item_unblended_cost");
        cells.set(cost, new java.math.BigDecimal(cells.get(cost)).add(java.math.BigDecimal.ONE).toPlainString());
        cur.set(acmeOutput, String.join(",", cells));
        String template = cur.get(acmeOutput);
        // An AWS-only tenant (a client outside aip on hooli's profile), and untagged cost on day 2.
        cur.add(template.replace("\"\"acme\"\"", "\"\"hooli\"\""));
        cur.add(template.replace("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")
                .replace("2026-03-02T00:00:00Z,AmazonBedrock", "2026-03-03T00:00:00Z,AmazonBedrock")
                .replaceAll("\"\\{.*\\}\"$", "{}"));
        Path file = write("cur-injected.csv", String.join("\n", cur) + "\n");
        // A ledger-only tenant: umbrella's call is on the ledger, AWS never billed it.
        List<UsageRecord> withUmbrella = new ArrayList<>(records);
        UsageRecord some = records.stream().filter(r -> r.outcome() == Outcome.SUCCESS).findFirst().orElseThrow();
        withUmbrella.add(some.toBuilder().newRecordId().tenant(TenantId.of("umbrella")).build());
        Path ledger2 = dir.resolve("usage-umbrella.jsonl");
        writeLedger(ledger2, withUmbrella);

        CliRun.Result run = reconcile("--ledger", ledger2.toString(), "--cur", file.toString(), "--format", "json");

        assertThat(run.exitCode()).as(run.err()).isEqualTo(ReconcileCommand.EXIT_DIFFERENCES);
        JsonNode rows = rows(run);
        JsonNode acme = row(rows, DAY1, "acme");
        assertThat(acme.get("status").asText()).isEqualTo("different");
        assertThat(reasons(acme)).containsExactly("price-differs");
        assertThat(new java.math.BigDecimal(acme.get("deltaUsd").asText())).isEqualByComparingTo("1");
        JsonNode hooli = row(rows, DAY1, "hooli");
        assertThat(hooli.get("status").asText()).isEqualTo("aws-only");
        assertThat(reasons(hooli)).containsExactly("outside-aip");
        JsonNode untagged = row(rows, DAY2, null);
        assertThat(untagged.get("status").asText()).isEqualTo("aws-only");
        assertThat(reasons(untagged)).containsExactly("untagged");
        JsonNode umbrella = row(rows, some.startedAt().atZone(java.time.ZoneOffset.UTC).toLocalDate(), "umbrella");
        assertThat(umbrella.get("status").asText()).isEqualTo("ledger-only");
        assertThat(umbrella.get("awsUsd").isNull()).isTrue();
        assertThat(row(rows, DAY1, "initech").get("status").asText()).isEqualTo("match");
        CliRun.Result table = reconcile("--ledger", ledger2.toString(), "--cur", file.toString());
        assertThat(table.out()).contains("reconcile: 4 match, 1 different, 2 aws-only, 1 ledger-only (exit code 3)");
        assertThat(table.out()).contains("(untagged)");
    }

    @Test
    void reconcile_estimatedDaysAndEstimatedOrUnpricedLedgerRecords_areExplainedNotHidden() throws IOException {
        List<String> pages = costExplorerFiles("ce-estimated", export().estimatedFrom(DAY2).build());
        List<UsageRecord> ledgerRows = new ArrayList<>();
        for (UsageRecord r : records) {
            boolean initechDay2 = r.tenant().value().equals("initech") && r.startedAt().isAfter(
                    DAY2.atStartOfDay(java.time.ZoneOffset.UTC).toInstant());
            // initech's day-2 call: its model had no price in the ledger's catalog.
            boolean globexFirst = r.tenant().value().equals("globex") && r.outcome() == Outcome.SUCCESS
                    && ledgerRows.stream().noneMatch(x -> x.tenant().value().equals("globex"));
            // globex's first call: its stream's usage never arrived, so aip estimated it.
            ledgerRows.add(initechDay2 ? r.toBuilder().cost(Cost.unknownModel("test")).build()
                    : globexFirst ? r.toBuilder().provenance(UsageProvenance.ESTIMATED).build() : r);
        }
        Path ledger2 = dir.resolve("usage-unpriced.jsonl");
        writeLedger(ledger2, ledgerRows);
        List<String> args = new ArrayList<>(List.of("--ledger", ledger2.toString(), "--format", "json",
                "--cost-explorer"));
        args.addAll(pages);

        CliRun.Result run = reconcile(args.toArray(String[]::new));

        JsonNode rows = rows(run);
        assertThat(reasons(row(rows, DAY2, "acme"))).containsExactly("aws-estimated");
        assertThat(row(rows, DAY2, "acme").get("status").asText()).isEqualTo("match");
        assertThat(reasons(row(rows, DAY1, "acme"))).isEmpty();
        assertThat(reasons(row(rows, DAY1, "globex"))).containsExactly("ledger-estimated", "refused-by-governance");
        JsonNode initech = row(rows, DAY2, "initech");
        assertThat(reasons(initech)).containsExactly("aws-estimated", "unpriced");
        assertThat(run.exitCode()).isEqualTo(initech.get("status").asText().equals("match") ? 0 : 3);
    }

    @Test
    void reconcile_daysBeforeTagActivation_areExplainedAsTheActivationDelay() throws IOException {
        List<String> pages = costExplorerFiles("ce-activation", export().tagsActiveSince(DAY2).build());
        List<String> args = new ArrayList<>(List.of("--ledger", ledger.toString(), "--format", "json",
                "--tags-active-since", DAY2.toString(), "--cost-explorer"));
        args.addAll(pages);

        CliRun.Result run = reconcile(args.toArray(String[]::new));

        assertThat(run.exitCode()).isEqualTo(ReconcileCommand.EXIT_DIFFERENCES);
        JsonNode rows = rows(run);
        JsonNode untagged = row(rows, DAY1, null);
        assertThat(untagged.get("status").asText()).isEqualTo("aws-only");
        assertThat(reasons(untagged)).startsWith("tag-activation-delay", "untagged");
        assertThat(untagged.get("notes").get(1).get("text").asText()).contains("acme, globex, initech");
        for (String t : List.of("acme", "globex", "initech")) {
            JsonNode r = row(rows, DAY1, t);
            assertThat(r.get("status").asText()).isEqualTo("ledger-only");
            assertThat(reasons(r)).startsWith("tag-activation-delay");
        }
        assertThat(row(rows, DAY2, "acme").get("status").asText()).isEqualTo("match");
        java.math.BigDecimal ledgerDay1 = java.math.BigDecimal.ZERO;
        for (String t : List.of("acme", "globex", "initech")) {
            ledgerDay1 = ledgerDay1.add(new java.math.BigDecimal(row(rows, DAY1, t).get("ledgerUsd").asText()));
        }
        assertThat(new java.math.BigDecimal(untagged.get("awsUsd").asText())).isEqualByComparingTo(ledgerDay1);
    }

    @Test
    void reconcile_withinTolerance_matchesAndBeyondIsDifferent() throws IOException {
        String cur = export().build().curCsv();
        String[] lines = cur.split("\n");
        int cost = List.of(lines[0].split(",")).indexOf("line_item_unblended_cost");
        List<String> cells = new ArrayList<>(List.of(lines[1].split(",", -1)));
        cells.set(cost, new java.math.BigDecimal(cells.get(cost)).add(new java.math.BigDecimal("0.005"))
                .toPlainString());
        lines[1] = String.join(",", cells);
        Path file = write("cur-small.csv", String.join("\n", lines) + "\n");

        CliRun.Result loose = reconcile("--ledger", ledger.toString(), "--cur", file.toString());
        CliRun.Result strict = reconcile("--ledger", ledger.toString(), "--cur", file.toString(),
                "--tolerance-usd", "0.001", "--tolerance-percent", "0");

        assertThat(loose.exitCode()).as(loose.out()).isZero();
        assertThat(strict.exitCode()).isEqualTo(ReconcileCommand.EXIT_DIFFERENCES);
        assertThat(strict.out()).contains("1 different");
    }

    // ------------------------------------------------------------------------------------------- bad files

    @Test
    void reconcile_costExplorerNotJson_isRefusedWithFileAndLine() throws IOException {
        Path f = write("bad.json", "{\n  \"ResultsByTime\": [\n    {\"TimePeriod\": oops}\n  ]\n}\n");

        CliRun.Result run = reconcile("--ledger", ledger.toString(), "--cost-explorer", f.toString());

        assertThat(run.exitCode()).isEqualTo(AipCommand.EXIT_USAGE);
        assertThat(run.error()).startsWith("aip: " + f + ":3: not valid JSON");
    }

    @Test
    void reconcile_costExplorerBadAmountDateOrGrouping_isRefusedWithFileAndLine() throws IOException {
        String good = export().build().costAndUsage(DAY1, DAY2).get(0);
        Path amount = write("amount.json", good.replaceFirst("\"Amount\" : \"[0-9.]+\"", "\"Amount\" : \"12,5\""));
        Path date = write("date.json", good.replace("\"Start\" : \"2026-03-01\"", "\"Start\" : \"2026-13-01\""));
        Path grouping = write("grouping.json", good.replace("\"Key\" : \"TenantId\"", "\"Key\" : \"Team\""));

        CliRun.Result badAmount = reconcile("--ledger", ledger.toString(), "--cost-explorer", amount.toString());
        CliRun.Result badDate = reconcile("--ledger", ledger.toString(), "--cost-explorer", date.toString());
        CliRun.Result badGroup = reconcile("--ledger", ledger.toString(), "--cost-explorer", grouping.toString());

        assertThat(badAmount.exitCode()).isEqualTo(AipCommand.EXIT_USAGE);
        assertThat(badAmount.error()).matches("aip: " + java.util.regex.Pattern.quote(amount.toString())
                + ":" + lineOf(Files.readString(amount), "12,5") + ": Amount '12,5' is not a decimal number");
        assertThat(badDate.exitCode()).isEqualTo(AipCommand.EXIT_USAGE);
        assertThat(badDate.error()).isEqualTo("aip: " + date + ":" + lineOf(Files.readString(date), "2026-13-01")
                + ": Start '2026-13-01' is not a date (2026-03-01)");
        assertThat(badGroup.exitCode()).isEqualTo(AipCommand.EXIT_USAGE);
        assertThat(badGroup.error()).startsWith("aip: " + grouping + ":2: the answer is grouped by TAG Team, not by"
                + " the tag TenantId");
    }

    @Test
    void reconcile_curWithWrongColumnBadNumberOrBadDate_isRefusedWithFileAndLine() throws IOException {
        String good = export().build().curCsv();
        Path column = write("column.csv", good.replaceFirst("line_item_unblended_cost", "line_item_blended_cost"));
        String[] lines = good.split("\n");
        String[] badNumber = lines.clone();
        badNumber[2] = badNumber[2].replaceFirst(",USD,", "x,USD,");
        Path number = write("number.csv", String.join("\n", badNumber));
        String[] badDate = lines.clone();
        badDate[3] = badDate[3].replaceFirst(",Usage,2026-03-0[12]T00:00:00Z,", ",Usage,yesterday,");
        Path date = write("date.csv", String.join("\n", badDate));

        CliRun.Result noColumn = reconcile("--ledger", ledger.toString(), "--cur", column.toString());
        CliRun.Result notNumber = reconcile("--ledger", ledger.toString(), "--cur", number.toString());
        CliRun.Result notDate = reconcile("--ledger", ledger.toString(), "--cur", date.toString());

        assertThat(noColumn.exitCode()).isEqualTo(AipCommand.EXIT_USAGE);
        assertThat(noColumn.error()).startsWith("aip: " + column + ":1: missing column 'line_item_unblended_cost'");
        assertThat(notNumber.exitCode()).isEqualTo(AipCommand.EXIT_USAGE);
        assertThat(notNumber.error()).startsWith("aip: " + number + ":3: field 'line_item_unblended_cost': '")
                .endsWith("x' is not a decimal number");
        assertThat(notDate.exitCode()).isEqualTo(AipCommand.EXIT_USAGE);
        assertThat(notDate.error()).startsWith("aip: " + date + ":4: field 'line_item_usage_start_date': 'yesterday'"
                + " is not a date and time");
    }

    @Test
    void reconcile_parquetExport_isRefusedAskingForCsv() throws IOException {
        Path f = write("part-0.snappy.parquet", "PAR1");

        CliRun.Result run = reconcile("--ledger", ledger.toString(), "--cur", f.toString());

        assertThat(run.exitCode()).isEqualTo(AipCommand.EXIT_USAGE);
        assertThat(run.error()).isEqualTo("aip: " + f + ": Parquet is not supported; create the CUR 2.0 export with"
                + " the file format 'text/CSV' (gzip compression is fine) and pass those files");
    }

    @Test
    void reconcile_withoutABillOrWithBoth_isAUsageError() {
        CliRun.Result none = reconcile("--ledger", ledger.toString());
        CliRun.Result both = reconcile("--ledger", ledger.toString(), "--cur", "a.csv", "--cost-explorer", "b.json");

        assertThat(none.exitCode()).isEqualTo(AipCommand.EXIT_USAGE);
        assertThat(none.error()).contains("give exactly one AWS bill").contains("got neither");
        assertThat(both.exitCode()).isEqualTo(AipCommand.EXIT_USAGE);
        assertThat(both.error()).contains("got both");
    }

    // ------------------------------------------------------------------------------ Cost Explorer asked directly

    /** Credentials the fixture's requests are signed with. */
    static final java.util.function.Function<String, String> TEST_CREDENTIALS = java.util.Map.of(
            "AWS_ACCESS_KEY_ID", "AKIDTEST", "AWS_SECRET_ACCESS_KEY", "test-secret",
            "AWS_CONFIG_FILE", "/nonexistent/aws-config")::get;

    static CliRun.Result reconcileAws(CostExplorerFixture ce, String... args) {
        List<String> all = new ArrayList<>(List.of("usage", "reconcile", "--ledger", ledger.toString(), "--aws",
                "--from", DAY1.toString(), "--to", DAY2.plusDays(1).toString(), "--endpoint",
                ce.endpoint().toString()));
        all.addAll(List.of(args));
        return CliRun.run(TEST_CREDENTIALS, all.toArray(String[]::new));
    }

    @Test
    void reconcileAws_pagesFromCostExplorer_signsTheRequestFollowsTokensSavesPagesAndMatchesExactly()
            throws IOException {
        List<String> pages = export().pageSize(2).build().costAndUsage(DAY1, DAY2.plusDays(1));
        assertThat(pages).hasSizeGreaterThan(2);
        Path saved = dir.resolve("ce-saved");
        try (CostExplorerFixture ce = CostExplorerFixture.start().serve(pages)) {

            CliRun.Result run = reconcileAws(ce, "--save-cost-explorer", saved.toString(), "--format", "json",
                    "--tolerance-usd", "0", "--tolerance-percent", "0");

            assertThat(run.exitCode()).as(run.err()).isZero();
            JsonNode rows = rows(run);
            assertThat(rows).hasSize(5);
            rows.forEach(r -> assertThat(r.get("status").asText()).isEqualTo("match"));
            List<AwsJsonFixture.Request> requests = ce.requests();
            assertThat(requests).hasSize(pages.size());
            for (AwsJsonFixture.Request r : requests) {
                assertThat(r.method()).isEqualTo("POST");
                assertThat(r.target()).isEqualTo("AWSInsightsIndexService.GetCostAndUsage");
                assertThat(r.contentType()).isEqualTo("application/x-amz-json-1.1");
                assertThat(r.authorization()).startsWith("AWS4-HMAC-SHA256 Credential=AKIDTEST/")
                        .contains("/us-east-1/ce/aws4_request").contains("SignedHeaders=").contains("x-amz-target")
                        .contains("Signature=");
                JsonNode body = r.body();
                assertThat(body.get("TimePeriod")).isEqualTo(JSON.readTree(
                        "{\"Start\":\"2026-03-01\",\"End\":\"2026-03-03\"}"));
                assertThat(body.get("Granularity").asText()).isEqualTo("DAILY");
                assertThat(body.get("Metrics")).isEqualTo(JSON.readTree("[\"UnblendedCost\",\"UsageQuantity\"]"));
                assertThat(body.get("GroupBy")).isEqualTo(JSON.readTree("[{\"Type\":\"TAG\",\"Key\":\"TenantId\"}]"));
                assertThat(body.get("Filter")).isEqualTo(JSON.readTree(
                        "{\"Dimensions\":{\"Key\":\"SERVICE\",\"Values\":[\"Amazon Bedrock\"]}}"));
            }
            assertThat(requests.get(0).body().has("NextPageToken")).isFalse();
            assertThat(requests.get(1).body().get("NextPageToken").asText()).isEqualTo("page-2");
            for (int i = 0; i < pages.size(); i++) {
                Path page = saved.resolve("ce-2026-03-01-2026-03-03-" + (i + 1) + ".json");
                assertThat(page).isRegularFile();
                assertThat(JSON.readTree(page.toFile())).isEqualTo(JSON.readTree(pages.get(i)));
            }
        }
    }

    @Test
    void reconcileAws_withoutSaveDirectory_leavesNoPagesBehind() throws IOException {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        List<Path> before = tempPageDirs(tmp);
        try (CostExplorerFixture ce = CostExplorerFixture.start()
                .serve(export().pageSize(2).build().costAndUsage(DAY1, DAY2.plusDays(1)))) {

            CliRun.Result run = reconcileAws(ce);

            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.out()).contains("reconcile: 5 match, 0 different, 0 aws-only, 0 ledger-only");
            assertThat(ce.requests()).hasSizeGreaterThan(1);
        }
        assertThat(tempPageDirs(tmp)).isEqualTo(before);
    }

    private static List<Path> tempPageDirs(Path tmp) throws IOException {
        try (java.util.stream.Stream<Path> list = Files.list(tmp)) {
            return list.filter(p -> p.getFileName().toString().startsWith("aip-cost-explorer-")).sorted().toList();
        }
    }

    @Test
    void reconcileAws_accessDenied_failsWithAwsCodeMessageAndThePermission() {
        try (CostExplorerFixture ce = CostExplorerFixture.start().answerAlways(403,
                "{\"__type\":\"AccessDeniedException\",\"Message\":\"User: arn:aws:iam::123456789012:user/ops is"
                        + " not authorized to perform: ce:GetCostAndUsage\"}")) {

            CliRun.Result run = reconcileAws(ce, "--service", "Amazon Bedrock,Claude 3 Haiku (Amazon Bedrock Edition)");

            assertThat(run.exitCode()).isEqualTo(AipCommand.EXIT_FAILURE);
            assertThat(run.error()).isEqualTo("aip: Cost Explorer refused GetCostAndUsage for 2026-03-01 to"
                    + " 2026-03-03 (HTTP 403): AccessDeniedException: User: arn:aws:iam::123456789012:user/ops is not"
                    + " authorized to perform: ce:GetCostAndUsage; the caller needs the IAM permission"
                    + " ce:GetCostAndUsage");
            assertThat(ce.requests()).singleElement().satisfies(r -> assertThat(
                    r.body().get("Filter").get("Dimensions").get("Values").toString())
                    .isEqualTo("[\"Amazon Bedrock\",\"Claude 3 Haiku (Amazon Bedrock Edition)\"]"));
        }
    }

    @Test
    void reconcileAws_repeatedPageToken_stopsWithAnError() {
        String page = export().pageSize(2).build().costAndUsage(DAY1, DAY2.plusDays(1)).get(0)
                .replace("\"page-2\"", "\"same\"");
        try (CostExplorerFixture ce = CostExplorerFixture.start().answerAlways(200, page)) {

            CliRun.Result run = reconcileAws(ce);

            assertThat(run.exitCode()).isEqualTo(AipCommand.EXIT_FAILURE);
            assertThat(run.error()).startsWith("aip: Cost Explorer returned the NextPageToken of an earlier page"
                    + " again (page 2");
            assertThat(ce.requests()).hasSize(2);
        }
    }

    @Test
    void reconcileAws_malformedAnswer_isNamedBySavedFileAndLine() {
        Path saved = dir.resolve("ce-bad");
        try (CostExplorerFixture ce = CostExplorerFixture.start().answerAlways(200,
                "{\"ResultsByTime\":[{\"TimePeriod\":{\"Start\":\"2026-03-01\",\"End\":\"2026-03-03\"}}]}")) {

            CliRun.Result run = reconcileAws(ce, "--save-cost-explorer", saved.toString());

            assertThat(run.exitCode()).isEqualTo(AipCommand.EXIT_FAILURE);
            assertThat(run.error()).startsWith("aip: " + saved.resolve("ce-2026-03-01-2026-03-03-1.json") + ":")
                    .contains("is not one day");
        }
    }

    @Test
    void reconcileAws_withAnotherBillOrWithoutWindow_isAUsageError() {
        CliRun.Result withCur = reconcile("--ledger", ledger.toString(), "--aws", "--from", "2026-03-01", "--to",
                "2026-03-03", "--cur", "a.csv");
        CliRun.Result withFiles = reconcile("--ledger", ledger.toString(), "--aws", "--from", "2026-03-01", "--to",
                "2026-03-03", "--cost-explorer", "b.json");
        CliRun.Result noWindow = reconcile("--ledger", ledger.toString(), "--aws", "--from", "2026-03-01");
        CliRun.Result saveWithoutAws = reconcile("--ledger", ledger.toString(), "--cur", "a.csv",
                "--save-cost-explorer", "dir");

        assertThat(withCur.exitCode()).isEqualTo(AipCommand.EXIT_USAGE);
        assertThat(withCur.error()).contains("give exactly one AWS bill").contains("got both --aws and --cur");
        assertThat(withFiles.exitCode()).isEqualTo(AipCommand.EXIT_USAGE);
        assertThat(withFiles.error()).contains("got both --cost-explorer and --aws");
        assertThat(noWindow.exitCode()).isEqualTo(AipCommand.EXIT_USAGE);
        assertThat(noWindow.error()).isEqualTo("aip: --aws needs the window to ask Cost Explorer for: --from DATE"
                + " --to DATE (--to exclusive)");
        assertThat(saveWithoutAws.exitCode()).isEqualTo(AipCommand.EXIT_USAGE);
        assertThat(saveWithoutAws.error()).isEqualTo("aip: --save-cost-explorer, --service and --endpoint go with"
                + " --aws");
    }

    @Test
    void reconcileHelp_aws_namesThePermissionAndWhatAwsCharges() {
        CliRun.Result run = reconcile("--help");

        assertThat(run.exitCode()).isZero();
        String help = run.out().replaceAll("\\s+", " ");
        assertThat(help).contains("--aws").contains("--save-cost-explorer=DIR").contains("ce:GetCostAndUsage")
                .contains("AWS charges USD 0.01 per request");
    }

    @Test
    void reconcileAws_withoutCredentials_saysInOneLineWhatToSet() {
        AwsCredentialsProbe.withoutInstanceMetadata(() -> {
            assumeFalse(AwsCredentialsProbe.present(), "this machine has AWS credentials");

            CliRun.Result run = reconcile("--ledger", ledger.toString(), "--aws", "--from", "2026-03-01", "--to",
                    "2026-03-03");

            assertThat(run.exitCode()).isEqualTo(AipCommand.EXIT_FAILURE);
            assertThat(run.error()).isEqualTo("aip: no AWS credentials found: 'aip usage reconcile --aws' calls"
                    + " Cost Explorer; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or save the"
                    + " answers with 'aws ce get-cost-and-usage' and pass them with --cost-explorer FILE...");
        });
    }

    static int lineOf(String text, String needle) {
        int at = text.indexOf(needle);
        return (int) text.substring(0, at).chars().filter(c -> c == '\n').count() + 1;
    }
}
