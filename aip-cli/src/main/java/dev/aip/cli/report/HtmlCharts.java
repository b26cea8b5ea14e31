package dev.aip.cli.report;

import dev.aip.cli.report.UsageReport.Bucket;
import dev.aip.cli.report.UsageReport.BucketUsage;
import dev.aip.cli.report.UsageReport.TenantRow;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.tenant.TenantId;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.ToLongFunction;

/**
 * The inline SVG charts of the HTML report. Each chart is an {@code <svg data-chart="…">} whose marks (bars, dots,
 * areas) carry {@code data-mark} and a {@code <title>} with the exact figure, so the page's self-check and a reader
 * with a screen reader or a mouse both get the numbers. Coordinates are rounded to 0.1 px with {@link Locale#ROOT},
 * so the same report always gives the same bytes.
 */
final class HtmlCharts {

    /** Charts show this many tenants at most (the largest); the table lists all. */
    static final int MAX_ROWS = 30;
    /** The time series shows this many tenants, the rest summed as "other tenants". */
    static final int MAX_SERIES = 8;

    static final String[] TENANT_COLOURS = {
        "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f"};
    static final String OTHER_COLOUR = "#bab0ac";
    static final String[] TOKEN_COLOURS = {"#4e79a7", "#f28e2b", "#76b7b2", "#b07aa1"};
    static final String[] TOKEN_NAMES = {"input", "output", "cache read", "cache write"};
    static final String PASS = "#2e7d32";
    static final String FAIL = "#c62828";
    static final String NEUTRAL = "#7b8794";
    private static final String INK = "#1f2933";
    private static final String MUTED = "#616e7c";
    private static final String GRID = "#e4e7eb";

    private static final int WIDTH = 1100;
    private static final int LABEL = 220;
    private static final int ROW = 26;

    private HtmlCharts() {}

    // ---------------------------------------------------------------- cost bars

    static String costBars(UsageReport report) {
        List<TenantRow> rows = new ArrayList<>(report.tenants());
        rows.sort(Comparator.comparing(TenantRow::costUsd).reversed()
                .thenComparing(Comparator.comparingLong(TenantRow::unpricedCalls).reversed())
                .thenComparing(TenantRow::tenant));
        rows = rows.subList(0, Math.min(rows.size(), MAX_ROWS));
        double max = rows.stream().mapToDouble(r -> r.costUsd().doubleValue()).max().orElse(0);
        int barArea = WIDTH - LABEL - 200;
        int height = rows.size() * ROW + 28;
        StringBuilder s = open("cost", "Cost by tenant, US dollars", height);
        axisTicks(s, max, barArea, 14, height - 14, v -> "$" + trim(v));
        int y = 14;
        for (TenantRow r : rows) {
            label(s, r, y);
            double w = max > 0 ? r.costUsd().doubleValue() / max * barArea : 0;
            String cost = Formats.displayCost(r.costUsd(), r.pricedCalls(), r.unpricedCalls());
            if (w > 0) {
                s.append("<rect data-mark=\"cost\" x=\"").append(LABEL).append("\" y=\"").append(y + 4)
                        .append("\" width=\"").append(f(Math.max(w, 1))).append("\" height=\"").append(ROW - 8)
                        .append("\" rx=\"2\" fill=\"#4e79a7\"><title>").append(esc(name(r))).append(": $")
                        .append(esc(cost)).append("</title></rect>");
            }
            s.append("<text x=\"").append(f(LABEL + w + 6)).append("\" y=\"").append(y + ROW / 2 + 4)
                    .append("\" class=\"val").append(r.pricedCalls() == 0 ? " unknown" : "").append("\">")
                    .append(r.pricedCalls() == 0 && r.unpricedCalls() > 0 ? esc(cost) : "$" + esc(cost))
                    .append("</text>");
            y += ROW;
        }
        return close(s);
    }

    // ---------------------------------------------------------------- token bars

