package dev.aip.cli.bill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.metering.TokenUsage;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bill readers on hand-written files: the shapes AWS produces beyond what the emulator writes. */
class BillFilesTest {

    static final LocalDate DAY = LocalDate.parse("2026-03-01");

    @TempDir
    Path dir;

    Path write(String name, String text) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    @Test
    void costExplorer_tagBesideAServiceGroup_readsTheTagPositionAndSumsPages() throws IOException {
        String page = """
                {"GroupDefinitions":[{"Type":"DIMENSION","Key":"SERVICE"},{"Type":"TAG","Key":"TenantId"}],
                 "ResultsByTime":[{"TimePeriod":{"Start":"2026-03-01","End":"2026-03-02"},"Total":{},
                   "Groups":[{"Keys":["Amazon Bedrock","TenantId$acme"],
                              "Metrics":{"UnblendedCost":{"Amount":"%s","Unit":"USD"}}}],"Estimated":%s}]}
                """;
        Path one = write("p1.json", page.formatted("0.25", "false"));
        Path two = write("p2.json", page.formatted("0.50", "true"));

        AwsBill bill = CostExplorerFiles.read(List.of(one, two), "TenantId");

        assertThat(bill.costs()).singleElement().satisfies(c -> {
            assertThat(c.day()).isEqualTo(DAY);
            assertThat(c.tenant()).isEqualTo("acme");
            assertThat(c.costUsd()).isEqualByComparingTo("0.75");
            assertThat(c.estimated()).isTrue();
            assertThat(c.tokens()).isNull();
        });
    }

    @Test
    void costExplorer_ungroupedOrMonthlyOrNotUsd_isRefusedSayingHowToAsk() throws IOException {
        Path ungrouped = write("total.json", """
                {"ResultsByTime":[{"TimePeriod":{"Start":"2026-03-01","End":"2026-03-02"},
                  "Total":{"UnblendedCost":{"Amount":"3.5","Unit":"USD"}},"Groups":[]}]}
                """);
        Path monthly = write("monthly.json", """
                {"ResultsByTime":[
                  {"TimePeriod":{"Start":"2026-03-01","End":"2026-04-01"},"Groups":[]}]}
                """);
        Path euros = write("eur.json", """
                {"ResultsByTime":[{"TimePeriod":{"Start":"2026-03-01","End":"2026-03-02"},
                  "Groups":[{"Keys":["TenantId$acme"],"Metrics":{"UnblendedCost":{"Amount":"1","Unit":"EUR"}}}]}]}
                """);

        assertThatThrownBy(() -> CostExplorerFiles.read(List.of(ungrouped), "TenantId"))
                .hasMessage(ungrouped + ":2: the answer has a Total but no Groups: it is not grouped by the tag; ask"
                        + " with --group-by Type=TAG,Key=TenantId");
        assertThatThrownBy(() -> CostExplorerFiles.read(List.of(monthly), "TenantId"))
                .hasMessage(monthly + ":2: TimePeriod 2026-03-01 to 2026-04-01 is not one day; ask Cost Explorer for"
                        + " --granularity DAILY");
        assertThatThrownBy(() -> CostExplorerFiles.read(List.of(euros), "TenantId"))
                .hasMessageStartingWith(euros + ":2: Unit is EUR");
    }

    @Test
    void cur_athenaDatesColonTagKeysMantleUsageTypesAndOtherProducts_areReadAsAwsWritesThem() throws IOException {
        Path f = write("cur.csv", String.join("\n",
                "line_item_usage_start_date,line_item_product_code,line_item_line_item_type,line_item_usage_type,"
                        + "line_item_usage_amount,line_item_unblended_cost,resource_tags",
                "2026-03-01 00:00:00.000,AmazonBedrock,Usage,USE1-Model-mantle-input-tokens-standard,1000,0.001,"
                        + "\"{\"\"user:TenantId\"\":\"\"acme\"\"}\"",
                "2026-03-01T05:00:00Z,AmazonBedrock,Usage,USE1-Model-output-tokens,10,0.0005,"
                        + "\"{\"\"user_tenant_id\"\":\"\"acme\"\"}\"",
                "2026-03-01,AmazonBedrock,Tax,USE1-Model-output-tokens,0,0.10,\"{\"\"user_tenant_id\"\":\"\"acme\"\"}\"",
                "2026-03-01,AmazonEC2,Usage,BoxUsage,24,5.00,\"{\"\"user_tenant_id\"\":\"\"acme\"\"}\"",
                "2026-03-01,AmazonBedrock,Usage,USE1-Model-output-tokens,20,0.001,\"{\"\"user_tenant_id\"\":\"\"\"\"}\"",
                ""));

        AwsBill bill = CurFiles.read(List.of(f), "TenantId", Set.of(CurFiles.BEDROCK_PRODUCT_CODE));

        assertThat(bill.costs()).hasSize(2);
        assertThat(bill.costs().get(0).tenant()).isNull();
        assertThat(bill.costs().get(0).costUsd()).isEqualByComparingTo("0.001");
        AwsCost acme = bill.costs().get(1);
        assertThat(acme.tenant()).isEqualTo("acme");
        assertThat(acme.costUsd()).isEqualByComparingTo(new BigDecimal("0.0015"));
        assertThat(acme.tokens()).isEqualTo(new TokenUsage(1000, 10, 0, 0));
        assertThat(bill.firstDay()).isEqualTo(DAY);
    }

