package dev.aip.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrock.model.Tag;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.CachePointBlock;
import software.amazon.awssdk.services.bedrockruntime.model.CachePointType;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.SystemContentBlock;

/**
 * The emulator's books as Cost Explorer answers and a CUR 2.0 export: calls through two tenants' profiles (one with
 * the prompt cache) on two days, and one call by the bare model id, which carries no tag.
 */
class BillingExportTest {

    static final String HAIKU = "anthropic.claude-3-5-haiku-20241022-v1:0";
    static final LocalDate DAY1 = LocalDate.parse("2026-01-01");
    static final LocalDate DAY2 = LocalDate.parse("2026-01-02");
    /** USD per million: 1 input, 5 output, 0.1 cache read, 1.25 cache write. */
    static final BillingExport.UnitPrices PRICES = new BillingExport.UnitPrices(BigDecimal.ONE, new BigDecimal("5"),
            new BigDecimal("0.1"), new BigDecimal("1.25"));
    static final RuntimeFixture.MutableClock CLOCK = new RuntimeFixture.MutableClock();

    static BedrockEmulator emulator;
    static BedrockRuntimeClient runtime;
    static BedrockClient bedrock;
    static String acme;
    static String globex;

    @BeforeAll
    static void callOnTwoDays() {
        emulator = BedrockEmulator.builder().clock(CLOCK).build().start();
        runtime = SdkClients.runtime(emulator);
        bedrock = SdkClients.bedrock(emulator);
        acme = profile("acme");
        globex = profile("globex");
        CLOCK.advance(Duration.ofHours(10));
        ConverseRequest cached = converse(acme, "question").toBuilder().system(
                SystemContentBlock.fromText("a long system prompt ".repeat(20)),
                SystemContentBlock.fromCachePoint(CachePointBlock.builder().type(CachePointType.DEFAULT).build()))
                .build();
        runtime.converse(cached);
        runtime.converse(cached);
        runtime.converse(converse(globex, "hello"));
        runtime.converse(converse(HAIKU, "by the bare model id"));
        CLOCK.advance(Duration.ofDays(1));
        runtime.converse(converse(acme, "the next day"));
    }

    @AfterAll
    static void stop() {
        runtime.close();
        bedrock.close();
        emulator.close();
    }

    static String profile(String tenant) {
        return bedrock.createInferenceProfile(r -> r.inferenceProfileName("aip-" + tenant)
                .modelSource(s -> s.copyFrom("arn:aws:bedrock:" + emulator.region() + "::foundation-model/" + HAIKU))
                .tags(Tag.builder().key("TenantId").value(tenant).build(),
                        Tag.builder().key("cost-center").value("cc-" + tenant).build())).inferenceProfileArn();
    }

    static ConverseRequest converse(String modelId, String text) {
        return ConverseRequest.builder().modelId(modelId).messages(Message.builder().role(ConversationRole.USER)
                .content(ContentBlock.fromText(text)).build()).build();
    }

    static BillingExport.Builder export() {
        return BillingExport.builder(emulator, (model, region) -> HAIKU.equals(model) ? PRICES : null);
    }