    static String tokenBars(UsageReport report) {
        List<TenantRow> rows = new ArrayList<>(report.tenants());
        rows.sort(Comparator.comparingLong((TenantRow r) -> r.tokens().totalTokens()).reversed()
                .thenComparing(TenantRow::tenant));
        rows = rows.subList(0, Math.min(rows.size(), MAX_ROWS));
        double max = rows.stream().mapToLong(r -> r.tokens().totalTokens()).max().orElse(0);
        int barArea = WIDTH - LABEL - 140;
        int height = rows.size() * ROW + 28;
        StringBuilder s = open("tokens", "Tokens by tenant, stacked by bucket: input, output, cache read, cache write",
                height);
        axisTicks(s, max, barArea, 14, height - 14, HtmlCharts::compact);
        int y = 14;
        for (TenantRow r : rows) {
            label(s, r, y);
            long[] parts = parts(r.tokens());
            double x = LABEL;
            for (int i = 0; i < parts.length; i++) {
                if (parts[i] == 0) {
                    continue;
                }
                double w = parts[i] / max * barArea;
                s.append("<rect data-mark=\"tokens\" x=\"").append(f(x)).append("\" y=\"").append(y + 4)
                        .append("\" width=\"").append(f(Math.max(w, 0.5))).append("\" height=\"").append(ROW - 8)
                        .append("\" fill=\"").append(TOKEN_COLOURS[i]).append("\"><title>").append(esc(name(r)))
                        .append(", ").append(TOKEN_NAMES[i]).append(": ").append(Formats.count(parts[i]))
                        .append(" tokens</title></rect>");
                x += w;
            }
            s.append("<text x=\"").append(f(x + 6)).append("\" y=\"").append(y + ROW / 2 + 4)
                    .append("\" class=\"val\">").append(Formats.count(r.tokens().totalTokens())).append("</text>");
            y += ROW;
        }
        return close(s);
    }

    static long[] parts(TokenUsage u) {
        return new long[] {u.inputTokens(), u.outputTokens(), u.cacheReadInputTokens(), u.cacheWriteInputTokens()};
    }

    // ---------------------------------------------------------------- latency against target

    static String latency(UsageReport report) {
        List<TenantRow> rows = new ArrayList<>();
        for (TenantRow r : report.tenants()) {
            if (r.latencyP50() != null) {
                rows.add(r);
            }
        }
        // Tightest targets first, then by id: tenants of one tier sit together.
        rows.sort(Comparator.comparing((TenantRow r) -> r.latencyTarget() == null ? Duration.ofDays(365_000)
                : r.latencyTarget()).thenComparing(TenantRow::tenant));
        rows = rows.subList(0, Math.min(rows.size(), MAX_ROWS));
        double max = 0;
        for (TenantRow r : rows) {
            max = Math.max(max, ms(r.latencyP95()));
            if (r.latencyTarget() != null) {
                max = Math.max(max, ms(r.latencyTarget()));
            }
        }
        double axisMax = niceCeil(max * 1.1);
        int plot = WIDTH - LABEL - 150;
        int height = rows.size() * ROW + 34;
        StringBuilder s = open("latency", "Latency percentiles per tenant against its tier's target", height);
        axisTicks(s, axisMax, plot, 14, height - 20, v -> trimMs(v));
        int y = 14;
        for (TenantRow r : rows) {
            label(s, r, y);
            int cy = y + ROW / 2;
            Duration target = r.latencyTarget();
            boolean hasTarget = target != null;
            boolean pass = hasTarget && r.latencyP95().compareTo(target) <= 0;
            String colour = !hasTarget ? NEUTRAL : pass ? PASS : FAIL;
            double x50 = x(ms(r.latencyP50()), axisMax, plot);
            double x95 = x(ms(r.latencyP95()), axisMax, plot);
            double x99 = x(ms(r.latencyP99()), axisMax, plot);
            s.append("<line x1=\"").append(f(x50)).append("\" y1=\"").append(cy).append("\" x2=\"").append(f(x99))
                    .append("\" y2=\"").append(cy).append("\" stroke=\"").append(colour)
                    .append("\" stroke-width=\"2\" stroke-opacity=\"0.45\"/>");
            if (hasTarget) {
                double xt = x(ms(target), axisMax, plot);
                s.append("<line data-mark=\"target\" x1=\"").append(f(xt)).append("\" y1=\"").append(y + 3)
                        .append("\" x2=\"").append(f(xt)).append("\" y2=\"").append(y + ROW - 3)
                        .append("\" stroke=\"").append(INK).append("\" stroke-width=\"2\"><title>")
                        .append(esc(name(r))).append(": target ").append(Formats.human(target))
                        .append(" (tier ").append(esc(r.tier().name())).append(")</title></line>");
            }
            dot(s, r, "p50", x50, cy, 3.5, colour, true, r.latencyP50());
            dot(s, r, "p95", x95, cy, 5.5, colour, true, r.latencyP95());
            dot(s, r, "p99", x99, cy, 4, colour, false, r.latencyP99());
            if (ms(r.latencyP99()) > axisMax) {
                s.append("<path d=\"M").append(f(LABEL + plot + 2)).append(' ').append(cy - 5).append(" l7 5 l-7 5z\" fill=\"")
                        .append(colour).append("\"><title>").append(esc(name(r))).append(": p99 ")
                        .append(Formats.millis(r.latencyP99())).append(" ms, beyond the axis</title></path>");
            }
            String sla = r.slaCompliance().isPresent() ? Formats.percent(r.slaCompliance()) + " % in SLA"
                    : "no target";
            s.append("<text x=\"").append(LABEL + plot + 16).append("\" y=\"").append(cy + 4)
                    .append("\" class=\"val\" fill=\"").append(colour).append("\">").append(sla).append("</text>");
            y += ROW;
        }
        s.append("<text x=\"").append(LABEL + plot / 2).append("\" y=\"").append(height - 2)
                .append("\" class=\"axis\" text-anchor=\"middle\">latency</text>");
        return close(s);
    }

