package dev.aip.core.metering;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class TokenUsageTest {

    @Test
    void totalTokens_sumsAllFourBuckets() {
        TokenUsage usage = new TokenUsage(100, 20, 3000, 400);
        assertThat(usage.totalTokens()).isEqualTo(3520);
        assertThat(usage.totalInputTokens()).isEqualTo(3500);
    }

    @Test
    void constructor_whenNegative_rejectsNamingTheBucket() {
        assertThatThrownBy(() -> new TokenUsage(1, 1, -5, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cacheReadInputTokens is -5");
    }

    @Test
    void plus_whenBucketOverflows_throwsArithmeticException() {
        TokenUsage big = new TokenUsage(0, Long.MAX_VALUE, 0, 0);
        assertThatThrownBy(() -> big.plus(TokenUsage.of(0, 1))).isInstanceOf(ArithmeticException.class);
    }

    @Test
    void totalTokens_whenSumOverflows_throwsArithmeticException() {
        TokenUsage big = new TokenUsage(Long.MAX_VALUE, 1, 0, 0);
        assertThatThrownBy(big::totalTokens).isInstanceOf(ArithmeticException.class);
    }

    @Property
    void plus_isAssociativeAndCommutativeWithZeroIdentity(
            @ForAll("usages") TokenUsage a, @ForAll("usages") TokenUsage b, @ForAll("usages") TokenUsage c) {
        assertThat(a.plus(b).plus(c)).isEqualTo(a.plus(b.plus(c)));
        assertThat(a.plus(b)).isEqualTo(b.plus(a));
        assertThat(a.plus(TokenUsage.ZERO)).isEqualTo(a);
        assertThat(a.plus(b).totalTokens()).isEqualTo(a.totalTokens() + b.totalTokens());
    }

    @Provide
    static Arbitrary<TokenUsage> usages() {
        Arbitrary<Long> count = Arbitraries.longs().between(0, 1L << 40);
        return Combinators.combine(count, count, count, count).as(TokenUsage::new);
    }
}
