package dev.aip.cli.report;

import dev.aip.cli.report.UsageReport.BucketUsage;
import dev.aip.cli.report.UsageReport.TenantRow;
import dev.aip.core.metering.Outcome;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import dev.aip.emulator.ModelMetrics;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The self-contained HTML page: inline CSS, inline SVG, and one small inline script that checks the charts were
 * laid out (it marks {@code <html data-render="ok">}, or {@code "error"} with {@code data-render-error}). A
 * Content-Security-Policy allows nothing but that script (by hash) and inline styles, so the page cannot load
 * anything from anywhere, whatever a string in it says. Every user-provided string goes through
 * {@link Texts#html(String)}.
 */
final class HtmlRenderer {

    /**
     * Checks every chart: it must have a box and at least one mark with a non-empty box. Any script error, before or
     * during the check, marks the page as failed.
     */
    static final String SCRIPT = """
            (function () {
              var root = document.documentElement;
              function fail(message) {
                root.setAttribute('data-render', 'error');
                root.setAttribute('data-render-error', String(message));
              }
              window.addEventListener('error', function (e) { fail(e.message); });
              try {
                var charts = document.querySelectorAll('svg[data-chart]');
                var empty = [];
                for (var i = 0; i < charts.length; i++) {
                  var box = charts[i].getBBox();
                  var marks = charts[i].querySelectorAll('[data-mark]');
                  var drawn = 0;
                  for (var j = 0; j < marks.length; j++) {
                    var b = marks[j].getBBox();
                    if (b.width > 0 || b.height > 0) { drawn++; }
                  }
                  if (!(box.width > 0 && box.height > 0) || drawn === 0) {
                    empty.push(charts[i].getAttribute('data-chart'));
                  }
                }
                root.setAttribute('data-charts', String(charts.length));
                if (empty.length > 0) { fail('empty chart: ' + empty.join(', ')); }
                else if (root.getAttribute('data-render') !== 'error') { root.setAttribute('data-render', 'ok'); }
              } catch (e) {
                fail(e);
              }
            })();
            """;

    /** The hash covers exactly the text between {@code <script>} and {@code </script>}. */
    private static final String SCRIPT_HASH = "sha256-" + sha256("\n" + SCRIPT);

    private static final String CSS = """
            :root { --ink: #1f2933; --muted: #616e7c; --line: #d9e2ec; --bg: #f5f7fa; --card: #fff;
                    --pass: #2e7d32; --fail: #c62828; }
            * { box-sizing: border-box; }
            body { margin: 0; background: var(--bg); color: var(--ink);
                   font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
            main { max-width: 1240px; margin: 0 auto; padding: 28px 24px 48px; }
            header h1 { font-size: 24px; font-weight: 600; margin: 0 0 4px; }
            .meta { color: var(--muted); margin: 0; }
            .recon { margin: 14px 0 0; padding: 8px 12px; border-left: 4px solid #4e79a7; background: #eaf1f8; }
            .note { color: var(--muted); font-size: 12px; }
            .cards { display: grid; grid-template-columns: repeat(6, 1fr); gap: 12px; margin: 20px 0 8px; }
            .card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; }
            .card .k { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
            .card .v { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; white-space: nowrap; }
            .card .s { color: var(--muted); font-size: 12px; }
            section { background: var(--card); border: 1px solid var(--line); border-radius: 6px;
                      padding: 16px 20px; margin-top: 18px; }
            section h2 { font-size: 16px; font-weight: 600; margin: 0 0 2px; }
            section p.sub { color: var(--muted); margin: 0 0 10px; font-size: 13px; }
            svg { display: block; max-width: 100%; height: auto; overflow: visible; }
            svg text { font-size: 12px; fill: var(--ink); }
            svg .axis { fill: var(--muted); font-size: 11px; }
            svg .lbl { font-size: 12px; }
            svg .tier { fill: var(--muted); font-size: 11px; }
            svg .val { font-size: 12px; font-variant-numeric: tabular-nums; }
            svg .unknown { fill: var(--fail); font-style: italic; }
            .legend { list-style: none; display: flex; flex-wrap: wrap; gap: 6px 18px; padding: 0; margin: 4px 0 8px;
                      color: var(--muted); font-size: 12px; }
            .sw { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px;
                  vertical-align: -1px; }
            .sw.dot { border-radius: 50%; }
            .sw.ring { border-radius: 50%; background: #fff; border: 2px solid var(--muted); }
            .sw.bar { width: 3px; height: 12px; border-radius: 0; background: var(--ink); }
            .twin { display: grid; grid-template-columns: 1fr 1fr; gap: 18px; }
            .twin section { margin-top: 18px; }
            table { border-collapse: collapse; width: 100%; font-size: 12.5px; font-variant-numeric: tabular-nums; }
            caption { text-align: left; color: var(--muted); padding-bottom: 6px; font-size: 12px; }
            th, td { padding: 5px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap;
                     vertical-align: top; }
            thead th { color: var(--muted); font-weight: 600; font-size: 12px; border-bottom: 2px solid var(--line);
                       vertical-align: bottom; white-space: normal; }
            tbody th { font-weight: 600; }
            th:first-child, td:first-child { text-align: left; }
            td.t, th.t { text-align: left; }
            td.codes { white-space: normal; text-align: left; }
            td.id { white-space: normal; overflow-wrap: anywhere; text-align: left; max-width: 520px;
                    font: 12px ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
            tfoot td { font-weight: 600; border-top: 2px solid var(--line); border-bottom: 0; }
            .pass { color: var(--pass); } .fail { color: var(--fail); } .muted { color: var(--muted); }
            .scroll { overflow-x: auto; }
            footer { color: var(--muted); font-size: 12px; margin-top: 18px; }
            footer p { margin: 4px 0; }
            """;

    private HtmlRenderer() {}

    static String render(UsageReport report) {
        StringBuilder h = new StringBuilder(64 * 1024);
        String title = Texts.html(report.title());
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; ")
                .append("style-src 'unsafe-inline'; script-src '").append(SCRIPT_HASH)
                .append("'; base-uri 'none'; form-action 'none'\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<meta name=\"generator\" content=\"aip usage report\">\n")
                .append("<title>").append(title).append("</title>\n<style>\n").append(CSS).append("</style>\n")
                .append("</head>\n<body>\n<main>\n");
        header(h, report);
        cards(h, report);
        if (report.tenants().isEmpty()) {
            h.append("<section><h2>No calls</h2><p class=\"sub\">No usage record falls in this window.</p>")
                    .append("</section>\n");
        } else {
            charts(h, report);
            tenantTable(h, report);
            failureTable(h, report);
        }
        serverView(h, report);
        footer(h);
        h.append("</main>\n<script>\n").append(SCRIPT).append("</script>\n</body>\n</html>\n");
        return h.toString();
    }

    private static void header(StringBuilder h, UsageReport report) {
        h.append("<header>\n<h1>").append(Texts.html(report.title())).append("</h1>\n<p class=\"meta\">")
                .append(Texts.html(Formats.window(report)));
        if (report.bucketWidth() != null) {
            h.append(" &middot; buckets of ").append(Texts.html(Formats.human(report.bucketWidth())));
        }
        h.append(" &middot; ").append(report.tenants().size()).append(report.tenants().size() == 1 ? " tenant"
                : " tenants");
        h.append(" &middot; price catalog ").append(report.priceCatalogVersions().isEmpty() ? "&ndash;"
                : Texts.html(String.join(", ", report.priceCatalogVersions())));
        h.append("</p>\n");
        if (report.reconciliation() != null) {
            h.append("<p class=\"recon\"><strong>Reconciliation:</strong> ")
                    .append(Texts.html(report.reconciliation())).append("</p>\n");
        }
        if (report.excludedRecords() > 0) {
            h.append("<p class=\"note\">").append(Formats.count(report.excludedRecords()))
                    .append(" records outside the window were left out.</p>\n");
        }
        h.append("</header>\n");
    }

    private static void cards(StringBuilder h, UsageReport report) {
        TenantRow t = report.totals();
        h.append("<div class=\"cards\">\n");
        card(h, "Calls", Formats.count(t.calls()), t.calls(Outcome.SUCCESS) + " succeeded");
        card(h, "Tokens", HtmlCharts.compact(t.tokens().totalTokens()),
                Formats.count(t.tokens().totalTokens()) + " in all buckets");
        String cost = t.pricedCalls() == 0 && t.unpricedCalls() > 0 ? "unknown"
                : "$" + Formats.rounded(t.costUsd());
        card(h, "Cost (USD)", cost, t.unpricedCalls() == 0 ? "all calls priced"
                : Formats.count(t.unpricedCalls()) + " unpriced calls, not included");
        String failedShare = t.calls() == 0 ? "-" : Formats.percent(
                java.util.OptionalDouble.of((double) t.failedCalls() / t.calls())) + " %";
        card(h, "Failed calls", Formats.count(t.failedCalls()), failedShare + " of calls");
        card(h, "Within SLA", t.slaCompliance().isPresent() ? Formats.percent(t.slaCompliance()) + " %" : "-",
                Formats.count(t.slaMetCalls()) + " of " + Formats.count(t.slaEligibleCalls()) + " calls");
        card(h, "Latency p95", t.latencyP95() == null ? "-" : Formats.millis(t.latencyP95()) + " ms",
                "p50 " + Formats.millis(t.latencyP50()) + " ms");
        h.append("</div>\n");
    }

    private static void card(StringBuilder h, String key, String value, String sub) {
        h.append("<div class=\"card\"><div class=\"k\">").append(key).append("</div><div class=\"v\">")
                .append(Texts.html(value)).append("</div><div class=\"s\">").append(Texts.html(sub))
                .append("</div></div>\n");
    }

    private static void charts(StringBuilder h, UsageReport report) {
        int n = report.tenants().size();
        String more = n > HtmlCharts.MAX_ROWS ? " The " + HtmlCharts.MAX_ROWS + " largest of " + n
                + " tenants; the table lists all." : "";
        boolean anyCost = report.tenants().stream().anyMatch(r -> r.costUsd().signum() > 0);
        h.append("<section id=\"cost\">\n<h2>Cost by tenant</h2>\n<p class=\"sub\">Exact cost of priced calls,")
                .append(" rounded for display; unpriced calls are named, never counted as $0.").append(more)
                .append("</p>\n");
        h.append(anyCost ? HtmlCharts.costBars(report) : "<p class=\"muted\">No priced call in this window.</p>")
                .append("\n</section>\n");

        boolean anyTokens = report.totals().tokens().totalTokens() > 0;
        h.append("<section id=\"tokens\">\n<h2>Tokens by tenant</h2>\n<p class=\"sub\">Stacked by billing bucket;")
                .append(" Bedrock's input tokens exclude cache reads and writes.").append(more).append("</p>\n");
        h.append("<ul class=\"legend\">");
        for (int i = 0; i < HtmlCharts.TOKEN_NAMES.length; i++) {
            HtmlCharts.swatch(h, HtmlCharts.TOKEN_COLOURS[i], HtmlCharts.TOKEN_NAMES[i]);
        }
        h.append("</ul>\n");
        h.append(anyTokens ? HtmlCharts.tokenBars(report) : "<p class=\"muted\">No tokens in this window.</p>")
                .append("\n</section>\n");

        h.append("<section id=\"latency\">\n<h2>Latency against target</h2>\n<p class=\"sub\">Each tenant's")
                .append(" p50, p95 and p99 latency against its tier's target (")
                .append(Texts.html(targets(report))).append("). Green: p95 within the target; red: over it.")
                .append(" SLA = calls that succeeded within the target.").append(more).append("</p>\n");
        h.append("<ul class=\"legend\"><li><span class=\"sw dot\" style=\"background:#7b8794\"></span>p50</li>")
                .append("<li><span class=\"sw dot\" style=\"background:#7b8794;width:12px;height:12px\"></span>p95</li>")
                .append("<li><span class=\"sw ring\"></span>p99</li><li><span class=\"sw bar\"></span>target</li>")
                .append("<li><span class=\"sw\" style=\"background:").append(HtmlCharts.PASS)
                .append("\"></span>within target</li><li><span class=\"sw\" style=\"background:")
                .append(HtmlCharts.FAIL).append("\"></span>over target</li></ul>\n");
        h.append(HtmlCharts.latency(report)).append("\n</section>\n");

        List<TenantId> byCalls = HtmlCharts.seriesTenants(report, TenantRow::calls);
        List<TenantId> byTokens = HtmlCharts.seriesTenants(report, r -> r.tokens().totalTokens());
        boolean other = n > byCalls.size();
        h.append("<div class=\"twin\">\n<section id=\"calls-over-time\">\n<h2>Calls over time</h2>\n")
                .append("<p class=\"sub\">Call attempts per bucket, stacked by tenant.</p>\n")
                .append(HtmlCharts.seriesLegend(byCalls, other)).append('\n')
                .append(HtmlCharts.overTime(report, "calls-over-time", "calls", byCalls, BucketUsage::calls, 540))
                .append("\n</section>\n");
        h.append("<section id=\"tokens-over-time\">\n<h2>Tokens over time</h2>\n")
                .append("<p class=\"sub\">Tokens of all buckets per time bucket, stacked by tenant.</p>\n")
                .append(HtmlCharts.seriesLegend(byTokens, other)).append('\n');
        h.append(anyTokens ? HtmlCharts.overTime(report, "tokens-over-time", "tokens", byTokens,
                u -> u.tokens().totalTokens(), 540) : "<p class=\"muted\">No tokens in this window.</p>");
        h.append("\n</section>\n</div>\n");
    }

    private static String targets(UsageReport report) {
        StringJoiner j = new StringJoiner(", ");
        for (Map.Entry<Tier, Duration> e : report.latencyTargets().entrySet()) {
            j.add(e.getKey().name() + " " + Formats.human(e.getValue()));
        }
        return j.length() == 0 ? "none set" : j.toString();
    }

    private static void tenantTable(StringBuilder h, UsageReport report) {
        h.append("<section id=\"table\">\n<h2>Per tenant</h2>\n<div class=\"scroll\">\n<table>\n")
                .append("<caption>Costs in USD, rounded half-even to ").append(Formats.DISPLAY_SCALE)
                .append(" decimal places; latencies in milliseconds, exact nearest-rank percentiles.</caption>\n")
                .append("<thead><tr>");
        String[] heads = {"Tenant", "Tier", "Calls", "Input", "Output", "Cache read", "Cache write", "Cost USD",
            "Unpriced", "Latency p50 / p95 / p99", "TTFT p50 / p95", "Target", "SLA %", "Failed"};
        for (String head : heads) {
            h.append("<th scope=\"col\"").append(head.equals("Tier") ? " class=\"t\"" : "").append('>')
                    .append(head).append("</th>");
        }
        h.append("</tr></thead>\n<tbody>\n");
        for (TenantRow r : report.tenants()) {
            row(h, r);
        }
        h.append("</tbody>\n<tfoot>\n");
        row(h, report.totals());
        h.append("</tfoot>\n</table>\n</div>\n</section>\n");
    }

    private static void row(StringBuilder h, TenantRow r) {
        h.append("<tr>");
        if (r.isTotal()) {
            h.append("<td>Total</td><td class=\"t\"></td>");
        } else {
            h.append("<th scope=\"row\" class=\"t\">").append(Texts.html(r.tenant().value()))
                    .append("</th><td class=\"t\">").append(Texts.html(r.tier().name())).append("</td>");
        }
        td(h, Formats.count(r.calls()));
        td(h, Formats.count(r.tokens().inputTokens()));
        td(h, Formats.count(r.tokens().outputTokens()));
        td(h, Formats.count(r.tokens().cacheReadInputTokens()));
        td(h, Formats.count(r.tokens().cacheWriteInputTokens()));
        // Never a bare 0 for calls whose price is unknown: "unknown" when none was priced, and the count beside.
        if (r.pricedCalls() == 0 && r.unpricedCalls() > 0) {
            h.append("<td class=\"fail\">unknown</td>");
        } else {
            td(h, Formats.rounded(r.costUsd()));
        }
        h.append(r.unpricedCalls() > 0 ? "<td class=\"fail\">" : "<td>").append(Formats.count(r.unpricedCalls()))
                .append("</td>");
        td(h, Formats.millis(r.latencyP50()) + " / " + Formats.millis(r.latencyP95()) + " / "
                + Formats.millis(r.latencyP99()));
        td(h, Formats.millis(r.timeToFirstTokenP50()) + " / " + Formats.millis(r.timeToFirstTokenP95()));
        td(h, r.latencyTarget() == null ? "-" : Formats.human(r.latencyTarget()));
        String cls = "";
        if (!r.isTotal() && r.latencyTarget() != null && r.latencyP95() != null) {
            cls = r.latencyP95().compareTo(r.latencyTarget()) <= 0 ? " class=\"pass\"" : " class=\"fail\"";
        }
        h.append("<td").append(cls).append('>').append(Formats.percent(r.slaCompliance())).append("</td>");
        td(h, Formats.count(r.failedCalls()));
        h.append("</tr>\n");
    }

    private static void failureTable(StringBuilder h, UsageReport report) {
        h.append("<section id=\"failures\">\n<h2>Failed calls</h2>\n");
        if (report.totals().failedCalls() == 0) {
            h.append("<p class=\"sub\">Every call succeeded.</p>\n</section>\n");
            return;
        }
        h.append("<p class=\"sub\">Call attempts that did not succeed, by outcome and by error code.</p>\n")
                .append("<div class=\"scroll\">\n<table>\n<thead><tr><th scope=\"col\">Tenant</th>")
                .append("<th scope=\"col\">Failed</th>");
        List<Outcome> kinds = new ArrayList<>();
        for (Outcome o : Outcome.values()) {
            if (o != Outcome.SUCCESS && report.totals().calls(o) > 0) {
                kinds.add(o);
                h.append("<th scope=\"col\">").append(Texts.html(Formats.title(o))).append("</th>");
            }
        }
        h.append("<th scope=\"col\" class=\"t\">Error codes</th></tr></thead>\n<tbody>\n");
        for (TenantRow r : report.tenants()) {
            if (r.failedCalls() > 0) {
                h.append("<tr><th scope=\"row\" class=\"t\">").append(Texts.html(r.tenant().value()))
                        .append("</th>");
                failureCells(h, r, kinds);
            }
        }
        h.append("</tbody>\n<tfoot>\n<tr><td>Total</td>");
        failureCells(h, report.totals(), kinds);
        h.append("</tfoot>\n</table>\n</div>\n</section>\n");
    }

    private static void failureCells(StringBuilder h, TenantRow r, List<Outcome> kinds) {
        td(h, Formats.count(r.failedCalls()));
        for (Outcome o : kinds) {
            td(h, r.calls(o) == 0 ? "" : Formats.count(r.calls(o)));
        }
        StringJoiner codes = new StringJoiner(", ");
        r.errorsByCode().forEach((code, count) -> codes.add(code + " " + Formats.count(count)));
        h.append("<td class=\"codes\">").append(Texts.html(codes.toString())).append("</td></tr>\n");
    }

    private static void td(StringBuilder h, String text) {
        h.append("<td>").append(Texts.html(text)).append("</td>");
    }

    private static void serverView(StringBuilder h, UsageReport report) {
        if (report.serverView().isEmpty()) {
            return;
        }
        h.append("<section id=\"server-view\">\n<h2>Server-side view</h2>\n<p class=\"sub\">What Bedrock counted")
                .append(" per ModelId (application inference profile), with the tenant that owns it.</p>\n")
                .append("<div class=\"scroll\">\n<table>\n<thead><tr>");
        String[] heads = {"ModelId", "Tenant", "Invocations", "Input", "Output", "Cache read", "Cache write",
            "Throttles", "Client errors", "Server errors"};
        for (String head : heads) {
            h.append("<th scope=\"col\"").append(head.equals("Tenant") ? " class=\"t\"" : "").append('>')
                    .append(head).append("</th>");
        }
        h.append("</tr></thead>\n<tbody>\n");
        for (ModelMetrics m : report.serverView()) {
            String owner = report.profileOwners().get(m.modelId());
            h.append("<tr><td class=\"id\">").append(Texts.html(m.modelId())).append("</td><td class=\"t")
                    .append(owner == null ? " muted" : "").append("\">")
                    .append(owner == null ? "(no tenant)" : Texts.html(owner)).append("</td>");
            td(h, Formats.count(m.invocations()));
            td(h, Formats.count(m.inputTokenCount()));
            td(h, Formats.count(m.outputTokenCount()));
            td(h, Formats.count(m.cacheReadInputTokenCount()));
            td(h, Formats.count(m.cacheWriteInputTokenCount()));
            td(h, Formats.count(m.invocationThrottles()));
            td(h, Formats.count(m.invocationClientErrors()));
            td(h, Formats.count(m.invocationServerErrors()));
            h.append("</tr>\n");
        }
        h.append("</tbody>\n</table>\n</div>\n</section>\n");
    }

    private static void footer(StringBuilder h) {
        h.append("<footer>\n<p>").append(Texts.html(Formats.COST_NOTE)).append("</p>\n<p>SLA compliance: calls")
                .append(" that succeeded within their tier's latency target, of all calls except those rejected by")
                .append(" policy before reaching the model. Percentiles are exact nearest-rank values over all")
                .append(" call attempts (time to first token: over streams that produced content).</p>\n")
                .append("</footer>\n");
    }

    static String sha256(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }
}