    static JsonNode parse(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static BigDecimal cost(long tokens, BigDecimal perMillion) {
        return BigDecimal.valueOf(tokens).multiply(perMillion).divide(BigDecimal.valueOf(1_000_000));
    }

    @Test
    void lineItems_everyBilledToken_isPricedExactlyByKindDayAndProfile() {
        List<BillingExport.LineItem> lines = export().build().lineItems();

        List<InvocationRecord> log = emulator.invocations();
        BigDecimal expected = BigDecimal.ZERO;
        for (InvocationRecord r : log) {
            expected = expected.add(cost(r.inputTokens(), PRICES.inputPerMillion()))
                    .add(cost(r.outputTokens(), PRICES.outputPerMillion()))
                    .add(cost(r.cacheReadInputTokens(), PRICES.cacheReadPerMillion()))
                    .add(cost(r.cacheWriteInputTokens(), PRICES.cacheWritePerMillion()));
        }
        assertThat(lines.stream().map(BillingExport.LineItem::costUsd).reduce(BigDecimal.ZERO, BigDecimal::add))
                .isEqualByComparingTo(expected);
        assertThat(lines).extracting(BillingExport.LineItem::kind).contains(BillingExport.TokenKind.CACHE_READ,
                BillingExport.TokenKind.CACHE_WRITE);
        long acmeDay1Cache = log.stream().filter(r -> acme.equals(r.profileArn()))
                .mapToLong(r -> r.cacheReadInputTokens()).sum();
        assertThat(lines).filteredOn(l -> l.kind() == BillingExport.TokenKind.CACHE_READ).singleElement()
                .satisfies(l -> {
                    assertThat(l.day()).isEqualTo(DAY1);
                    assertThat(l.resourceId()).isEqualTo(acme);
                    assertThat(l.usageType()).isEqualTo("USE1-Claude3.5Haiku-cache-read-input-token-count");
                    assertThat(l.tokens()).isEqualTo(acmeDay1Cache).isPositive();
                    assertThat(l.tags()).containsEntry("TenantId", "acme");
                });
        assertThat(lines).filteredOn(l -> l.resourceId().endsWith("foundation-model/" + HAIKU))
                .isNotEmpty().allSatisfy(l -> assertThat(l.tags()).isEmpty());
    }

    @Test
    void costAndUsage_pagesOfOneGroup_areCostExplorerAnswersGroupedByTheTenantTag() {
        List<String> pages = export().pageSize(1).estimatedFrom(DAY2).build().costAndUsage(DAY1, DAY2.plusDays(2));

        List<JsonNode> docs = pages.stream().map(BillingExportTest::parse).toList();
        // Day 1: acme, globex and the untagged call; day 2: acme.
        assertThat(docs).hasSize(4);
        for (int i = 0; i < docs.size(); i++) {
            JsonNode d = docs.get(i);
            assertThat(d.get("GroupDefinitions").get(0).get("Type").asText()).isEqualTo("TAG");
            assertThat(d.get("GroupDefinitions").get(0).get("Key").asText()).isEqualTo("TenantId");
            assertThat(d.has("NextPageToken")).isEqualTo(i < docs.size() - 1);
        }
        Map<String, List<String>> keysByDay = new java.util.TreeMap<>();
        Map<String, Boolean> estimated = new java.util.TreeMap<>();
        for (JsonNode d : docs) {
            for (JsonNode result : d.get("ResultsByTime")) {
                String day = result.get("TimePeriod").get("Start").asText();
                assertThat(result.get("TimePeriod").get("End").asText())
                        .isEqualTo(LocalDate.parse(day).plusDays(1).toString());
                assertThat(result.get("Total").size()).isZero();
                estimated.put(day, result.get("Estimated").asBoolean());
                List<String> keys = keysByDay.computeIfAbsent(day, k -> new ArrayList<>());
                for (JsonNode g : result.get("Groups")) {
                    keys.add(g.get("Keys").get(0).asText());
                    assertThat(g.get("Metrics").get("UnblendedCost").get("Unit").asText()).isEqualTo("USD");
                    assertThat(new BigDecimal(g.get("Metrics").get("UnblendedCost").get("Amount").asText()))
                            .isPositive();
                }
            }
        }
        assertThat(keysByDay).containsEntry("2026-01-01", List.of("TenantId$", "TenantId$acme", "TenantId$globex"))
                .containsEntry("2026-01-02", List.of("TenantId$acme")).containsEntry("2026-01-03", List.of());
        assertThat(estimated).containsEntry("2026-01-01", false).containsEntry("2026-01-02", true)
                .containsEntry("2026-01-03", true);
    }

    @Test
    void costAndUsage_beforeTheTagsWereActive_billsEverythingUntagged() {
        String page = export().tagsActiveSince(DAY2).build().costAndUsage(DAY1, DAY2.plusDays(1)).get(0);

        JsonNode results = parse(page).get("ResultsByTime");
        assertThat(results.get(0).get("Groups")).hasSize(1);
        assertThat(results.get(0).get("Groups").get(0).get("Keys").get(0).asText()).isEqualTo("TenantId$");
        assertThat(results.get(1).get("Groups").get(0).get("Keys").get(0).asText()).isEqualTo("TenantId$acme");
    }

    @Test
    void curCsv_lineItems_haveCur2ColumnsUsageTypesAndResourceTags() {
        String csv = export().build().curCsv();

        String[] lines = csv.split("\n");
        assertThat(lines[0]).isEqualTo(BillingExport.CUR_HEADER);
        assertThat(List.of(lines)).filteredOn(l -> l.contains(acme + ",")).first().satisfies(l -> assertThat(l)
                .contains(",Usage,2026-01-01T00:00:00Z,2026-01-02T00:00:00Z,AmazonBedrock,AmazonBedrock,us-east-1,"
                        + "USE1-Claude3.5Haiku-")
                .endsWith(",USD,\"{\"\"user_cost_center\"\":\"\"cc-acme\"\",\"\"user_tenant_id\"\":\"\"acme\"\"}\""));
        assertThat(lines).filteredOn(l -> l.contains("foundation-model/" + HAIKU)).isNotEmpty()
                .allSatisfy(l -> assertThat(l).endsWith(",USD,{}"));
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("-cache-write-input-token-count,"));
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("-output-tokens,"));
    }

    @Test
    void curTagKeyAndRegionCode_followAwsNaming() {
        assertThat(BillingExport.curTagKey("TenantId")).isEqualTo("user_tenant_id");
        assertThat(BillingExport.curTagKey("cost-center")).isEqualTo("user_cost_center");
        assertThat(BillingExport.curTagKey("karpenter.sh/nodepool")).isEqualTo("user_karpenter_sh_nodepool");
        assertThat(BillingExport.regionCode("us-east-1")).isEqualTo("USE1");
        assertThat(BillingExport.regionCode("eu-central-1")).isEqualTo("EUC1");
        assertThat(BillingExport.regionCode("ap-northeast-1")).isEqualTo("APN1");
    }

    @Test
    void lineItems_modelWithoutAPrice_isRefusedNamingTheModel() {
        BillingExport export = BillingExport.builder(emulator, (model, region) -> null).build();

        assertThatThrownBy(export::lineItems).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no price for model " + HAIKU);
    }
}
