package dev.aip.cli;

import com.zaxxer.hikari.HikariDataSource;
import dev.aip.cli.report.ReportFormat;
import dev.aip.cli.report.ReportOptions;
import dev.aip.cli.report.ReportRenderer;
import dev.aip.cli.report.UsageReport;
import dev.aip.core.ConfigurationException;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.sink.JsonLinesLedger;
import dev.aip.core.tenant.TenantId;
import dev.aip.ledger.jdbc.LedgerReadException;
import dev.aip.ledger.jdbc.LedgerTable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code aip usage}: reports over a usage ledger. */
@Command(name = "usage", mixinStandardHelpOptions = true,
        description = "Usage reports from a ledger, and the ledger reconciled with AWS's bill.",
        subcommands = {UsageCommand.Report.class, ReconcileCommand.class})
final class UsageCommand extends GroupCommand {

    /** {@code aip usage report}. */
    @Command(name = "report", mixinStandardHelpOptions = true,
            description = {"Report usage per tenant from a JSON-lines ledger (as written by JsonLinesLedger or"
                    + " aip demo) or from the PostgreSQL ledger (JdbcLedger): calls, tokens by bucket, cost, latency,"
                    + " time to first token, errors. Give --ledger FILE or --jdbc-url URL."})
    static final class Report extends Subcommand {

        @Option(names = "--ledger", paramLabel = "FILE",
                description = "The ledger file (one usage record per line).")
        Path ledger;

        @Mixin
        JdbcOptions jdbc = new JdbcOptions();

        @Option(names = "--from", paramLabel = "ISO",
                description = "Start of the window, inclusive: an instant (2026-03-01T00:00:00Z) or a date (UTC).")
        String from;

        @Option(names = "--to", paramLabel = "ISO",
                description = "End of the window, exclusive: an instant or a date (UTC).")
        String to;

        @Option(names = "--tenant", paramLabel = "ID", split = ",",
                description = "Only these tenants (repeat or separate with commas).")
        List<String> tenants;

        @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "table",
                description = "table, csv, json or html (default ${DEFAULT-VALUE}).")
        String format;

        @Option(names = "--output", paramLabel = "FILE",
                description = "Write the report to FILE instead of standard output.")
        Path output;

        @Option(names = "--title", paramLabel = "TEXT", description = "The report's title.")
        String title;

        @Override
        int execute() {
            ReportFormat fmt;
            try {
                fmt = ReportFormat.parse(format);
            } catch (IllegalArgumentException e) {
                throw CliException.usage(e.getMessage());
            }
            Instant start = instant("--from", from);
            Instant end = instant("--to", to);
            if (start != null && end != null && !end.isAfter(start)) {
                throw CliException.usage("--to (" + end + ") must be after --from (" + start + ")");
            }
            if ((ledger == null) == !jdbc.given()) {
                throw CliException.usage("give exactly one source: --ledger FILE (a JSON-lines ledger) or --jdbc-url"
                        + " URL (the PostgreSQL ledger), " + (ledger == null ? "got neither" : "got both"));
            }
            if (!jdbc.given() && (jdbc.user != null || jdbc.password != null || jdbc.schema != null)) {
                throw CliException.usage("--jdbc-user, --jdbc-password and --schema go with --jdbc-url");
            }
            List<TenantId> wanted = new ArrayList<>();
            for (String t : tenants == null ? List.<String>of() : tenants) {
                try {
                    wanted.add(TenantId.of(t));
                } catch (IllegalArgumentException e) {
                    throw CliException.usage("--tenant: " + e.getMessage());
                }
            }
            ReportOptions options = ReportOptions.builder().title(title).window(start, end).build();
            Built built = ledger != null ? fromFile(start, end, wanted, options) : fromDatabase(start, end, wanted,
                    options);
            String text = ReportRenderer.render(built.report(), fmt);
            if (output != null) {
                Reports.write(output, text);
                err().println("aip: wrote " + fmt.name().toLowerCase(java.util.Locale.ROOT) + " report of "
                        + built.records() + " records to " + output.toAbsolutePath());
            } else {
                out().print(text);
            }
            out().flush();
            return AipCommand.EXIT_OK;
        }

