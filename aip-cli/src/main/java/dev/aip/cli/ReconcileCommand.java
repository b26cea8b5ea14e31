package dev.aip.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zaxxer.hikari.HikariDataSource;
import dev.aip.cli.bill.AwsBill;
import dev.aip.cli.bill.BillFileException;
import dev.aip.cli.bill.BillReconciliation;
import dev.aip.cli.bill.BillReconciliation.Row;
import dev.aip.cli.bill.BillReconciliation.Status;
import dev.aip.cli.bill.CostExplorerFiles;
import dev.aip.cli.bill.CurFiles;
import dev.aip.core.ConfigurationException;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.sink.JsonLinesLedger;
import dev.aip.ledger.jdbc.LedgerReadException;
import dev.aip.ledger.jdbc.LedgerTable;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code aip usage reconcile}: the ledger against AWS's bill, per tenant and UTC day. */
@Command(name = "reconcile", mixinStandardHelpOptions = true,
        description = {"Compare the ledger's cost per tenant and UTC day with what AWS billed: Cost Explorer"
                + " GetCostAndUsage answers grouped by the tenant tag (--cost-explorer, the JSON of 'aws ce"
                + " get-cost-and-usage', one file per page) or a CUR 2.0 export in CSV (--cur, plain or gzip)."
                + " Each tenant and day is a match (within the tolerance), different, aws-only (usage outside aip,"
                + " untagged cost) or ledger-only, with the known reasons: tag activation delay, estimated usage,"
                + " unpriced models, calls refused by governance. Give --ledger FILE or --jdbc-url URL."},
        footer = {"", "Exit codes: 0 every tenant and day matches, 3 differences found, 1 failure while running,"
                + " 2 bad command line or input file."})
final class ReconcileCommand extends Subcommand {

    /** Some tenant and day is not a match. */
    static final int EXIT_DIFFERENCES = 3;

    @Option(names = "--ledger", paramLabel = "FILE", description = "The ledger file (one usage record per line).")
    Path ledger;

    @Mixin
    JdbcOptions jdbc = new JdbcOptions();

    @Option(names = "--cost-explorer", paramLabel = "FILE", arity = "1..*",
            description = "Cost Explorer GetCostAndUsage answers (JSON), DAILY, grouped by TAG --tag-key, metric"
                    + " UnblendedCost, filtered to the service Amazon Bedrock; one file per page.")
    List<Path> costExplorer;

    @Option(names = "--cur", paramLabel = "FILE", arity = "1..*",
            description = "CUR 2.0 export files in CSV (.csv or .csv.gz). Parquet is not read: export CSV.")
    List<Path> cur;

    @Option(names = "--tag-key", paramLabel = "KEY", defaultValue = "TenantId",
            description = "The tenant tag on the profiles, activated as a cost-allocation tag (default"
                    + " ${DEFAULT-VALUE}).")
    String tagKey;

    @Option(names = "--product-code", paramLabel = "CODE", split = ",",
            description = "CUR: the product codes whose lines count (default " + CurFiles.BEDROCK_PRODUCT_CODE
                    + "); add the codes of models billed through AWS Marketplace.")
    List<String> productCodes;

    @Option(names = "--from", paramLabel = "DATE",
            description = "First UTC day to compare (default: the bill's first day).")
    String from;

    @Option(names = "--to", paramLabel = "DATE",
            description = "Day after the last UTC day to compare, exclusive (default: the day after the bill's last).")
    String to;

    @Option(names = "--tolerance-usd", paramLabel = "USD", defaultValue = "0.01",
            description = "A difference up to this many US dollars matches (default ${DEFAULT-VALUE}).")
    BigDecimal toleranceUsd;

    @Option(names = "--tolerance-percent", paramLabel = "PERCENT", defaultValue = "1",
            description = "A difference up to this percentage of the larger cost matches (default ${DEFAULT-VALUE}).")
    BigDecimal tolerancePercent;

