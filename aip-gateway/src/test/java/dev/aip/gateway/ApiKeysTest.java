package dev.aip.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.ConfigurationException;
import dev.aip.core.tenant.TenantId;
import java.util.List;
import org.junit.jupiter.api.Test;

class ApiKeysTest {

    private static GatewayProperties.ApiKey key(String tenant, String sha256) {
        GatewayProperties.ApiKey k = new GatewayProperties.ApiKey();
        k.setTenant(tenant);
        k.setSha256(sha256);
        return k;
    }

    @Test
    void tenantOf_presentedKeyMatchesItsHash_otherKeysDoNot() {
        ApiKeys keys = ApiKeys.of(List.of(key("acme", ApiKeys.sha256Hex("sk-acme")),
                key("globex", ApiKeys.sha256Hex("sk-globex").toUpperCase())));

        assertThat(keys.tenantOf("sk-acme")).hasValue(TenantId.of("acme"));
        assertThat(keys.tenantOf("sk-globex")).hasValue(TenantId.of("globex"));
        assertThat(keys.tenantOf("sk-acme ")).isEmpty();
        assertThat(keys.tenantOf("")).isEmpty();
        assertThat(keys.tenantOf(null)).isEmpty();
    }

    @Test
    void of_aPlainKeyInsteadOfItsHash_isAConfigurationError() {
        assertThatThrownBy(() -> ApiKeys.of(List.of(key("acme", "sk-acme-dev"))))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("aip.gateway.keys[0]")
                .hasMessageNotContaining("sk-acme-dev");
    }
}
