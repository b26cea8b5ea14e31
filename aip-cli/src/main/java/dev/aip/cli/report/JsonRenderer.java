package dev.aip.cli.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aip.cli.report.UsageReport.Bucket;
import dev.aip.cli.report.UsageReport.BucketUsage;
import dev.aip.cli.report.UsageReport.TenantRow;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import dev.aip.emulator.ModelMetrics;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * One JSON document. Field names are stable (camelCase); costs are exact decimal strings (JSON numbers lose
 * precision in many readers); durations are milliseconds, exact, as numbers; absent values are {@code null}.
 */
final class JsonRenderer {

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
            .build();
    private static final DefaultPrettyPrinter PRETTY = new DefaultPrettyPrinter()
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withArrayIndenter(new DefaultIndenter("  ", "\n"));

    private JsonRenderer() {}

    static String render(UsageReport report) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("title", report.title());
        root.put("from", iso(report.from()));
        root.put("to", iso(report.to()));
        if (report.bucketWidth() == null) {
            root.putNull("bucketSeconds");
        } else {
            root.put("bucketSeconds", report.bucketWidth().getSeconds());
        }
        ArrayNode versions = root.putArray("priceCatalogVersions");
        report.priceCatalogVersions().forEach(versions::add);
        root.put("reconciliation", report.reconciliation());
        root.put("excludedRecords", report.excludedRecords());
        ObjectNode targets = root.putObject("latencyTargetsMs");
        for (Map.Entry<Tier, Duration> e : report.latencyTargets().entrySet()) {
            targets.put(e.getKey().name(), Formats.millisDecimal(e.getValue()));
        }
        ArrayNode tenants = root.putArray("tenants");
        report.tenants().forEach(row -> tenants.add(row(row)));
        root.set("totals", row(report.totals()));
        ArrayNode series = root.putArray("timeSeries");
        for (Bucket b : report.timeSeries()) {
            ObjectNode bucket = series.addObject();
            bucket.put("start", iso(b.start()));
            bucket.put("end", iso(b.end()));
            ObjectNode byTenant = bucket.putObject("tenants");
            for (Map.Entry<TenantId, BucketUsage> e : b.tenants().entrySet()) {
                BucketUsage u = e.getValue();
                ObjectNode cell = byTenant.putObject(e.getKey().value());
                cell.put("calls", u.calls());
                cell.set("tokens", tokens(u.tokens()));
                cell.put("costUsd", Formats.exact(u.costUsd()));
                cell.put("unpricedCalls", u.unpricedCalls());
            }
        }
        ArrayNode server = root.putArray("serverView");
        for (ModelMetrics m : report.serverView()) {
            ObjectNode n = server.addObject();
            n.put("modelId", m.modelId());
            n.put("owner", report.profileOwners().get(m.modelId()));
            n.put("invocations", m.invocations());
            ObjectNode t = n.putObject("tokens");
            t.put("input", m.inputTokenCount());
            t.put("output", m.outputTokenCount());
            t.put("cacheRead", m.cacheReadInputTokenCount());
            t.put("cacheWrite", m.cacheWriteInputTokenCount());
            n.put("throttles", m.invocationThrottles());
            n.put("clientErrors", m.invocationClientErrors());
            n.put("serverErrors", m.invocationServerErrors());
        }
        try {
            return MAPPER.writer(PRETTY).writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("Cannot write the report as JSON", e);
        }
    }

    private static ObjectNode row(TenantRow row) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("tenant", row.isTotal() ? null : row.tenant().value());
        n.put("tier", row.isTotal() ? null : row.tier().name());
        n.put("calls", row.calls());
        ObjectNode outcomes = n.putObject("callsByOutcome");
        row.callsByOutcome().forEach((o, c) -> outcomes.put(o.name(), c));
        ObjectNode errors = n.putObject("errorsByCode");
        row.errorsByCode().forEach(errors::put);
        n.set("tokens", tokens(row.tokens()));
        // No priced call at all: the cost is unknown, not zero.
        n.put("costUsd", row.pricedCalls() == 0 && row.unpricedCalls() > 0 ? null : Formats.exact(row.costUsd()));
        n.put("unpricedCalls", row.unpricedCalls());
        ObjectNode latency = n.putObject("latencyMs");
        latency.put("p50", ms(row.latencyP50()));
        latency.put("p95", ms(row.latencyP95()));
        latency.put("p99", ms(row.latencyP99()));
        ObjectNode ttft = n.putObject("timeToFirstTokenMs");
        ttft.put("p50", ms(row.timeToFirstTokenP50()));
        ttft.put("p95", ms(row.timeToFirstTokenP95()));
        ObjectNode sla = n.putObject("sla");
        sla.put("targetMs", ms(row.latencyTarget()));
        sla.put("eligibleCalls", row.slaEligibleCalls());
        sla.put("metCalls", row.slaMetCalls());
        if (row.slaCompliance().isPresent()) {
            sla.put("compliance", row.slaCompliance().getAsDouble());
        } else {
            sla.putNull("compliance");
        }
        return n;
    }

    private static ObjectNode tokens(TokenUsage u) {
        ObjectNode t = MAPPER.createObjectNode();
        t.put("input", u.inputTokens());
        t.put("output", u.outputTokens());
        t.put("cacheRead", u.cacheReadInputTokens());
        t.put("cacheWrite", u.cacheWriteInputTokens());
        return t;
    }

    private static java.math.BigDecimal ms(Duration d) {
        return d == null ? null : Formats.millisDecimal(d);
    }

    private static String iso(Instant t) {
        return t == null ? null : t.toString();
    }
}
