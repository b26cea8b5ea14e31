package dev.aip.cli;

import dev.aip.cli.report.ReportFormat;
import dev.aip.cli.report.ReportOptions;
import dev.aip.cli.report.ReportRenderer;
import dev.aip.cli.report.UsageReport;
import dev.aip.core.ConfigurationException;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.sink.JsonLinesLedger;
import dev.aip.core.tenant.TenantId;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code aip usage}: reports over a usage ledger. */
@Command(name = "usage", mixinStandardHelpOptions = true, description = "Usage reports from a ledger.",
        subcommands = UsageCommand.Report.class)
final class UsageCommand extends GroupCommand {

    /** {@code aip usage report}. */
    @Command(name = "report", mixinStandardHelpOptions = true,
            description = {"Report usage per tenant from a JSON-lines ledger (as written by JsonLinesLedger or"
                    + " aip demo): calls, tokens by bucket, cost, latency, time to first token, errors."})
    static final class Report extends Subcommand {

        @Option(names = "--ledger", paramLabel = "FILE", required = true,
                description = "The ledger file (one usage record per line).")
        Path ledger;

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
            if (tenants != null && !tenants.isEmpty()) {
                Set<String> known = records.stream().map(r -> r.tenant().value())
                        .collect(Collectors.toCollection(TreeSet::new));
                for (String t : tenants) {
                    try {
                        TenantId.of(t);
                    } catch (IllegalArgumentException e) {
                        throw CliException.usage("--tenant: " + e.getMessage());
                    }
                    if (!known.contains(t)) {
                        throw CliException.failure("unknown tenant '" + t + "': no usage in " + ledger
                                + (start != null || end != null ? " in the window" : "") + "; tenants with usage: "
                                + (known.isEmpty() ? "none" : String.join(", ", known)));
                    }
                }
                Set<String> wanted = Set.copyOf(tenants);
                records = records.stream().filter(r -> wanted.contains(r.tenant().value())).toList();
            }
            ReportOptions options = ReportOptions.builder().title(title).window(start, end).build();
            String text = ReportRenderer.render(UsageReport.from(records, options), fmt);
            if (output != null) {
                Reports.write(output, text);
                err().println("aip: wrote " + fmt.name().toLowerCase(java.util.Locale.ROOT) + " report of "
                        + records.size() + " records to " + output.toAbsolutePath());
            } else {
                out().print(text);
            }
            out().flush();
            return AipCommand.EXIT_OK;
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
