package dev.aip.cli.report;

import dev.aip.cli.report.UsageReport.TenantRow;
import dev.aip.core.metering.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/**
 * RFC 4180 CSV: a header line, then one line per tenant (no totals line, so the file sums cleanly); CRLF line
 * ends. Costs are exact plain decimals; durations are exact milliseconds; empty fields mean "none".
 */
final class CsvRenderer {

    private CsvRenderer() {}

    static String render(UsageReport report) {
        List<String> header = new ArrayList<>(List.of("tenant", "tier", "calls"));
        for (Outcome o : Outcome.values()) {
            header.add("calls_" + o.name().toLowerCase(Locale.ROOT));
        }
        header.addAll(List.of("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens",
                "cost_usd", "unpriced_calls", "latency_p50_ms", "latency_p95_ms", "latency_p99_ms", "ttft_p50_ms",
                "ttft_p95_ms", "latency_target_ms", "sla_eligible_calls", "sla_met_calls", "sla_compliance",
                "errors_by_code"));
        StringBuilder out = new StringBuilder();
        line(out, header);
        for (TenantRow row : report.tenants()) {
            List<String> f = new ArrayList<>();
            f.add(row.tenant().value());
            f.add(row.tier().name());
            f.add(Long.toString(row.calls()));
            for (Outcome o : Outcome.values()) {
                f.add(Long.toString(row.calls(o)));
            }
            f.add(Long.toString(row.tokens().inputTokens()));
            f.add(Long.toString(row.tokens().outputTokens()));
            f.add(Long.toString(row.tokens().cacheReadInputTokens()));
            f.add(Long.toString(row.tokens().cacheWriteInputTokens()));
            // No priced call at all: the cost is unknown, not zero.
            f.add(row.pricedCalls() == 0 && row.unpricedCalls() > 0 ? "" : Formats.exact(row.costUsd()));
            f.add(Long.toString(row.unpricedCalls()));
            f.add(ms(row.latencyP50()));
            f.add(ms(row.latencyP95()));
            f.add(ms(row.latencyP99()));
            f.add(ms(row.timeToFirstTokenP50()));
            f.add(ms(row.timeToFirstTokenP95()));
            f.add(ms(row.latencyTarget()));
            f.add(Long.toString(row.slaEligibleCalls()));
            f.add(Long.toString(row.slaMetCalls()));
            f.add(row.slaCompliance().isPresent()
                    ? String.format(Locale.ROOT, "%.4f", row.slaCompliance().getAsDouble()) : "");
            StringJoiner errors = new StringJoiner(";");
            for (Map.Entry<String, Long> e : row.errorsByCode().entrySet()) {
                errors.add(e.getKey() + "=" + e.getValue());
            }
            f.add(errors.toString());
            line(out, f);
        }
        return out.toString();
    }

    private static String ms(Duration d) {
        return Formats.millisExact(d);
    }

    private static void line(StringBuilder out, List<String> fields) {
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append(Texts.csv(fields.get(i)));
        }
        out.append("\r\n");
    }
}
