package dev.aip.core.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.ConfigurationException;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TagSchemaTest {

    private static final TenantId ACME = TenantId.of("acme");

    @Test
    void tagsFor_defaults_writeReservedTags() {
        Map<String, String> tags = TagSchema.defaults().tagsFor(ACME, Tier.PREMIUM, "claude-haiku", Map.of());

        assertThat(tags).containsExactlyInAnyOrderEntriesOf(Map.of("TenantId", "acme", "Tier", "premium",
                "Model", "claude-haiku", "ManagedBy", "aip"));
    }

    @Test
    void tagsFor_fixedAndExtraTags_extraOverridesFixed() {
        TagSchema schema = TagSchema.builder().costCenter("platform").environment("production").build();

        Map<String, String> tags = schema.tagsFor(ACME, Tier.STANDARD, "m", Map.of("CostCenter", "acme-cc"));

        assertThat(tags).containsEntry("CostCenter", "acme-cc").containsEntry("Environment", "production");
    }

    @Test
    void tagsFor_extraTagUsingReservedKey_isRejected() {
        assertThatThrownBy(() -> TagSchema.defaults().tagsFor(ACME, Tier.STANDARD, "m", Map.of("TenantId", "x")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"TenantId\" is reserved");
    }

    @Test
    void tagsFor_invalidValue_namesTheTag() {
        assertThatThrownBy(() -> TagSchema.defaults().tagsFor(ACME, Tier.STANDARD, "m", Map.of("Team", "a&b")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"Team\"").hasMessageContaining("a&b");
    }

    @Test
    void tagsFor_overFiftyTags_isRejected() {
        Map<String, String> extra = new HashMap<>();
        for (int i = 0; i < 47; i++) {
            extra.put("k" + i, "v");
        }

        assertThatThrownBy(() -> TagSchema.defaults().tagsFor(ACME, Tier.STANDARD, "m", extra))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("51 tags").hasMessageContaining("at most 50");
    }

    @Test
    void tagsFor_invalidLogicalModel_isRejected() {
        assertThatThrownBy(() -> TagSchema.defaults().tagsFor(ACME, Tier.STANDARD, "gpt(4)", Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gpt(4)");
    }

    @Test
    void build_invalidKeyOrValue_throwsConfigurationExceptionNamingIt() {
        assertThatThrownBy(() -> TagSchema.builder().tag("Cost#Center", "x").build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("Cost#Center");
        assertThatThrownBy(() -> TagSchema.builder().environment("prod!").build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("prod!");
        assertThatThrownBy(() -> TagSchema.builder().tag("k".repeat(129), "x").build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("129 characters");
        assertThatThrownBy(() -> TagSchema.builder().tag("aws:createdBy", "x").build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("aws:");
    }

    @Test
    void build_reservedKeysCollide_throwsConfigurationException() {
        assertThatThrownBy(() -> TagSchema.builder().tierKey("TenantId").build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("TenantId");
        assertThatThrownBy(() -> TagSchema.builder().tag("ManagedBy", "me").build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("ManagedBy");
    }

    @Test
    void build_tooManyFixedTags_throwsConfigurationException() {
        TagSchema.Builder b = TagSchema.builder();
        for (int i = 0; i < 47; i++) {
            b.tag("k" + i, "v");
        }

        assertThatThrownBy(b::build).isInstanceOf(ConfigurationException.class).hasMessageContaining("51");
    }

    @Test
    void ownerReaders_distinguishTenantsPoolsAndGarbage() {
        TagSchema schema = TagSchema.defaults();

        assertThat(schema.tenantOf(Map.of("TenantId", "acme"))).contains(ACME);
        assertThat(schema.tenantOf(Map.of("TenantId", "pool:premium"))).isEmpty();
        assertThat(schema.poolTierOf(Map.of("TenantId", "pool:premium"))).contains(Tier.PREMIUM);
        assertThat(schema.tenantOf(Map.of("TenantId", "not a tenant id"))).isEmpty();
        assertThat(schema.tenantOf(Map.of())).isEmpty();
        assertThat(schema.isManaged(Map.of("ManagedBy", "aip"))).isTrue();
        assertThat(schema.isManaged(Map.of("ManagedBy", "terraform"))).isFalse();
    }

    @Test
    void poolTagsFor_usePoolOwner() {
        assertThat(TagSchema.defaults().poolTagsFor(Tier.BASIC, "m")).containsEntry("TenantId", "pool:basic")
                .containsEntry("Tier", "basic");
    }
}