    private static void dot(StringBuilder s, TenantRow r, String which, double x, int y, double radius,
                            String colour, boolean filled, Duration value) {
        s.append("<circle data-mark=\"").append(which).append("\" cx=\"").append(f(x)).append("\" cy=\"").append(y)
                .append("\" r=\"").append(f(radius)).append("\" fill=\"").append(filled ? colour : "#fff")
                .append("\" stroke=\"").append(colour).append("\" stroke-width=\"").append(filled ? "1" : "2")
                .append("\"><title>").append(esc(name(r))).append(": ").append(which).append(' ')
                .append(Formats.millis(value)).append(" ms</title></circle>");
    }

    private static double x(double valueMs, double axisMax, int plot) {
        return LABEL + Math.min(valueMs, axisMax) / axisMax * plot;
    }

    private static double ms(Duration d) {
        return d.toNanos() / 1e6;
    }

    // ---------------------------------------------------------------- usage over time

    /** The tenants drawn as their own series: the largest by the measure; the rest become "other tenants". */
    static List<TenantId> seriesTenants(UsageReport report, ToLongFunction<TenantRow> measure) {
        List<TenantRow> rows = new ArrayList<>(report.tenants());
        rows.sort(Comparator.comparingLong(measure).reversed().thenComparing(TenantRow::tenant));
        List<TenantId> ids = new ArrayList<>();
        int limit = rows.size() > MAX_SERIES ? MAX_SERIES - 1 : rows.size();
        for (int i = 0; i < limit; i++) {
            ids.add(rows.get(i).tenant());
        }
        return ids;
    }

