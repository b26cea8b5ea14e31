package dev.aip.cli;

import dev.aip.cli.report.ReportFormat;
import dev.aip.cli.report.ReportOptions;
import dev.aip.cli.report.ReportRenderer;
import dev.aip.cli.report.UsageReport;
import dev.aip.core.metering.UsageRecord;
import dev.aip.emulator.ModelMetrics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Writes reports with the report API. */
final class Reports {

    private Reports() {
    }

    /** The demo's HTML report: the ledger's records beside the server's view and the reconciliation verdict. */
    static void writeHtml(List<UsageRecord> records, List<ModelMetrics> serverView, Map<String, String> owners,
            String reconciliation, Path file) {
        ReportOptions options = ReportOptions.builder()
                .title("aip demo: Bedrock usage by tenant")
                .serverView(serverView)
                .profileOwners(owners)
                .reconciliation(reconciliation)
                .build();
        write(file, ReportRenderer.render(UsageReport.from(records, options), ReportFormat.HTML));
    }

    static void write(Path file, String text) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw CliException.failure("cannot write " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }
}
