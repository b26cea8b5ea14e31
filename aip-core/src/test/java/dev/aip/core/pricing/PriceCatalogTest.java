package dev.aip.core.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.ConfigurationException;
import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PriceCatalogTest {

    private static final String HAIKU_45 = "anthropic.claude-haiku-4-5-20251001-v1:0";

    @Test
    void bundled_isDatedAndCoversTheDocumentedModels() {
        PriceCatalog catalog = PriceCatalog.bundled();
        assertThat(catalog.version()).isEqualTo("2026-11-01");
        for (String model : List.of("anthropic.claude-3-7-sonnet-20250219-v1:0",
                "anthropic.claude-sonnet-4-20250514-v1:0", "anthropic.claude-3-5-haiku-20241022-v1:0", HAIKU_45,
                "anthropic.claude-3-haiku-20240307-v1:0", "amazon.nova-micro-v1:0", "amazon.nova-lite-v1:0",
                "amazon.nova-pro-v1:0")) {
            assertThat(catalog.find(model, "us-east-1")).as(model).isPresent();
        }
    }

    @Test
    void bundled_missingCachePrices_defaultToInputPrice() {
        ModelPrice micro = PriceCatalog.bundled().find("amazon.nova-micro-v1:0", "us-east-1").orElseThrow();
        assertThat(micro.cacheReadPerMillion()).isEqualByComparingTo("0.035");
        assertThat(micro.cacheWritePerMillion()).isEqualByComparingTo("0.035");
        ModelPrice pro = PriceCatalog.bundled().find("amazon.nova-pro-v1:0", "us-east-1").orElseThrow();
        assertThat(pro.cacheReadPerMillion()).isEqualByComparingTo("0.20");
        assertThat(pro.cacheWritePerMillion()).isEqualByComparingTo("0.80");
    }

    @Test
    void find_prefersExactRegionOverWildcard() {
        PriceCatalog catalog = PriceCatalog.bundled()
                .withOverride(ModelPrice.of(HAIKU_45, "eu-west-1", new BigDecimal("1.10"), new BigDecimal("5.50")));
        assertThat(catalog.find(HAIKU_45, "eu-west-1").orElseThrow().inputPerMillion()).isEqualByComparingTo("1.10");
        assertThat(catalog.find(HAIKU_45, "us-east-1").orElseThrow().inputPerMillion()).isEqualByComparingTo("1.00");
        assertThat(catalog.version()).isEqualTo("2026-11-01+overrides");
    }

    @Test
    void find_withGeoPrefixOrArn_findsTheFoundationModel() {
        PriceCatalog catalog = PriceCatalog.bundled();
        for (String id : List.of("us." + HAIKU_45, "eu." + HAIKU_45, "apac." + HAIKU_45, "global." + HAIKU_45,
                "jp." + HAIKU_45, "au." + HAIKU_45,
                "arn:aws:bedrock:us-east-1::foundation-model/" + HAIKU_45,
                "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us." + HAIKU_45)) {
            assertThat(catalog.find(id, "us-east-1")).as(id).map(ModelPrice::modelId).contains(HAIKU_45);
        }
    }

    @Test
    void find_withApplicationProfileArnOrUnknownModel_isEmpty() {
        PriceCatalog catalog = PriceCatalog.bundled();
        assertThat(catalog.find("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123",
                "us-east-1")).isEmpty();
        assertThat(catalog.find("acme.model-x", "us-east-1")).isEmpty();
        assertThat(catalog.find(null, "us-east-1")).isEmpty();
    }

    @Test
    void fromFile_whenJsonBroken_namesFileAndLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("prices.json");
        Files.writeString(file, "{\n  \"version\": \"x\",\n  \"currency\": \"USD\",\n  \"models\": [ { ]\n}\n");
        assertThatThrownBy(() -> PriceCatalog.fromFile(file))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("line 4");
    }

    @Test
    void fromFile_whenFieldInvalid_namesFileAndField(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("prices.json");
        Files.writeString(file, catalogJson("\"input\": \"1.0\", \"output\": \"abc\""));
        assertThatThrownBy(() -> PriceCatalog.fromFile(file))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("models[0].output")
                .hasMessageContaining("not a decimal number");
    }

    @Test
    void fromJson_whenPriceNegativeMissingOrFieldUnknown_rejects() {
        assertThatThrownBy(() -> parse(catalogJson("\"input\": -1, \"output\": 1")))
                .hasMessageContaining("models[0].input is negative");
        assertThatThrownBy(() -> parse(catalogJson("\"input\": 1")))
                .hasMessageContaining("models[0].output is missing");
        assertThatThrownBy(() -> parse(catalogJson("\"input\": 1, \"output\": 1, \"inputPerMilion\": 2")))
                .hasMessageContaining("models[0].inputPerMilion is not a known field");
        assertThatThrownBy(() -> parse("{\"version\":\"v\",\"currency\":\"EUR\",\"models\":[]}"))
                .hasMessageContaining("only USD");
        assertThatThrownBy(() -> parse("{\"currency\":\"USD\",\"models\":[]}"))
                .hasMessageContaining("field version is missing");
    }

    @Test
    void fromJson_whenModelRepeatedInSameRegion_rejects() {
        String entry = "{\"modelId\":\"m\",\"input\":1,\"output\":1}";
        assertThatThrownBy(() -> parse("{\"version\":\"v\",\"currency\":\"USD\",\"models\":[" + entry + "," + entry
                + "]}")).hasMessageContaining("models[1] repeats model m");
    }

    @Test
    void fromJson_numbersAndStrings_areReadExactly() {
        PriceCatalog catalog = parse(catalogJson("\"input\": 0.1, \"output\": \"0.30000000000000004\""));
        ModelPrice price = catalog.find("m", "us-east-1").orElseThrow();
        assertThat(price.inputPerMillion()).isEqualTo(new BigDecimal("0.1"));
        assertThat(price.outputPerMillion()).isEqualTo(new BigDecimal("0.30000000000000004"));
    }

    @Test
    void bundled_everyEntry_statesItsOwnSourceAndClaimsVerificationOnlyAgainstAws() {
        for (ModelPrice price : PriceCatalog.bundled().prices()) {
            PriceSource source = price.source();
            assertThat(source.origin()).as(price.modelId()).isNotEqualTo(PriceSource.NOT_STATED.origin())
                    .doesNotStartWith("On-demand, standard tier");
            if (source.isVerified()) {
                assertThat(source.verifiedAgainst()).as(price.modelId()).startsWith("AWS");
            } else {
                assertThat(source.verifiedOn()).isNull();
                assertThat(source.verifiedAgainst()).isNull();
            }
        }
        assertThat(PriceCatalog.bundled().find(HAIKU_45, "us-east-1").orElseThrow().source().origin())
                .contains("clauder-navi.com");
    }

    @Test
    void fromJson_verifiedEntry_carriesTheDayAndThePublication() {
        PriceCatalog catalog = parse(catalogJson("\"input\": 1, \"output\": 5, \"source\": \"AWS price list\","
                + " \"verified\": \"2026-12-01\", \"verifiedAgainst\": \"AWS Price List API\""));
        PriceSource source = catalog.find("m", "us-east-1").orElseThrow().source();
        assertThat(source.isVerified()).isTrue();
        assertThat(source.verifiedOn()).isEqualTo(java.time.LocalDate.of(2026, 12, 1));
        assertThat(source.verifiedAgainst()).isEqualTo("AWS Price List API");
        assertThat(source.origin()).isEqualTo("AWS price list");
    }

    @Test
    void fromJson_entryWithoutSource_takesTheFileSourceElseNotStated() {
        PriceCatalog withFileSource = parse("{\"version\":\"v\",\"currency\":\"USD\",\"source\":\"our contract\","
                + "\"models\":[{\"modelId\":\"m\",\"input\":1,\"output\":1}]}");
        assertThat(withFileSource.find("m", "x").orElseThrow().source())
                .isEqualTo(PriceSource.unverified("our contract"));
        assertThat(parse(catalogJson("\"input\": 1, \"output\": 1")).find("m", "x").orElseThrow().source())
                .isEqualTo(PriceSource.NOT_STATED);
        assertThat(ModelPrice.of("m", "*", BigDecimal.ONE, BigDecimal.ONE).source()).isEqualTo(PriceSource.NOT_STATED);
    }

    @Test
    void fromJson_whenVerificationHalfGivenOrDateInvalid_rejectsNamingTheField() {
        assertThatThrownBy(() -> parse(catalogJson("\"input\": 1, \"output\": 1, \"verified\": \"2026-12-01\"")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("models[0].verifiedAgainst is missing");
        assertThatThrownBy(() -> parse(catalogJson("\"input\": 1, \"output\": 1,"
                + " \"verifiedAgainst\": \"AWS Price List API\"")))
                .hasMessageContaining("models[0].verified is missing");
        assertThatThrownBy(() -> parse(catalogJson("\"input\": 1, \"output\": 1, \"verified\": \"Dec 1\","
                + " \"verifiedAgainst\": \"AWS Price List API\"")))
                .hasMessageContaining("models[0].verified is \"Dec 1\", not a date");
    }

    @Test
    void priceSource_whenHalfVerifiedOrBlank_rejects() {
        assertThatThrownBy(() -> new PriceSource("x", java.time.LocalDate.of(2026, 1, 1), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("verifiedAgainst");
        assertThatThrownBy(() -> PriceSource.unverified(" "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("origin");
    }

    @Test
    void readme_overrideWithSource_replacesOnePriceAndSaysWhereItComesFrom() {
        PriceCatalog prices = PriceCatalog.bundled().withOverride(new ModelPrice(
                "anthropic.claude-haiku-4-5-20251001-v1:0", "eu-west-1",
                new BigDecimal("1.10"), new BigDecimal("5.50"), new BigDecimal("0.11"), new BigDecimal("1.375"),
                PriceSource.unverified("our private pricing agreement with AWS, December 2026")));

        ModelPrice eu = prices.find(HAIKU_45, "eu-west-1").orElseThrow();
        assertThat(eu.cacheWritePerMillion()).isEqualByComparingTo("1.375");
        assertThat(eu.source().origin()).startsWith("our private pricing agreement");
        assertThat(eu.source().isVerified()).isFalse();
        assertThat(prices.find(HAIKU_45, "us-east-1").orElseThrow().source().origin()).contains("clauder-navi.com");
        assertThat(prices.version()).isEqualTo("2026-11-01+overrides");
    }

    private static String catalogJson(String prices) {
        return "{\"version\":\"v\",\"currency\":\"USD\",\"models\":[{\"modelId\":\"m\"," + prices + "}]}";
    }

    private static PriceCatalog parse(String json) {
        return PriceCatalog.fromJson(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
    }
}