    @Test
    void cur_aFieldTooManyOrBadTags_isRefusedWithTheLine() throws IOException {
        Path fields = write("fields.csv", "line_item_usage_start_date,line_item_product_code,line_item_usage_type,"
                + "line_item_unblended_cost,resource_tags\n2026-03-01,AmazonBedrock,x-input-tokens,1,{},extra\n");
        Path tags = write("tags.csv", "line_item_usage_start_date,line_item_product_code,line_item_usage_type,"
                + "line_item_unblended_cost,resource_tags\n\n2026-03-01,AmazonBedrock,x-input-tokens,1,{oops\n");

        assertThatThrownBy(() -> CurFiles.read(List.of(fields), "TenantId", Set.of("AmazonBedrock")))
                .isInstanceOf(BillFileException.class)
                .hasMessage(fields + ":2: 6 fields, but the header names 5 columns");
        assertThatThrownBy(() -> CurFiles.read(List.of(tags), "TenantId", Set.of("AmazonBedrock")))
                .isInstanceOf(BillFileException.class)
                .hasMessageStartingWith(tags + ":3: field 'resource_tags' is not a JSON map");
    }

    @Test
    void reconcile_percentTolerance_appliesToTheLargerCost() {
        AwsBill bill = new AwsBill("test", List.of(
                new AwsCost(DAY, "acme", new BigDecimal("100.90"), null, false, "t:1"),
                new AwsCost(DAY, "globex", new BigDecimal("101.10"), null, false, "t:2")), DAY, DAY);
        List<dev.aip.core.metering.UsageRecord> ledger = List.of(
                record("acme", "100"), record("globex", "100"));

        BillReconciliation r = BillReconciliation.of(ledger.iterator(), bill, BillReconciliation.Options.DEFAULTS,
                DAY, DAY.plusDays(1));

        assertThat(r.rows()).extracting(BillReconciliation.Row::status).containsExactly(
                BillReconciliation.Status.MATCH, BillReconciliation.Status.DIFFERENT);
        assertThat(r.rows().get(1).deltaUsd()).isEqualByComparingTo("1.10");
    }

    @Test
    void reconcile_recordsOnAPoolProfile_countForThePoolAsAwsBillsThem() {
        AwsBill bill = new AwsBill("test", List.of(
                new AwsCost(DAY, "pool:basic", new BigDecimal("200"), null, false, "t:1")), DAY, DAY);
        List<dev.aip.core.metering.UsageRecord> ledger = List.of(
                record("acme", "100").toBuilder().pooledProfile(true).build(),
                record("globex", "100").toBuilder().pooledProfile(true).build());

        BillReconciliation r = BillReconciliation.of(ledger.iterator(), bill, BillReconciliation.Options.DEFAULTS,
                DAY, DAY.plusDays(1));

        assertThat(r.rows()).singleElement().satisfies(row -> {
            assertThat(row.tenant()).isEqualTo("pool:basic");
            assertThat(row.status()).isEqualTo(BillReconciliation.Status.MATCH);
            assertThat(row.has(BillReconciliation.Reason.POOLED)).isTrue();
        });
        BillReconciliation unknown = BillReconciliation.of(List.<dev.aip.core.metering.UsageRecord>of().iterator(),
                bill, BillReconciliation.Options.DEFAULTS, DAY, DAY.plusDays(1));
        assertThat(unknown.rows()).singleElement().satisfies(row -> {
            assertThat(row.status()).isEqualTo(BillReconciliation.Status.AWS_ONLY);
            assertThat(row.notes()).extracting(BillReconciliation.Note::reason)
                    .containsExactly(BillReconciliation.Reason.POOLED);
        });
    }

    static dev.aip.core.metering.UsageRecord record(String tenant, String usd) {
        return dev.aip.core.metering.UsageRecord.builder().newRecordId()
                .callId(dev.aip.core.metering.UsageRecord.newId())
                .tenant(dev.aip.core.tenant.TenantId.of(tenant)).tier(dev.aip.core.tenant.Tier.BASIC)
                .operation(dev.aip.core.metering.Operation.CONVERSE).requestedModel("m").region("us-east-1")
                .sourceModelId("anthropic.claude-3-5-haiku-20241022-v1:0").usage(TokenUsage.of(10, 10))
                .provenance(dev.aip.core.metering.UsageProvenance.REPORTED)
                .cost(dev.aip.core.metering.Cost.priced(new BigDecimal(usd), "test"))
                .outcome(dev.aip.core.metering.Outcome.SUCCESS).startedAt(DAY.atTime(12, 0)
                        .toInstant(java.time.ZoneOffset.UTC))
                .latency(java.time.Duration.ofMillis(100)).build();
    }
}
