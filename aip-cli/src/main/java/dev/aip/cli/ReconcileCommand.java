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
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
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
                + " get-cost-and-usage', one file per page), the same answers fetched from Cost Explorer (--aws)"
                + " or a CUR 2.0 export in CSV (--cur, plain or gzip)."
                + " Each tenant and day is a match (within the tolerance), different, aws-only (usage outside aip,"
                + " untagged cost) or ledger-only, with the known reasons: tag activation delay, estimated usage,"
                + " unpriced models, calls refused by governance. Give --ledger FILE or --jdbc-url URL.",
            "--aws calls Cost Explorer GetCostAndUsage with the SDK's default credentials (IAM permission"
                + " ce:GetCostAndUsage); AWS charges USD " + CostExplorerClient.USD_PER_REQUEST + " per request,"
                + " each page being one."},
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

    @Option(names = "--aws",
            description = "Ask Cost Explorer (GetCostAndUsage, the request the --cost-explorer files come from) for"
                    + " the window --from/--to instead of reading files. Needs AWS credentials and"
                    + " ce:GetCostAndUsage; each page is a request AWS charges USD "
                    + CostExplorerClient.USD_PER_REQUEST + " for.")
    boolean aws;

    @Option(names = "--save-cost-explorer", paramLabel = "DIR",
            description = "With --aws: keep the answer pages in DIR (created if missing; default: a temporary"
                    + " directory deleted after).")
    Path saveCostExplorer;

    @Option(names = "--service", paramLabel = "NAME", split = ",",
            description = "With --aws: the Cost Explorer SERVICE values whose cost counts (default "
                    + CostExplorerClient.BEDROCK_SERVICE + "); to add the services of models billed through AWS"
                    + " Marketplace, list " + CostExplorerClient.BEDROCK_SERVICE + " too.")
    List<String> services;

    @Option(names = "--endpoint", paramLabel = "URL",
            description = "With --aws: the Cost Explorer endpoint (default https://ce.us-east-1.amazonaws.com),"
                    + " e.g. a proxy.")
    URI endpoint;

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
            description = "First UTC day to compare (default: the bill's first day; required with --aws).")
    String from;

    @Option(names = "--to", paramLabel = "DATE",
            description = "Day after the last UTC day to compare, exclusive, as Cost Explorer's End (default: the day"
                    + " after the bill's last; required with --aws).")
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
    int execute() throws InterruptedException {
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
        int bills = (costExplorer == null ? 0 : 1) + (cur == null ? 0 : 1) + (aws ? 1 : 0);
        if (bills != 1) {
            throw CliException.usage("give exactly one AWS bill: --cost-explorer FILE... (GetCostAndUsage answers),"
                    + " --aws (ask Cost Explorer) or --cur FILE... (a CUR 2.0 CSV export), "
                    + (bills == 0 ? "got neither" : "got both " + given()));
        }
        if (!aws && (saveCostExplorer != null || services != null || endpoint != null)) {
            throw CliException.usage("--save-cost-explorer, --service and --endpoint go with --aws");
        }
        if (aws && (from == null || to == null)) {
            throw CliException.usage("--aws needs the window to ask Cost Explorer for: --from DATE --to DATE (--to"
                    + " exclusive)");
        }
        if (endpoint != null && (endpoint.getScheme() == null || endpoint.getHost() == null)) {
            throw CliException.usage("--endpoint needs an absolute URL such as http://127.0.0.1:4566, got '"
                    + endpoint + "'");
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
        if (aws) {
            return fromCostExplorer(options);
        }
        AwsBill bill;
        try {
            bill = costExplorer != null ? CostExplorerFiles.read(costExplorer, tagKey)
                    : CurFiles.read(cur, tagKey, Set.copyOf(productCodes == null
                            ? List.of(CurFiles.BEDROCK_PRODUCT_CODE) : productCodes));
        } catch (BillFileException e) {
            throw CliException.usage(e.getMessage(), e);
        }
        return reconcile(bill, options, fmt);
    }

    private String given() {
        List<String> names = new ArrayList<>();
        if (costExplorer != null) {
            names.add("--cost-explorer");
        }
        if (aws) {
            names.add("--aws");
        }
        if (cur != null) {
            names.add("--cur");
        }
        return String.join(" and ", names);
    }

    /** Asks Cost Explorer, saves the pages, and reconciles them as {@code --cost-explorer} files. */
    private int fromCostExplorer(BillReconciliation.Options options) throws InterruptedException {
        LocalDate first = day("--from", from);
        LocalDate end = day("--to", to);
        if (!end.isAfter(first)) {
            throw CliException.usage("--to (" + end + ") must be after --from (" + first + ")");
        }
        Path dir = saveCostExplorer;
        try {
            if (dir == null) {
                dir = Files.createTempDirectory("aip-cost-explorer-");
            } else {
                Files.createDirectories(dir);
            }
        } catch (IOException e) {
            throw CliException.failure("cannot create the directory for Cost Explorer's answers "
                    + (dir == null ? "" : dir + " ") + ": " + e.getMessage(), e);
        }
        try {
            CostExplorerClient client = new CostExplorerClient(endpoint != null ? endpoint
                    : CostExplorerClient.ENDPOINT, AwsJsonClient.credentials(env(), endpoint != null,
                    "'aip usage reconcile --aws' calls Cost Explorer; set AWS_ACCESS_KEY_ID and"
                            + " AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or save the answers with 'aws ce"
                            + " get-cost-and-usage' and pass them with --cost-explorer FILE..."));
            List<Path> pages = client.getCostAndUsage(first, end, tagKey,
                    services == null ? List.of(CostExplorerClient.BEDROCK_SERVICE) : services, dir);
            AwsBill bill;
            try {
                bill = CostExplorerFiles.read(pages, tagKey);
            } catch (BillFileException e) {
                throw CliException.failure(e.getMessage()
                        + (saveCostExplorer == null ? " (keep the pages with --save-cost-explorer DIR)" : ""), e);
            }
            return reconcile(bill, options, format.toLowerCase(Locale.ROOT));
        } finally {
            if (saveCostExplorer == null) {
                deleteTree(dir);
            }
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException ignored) {
            // a temporary directory left behind is not worth failing the command for
        }
    }

    private int reconcile(AwsBill bill, BillReconciliation.Options options, String fmt) {
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