    static String overTime(UsageReport report, String chart, String what, List<TenantId> shown,
                           ToLongFunction<BucketUsage> measure, int width) {
        List<Bucket> buckets = report.timeSeries();
        int n = buckets.size();
        boolean other = shown.size() < report.tenants().size();
        int series = shown.size() + (other ? 1 : 0);
        long[][] values = new long[series][n];
        double max = 0;
        for (int b = 0; b < n; b++) {
            long stack = 0;
            for (var e : buckets.get(b).tenants().entrySet()) {
                int k = shown.indexOf(e.getKey());
                long v = measure.applyAsLong(e.getValue());
                values[k >= 0 ? k : series - 1][b] += v;
                stack += v;
            }
            max = Math.max(max, stack);
        }
        double yMax = niceCeil(max);
        int left = 64;
        int right = 16;
        int top = 12;
        int plotH = 220;
        int plotW = width - left - right;
        int height = top + plotH + 44;
        StringBuilder s = new StringBuilder();
        s.append("<svg data-chart=\"").append(chart).append("\" role=\"img\" aria-labelledby=\"").append(chart)
                .append("-title\" width=\"").append(width).append("\" height=\"").append(height)
                .append("\" viewBox=\"0 0 ").append(width).append(' ').append(height).append("\"><title id=\"")
                .append(chart).append("-title\">").append(esc(what)).append("</title>");
        // Horizontal grid and y labels.
        for (double v : ticks(yMax)) {
            double y = top + plotH - v / yMax * plotH;
            s.append("<line x1=\"").append(left).append("\" y1=\"").append(f(y)).append("\" x2=\"")
                    .append(left + plotW).append("\" y2=\"").append(f(y)).append("\" stroke=\"").append(GRID)
                    .append("\"/><text x=\"").append(left - 6).append("\" y=\"").append(f(y + 4))
                    .append("\" class=\"axis\" text-anchor=\"end\">").append(compact(v)).append("</text>");
        }
        // Each bucket's value sits at the bucket's centre; the edges repeat the first and last value, so a single
        // bucket still draws a band across the window.
        double step = (double) plotW / n;
        double[] xs = new double[n + 2];
        xs[0] = left;
        for (int b = 0; b < n; b++) {
            xs[b + 1] = left + step * (b + 0.5);
        }
        xs[n + 1] = left + plotW;
        long[] base = new long[n];
        for (int k = 0; k < series; k++) {
            long[] topV = new long[n];
            for (int b = 0; b < n; b++) {
                topV[b] = base[b] + values[k][b];
            }
            StringBuilder d = new StringBuilder("M");
            for (int i = 0; i < n + 2; i++) {
                int b = Math.min(Math.max(i - 1, 0), n - 1);
                d.append(i == 0 ? "" : " L").append(f(xs[i])).append(' ')
                        .append(f(top + plotH - topV[b] / yMax * plotH));
            }
            for (int i = n + 1; i >= 0; i--) {
                int b = Math.min(Math.max(i - 1, 0), n - 1);
                d.append(" L").append(f(xs[i])).append(' ').append(f(top + plotH - base[b] / yMax * plotH));
            }
            d.append(" Z");
            long total = 0;
            for (long v : values[k]) {
                total += v;
            }
            String colour = k < shown.size() ? TENANT_COLOURS[k % TENANT_COLOURS.length] : OTHER_COLOUR;
            String name = k < shown.size() ? shown.get(k).value() : "other tenants";
            s.append("<path data-mark=\"series\" d=\"").append(d).append("\" fill=\"").append(colour)
                    .append("\" fill-opacity=\"0.85\" stroke=\"").append(colour).append("\"><title>")
                    .append(esc(name)).append(": ").append(Formats.count(total)).append(' ').append(esc(what))
                    .append(" in the window</title></path>");
            base = topV;
        }
        // Per-bucket totals as invisible hover targets, so each bucket's figure can be read.
        for (int b = 0; b < n; b++) {
            Bucket bucket = buckets.get(b);
            s.append("<rect x=\"").append(f(left + step * b)).append("\" y=\"").append(top).append("\" width=\"")
                    .append(f(step)).append("\" height=\"").append(plotH)
                    .append("\" fill=\"transparent\"><title>").append(Formats.instant(bucket.start())).append(": ")
                    .append(Formats.count(base[b])).append(' ').append(esc(what)).append("</title></rect>");
        }
        s.append("<line x1=\"").append(left).append("\" y1=\"").append(top + plotH).append("\" x2=\"")
                .append(left + plotW).append("\" y2=\"").append(top + plotH).append("\" stroke=\"").append(MUTED)
                .append("\"/>");
        // Up to seven time labels, at bucket starts.
        int every = Math.max(1, (int) Math.ceil(n / 7.0));
        DateTimeFormatter format = timeFormat(report);
        for (int b = 0; b < n; b += every) {
            double x = left + step * b;
            s.append("<line x1=\"").append(f(x)).append("\" y1=\"").append(top + plotH).append("\" x2=\"")
                    .append(f(x)).append("\" y2=\"").append(top + plotH + 4).append("\" stroke=\"").append(MUTED)
                    .append("\"/><text x=\"").append(f(x)).append("\" y=\"").append(top + plotH + 17)
                    .append("\" class=\"axis\" text-anchor=\"").append(b == 0 ? "start" : "middle").append("\">")
                    .append(format.format(buckets.get(b).start())).append("</text>");
        }
        s.append("<text x=\"").append(left + plotW / 2).append("\" y=\"").append(height - 4)
                .append("\" class=\"axis\" text-anchor=\"middle\">UTC, buckets of ")
                .append(Formats.human(report.bucketWidth())).append("</text>");
        return s.append("</svg>").toString();
    }

    static String seriesLegend(List<TenantId> shown, boolean other) {
        StringBuilder s = new StringBuilder("<ul class=\"legend\">");
        for (int k = 0; k < shown.size(); k++) {
            swatch(s, TENANT_COLOURS[k % TENANT_COLOURS.length], shown.get(k).value());
        }
        if (other) {
            swatch(s, OTHER_COLOUR, "other tenants");
        }
        return s.append("</ul>").toString();
    }

    static void swatch(StringBuilder s, String colour, String label) {
        s.append("<li><span class=\"sw\" style=\"background:").append(colour).append("\"></span>")
                .append(esc(label)).append("</li>");
    }

    private static DateTimeFormatter timeFormat(UsageReport report) {
        boolean days = report.bucketWidth().compareTo(Duration.ofDays(1)) >= 0;
        Instant from = report.timeSeries().get(0).start();
        Instant to = report.timeSeries().get(report.timeSeries().size() - 1).end();
        boolean oneDay = Duration.between(from, to).compareTo(Duration.ofDays(1)) <= 0;
        boolean seconds = report.bucketWidth().getSeconds() < 60;
        String pattern = days ? "yyyy-MM-dd" : oneDay ? (seconds ? "HH:mm:ss" : "HH:mm") : "MM-dd HH:mm";
        return DateTimeFormatter.ofPattern(pattern, Locale.ROOT).withZone(ZoneOffset.UTC);
    }

