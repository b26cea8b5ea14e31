package dev.aip.core.governance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.ConfigurationException;
import dev.aip.core.chat.InferenceSettings;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PolicyFileTest {

    static final String YAML = """
            defaults:
              requestsPerMinute: 60
              tokensPerMinute: 200000
              maxConcurrentCalls: 4
              maxOutputTokens: 4096
              allowedModels: [claude-haiku]
              budget: { usd: "20.00", period: day, zone: Europe/Berlin }
            tiers:
              premium:
                requestsPerMinute: 600
                allowedModels: ["*"]
                budget: { usd: "500", period: month }
            tenants:
              acme:
                tier: premium
                maxConcurrentCalls: unlimited
                defaultSettings: { maxTokens: 1024, temperature: 0.2, stopSequences: ["END"] }
                fallbackChain: ["arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc"]
              trial-co:
                budget: { usd: "1.50", period: window, length: PT6H }
                tokensPerMinute: unlimited
            """;

    @TempDir
    Path dir;

    @Test
    void parse_fullExample_layersTenantOverTierOverDefaults() {
        PolicySet set = PolicyFile.parse(YAML, "policies.yaml", false);

        TenantPolicy acme = set.policyFor(TenantContext.of("acme"));
        assertThat(acme.tier()).isEqualTo(Tier.PREMIUM);
        assertThat(acme.requestsPerMinute()).isEqualTo(600);
        assertThat(acme.tokensPerMinute()).isEqualTo(200_000);
        assertThat(acme.maxConcurrentCalls()).isEqualTo(Integer.MAX_VALUE);
        assertThat(acme.concurrencyCap()).isZero();
        assertThat(acme.allowsModel("anything")).isTrue();
        assertThat(acme.budget()).isEqualTo(Budget.of(new BigDecimal("500"), BudgetPeriod.monthly(java.time.ZoneOffset.UTC)));
        assertThat(acme.defaultSettings()).isEqualTo(new InferenceSettings(1024, 0.2f, null, List.of("END")));
        assertThat(acme.fallbackChain()).hasSize(1);

        TenantPolicy trial = set.policyFor(TenantContext.of("trial-co"));
        assertThat(trial.budget().period()).isEqualTo(BudgetPeriod.every(Duration.ofHours(6)));
        assertThat(trial.tokenRate()).isZero();
        assertThat(trial.allowedModels()).isEqualTo(Set.of("claude-haiku"));
        assertThat(trial.maxOutputTokens()).isEqualTo(4096);

        TenantPolicy stranger = set.policyFor(TenantContext.of("stranger"));
        assertThat(stranger.budget().period()).isEqualTo(BudgetPeriod.daily(ZoneId.of("Europe/Berlin")));
        assertThat(stranger.budget().amountUsd()).isEqualByComparingTo("20.00");
        TenantPolicy premiumStranger = set.policyFor(new TenantContext(TenantId.of("x"), Tier.PREMIUM, Map.of()));
        assertThat(premiumStranger.requestsPerMinute()).isEqualTo(600);
    }

    @Test
    void parse_json_readsTheSameFormat() {
        PolicySet set = PolicyFile.parse("""
                {"tenants": {"acme": {"requestsPerMinute": 5, "budget": "unlimited"}}}
                """, "p.json", true);

        assertThat(set.policyFor(TenantContext.of("acme")).requestRate()).isEqualTo(5);
        assertThat(set.policyFor(TenantContext.of("acme")).budgetInForce()).isNull();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "defaults: { requestPerMinute: 5 }|defaults.requestPerMinute is not a known field",
        "defaults: { requestsPerMinute: 0 }|defaults.requestsPerMinute must be between 1 and",
        "defaults: { requestsPerMinute: lots }|defaults.requestsPerMinute must be a whole number",
        "defaults: { maxConcurrentCalls: 1.5 }|defaults.maxConcurrentCalls must be a whole number",
        "tenants: { acme: { budget: { usd: \"-1\" } } }|tenants.acme.budget.usd must be positive",
        "tenants: { acme: { budget: { usd: ten } } }|tenants.acme.budget.usd is \"ten\", not a decimal number",
        "tenants: { acme: { budget: { period: day } } }|tenants.acme.budget.usd is missing",
        "tenants: { acme: { budget: { usd: 1, period: week } } }|tenants.acme.budget.period is \"week\"",
        "tenants: { acme: { budget: { usd: 1, zone: Mars/Olympus } } }|tenants.acme.budget.zone is \"Mars/Olympus\"",
        "tenants: { acme: { budget: { usd: 1, period: window } } }|tenants.acme.budget.length is missing",
        "tenants: { acme: { budget: { usd: 1, period: window, length: 6h } } }|tenants.acme.budget.length is \"6h\"",
        "tenants: { 'bad id': {} }|tenants.bad id is not a valid tenant id",
        "tiers: { Gold: {} }|tiers.Gold is not a valid tier",
        "tiers: { gold: { tier: gold } }|tiers.gold.tier is only allowed in a tenant's policy",
        "tenants: { acme: { allowedModels: claude } }|tenants.acme.allowedModels must be a list of strings",
        "tenants: { acme: { defaultSettings: { temperature: 2 } } }|tenants.acme.defaultSettings.temperature must be"
                + " between 0 and 1",
        "budgets: {}|budgets is not a known field",
    })
    void parse_invalid_namesTheSourcePathAndProblem(String yaml, String expected) {
        assertThatThrownBy(() -> PolicyFile.parse(yaml, "policies.yaml", false))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("Policy file policies.yaml: ")
                .hasMessageContaining(expected);
    }

    @Test
    void parse_malformedYaml_namesTheLine() {
        assertThatThrownBy(() -> PolicyFile.parse("defaults:\n  a: [1, 2\n", "p.yaml", false))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("p.yaml is not valid YAML at line");
    }

    @Test
    void parse_duplicateKey_isAnError() {
        assertThatThrownBy(() -> PolicyFile.parse("tenants:\n  acme: {}\n  acme: {}\n", "p.yaml", false))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("acme");
    }

    @Test
    void load_missingFile_namesTheFile() {
        Path missing = dir.resolve("nope.yaml");

        assertThatThrownBy(() -> PolicyFile.load(missing)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining(missing.toString());
    }

    @Test
    void reload_changedFile_putsTheNewPoliciesInForce() throws IOException {
        Path file = dir.resolve("policies.yaml");
        Files.writeString(file, "defaults: { requestsPerMinute: 5 }\n");
        PolicyStore store = PolicyStore.fromFile(file);
        assertThat(store.current().policyFor(Gov.ACME).requestRate()).isEqualTo(5);

        Files.writeString(file, "defaults: { requestsPerMinute: 7 }\n");
        store.reload();

        assertThat(store.current().policyFor(Gov.ACME).requestRate()).isEqualTo(7);
        assertThat(store.current().source()).isEqualTo(file.toString());
    }

    @Test
    void reload_invalidFile_keepsTheOldPoliciesAndThrows() throws IOException {
        Path file = dir.resolve("policies.yaml");
        Files.writeString(file, "defaults: { requestsPerMinute: 5 }\n");
        PolicyStore store = PolicyStore.fromFile(file);
        PolicySet before = store.current();

        Files.writeString(file, "defaults: { requestsPerMinute: -5 }\n");

        assertThatThrownBy(store::reload).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("defaults.requestsPerMinute");
        assertThat(store.current()).isSameAs(before);
    }

    @Test
    void reload_storeBuiltInCode_saysToUseReplace() {
        assertThatThrownBy(() -> PolicyStore.of(PolicySet.of(TenantPolicy.EMPTY)).reload())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("replace");
    }
}
