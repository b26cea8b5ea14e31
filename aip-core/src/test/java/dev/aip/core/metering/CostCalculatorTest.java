package dev.aip.core.metering;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.pricing.ModelPrice;
import dev.aip.core.pricing.PriceCatalog;
import java.math.BigDecimal;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CostCalculatorTest {

    private final CostCalculator calculator = new CostCalculator(PriceCatalog.bundled());

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        // model, input, output, cacheRead, cacheWrite, expected USD (hand-computed from the per-1M prices)
        "anthropic.claude-haiku-4-5-20251001-v1:0, 1000, 500, 0, 0, 0.0035",
        "anthropic.claude-haiku-4-5-20251001-v1:0, 100, 200, 3000, 400, 0.0019",
        "anthropic.claude-3-7-sonnet-20250219-v1:0, 1000, 500, 2000, 1000, 0.01485",
        "anthropic.claude-sonnet-4-20250514-v1:0, 1, 1, 1, 1, 0.00002205",
        "anthropic.claude-3-5-haiku-20241022-v1:0, 1000000, 1000000, 1000000, 1000000, 5.88",
        "anthropic.claude-3-haiku-20240307-v1:0, 1000, 500, 0, 0, 0.000875",
        "amazon.nova-micro-v1:0, 1000, 500, 0, 0, 0.000105",
        "amazon.nova-lite-v1:0, 1000, 500, 0, 0, 0.00018",
        "amazon.nova-pro-v1:0, 1000, 500, 1000, 0, 0.0026",
    })
    void cost_forEachBundledModel_matchesHandComputedAmountExactly(
            String model, long in, long out, long cacheRead, long cacheWrite, String expected) {
        Cost cost = calculator.cost(model, "us-east-1", new TokenUsage(in, out, cacheRead, cacheWrite));
        assertThat(cost.status()).isEqualTo(CostStatus.PRICED);
        assertThat(cost.amountUsd()).isEqualTo(new BigDecimal(expected));
        assertThat(cost.priceCatalogVersion()).isEqualTo("2026-11-01");
    }

    @Test
    void cost_forUnknownModel_isUnknownNotZero_andWarnsOncePerModel() {
        CostCalculator fresh = new CostCalculator(PriceCatalog.bundled());
        for (int i = 0; i < 5; i++) {
            Cost cost = fresh.cost("acme.secret-model-v1", "us-east-1", TokenUsage.of(10, 10));
            assertThat(cost.status()).isEqualTo(CostStatus.UNKNOWN_MODEL);
            assertThat(cost.amount()).isEmpty();
        }
        assertThat(fresh.unknownModelWarnings()).isEqualTo(1);
        fresh.cost("acme.other-model", "us-east-1", TokenUsage.ZERO);
        fresh.cost(null, "us-east-1", TokenUsage.ZERO);
        fresh.cost(null, "us-east-1", TokenUsage.ZERO);
        assertThat(fresh.unknownModelWarnings()).isEqualTo(3);
    }

    @Test
    void cost_withZeroTokens_isPricedZero() {
        Cost cost = calculator.cost("amazon.nova-lite-v1:0", "us-east-1", TokenUsage.ZERO);
        assertThat(cost.isPriced()).isTrue();
        assertThat(cost.amountUsd()).isEqualTo(BigDecimal.ZERO);
    }

    @Test
    void round_usesHalfEven() {
        assertThat(CostCalculator.round(new BigDecimal("0.125"), 2)).isEqualTo(new BigDecimal("0.12"));
        assertThat(CostCalculator.round(new BigDecimal("0.135"), 2)).isEqualTo(new BigDecimal("0.14"));
        assertThat(CostCalculator.round(new BigDecimal("0.0035"), 2)).isEqualTo(new BigDecimal("0.00"));
    }

    @Property
    void cost_ofSum_equalsSumOfCosts_exactly(
            @ForAll("models") String model, @ForAll("usages") TokenUsage a, @ForAll("usages") TokenUsage b) {
        BigDecimal separate = amount(model, a).add(amount(model, b));
        BigDecimal together = amount(model, a.plus(b));
        assertThat(together).isEqualByComparingTo(separate);
        assertThat(together.signum()).isGreaterThanOrEqualTo(0);
    }

    @Property
    void cost_isMonotoneInEveryBucket(@ForAll("models") String model, @ForAll("usages") TokenUsage a) {
        BigDecimal base = amount(model, a);
        assertThat(amount(model, a.plus(new TokenUsage(1, 0, 0, 0)))).isGreaterThan(base);
        assertThat(amount(model, a.plus(new TokenUsage(0, 1, 0, 0)))).isGreaterThan(base);
        assertThat(amount(model, a.plus(new TokenUsage(0, 0, 1, 0)))).isGreaterThan(base);
        assertThat(amount(model, a.plus(new TokenUsage(0, 0, 0, 1)))).isGreaterThan(base);
    }

    @Property
    void cost_fastPath_equalsUnboundedDecimalArithmetic(
            @ForAll("prices") BigDecimal[] prices, @ForAll("anyUsages") TokenUsage usage) {
        ModelPrice price = new ModelPrice("m", ModelPrice.ANY_REGION, prices[0], prices[1], prices[2], prices[3]);
        CostCalculator calc = new CostCalculator(PriceCatalog.of("v", List.of(price)));

        BigDecimal fast = calc.cost("m", "us-east-1", usage).amount().orElseThrow();

        assertThat(fast).isEqualByComparingTo(CostCalculator.amount(price, usage));
    }

    @Provide
    Arbitrary<BigDecimal[]> prices() {
        // Scales 0..12 and magnitudes up to 10^12 per million tokens, so some products overflow a long.
        Arbitrary<BigDecimal> one = Combinators.combine(Arbitraries.longs().between(0, 1_000_000_000_000L),
                Arbitraries.integers().between(0, 12)).as(BigDecimal::valueOf);
        return one.array(BigDecimal[].class).ofSize(4);
    }

    @Provide
    Arbitrary<TokenUsage> anyUsages() {
        Arbitrary<Long> count = Arbitraries.longs().between(0, Long.MAX_VALUE / 4);
        Arbitrary<Long> small = Arbitraries.longs().between(0, 1_000_000);
        Arbitrary<Long> either = Arbitraries.oneOf(count, small);
        return Combinators.combine(either, either, either, either).as(TokenUsage::new);
    }

    private BigDecimal amount(String model, TokenUsage usage) {
        return calculator.cost(model, "us-east-1", usage).amount().orElseThrow();
    }

    @Provide
    Arbitrary<String> models() {
        List<String> ids = PriceCatalog.bundled().prices().stream().map(ModelPrice::modelId).sorted().toList();
        return Arbitraries.of(ids);
    }

    @Provide
    Arbitrary<TokenUsage> usages() {
        Arbitrary<Long> count = Arbitraries.longs().between(0, 1L << 40);
        return Combinators.combine(count, count, count, count).as(TokenUsage::new);
    }
}
