package dev.aip.core.governance;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;

/**
 * The worst case a budget reserves, computed with long products when they fit, is exactly the {@code BigDecimal}
 * value {@code (input × inputPrice + output × outputPrice) / 10^6}, for any prices and token counts, including those
 * that overflow a long and take the {@code BigDecimal} path.
 */
class WorstCaseProperties {

    @Provide
    Arbitrary<BigDecimal> prices() {
        return Arbitraries.oneOf(
                Arbitraries.bigDecimals().between(BigDecimal.ZERO, new BigDecimal("100")).ofScale(6),
                Arbitraries.bigDecimals().between(BigDecimal.ZERO, new BigDecimal("1000000")).ofScale(0),
                Arbitraries.longs().between(0, Long.MAX_VALUE).map(l -> BigDecimal.valueOf(l, 3)),
                Arbitraries.of(new BigDecimal("1E+3"), new BigDecimal("0.0000000001"), BigDecimal.ZERO,
                        new BigDecimal("92233720368547758070")));
    }

    @Property(tries = 2000)
    void worstCase_equalsTheExactDecimalValue(@ForAll("prices") BigDecimal input, @ForAll("prices") BigDecimal output,
                                              @ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long inputTokens,
                                              @ForAll @LongRange(min = 0, max = 10_000_000) long outputTokens) {
        TenantLimits.Prices prices = TenantLimits.Prices.of("m", "r", input, output);
        BigDecimal expected = BigDecimal.valueOf(inputTokens).multiply(input)
                .add(BigDecimal.valueOf(outputTokens).multiply(output)).movePointLeft(6);

        assertThat(prices.worstCase(inputTokens, outputTokens)).isEqualByComparingTo(expected);
    }
}
