package dev.aip.cli.report;

import dev.aip.cli.report.UsageReport.TenantRow;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Aligned monospace columns: text left-aligned, numbers right-aligned, a rule above the totals row. */
final class TableRenderer {

    private static final String[] HEADERS = {
        "tenant", "tier", "calls", "in", "out", "cache R", "cache W", "cost USD", "p50 ms", "p95 ms",
        "TTFT p50 ms", "SLA %", "errors"};
    /** Columns 0 and 1 (tenant, tier) and the last (errors, a phrase) are text; the rest are numbers. */
    private static final int LAST = HEADERS.length - 1;

    private TableRenderer() {}

    static String render(UsageReport report) {
        List<String[]> rows = new ArrayList<>();
        for (TenantRow row : report.tenants()) {
            rows.add(cells(row));
        }
        String[] totals = cells(report.totals());
        int[] widths = new int[HEADERS.length];
        for (int c = 0; c < HEADERS.length; c++) {
            widths[c] = HEADERS[c].length();
            for (String[] r : rows) {
                widths[c] = Math.max(widths[c], r[c].length());
            }
            widths[c] = Math.max(widths[c], totals[c].length());
        }
        StringBuilder out = new StringBuilder();
        out.append(Texts.singleLine(report.title())).append('\n');
        out.append("Window: ").append(Formats.window(report));
        if (report.bucketWidth() != null) {
            out.append("   Price catalog: ").append(report.priceCatalogVersions().isEmpty() ? "-"
                    : String.join(", ", report.priceCatalogVersions()));
        }
        out.append('\n');
        if (report.reconciliation() != null) {
            out.append("Reconciliation: ").append(Texts.singleLine(report.reconciliation())).append('\n');
        }
        out.append('\n');
        line(out, HEADERS, widths);
        rule(out, widths);
        for (String[] r : rows) {
            line(out, r, widths);
        }
        rule(out, widths);
        line(out, totals, widths);
        out.append('\n');
        out.append(Formats.COST_NOTE).append('\n');
        StringBuilder targets = new StringBuilder();
        for (Map.Entry<dev.aip.core.tenant.Tier, java.time.Duration> e : report.latencyTargets().entrySet()) {
            targets.append(targets.length() == 0 ? "" : ", ").append(e.getKey().name()).append(' ')
                    .append(Formats.human(e.getValue()));
        }
        out.append("SLA % = calls that succeeded within the tier's latency target (").append(targets)
                .append("), of all calls except policy rejections.").append('\n');
        if (report.excludedRecords() > 0) {
            out.append(report.excludedRecords()).append(" records outside the window were left out.").append('\n');
        }
        return out.toString();
    }

    private static String[] cells(TenantRow row) {
        return new String[] {
            row.isTotal() ? "TOTAL" : row.tenant().value(),
            row.isTotal() ? "" : row.tier().name(),
            Formats.count(row.calls()),
            Formats.count(row.tokens().inputTokens()),
            Formats.count(row.tokens().outputTokens()),
            Formats.count(row.tokens().cacheReadInputTokens()),
            Formats.count(row.tokens().cacheWriteInputTokens()),
            Formats.displayCost(row.costUsd(), row.pricedCalls(), row.unpricedCalls()),
            Formats.millis(row.latencyP50()),
            Formats.millis(row.latencyP95()),
            Formats.millis(row.timeToFirstTokenP50()),
            Formats.percent(row.slaCompliance()),
            Formats.failures(row)};
    }

    private static void line(StringBuilder out, String[] cells, int[] widths) {
        StringBuilder line = new StringBuilder();
        for (int c = 0; c < cells.length; c++) {
            if (c > 0) {
                line.append("  ");
            }
            boolean text = c <= 1 || c == LAST;
            String pad = " ".repeat(widths[c] - cells[c].length());
            line.append(text ? cells[c] + pad : pad + cells[c]);
        }
        out.append(line.toString().stripTrailing()).append('\n');
    }

    private static void rule(StringBuilder out, int[] widths) {
        int total = 2 * (widths.length - 1);
        for (int w : widths) {
            total += w;
        }
        out.append("-".repeat(total)).append('\n');
    }
}
