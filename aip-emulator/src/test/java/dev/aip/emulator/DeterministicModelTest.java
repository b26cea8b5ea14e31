package dev.aip.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DeterministicModelTest {

    @Test
    void generate_anyLength_hasExactlyThatManyTokens() {
        SplittableRandom random = new SplittableRandom(1);
        for (int n = 0; n <= 500; n++) {
            assertThat(PromptDigest.textTokens(DeterministicModel.generate(random, n))).as("n=%d", n).isEqualTo(n);
        }
    }

    @Test
    void chunks_concatenated_giveTheText() {
        String text = DeterministicModel.generate(new SplittableRandom(3), 97) + " ünïcödé 😀 end";

        assertThat(String.join("", DeterministicModel.chunks(text, 3))).isEqualTo(text);
        assertThat(DeterministicModel.chunks(text, 3)).hasSizeGreaterThan(10);
    }

    @Test
    void prefixOfUtf8Bytes_neverSplitsACharacter() {
        assertThat(DeterministicModel.prefixOfUtf8Bytes("aé😀b", 4)).isEqualTo("aé");
        assertThat(DeterministicModel.prefixOfUtf8Bytes("aé😀b", 7)).isEqualTo("aé😀");
    }

    @Test
    void textTokens_countsUtf8BytesInFours() {
        assertThat(PromptDigest.textTokens("")).isZero();
        assertThat(PromptDigest.textTokens("abcd")).isEqualTo(1);
        assertThat(PromptDigest.textTokens("abcde")).isEqualTo(2);
        assertThat(PromptDigest.textTokens("éé")).isEqualTo(1);
        assertThat(PromptDigest.textTokens("😀a")).isEqualTo(2);
    }
}