        /** A report and how many records it covers. */
        private record Built(UsageReport report, long records) {
        }

        private Built fromFile(Instant start, Instant end, List<TenantId> wanted, ReportOptions options) {
            if (!Files.isRegularFile(ledger)) {
                throw CliException.usage("ledger file not found: " + ledger.toAbsolutePath()
                        + " (run 'aip demo' to make one, or pass --ledger FILE)");
            }
            List<UsageRecord> records;
            try (Stream<UsageRecord> s = start == null && end == null ? JsonLinesLedger.read(ledger)
                    : JsonLinesLedger.read(ledger, start == null ? Instant.MIN : start, end == null ? Instant.MAX : end)) {
                records = s.toList();
            } catch (ConfigurationException e) {
                throw CliException.usage("cannot read ledger " + ledger.toAbsolutePath() + ": " + e.getMessage(), e);
            } catch (UncheckedIOException e) {
                throw CliException.failure("cannot read ledger " + ledger.toAbsolutePath() + ": "
                        + e.getCause().getMessage(), e);
            }
            if (!wanted.isEmpty()) {
                Set<String> known = records.stream().map(r -> r.tenant().value())
                        .collect(Collectors.toCollection(TreeSet::new));
                requireKnown(wanted, known, ledger.toString(), start, end);
                Set<TenantId> keep = Set.copyOf(wanted);
                records = records.stream().filter(r -> keep.contains(r.tenant())).toList();
            }
            return new Built(UsageReport.from(records, options), records.size());
        }

        /**
         * Pushes the window and the tenants into SQL (served by the table's indexes) and streams the rows in start
         * order into the report, which keeps 8 bytes per record for the percentiles instead of the records.
         */
        private Built fromDatabase(Instant start, Instant end, List<TenantId> wanted, ReportOptions options) {
            String source = jdbc.describe();
            try (HikariDataSource ds = jdbc.open(env())) {
                LedgerTable table = jdbc.table(ds);
                if (!wanted.isEmpty()) {
                    Set<String> present = new TreeSet<>();
                    for (TenantId t : wanted) {
                        if (table.span(start, end, List.of(t)).isPresent()) {
                            present.add(t.value());
                        }
                    }
                    if (present.size() < Set.copyOf(wanted).size()) {
                        requireKnown(wanted, table.tenants(start, end), source, start, end);
                    }
                }
                // One snapshot for the span and the rows: a live ledger's new records are in neither or both.
                try (LedgerTable.Selection selection = table.select(start, end, wanted);
                        Stream<UsageRecord> rows = selection.records()) {
                    LedgerTable.Span span = selection.span().orElse(null);
                    long[] count = new long[1];
                    UsageReport report = UsageReport.fromOrdered(rows.peek(r -> count[0]++).iterator(), options,
                            span == null ? null : span.first(), span == null ? null : span.last());
                    return new Built(report, count[0]);
                }
            } catch (LedgerReadException e) {
                throw CliException.failure("cannot read the ledger at " + source + ": " + e.getMessage(), e);
            }
        }

        private static void requireKnown(List<TenantId> wanted, Set<String> known, String source, Instant start,
                                         Instant end) {
            for (TenantId t : wanted) {
                if (!known.contains(t.value())) {
                    throw CliException.failure("unknown tenant '" + t.value() + "': no usage in " + source
                            + (start != null || end != null ? " in the window" : "") + "; tenants with usage: "
                            + (known.isEmpty() ? "none" : String.join(", ", known)));
                }
            }
        }

        private Function<String, String> env() {
            Object root = spec.root().userObject();
            return root instanceof AipCommand aip ? aip.env : System::getenv;
        }

        private static Instant instant(String option, String text) {
            if (text == null) {
                return null;
            }
            try {
                return Instant.parse(text);
            } catch (DateTimeParseException notInstant) {
                try {
                    return LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant();
                } catch (DateTimeParseException notDate) {
                    throw CliException.usage(option + " needs an ISO-8601 instant (2026-03-01T00:00:00Z) or date"
                            + " (2026-03-01), got '" + text + "'");
                }
            }
        }
    }
}
