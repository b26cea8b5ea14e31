package dev.aip.core.governance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.ConfigurationException;
import dev.aip.core.chat.Admission.Permit;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.Tier;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The {@code fairShare} section of the policy file. */
class PolicyFileFairShareTest {

    static final String YAML = """
            defaults:
              requestsPerMinute: 60
            fairShare:
              weights: { premium: 8, gold: 3 }
              defaultWeight: 2
              reservedShares: { premium: "0.25", standard: "0.1" }
              defaultCapacity: 100000
              capacity:
                anthropic.claude-3-5-haiku-20241022-v1:0: 400000
                anthropic.claude-3-5-haiku-20241022-v1:0@us-west-2: 200000
              decrease: "0.5"
              headroom: "0.05"
              additiveIncrease: 20000
              increaseInterval: PT10S
              cooldown: PT3S
              minimumCapacity: 2000
            """;

    static final String HAIKU = "anthropic.claude-3-5-haiku-20241022-v1:0";

    @TempDir
    Path dir;

    @Test
    void parse_fairShareSection_readsEverySetting() {
        FairShare f = PolicyFile.parse(YAML, "policies.yaml", false).fairShare().orElseThrow();

        assertThat(f.weight(Tier.PREMIUM)).isEqualTo(8);
        assertThat(f.weight(Tier.STANDARD)).as("not listed: the default of its tier").isEqualTo(2);
        assertThat(f.weight(Tier.BASIC)).isEqualTo(1);
        assertThat(f.weight(Tier.of("gold"))).isEqualTo(3);
        assertThat(f.weight(Tier.of("trial"))).isEqualTo(2);
        assertThat(f.reservedShares()).containsExactlyInAnyOrderEntriesOf(Map.of(Tier.PREMIUM,
                new BigDecimal("0.25"), Tier.STANDARD, new BigDecimal("0.1")));
        assertThat(f.capacity(HAIKU, "us-east-1")).hasValue(400_000);
        assertThat(f.capacity(HAIKU, "us-west-2")).hasValue(200_000);
        assertThat(f.capacity("amazon.nova-lite-v1:0", "us-east-1")).hasValue(100_000);
        assertThat(f.decrease()).isEqualByComparingTo("0.5");
        assertThat(f.headroom()).isEqualByComparingTo("0.05");
        assertThat(f.additiveIncrease()).hasValue(20_000);
        assertThat(f.increaseInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(f.cooldown()).isEqualTo(Duration.ofSeconds(3));
        assertThat(f.minimumCapacity()).isEqualTo(2_000);
    }

    @Test
    void parse_json_readsTheSameSection() {
        String json = """
                {"fairShare": {"weights": {"basic": 2}, "reservedShares": {"premium": 0},
                               "capacity": {"amazon.nova-lite-v1:0": 50000}}}
                """;

        FairShare f = PolicyFile.parse(json, "policies.json", true).fairShare().orElseThrow();

        assertThat(f.weight(Tier.BASIC)).isEqualTo(2);
        assertThat(f.reservedShares()).as("a reserved share of 0 removes the default one").isEmpty();
        assertThat(f.capacity("amazon.nova-lite-v1:0", "eu-west-1")).hasValue(50_000);
    }

    @Test
    void parse_withoutTheSection_hasNoFairShare() {
        assertThat(PolicyFile.parse(PolicyFileTest.YAML, "policies.yaml", false).fairShare()).isEmpty();
    }

    @Test
    void parse_emptySection_turnsFairShareOnWithItsDefaults() {
        FairShare f = PolicyFile.parse("fairShare: {}\n", "policies.yaml", false).fairShare().orElseThrow();

        assertThat(f.weights()).isEqualTo(FairShare.defaults().weights());
        assertThat(f.reservedShares()).isEqualTo(FairShare.defaults().reservedShares());
        assertThat(f.capacities()).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            fairShare: { burst: 3 }                                | fairShare.burst is not a known field
            fairShare: { weights: { premium: 0 } }                 | fairShare.weights.premium must be between 1 and 1000
            fairShare: { weights: { Premium: 4 } }                 | fairShare.weights.Premium is not a valid tier
            fairShare: { weights: [4, 2] }                         | fairShare.weights must be a mapping
            fairShare: { defaultWeight: "heavy" }                  | fairShare.defaultWeight must be a whole number
            fairShare: { reservedShares: { basic: "1.5" } }        | fairShare.reservedShares.basic must be between 0 and 1
            fairShare: { reservedShares: { basic: "0.8" } }        | fairShare is invalid: FairShare reserved shares add up to 1.10
            fairShare: { capacity: { m: lots } }                   | fairShare.capacity.m must be a whole number
            fairShare: { capacity: { m: 500 } }                    | fairShare is invalid: FairShare capacity of m is 500 tokens per minute, below the minimumCapacity
            fairShare: { capacity: { "m@": 5000 } }                | fairShare.capacity.m@ is invalid
            fairShare: { decrease: "1.5" }                         | fairShare.decrease is invalid: FairShare decrease must be above 0 and below 1
            fairShare: { headroom: "1" }                           | fairShare.headroom is invalid
            fairShare: { cooldown: PT0S }                          | fairShare.cooldown is invalid: FairShare cooldown must be positive
            fairShare: { increaseInterval: soon }                  | fairShare.increaseInterval is "soon", not an ISO-8601 duration
            fairShare: [1]                                         | fairShare must be a mapping
            """)
    void parse_invalidFairShare_namesTheSourcePathAndProblem(String yaml, String expected) {
        assertThatThrownBy(() -> PolicyFile.parse(yaml, "p.yaml", false))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("Policy file p.yaml: ")
                .hasMessageContaining(expected);
    }

    @Test
    void governance_fairShareFromTheFile_isOnAndFollowsAReload() throws IOException {
        Path file = dir.resolve("policies.yaml");
        Files.writeString(file, "fairShare: { capacity: { " + Gov.SOURCE + ": 10000 }, headroom: \"0\" }\n");
        PolicyStore store = PolicyStore.fromFile(file);
        Governance g = Governance.builder().policies(store).ticker(new Gov.ManualTicker()).build();
        TenantContext basic = TenantContext.of("bronze").withTier(Tier.BASIC);
        TenantContext standard = TenantContext.of("silver");
        for (int i = 0; i < 10; i++) {
            Permit p = g.admit(basic, Gov.request(200, 800), Gov.profile(basic));
            p.release(List.of(Gov.attempt(basic, dev.aip.core.metering.TokenUsage.of(200, 800))));
        }
        g.admit(standard, Gov.request(200, 800), Gov.profile(standard)).release(List.of());
        assertThat(g.tryAdmit(basic, Gov.request(200, 800), Gov.profile(basic)).admitted()).isFalse();

        Files.writeString(file, "defaults: { requestsPerMinute: 100 }\n");
        store.reload();

        assertThat(g.fairShare().enabled()).isFalse();
        assertThat(g.tryAdmit(basic, Gov.request(200, 800), Gov.profile(basic)).admitted()).isTrue();
    }
}
