package dev.aip.cli.report;

import java.util.Objects;

/**
 * Renders a {@link UsageReport} as text in one of the {@link ReportFormat}s.
 *
 * <ul>
 *   <li>{@link ReportFormat#TABLE}: aligned columns per tenant (tenant, tier, calls, tokens by bucket, cost, latency
 *       p50/p95, time to first token p50, SLA %, failed calls by kind) and a totals row. Costs are rounded
 *       half-even to 6 decimal places for display; a tenant with unpriced calls shows them, never a bare
 *       {@code 0}.</li>
 *   <li>{@link ReportFormat#CSV}: RFC 4180, CRLF line ends, a header and one line per tenant; exact costs as plain
 *       decimals (empty when no call of the tenant was priced), durations in exact milliseconds.</li>
 *   <li>{@link ReportFormat#JSON}: one document with stable camelCase fields: window, price catalog versions,
 *       latency targets, {@code tenants}, {@code totals}, {@code timeSeries}, {@code serverView}. Costs are exact
 *       decimal strings; durations are numbers of milliseconds.</li>
 *   <li>{@link ReportFormat#HTML}: one self-contained page (inline CSS and SVG, a small inline script that only
 *       checks the charts; no external resource): summary, cost and token bars per tenant, latency percentiles
 *       against each tier's target, usage over time, the per-tenant table and the server-side view. Every
 *       user-provided string is escaped.</li>
 * </ul>
 *
 * <p>The output depends only on the report: rendering the same report twice gives the same string (no clock, no
 * locale, no hash order). Lines end with {@code \n}, except CSV ({@code \r\n}).
 *
 * <p>Thread-safe (stateless).
 */
public final class ReportRenderer {

    private ReportRenderer() {}

    /**
     * Renders the report.
     *
     * @param report the report
     * @param format the format
     * @return the rendered text
     * @throws NullPointerException if an argument is {@code null}
     */
    public static String render(UsageReport report, ReportFormat format) {
        Objects.requireNonNull(report, "report");
        Objects.requireNonNull(format, "format");
        return switch (format) {
            case TABLE -> TableRenderer.render(report);
            case CSV -> CsvRenderer.render(report);
            case JSON -> JsonRenderer.render(report);
            case HTML -> HtmlRenderer.render(report);
        };
    }
}