    @Option(names = "--tags-active-since", paramLabel = "DATE",
            description = "The day the tenant tag was activated as a cost-allocation tag: earlier days are explained"
                    + " as the activation delay.")
    String tagsActiveSince;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "table",
            description = "table or json (default ${DEFAULT-VALUE}).")
    String format;

    @Override
    int execute() {
        String fmt = format.toLowerCase(Locale.ROOT);
        if (!fmt.equals("table") && !fmt.equals("json")) {
            throw CliException.usage("--format must be table or json, got '" + format + "'");
        }
        if ((ledger == null) == !jdbc.given()) {
            throw CliException.usage("give exactly one ledger: --ledger FILE (a JSON-lines ledger) or --jdbc-url URL"
                    + " (the PostgreSQL ledger), " + (ledger == null ? "got neither" : "got both"));
        }
        if (!jdbc.given() && (jdbc.user != null || jdbc.password != null || jdbc.schema != null)) {
            throw CliException.usage("--jdbc-user, --jdbc-password and --schema go with --jdbc-url");
        }
        if ((costExplorer == null) == (cur == null)) {
            throw CliException.usage("give exactly one AWS bill: --cost-explorer FILE... (GetCostAndUsage answers)"
                    + " or --cur FILE... (a CUR 2.0 CSV export), " + (cur == null ? "got neither" : "got both"));
        }
        if (productCodes != null && cur == null) {
            throw CliException.usage("--product-code goes with --cur");
        }
        BillReconciliation.Options options;
        try {
            options = new BillReconciliation.Options(toleranceUsd, tolerancePercent,
                    day("--tags-active-since", tagsActiveSince));
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--tolerance-usd / --tolerance-percent: " + e.getMessage());
        }
        AwsBill bill;
        try {
            bill = costExplorer != null ? CostExplorerFiles.read(costExplorer, tagKey)
                    : CurFiles.read(cur, tagKey, Set.copyOf(productCodes == null
                            ? List.of(CurFiles.BEDROCK_PRODUCT_CODE) : productCodes));
        } catch (BillFileException e) {
            throw CliException.usage(e.getMessage(), e);
        }
        LocalDate first = from != null ? day("--from", from) : bill.firstDay();
        LocalDate end = to != null ? day("--to", to) : bill.lastDay() == null ? null : bill.lastDay().plusDays(1);
        if (first == null || end == null) {
            throw CliException.usage(bill.source() + " covers no day; give the window with --from and --to");
        }
        if (!end.isAfter(first)) {
            throw CliException.usage("--to (" + end + ") must be after --from (" + first + ")");
        }
        Instant start = first.atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant stop = end.atStartOfDay(ZoneOffset.UTC).toInstant();
        BillReconciliation result = ledger != null ? fromFile(bill, options, first, end, start, stop)
                : fromDatabase(bill, options, first, end, start, stop);
        String ledgerName = ledger != null ? "ledger " + ledger : "ledger " + jdbc.describe();
        if (fmt.equals("json")) {
            out().print(json(result, ledgerName));
        } else {
            table(result, ledgerName);
        }
        out().flush();
        return result.hasDifferences() ? EXIT_DIFFERENCES : AipCommand.EXIT_OK;
    }

    private BillReconciliation fromFile(AwsBill bill, BillReconciliation.Options options, LocalDate first,
                                        LocalDate end, Instant start, Instant stop) {
        if (!Files.isRegularFile(ledger)) {
            throw CliException.usage("ledger file not found: " + ledger.toAbsolutePath()
                    + " (run 'aip demo' to make one, or pass --ledger FILE)");
        }
        try (Stream<UsageRecord> records = JsonLinesLedger.read(ledger, start, stop)) {
            return BillReconciliation.of(records.iterator(), bill, options, first, end);
        } catch (ConfigurationException e) {
            throw CliException.usage("cannot read ledger " + ledger.toAbsolutePath() + ": " + e.getMessage(), e);
        } catch (UncheckedIOException e) {
            throw CliException.failure("cannot read ledger " + ledger.toAbsolutePath() + ": "
                    + e.getCause().getMessage(), e);
        }
    }

    private BillReconciliation fromDatabase(AwsBill bill, BillReconciliation.Options options, LocalDate first,
                                            LocalDate end, Instant start, Instant stop) {
        String source = jdbc.describe();
        try (HikariDataSource ds = jdbc.open(env())) {
            LedgerTable table = jdbc.table(ds);
            try (LedgerTable.Selection selection = table.select(start, stop, List.of());
                    Stream<UsageRecord> rows = selection.records()) {
                return BillReconciliation.of(rows.iterator(), bill, options, first, end);
            }
        } catch (LedgerReadException e) {
            throw CliException.failure("cannot read the ledger at " + source + ": " + e.getMessage(), e);
        }
    }

    private void table(BillReconciliation result, String ledgerName) {
        var out = out();
        out.println("Bill reconciliation: " + ledgerName + " against " + result.source());
        out.println("UTC days " + result.firstDay() + " to " + result.endDay().minusDays(1) + "; tolerance "
                + result.options().toleranceUsd().toPlainString() + " USD or "
                + result.options().tolerancePercent().toPlainString() + "%"
                + (result.options().tagsActiveSince() == null ? ""
                        : "; tag active since " + result.options().tagsActiveSince()));
        out.println();
        TextTable t = new TextTable("Day", "Tenant", "Status", ">Ledger USD", ">AWS USD", ">Delta USD", "Notes");
        BigDecimal ledgerTotal = BigDecimal.ZERO;
        BigDecimal awsTotal = BigDecimal.ZERO;
        for (Row r : result.rows()) {
            ledgerTotal = r.ledgerUsd() == null ? ledgerTotal : ledgerTotal.add(r.ledgerUsd());
            awsTotal = r.awsUsd() == null ? awsTotal : awsTotal.add(r.awsUsd());
            t.row(r.day(), tenant(r), r.status().label(), usd(r.ledgerUsd()), usd(r.awsUsd()), usd(r.deltaUsd()),
                    r.notes().stream().map(n -> label(n.reason())).collect(Collectors.joining(", ")));
        }
        t.rule().row("", "total", "", usd(ledgerTotal), usd(awsTotal), usd(awsTotal.subtract(ledgerTotal)), "");
        t.print(out, "  ");
        boolean any = false;
        for (Row r : result.rows()) {
            for (BillReconciliation.Note n : r.notes()) {
                if (!any) {
                    out.println();
                    any = true;
                }
                out.println("  " + r.day() + " " + tenant(r) + ": " + label(n.reason()) + ": " + n.text());
            }
        }
        out.println();
        out.println("reconcile: " + summary(result));
    }

    private static String json(BillReconciliation result, String ledgerName) {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode();
        root.put("ledger", ledgerName);
        root.put("bill", result.source());
        root.put("firstDay", result.firstDay().toString());
        root.put("endDay", result.endDay().toString());
        root.put("toleranceUsd", result.options().toleranceUsd().toPlainString());
        root.put("tolerancePercent", result.options().tolerancePercent().toPlainString());
        root.put("tagsActiveSince", result.options().tagsActiveSince() == null ? null
                : result.options().tagsActiveSince().toString());
        ObjectNode counts = root.putObject("summary");
        for (Status s : Status.values()) {
            counts.put(s.label(), result.count(s));
        }
        ArrayNode rows = root.putArray("rows");
        for (Row r : result.rows()) {
            ObjectNode row = rows.addObject();
            row.put("day", r.day().toString());
            row.put("tenant", r.tenant());
            row.put("status", r.status().label());
            row.put("ledgerUsd", r.ledgerUsd() == null ? null : r.ledgerUsd().toPlainString());
            row.put("awsUsd", r.awsUsd() == null ? null : r.awsUsd().toPlainString());
            row.put("deltaUsd", r.deltaUsd().toPlainString());
            tokens(row, "ledgerTokens", r.ledgerTokens());
            tokens(row, "awsTokens", r.awsTokens());
            ArrayNode notes = row.putArray("notes");
            r.notes().forEach(n -> notes.addObject().put("reason", label(n.reason())).put("text", n.text()));
        }
        try {
            return mapper.writeValueAsString(root) + System.lineSeparator();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void tokens(ObjectNode row, String name, TokenUsage t) {
        if (t == null) {
            row.putNull(name);
            return;
        }
        row.putObject(name).put("input", t.inputTokens()).put("output", t.outputTokens())
                .put("cacheRead", t.cacheReadInputTokens()).put("cacheWrite", t.cacheWriteInputTokens());
    }

    static String summary(BillReconciliation result) {
        return result.count(Status.MATCH) + " match, " + result.count(Status.DIFFERENT) + " different, "
                + result.count(Status.AWS_ONLY) + " aws-only, " + result.count(Status.LEDGER_ONLY) + " ledger-only"
                + (result.hasDifferences() ? " (exit code " + EXIT_DIFFERENCES + ")" : "");
    }

    /** {@code TAG_ACTIVATION_DELAY} shows as {@code tag-activation-delay}. */
    static String label(BillReconciliation.Reason reason) {
        return reason.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private static String tenant(Row r) {
        return r.tenant() == null ? "(untagged)" : r.tenant();
    }

    private static String usd(BigDecimal amount) {
        return amount == null ? "-" : amount.setScale(6, RoundingMode.HALF_EVEN).toPlainString();
    }

    private Function<String, String> env() {
        Object root = spec.root().userObject();
        return root instanceof AipCommand aip ? aip.env : System::getenv;
    }

    private static LocalDate day(String option, String text) {
        if (text == null) {
            return null;
        }
        try {
            return LocalDate.parse(text);
        } catch (DateTimeParseException e) {
            throw CliException.usage(option + " needs an ISO-8601 date (2026-03-01), got '" + text + "'");
        }
    }
}