    // ---------------------------------------------------------------- shared pieces

    private static StringBuilder open(String chart, String title, int height) {
        StringBuilder s = new StringBuilder();
        s.append("<svg data-chart=\"").append(chart).append("\" role=\"img\" aria-labelledby=\"").append(chart)
                .append("-title\" width=\"").append(WIDTH).append("\" height=\"").append(height)
                .append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(height).append("\"><title id=\"")
                .append(chart).append("-title\">").append(esc(title)).append("</title>");
        return s;
    }

    private static String close(StringBuilder s) {
        return s.append("</svg>").toString();
    }

    private static void label(StringBuilder s, TenantRow r, int y) {
        String id = r.tenant().value();
        String shown = id.length() > 26 ? id.substring(0, 25) + "\u2026" : id;
        s.append("<text x=\"").append(LABEL - 10).append("\" y=\"").append(y + ROW / 2 + 4)
                .append("\" text-anchor=\"end\" class=\"lbl\"><title>").append(esc(name(r))).append("</title>")
                .append(esc(shown)).append("<tspan class=\"tier\"> ").append(esc(r.tier().name()))
                .append("</tspan></text>");
    }

    private static String name(TenantRow r) {
        return r.tenant().value() + " (" + r.tier().name() + ")";
    }

    /** Vertical grid lines with labels under a horizontal value axis starting at {@link #LABEL}. */
    private static void axisTicks(StringBuilder s, double max, int plot, int top, int bottom,
                                  java.util.function.DoubleFunction<String> label) {
        if (max <= 0) {
            return;
        }
        double axisMax = niceCeil(max);
        for (double v : ticks(axisMax)) {
            double x = LABEL + v / max * plot;
            if (x > LABEL + plot + 0.5) {
                break;
            }
            s.append("<line x1=\"").append(f(x)).append("\" y1=\"").append(top).append("\" x2=\"").append(f(x))
                    .append("\" y2=\"").append(bottom - 4).append("\" stroke=\"").append(GRID)
                    .append("\"/><text x=\"").append(f(x)).append("\" y=\"").append(bottom + 8)
                    .append("\" class=\"axis\" text-anchor=\"middle\">").append(esc(label.apply(v)))
                    .append("</text>");
        }
    }

    /** Tick values 0, step, 2·step … up to {@code max}, with a 1-2-5 step giving four or five intervals. */
    static List<Double> ticks(double max) {
        List<Double> ticks = new ArrayList<>();
        if (max <= 0) {
            ticks.add(0.0);
            return ticks;
        }
        double step = niceStep(max / 4);
        for (int i = 0; i * step <= max * (1 + 1e-9); i++) {
            ticks.add(i * step);
        }
        return ticks;
    }

    static double niceStep(double raw) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        double m = raw / magnitude;
        double nice = m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10;
        return nice * magnitude;
    }

    /** The smallest multiple of a 1-2-5 step at or above {@code max}; 1 for nothing, so scales never divide by 0. */
    static double niceCeil(double max) {
        if (max <= 0) {
            return 1;
        }
        double step = niceStep(max / 4);
        return Math.ceil(max / step - 1e-9) * step;
    }

    /** A count in three significant digits with a k, M or G suffix: {@code 3.06M}, {@code 850k}, {@code 42}. */
    static String compact(double v) {
        String[] suffixes = {"", "k", "M", "G", "T"};
        int i = 0;
        while (v >= 999.5 && i < suffixes.length - 1) {
            v /= 1000;
            i++;
        }
        String digits = v >= 99.5 ? String.format(Locale.ROOT, "%.0f", v)
                : v >= 9.95 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.2f", v);
        if (digits.contains(".")) {
            digits = digits.replaceFirst("0+$", "");
            digits = digits.endsWith(".") ? digits.substring(0, digits.length() - 1) : digits;
        }
        return digits + suffixes[i];
    }

    private static String trimMs(double v) {
        return v >= 1000 ? trim(v / 1000) + " s" : trim(v) + " ms";
    }

    static String trim(double v) {
        String s = String.format(Locale.ROOT, "%.6f", v);
        s = s.replaceFirst("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    static String f(double v) {
        String s = String.format(Locale.ROOT, "%.1f", v);
        return s.endsWith(".0") ? s.substring(0, s.length() - 2) : s;
    }

    private static String esc(String s) {
        return Texts.html(s);
    }
}
