/**
 * Per-tenant usage reports from usage records (typically a {@code JsonLinesLedger}).
 *
 * <p>The public types: {@link dev.aip.cli.report.UsageReport} (the computed figures: a row per tenant, totals, a
 * time series), {@link dev.aip.cli.report.ReportOptions} (window, title, latency targets per tier, the optional
 * server-side view and reconciliation line), {@link dev.aip.cli.report.ReportFormat} and
 * {@link dev.aip.cli.report.ReportRenderer}, which writes a report as an aligned table, RFC 4180 CSV, JSON or one
 * self-contained HTML page with charts. Everything else is package-private.
 */
package dev.aip.cli.report;
