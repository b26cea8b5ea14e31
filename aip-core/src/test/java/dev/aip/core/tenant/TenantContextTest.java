package dev.aip.core.tenant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TenantContextTest {

    @Test
    void of_withIdOnly_usesStandardTierAndNoAttributes() {
        TenantContext context = TenantContext.of("acme");
        assertThat(context.id()).isEqualTo(TenantId.of("acme"));
        assertThat(context.tier()).isEqualTo(Tier.STANDARD);
        assertThat(context.attributes()).isEmpty();
    }

    @Test
    void constructor_copiesAttributes_laterChangesToSourceDoNotLeakIn() {
        Map<String, String> source = new HashMap<>(Map.of("user", "u-1"));
        TenantContext context = new TenantContext(TenantId.of("acme"), Tier.BASIC, source);
        source.put("feature", "chat");
        assertThat(context.attributes()).containsExactly(Map.entry("user", "u-1"));
        assertThatThrownBy(() -> context.attributes().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void withTierAndWithAttribute_returnNewContexts_originalUnchanged() {
        TenantContext base = TenantContext.of("acme");
        TenantContext derived = base.withTier(Tier.PREMIUM).withAttribute("feature", "chat")
                .withAttribute("user", "bob@example.com");
        assertThat(base.attributes()).isEmpty();
        assertThat(derived.tier()).isEqualTo(Tier.PREMIUM);
        assertThat(derived.attributes()).containsExactly(Map.entry("feature", "chat"),
                Map.entry("user", "bob@example.com"));
    }

    @Test
    void withAttribute_whenValueHasLineBreak_rejectsNamingCharacterAndIndex() {
        assertThatThrownBy(() -> TenantContext.of("acme").withAttribute("user", "bob\nsmith"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Attribute value of \"user\"")
                .hasMessageContaining("(U+000A) at index 3");
    }

    @Test
    void withAttribute_whenKeyEmptyOrValueTooLong_rejects() {
        assertThatThrownBy(() -> TenantContext.of("acme").withAttribute("", "v"))
                .hasMessageContaining("keys need 1-256");
        assertThatThrownBy(() -> TenantContext.of("acme").withAttribute("k", "v".repeat(257)))
                .hasMessageContaining("257 characters; at most 256");
        assertThat(TenantContext.of("acme").withAttribute("k", "v".repeat(256)).attributes().get("k")).hasSize(256);
        assertThat(TenantContext.of("acme").withAttribute("k", "").attributes()).containsEntry("k", "");
    }

    @Test
    void withAttribute_whenFifteenth_rejectsExplainingRequestMetadataLimit() {
        TenantContext context = TenantContext.of("acme");
        for (int i = 0; i < TenantContext.MAX_ATTRIBUTES; i++) {
            context = context.withAttribute("k" + i, "v");
        }
        TenantContext full = context;
        assertThatThrownBy(() -> full.withAttribute("one-more", "v"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("15 attributes; at most 14")
                .hasMessageContaining("requestMetadata");
    }

    @Test
    void withAttribute_allowedPunctuation_isAccepted() {
        String value = "a b:c_d@e$f#g=h/i+j,k-l.m";
        assertThat(TenantContext.of("acme").withAttribute("k:1", value).attributes()).containsEntry("k:1", value);
    }

    @Test
    void tier_whenUppercaseOrTooLong_rejects() {
        assertThatThrownBy(() -> Tier.of("Premium")).hasMessageContaining("[a-z][a-z0-9-]{0,31}");
        assertThatThrownBy(() -> Tier.of("a".repeat(33))).isInstanceOf(IllegalArgumentException.class);
        assertThat(Tier.of("gold-2").name()).isEqualTo("gold-2");
    }
}
