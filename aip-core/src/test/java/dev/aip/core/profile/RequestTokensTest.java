package dev.aip.core.profile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.tenant.Tier;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

class RequestTokensTest {

    private static final String COPY = FakeInferenceProfileApi.HAIKU_SYSTEM_ARN;

    @Test
    void forTenant_isDeterministicAndMatchesBedrockPattern() {
        String token = RequestTokens.forTenant("acme", "claude-haiku", COPY);

        assertThat(token).isEqualTo(RequestTokens.forTenant("acme", "claude-haiku", COPY))
                .matches("[a-zA-Z0-9]([-a-zA-Z0-9]{0,254}[a-zA-Z0-9])?").hasSize(69);
    }

    @Test
    void forTenant_differsByTenantModelAndSource() {
        String base = RequestTokens.forTenant("acme", "claude-haiku", COPY);

        assertThat(RequestTokens.forTenant("acme2", "claude-haiku", COPY)).isNotEqualTo(base);
        assertThat(RequestTokens.forTenant("acme", "claude-sonnet", COPY)).isNotEqualTo(base);
        assertThat(RequestTokens.forTenant("acme", "claude-haiku", FakeInferenceProfileApi.SONNET_SYSTEM_ARN))
                .isNotEqualTo(base);
        assertThat(RequestTokens.forPool(Tier.STANDARD, "claude-haiku", COPY)).isNotEqualTo(base);
        assertThat(RequestTokens.renamed(base)).isNotEqualTo(base);
    }

    @Property(tries = 200)
    void forTenant_fieldBoundariesCannotBeShifted(@ForAll @AlphaChars @StringLength(min = 1, max = 10) String a,
            @ForAll @AlphaChars @StringLength(min = 1, max = 10) String b) {
        // "ab" + "c" must not equal "a" + "bc": fields are separated, not concatenated.
        assertThat(RequestTokens.forTenant(a + b.charAt(0), b.substring(1) + "m", COPY))
                .isNotEqualTo(RequestTokens.forTenant(a, b + "m", COPY));
    }
}
