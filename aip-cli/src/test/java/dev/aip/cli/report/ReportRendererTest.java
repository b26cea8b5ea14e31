package dev.aip.cli.report;

import static dev.aip.cli.report.ReportFixtures.VERSION;
import static dev.aip.cli.report.ReportFixtures.call;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aip.cli.report.UsageReport.TenantRow;
import dev.aip.core.metering.Cost;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.Tier;
import dev.aip.emulator.ModelMetrics;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ReportRendererTest {

    private static final String HOSTILE_TITLE = "Q1 </title><script>alert(\"t\")</script> & co";
    private static final String HOSTILE_CODE = "Weird,\"code\"<b onmouseover=alert(1)>";

    /** acme: two priced calls and a throttle; beta: one call on a model without a price. */
    private static List<UsageRecord> small() {
        return List.of(
                call("acme", Tier.PREMIUM, 1, 1200).usage(new TokenUsage(1000, 500, 200, 100))
                        .cost(Cost.priced(new BigDecimal("0.000123456789"), VERSION)).build(),
                call("acme", Tier.PREMIUM, 2, 2500).usage(new TokenUsage(10, 5, 0, 0))
                        .cost(Cost.priced(new BigDecimal("0.1"), VERSION))
                        .timeToFirstToken(Duration.ofMillis(250)).build(),
                call("acme", Tier.PREMIUM, 3, 40).usage(TokenUsage.ZERO).cost(Cost.priced(BigDecimal.ZERO, VERSION))
                        .outcome(Outcome.THROTTLED).errorCode(HOSTILE_CODE).build(),
                call("beta", Tier.BASIC, 4, 800).usage(TokenUsage.of(70, 30)).cost(Cost.unknownModel(VERSION))
                        .build());
    }

    private static UsageReport smallReport() {
        return UsageReport.from(small(), ReportOptions.builder()
                .title(HOSTILE_TITLE)
                .reconciliation("<img src=x onerror=alert(1)> mismatch")
                .serverView(List.of(new ModelMetrics("\"><svg onload=alert(2)>", 3, 1010, 505, 200, 100, 1, 0, 0,
                        ModelMetrics.LatencyStats.EMPTY, ModelMetrics.LatencyStats.EMPTY)))
                .profileOwners(Map.of("\"><svg onload=alert(2)>", "<i>acme</i>"))
                .build());
    }

    // ---------------------------------------------------------------- table

    @Test
    void table_costs_roundedForDisplayAndUnknownNeverZero() {
        String table = ReportRenderer.render(smallReport(), ReportFormat.TABLE);

        assertThat(table).contains("0.100123");               // 0.100123456789 rounded half-even to 6 places
        assertThat(table).doesNotContain("0.100123456789");
        String beta = line(table, "beta");
        assertThat(beta).contains("unknown (1 unpriced)").doesNotContain("0.000000");
        assertThat(line(table, "TOTAL")).contains("0.100123 (+1 unpriced)");
        assertThat(table).contains("rounded half-even to 6 decimal places");
    }

    @Test
    void table_columns_rightAlignedUnderHeaders() {
        String table = ReportRenderer.render(smallReport(), ReportFormat.TABLE);
        String header = line(table, "tenant");

        for (String column : List.of("calls", "in", "cache W", "p95 ms", "SLA %")) {
            int end = header.indexOf(" " + column + " ") + 1 + column.length();
            for (String tenant : List.of("acme", "beta", "TOTAL")) {
                String row = line(table, tenant);
                assertThat(row.charAt(end - 1)).as("%s of %s", column, tenant).isNotEqualTo(' ');
                assertThat(row.charAt(end)).as("%s of %s", column, tenant).isEqualTo(' ');
            }
        }
        assertThat(line(table, "acme")).contains("premium").contains("1 (throttled 1)").contains(" 33.3 ");
        assertThat(line(table, "TOTAL")).startsWith("TOTAL");
    }

    // ---------------------------------------------------------------- CSV

    @Test
    void csv_fieldsWithCommaAndQuotes_quotedPerRfc4180() {
        String csv = ReportRenderer.render(smallReport(), ReportFormat.CSV);

        assertThat(csv).endsWith("\r\n");
        assertThat(csv).contains(",\"Weird,\"\"code\"\"<b onmouseover=alert(1)>=1\"\r\n");
        List<List<String>> rows = parseCsv(csv);
        assertThat(rows).hasSize(3); // header, acme, beta; no totals line
        assertThat(rows).allSatisfy(r -> assertThat(r).hasSameSizeAs(rows.get(0)));
        Map<String, String> acme = asMap(rows.get(0), rows.get(1));
        assertThat(acme.get("errors_by_code")).isEqualTo(HOSTILE_CODE + "=1");
        assertThat(acme.get("cost_usd")).isEqualTo("0.100123456789");
        assertThat(acme.get("calls_throttled")).isEqualTo("1");
        assertThat(acme.get("latency_p50_ms")).isEqualTo("1200");
        assertThat(acme.get("ttft_p50_ms")).isEqualTo("250");
        assertThat(acme.get("sla_compliance")).isEqualTo("0.3333");
        Map<String, String> beta = asMap(rows.get(0), rows.get(2));
        assertThat(beta.get("cost_usd")).isEmpty(); // unknown, not 0
        assertThat(beta.get("unpriced_calls")).isEqualTo("1");
        assertThat(beta.get("ttft_p50_ms")).isEmpty();
    }

    @Test
    void csv_tinyExactCost_plainDecimalNotExponent() {
        UsageReport report = UsageReport.from(List.of(call("acme", Tier.BASIC, 1, 10)
                .cost(Cost.priced(new BigDecimal("1E-9"), VERSION)).build()), ReportOptions.defaults());

        assertThat(asMap(parseCsv(ReportRenderer.render(report, ReportFormat.CSV)))).containsEntry("cost_usd",
                "0.000000001");
    }

    // ---------------------------------------------------------------- JSON

    @Test
    void json_parsedBack_equalsTheReport() throws Exception {
        UsageReport report = smallReport();
        JsonNode json = new ObjectMapper().readTree(ReportRenderer.render(report, ReportFormat.JSON));

        assertThat(json.get("title").asText()).isEqualTo(HOSTILE_TITLE);
        assertThat(json.get("tenants")).hasSize(report.tenants().size());
        for (int i = 0; i < report.tenants().size(); i++) {
            TenantRow row = report.tenants().get(i);
            JsonNode node = json.get("tenants").get(i);
            assertThat(node.get("tenant").asText()).isEqualTo(row.tenant().value());
            assertThat(node.get("tier").asText()).isEqualTo(row.tier().name());
            assertThat(node.get("calls").asLong()).isEqualTo(row.calls());
            for (Map.Entry<Outcome, Long> e : row.callsByOutcome().entrySet()) {
                assertThat(node.get("callsByOutcome").get(e.getKey().name()).asLong()).isEqualTo(e.getValue());
            }
            JsonNode tokens = node.get("tokens");
            assertThat(new TokenUsage(tokens.get("input").asLong(), tokens.get("output").asLong(),
                    tokens.get("cacheRead").asLong(), tokens.get("cacheWrite").asLong())).isEqualTo(row.tokens());
            assertThat(node.get("unpricedCalls").asLong()).isEqualTo(row.unpricedCalls());
            assertThat(node.get("latencyMs").get("p50").decimalValue())
                    .isEqualByComparingTo(BigDecimal.valueOf(row.latencyP50().toMillis()));
            assertThat(node.get("sla").get("metCalls").asLong()).isEqualTo(row.slaMetCalls());
        }
        JsonNode acme = json.get("tenants").get(0);
        assertThat(acme.get("costUsd").isTextual()).isTrue();
        assertThat(new BigDecimal(acme.get("costUsd").asText())).isEqualTo(new BigDecimal("0.100123456789"));
        assertThat(acme.get("errorsByCode").get(HOSTILE_CODE).asLong()).isEqualTo(1);
        assertThat(acme.get("timeToFirstTokenMs").get("p50").asInt()).isEqualTo(250);
        assertThat(acme.get("sla").get("targetMs").asInt()).isEqualTo(2000);
        JsonNode beta = json.get("tenants").get(1);
        assertThat(beta.get("costUsd").isNull()).isTrue();
        assertThat(beta.get("timeToFirstTokenMs").get("p50").isNull()).isTrue();
        assertThat(json.get("totals").get("tenant").isNull()).isTrue();
        assertThat(json.get("totals").get("calls").asLong()).isEqualTo(4);
        assertThat(json.get("latencyTargetsMs").get("premium").asInt()).isEqualTo(2000);
        assertThat(json.get("timeSeries")).hasSize(report.timeSeries().size());
        long acmeCalls = 0;
        for (JsonNode bucket : json.get("timeSeries")) {
            acmeCalls += bucket.get("tenants").get("acme").get("calls").asLong();
        }
        assertThat(acmeCalls).isEqualTo(3);
        assertThat(json.get("bucketSeconds").asLong()).isEqualTo(1);
        assertThat(json.get("serverView").get(0).get("owner").asText()).isEqualTo("<i>acme</i>");
        assertThat(json.get("priceCatalogVersions").get(0).asText()).isEqualTo(VERSION);
    }

    // ---------------------------------------------------------------- HTML

    @Test
    void html_userStrings_escapedEverywhere() {
        String html = ReportRenderer.render(smallReport(), ReportFormat.HTML);

        assertThat(count(html, "<script")).as("only the page's own script").isEqualTo(1);
        assertThat(html).doesNotContain("alert(\"t\")</script>", "<img", "<b onmouseover", "<svg onload",
                "<i>acme", "\"><svg");
        assertThat(html).contains("Q1 &lt;/title&gt;&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt; &amp; co");
        assertThat(html).contains("&lt;img src=x onerror=alert(1)&gt; mismatch");
        assertThat(html).contains("Weird,&quot;code&quot;&lt;b onmouseover=alert(1)&gt;");
        assertThat(html).contains("&quot;&gt;&lt;svg onload=alert(2)&gt;").contains("&lt;i&gt;acme&lt;/i&gt;");
    }

    @Test
    void html_selfContained_noExternalReferenceAndScriptAllowedByHash() throws Exception {
        List<UsageRecord> records = ReportFixtures.generated(3);
        String html = ReportRenderer.render(UsageReport.from(records, ReportFixtures.realisticOptions(records)),
                ReportFormat.HTML);

        assertThat(html).doesNotContain("http:", "https:", "src=", "href=", "url(", "@import");
        Matcher script = Pattern.compile("<script>(.*?)</script>", Pattern.DOTALL).matcher(html);
        assertThat(script.find()).isTrue();
        String hash = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
                .digest(script.group(1).getBytes(StandardCharsets.UTF_8)));
        assertThat(html).contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                + "style-src 'unsafe-inline'; script-src 'sha256-" + hash + "'");
    }

    @Test
    void html_realisticReport_chartsTablesAndServerView() {
        List<UsageRecord> records = ReportFixtures.generated(3);
        String html = ReportRenderer.render(UsageReport.from(records, ReportFixtures.realisticOptions(records)),
                ReportFormat.HTML);

        for (String chart : List.of("cost", "tokens", "latency", "calls-over-time", "tokens-over-time")) {
            assertThat(html).contains("<svg data-chart=\"" + chart + "\" role=\"img\" aria-labelledby=\"" + chart
                    + "-title\"");
        }
        assertThat(html).contains("<th scope=\"col\">ModelId</th>", "<th scope=\"row\" class=\"t\">acme</th>",
                "id=\"failures\"", "Reconciliation:", "unknown (40 unpriced)");
        assertThat(html).contains("price catalog " + records.get(0).cost().priceCatalogVersion());
    }

    @Test
    void html_sameReportTwice_identical() {
        List<UsageRecord> records = ReportFixtures.generated(9);
        ReportOptions options = ReportFixtures.realisticOptions(records);

        assertThat(ReportRenderer.render(UsageReport.from(records, options), ReportFormat.HTML))
                .isEqualTo(ReportRenderer.render(UsageReport.from(records, options), ReportFormat.HTML));
    }

    // ---------------------------------------------------------------- helpers

    private static String line(String text, String start) {
        return text.lines().filter(l -> l.startsWith(start + " ")).findFirst().orElseThrow();
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    private static Map<String, String> asMap(List<List<String>> rows) {
        return asMap(rows.get(0), rows.get(1));
    }

    private static Map<String, String> asMap(List<String> header, List<String> row) {
        Map<String, String> map = new java.util.LinkedHashMap<>();
        for (int i = 0; i < header.size(); i++) {
            map.put(header.get(i), row.get(i));
        }
        return map;
    }

    /** A strict RFC 4180 reader: CRLF records, quoted fields with doubled quotes. */
    static List<List<String>> parseCsv(String csv) {
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < csv.length(); i++) {
            char c = csv.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < csv.length() && csv.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                assertThat(field).as("a quote opens a field").isEmpty();
                quoted = true;
            } else if (c == ',') {
                row.add(field.toString());
                field.setLength(0);
            } else if (c == '\r') {
                assertThat(csv.charAt(i + 1)).as("CR is followed by LF").isEqualTo('\n');
                row.add(field.toString());
                field.setLength(0);
                rows.add(row);
                row = new ArrayList<>();
                i++;
            } else {
                assertThat(c).as("bare LF outside quotes").isNotEqualTo('\n');
                field.append(c);
            }
        }
        assertThat(quoted).isFalse();
        assertThat(row).isEmpty();
        return rows;
    }
}
