package dev.aip.core.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class RequestMetadataTest {

    private final TenantContext acme = TenantContext.of("acme");

    @Test
    void merge_putsLibraryEntriesFirstThenOwnThenTenantAttributes() {
        TenantContext tenant = new TenantContext(TenantId.of("acme"), Tier.BASIC, Map.of("b", "2", "a", "1"));

        Map<String, String> own = new LinkedHashMap<>();
        own.put("feature", "chat");
        own.put("a", "own");
        Map<String, String> merged = RequestMetadata.merge(tenant, false, own);

        assertThat(merged).containsExactly(Map.entry("tenantId", "acme"), Map.entry("tier", "basic"),
                Map.entry("feature", "chat"), Map.entry("a", "own"), Map.entry("b", "2"));
    }

    @Test
    void merge_result_isUnmodifiableAndEqualToAnOrdinaryMap() {
        Map<String, String> merged = RequestMetadata.merge(acme, false, Map.of("feature", "chat"));

        assertThatThrownBy(() -> merged.put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> merged.remove("tenantId")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> merged.entrySet().iterator().next().setValue("evil"))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThat(merged).isEqualTo(Map.of("tenantId", "acme", "tier", "standard", "feature", "chat"));
        assertThat(merged.hashCode()).isEqualTo(Map.of("tenantId", "acme", "tier", "standard", "feature", "chat")
                .hashCode());
        assertThat(RequestMetadata.frozen(merged)).isSameAs(merged);
        Map<String, String> plain = new LinkedHashMap<>(merged);
        assertThat(RequestMetadata.frozen(plain)).isNotSameAs(plain).isEqualTo(plain);
    }

    @Test
    void merge_onPooledProfile_addsPooledFlag() {
        assertThat(RequestMetadata.merge(acme, true, Map.of())).containsEntry("pooled", "true").hasSize(3);
        assertThat(RequestMetadata.merge(acme, false, Map.of())).doesNotContainKey("pooled").hasSize(2);
    }

    @Test
    void merge_reservedKeyWithTheLibrarysValue_isAccepted() {
        assertThat(RequestMetadata.merge(acme, false, Map.of("tenantId", "acme"))).hasSize(2);
    }

    @Test
    void merge_reservedKeyNamingAnotherTenant_isRejected() {
        assertThatThrownBy(() -> RequestMetadata.merge(acme, false, Map.of("tenantId", "globex")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("conflicts");
    }

    @Test
    void merge_fourteenOwnEntries_isRejectedNotTrimmed() {
        Map<String, String> own = new LinkedHashMap<>();
        for (int i = 0; i < 14; i++) {
            own.put("k" + i, "v");
        }
        assertThatThrownBy(() -> RequestMetadata.merge(acme, true, own))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 13");
        own.remove("k13");
        assertThat(RequestMetadata.merge(acme, true, own)).hasSize(16);
    }

    @Test
    void merge_tenantAttributesBeyondSixteen_areLeftOut() {
        Map<String, String> attributes = new TreeMap<>();
        for (int i = 10; i < 24; i++) {
            attributes.put("t" + i, "v");
        }
        TenantContext tenant = new TenantContext(TenantId.of("acme"), Tier.STANDARD, attributes);
        Map<String, String> own = Map.of("o1", "x", "o2", "y");

        Map<String, String> merged = RequestMetadata.merge(tenant, true, own);

        assertThat(merged).hasSize(RequestMetadata.MAX_ENTRIES).containsKeys("t10", "t20").doesNotContainKey("t21");
    }

    @Test
    void checkOwn_badCharactersOrLengthsOrReservedKeys_areRejectedWithTheEntryNamed() {
        assertThatThrownBy(() -> RequestMetadata.checkOwn(Map.of("feature", "a\tb")))
                .hasMessageContaining("feature").hasMessageContaining("U+0009");
        assertThatThrownBy(() -> RequestMetadata.checkOwn(Map.of("k", "v".repeat(257))))
                .hasMessageContaining("257");
        assertThatThrownBy(() -> RequestMetadata.checkOwn(Map.of("", "v"))).hasMessageContaining("1-256");
        assertThatThrownBy(() -> RequestMetadata.checkOwn(Map.of("tier", "gold"))).hasMessageContaining("reserved");
        assertThat(RequestMetadata.checkOwn(Map.of("run", "a:b_c@d$e#f=g/h+i,j-k.l m"))).hasSize(1);
    }
}
