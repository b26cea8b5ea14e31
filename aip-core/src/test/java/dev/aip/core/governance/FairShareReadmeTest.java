package dev.aip.core.governance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.Tier;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's "Tier priority and fair share" examples, as written there: if this breaks, the README lies. */
class FairShareReadmeTest {

    static final String README_YAML = """
            fairShare:                                    # in policies.yaml; reloadable like the rest
              weights: { premium: 4, standard: 2, basic: 1 }  # the defaults; other tiers weigh 1
              reservedShares: { premium: "0.30" }         # the default
              capacity:                                   # the account's tokens per minute, per source model (or model@region)
                anthropic.claude-3-5-haiku-20241022-v1:0: 400000
            """;

    @Test
    void readme_yamlAndBuilder_sayTheSame() {
        PolicySet policies = PolicyFile.parse(README_YAML, "policies.yaml", false);

        // --- as in the README ---
        Governance governance = Governance.builder()
                .policies(policies)
                .fairShare(FairShare.builder()
                        .reservedShare(Tier.PREMIUM, new BigDecimal("0.30"))
                        .capacity("anthropic.claude-3-5-haiku-20241022-v1:0", 400_000)
                        .build())
                .build();
        System.out.println(governance.fairShare());   // per model: estimate, use; per tenant: use, share, shed calls
        // --- end ---

        FairShare fromFile = policies.fairShare().orElseThrow();
        assertThat(fromFile.weights()).isEqualTo(FairShare.defaults().weights());
        assertThat(fromFile.reservedShares()).isEqualTo(FairShare.defaults().reservedShares());
        assertThat(fromFile.capacity("anthropic.claude-3-5-haiku-20241022-v1:0", "us-east-1")).hasValue(400_000);
        TenantContext acme = TenantContext.of("acme").withTier(Tier.PREMIUM);
        governance.admit(acme, Gov.request(10, 10), Gov.profile(acme, "anthropic.claude-3-5-haiku-20241022-v1:0"))
                .release(List.of());
        assertThat(governance.fairShare().toString()).contains("capacity 400000/400000 tpm", "acme", "premium");
    }
}
