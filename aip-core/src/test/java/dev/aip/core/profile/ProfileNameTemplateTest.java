package dev.aip.core.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.ConfigurationException;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.UniqueElements;
import org.junit.jupiter.api.Test;

class ProfileNameTemplateTest {

    private static final ProfileNameTemplate DEFAULT = ProfileNameTemplate.DEFAULT;

    @Test
    void render_validShortName_isUsedAsIs() {
        assertThat(DEFAULT.render(TenantId.of("acme"), Tier.STANDARD, "claude-haiku")).isEqualTo("acme-claude-haiku");
        assertThat(ProfileNameTemplate.of("{tier}_{tenant} {model}").render(TenantId.of("a1"), Tier.PREMIUM, "m"))
                .isEqualTo("premium_a1 m");
    }

    @Test
    void render_dotsAndColons_areSanitisedAndHashed() {
        String name = DEFAULT.render(TenantId.of("acme.eu"), Tier.STANDARD,
                "us.anthropic.claude-3-5-haiku-20241022-v1:0");

        assertThat(name).startsWith("acme-eu-us-anthropic-claude-3-5-haiku-20241022-v1-0_h")
                .matches("([0-9a-zA-Z][ _-]?)+").hasSizeLessThanOrEqualTo(64);
    }

    @Test
    void render_runsOfSeparators_collapse() {
        String name = DEFAULT.render(TenantId.of("a--b__c"), Tier.STANDARD, "m");

        assertThat(name).startsWith("a-b_c-m_h");
    }

    @Test
    void render_tooLong_isTruncatedWithHashSuffix() {
        String tenant = "t" + "x".repeat(63);
        String name = DEFAULT.render(TenantId.of(tenant), Tier.STANDARD, "claude-haiku");

        assertThat(name).hasSize(64).startsWith("txxxx").matches(".*_h[a-z2-7]{10}");
    }

    @Test
    void render_nameThatLooksHashed_isHashedToo() {
        String name = ProfileNameTemplate.of("{tenant}").render(TenantId.of("acme_habcdefghij"), Tier.STANDARD, "m");

        assertThat(name).isNotEqualTo("acme_habcdefghij").startsWith("acme_habcdefghij_h");
    }

    @Test
    void render_isStableAcrossCalls() {
        assertThat(DEFAULT.render(TenantId.of("a.b"), Tier.STANDARD, "m"))
                .isEqualTo(DEFAULT.render(TenantId.of("a.b"), Tier.STANDARD, "m"));
    }

    @Test
    void renderPool_namesTierAndModel() {
        assertThat(ProfileNameTemplate.renderPool(Tier.BASIC, "claude-haiku")).isEqualTo("pool-basic-claude-haiku");
    }

    @Test
    void new_withoutTenantPlaceholder_throwsConfigurationException() {
        assertThatThrownBy(() -> ProfileNameTemplate.of("{model}"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("{tenant}");
        assertThatThrownBy(() -> ProfileNameTemplate.of("{tenant}-{region}"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("{region}");
    }

    @Property(tries = 300)
    void render_anyTenantAndModel_isAValidBedrockName(@ForAll("tenants") String tenant,
            @ForAll("models") String model, @ForAll("templates") String template) {
        String name = ProfileNameTemplate.of(template).render(TenantId.of(tenant), Tier.STANDARD, model);

        assertThat(name).hasSizeBetween(1, 64).matches("([0-9a-zA-Z][ _-]?)+");
    }

    @Property(tries = 200)
    void render_distinctTenants_neverCollide(@ForAll @Size(min = 2, max = 60) @UniqueElements
            List<@net.jqwik.api.From("tenants") String> tenants, @ForAll("models") String model,
            @ForAll("templates") String template) {
        ProfileNameTemplate names = ProfileNameTemplate.of(template);
        Map<String, String> byName = new HashMap<>();

        for (String tenant : tenants) {
            String previous = byName.put(names.render(TenantId.of(tenant), Tier.STANDARD, model), tenant);
            assertThat(previous).as("tenants %s and %s got the same name", previous, tenant).isNull();
        }
    }

    @Provide
    Arbitrary<String> tenants() {
        // Tenant ids that differ only in separators or beyond the 64th name character are the interesting ones.
        Arbitrary<String> first = Arbitraries.strings().withChars("abAB01").ofLength(1);
        Arbitrary<String> rest = Arbitraries.strings().withChars("ab01._-").ofMinLength(0).ofMaxLength(63);
        Arbitrary<String> longOnes = Arbitraries.strings().withChars("ab.").ofMinLength(50).ofMaxLength(63)
                .map(s -> "t" + s);
        return Arbitraries.oneOf(first.flatMap(f -> rest.map(r -> f + r)), longOnes);
    }

    @Provide
    Arbitrary<String> models() {
        return Arbitraries.of("claude-haiku", "us.anthropic.claude-3-5-haiku-20241022-v1:0", "m", "nova pro");
    }

    @Provide
    Arbitrary<String> templates() {
        return Arbitraries.of("{tenant}-{model}", "{tenant}", "saas.{tier}.{tenant}", "{model}-{tenant}-x");
    }
}
