package dev.aip.core.metering;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class CostTest {

    @Test
    void unknownModel_hasNoAmountAndIsNotPriced() {
        Cost cost = Cost.unknownModel("v1");
        assertThat(cost.amount()).isEmpty();
        assertThat(cost.amountUsd()).isNull();
        assertThat(cost.isPriced()).isFalse();
        assertThat(cost.status()).isEqualTo(CostStatus.UNKNOWN_MODEL);
    }

    @Test
    void constructor_whenUnknownModelWithAmount_rejects() {
        assertThatThrownBy(() -> new Cost(BigDecimal.ZERO, CostStatus.UNKNOWN_MODEL, "v1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("UNKNOWN_MODEL cost has no amount");
    }

    @Test
    void constructor_whenPricedWithoutAmountOrNegative_rejects() {
        assertThatThrownBy(() -> new Cost(null, CostStatus.PRICED, "v1")).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Cost.priced(new BigDecimal("-0.01"), "v1"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void priced_equalAmountsWithDifferentScales_areEqual() {
        assertThat(Cost.priced(new BigDecimal("0.00350000"), "v1")).isEqualTo(Cost.priced(new BigDecimal("0.0035"), "v1"));
        assertThat(Cost.priced(new BigDecimal("1E+1"), "v1").amountUsd()).isEqualTo(new BigDecimal("10"));
        assertThat(Cost.priced(new BigDecimal("0.000"), "v1").amountUsd()).isEqualTo(BigDecimal.ZERO);
    }
}
