package dev.aip.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aip.core.profile.ProfileBalancer;
import dev.aip.core.sink.JsonLinesLedger;
import dev.aip.core.tenant.Tier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The IDE metadata the configuration processor generates (merged with the module's additional metadata). */
class ConfigurationMetadataTest {

    static JsonNode metadata;

    @BeforeAll
    static void read() throws Exception {
        metadata = new ObjectMapper().readTree(Files.readString(
                Path.of("target/classes/META-INF/spring-configuration-metadata.json")));
    }

    @Test
    void descriptions_carryNoJavadocTags() {
        List<String> descriptions = new ArrayList<>();
        for (String section : List.of("groups", "properties")) {
            metadata.path(section).forEach(p -> descriptions.add(p.path("name").asText() + ": "
                    + p.path("description").asText()));
        }
        metadata.path("hints").forEach(h -> h.path("values").forEach(v -> descriptions.add(h.path("name").asText()
                + "=" + v.path("value").asText() + ": " + v.path("description").asText())));

        assertThat(descriptions).hasSizeGreaterThan(40)
                .allSatisfy(d -> assertThat(d).doesNotContain("{@").doesNotContain("<code>"));
    }

    @Test
    void enumeratedSettings_haveValueHints_matchingWhatTheyAccept() {
        assertThat(hintValues("aip.profiles.strategy")).containsExactlyInAnyOrderElementsOf(
                Arrays.stream(AipProperties.Strategy.values()).map(s -> s.name().toLowerCase(Locale.ROOT)).toList());
        assertThat(hintValues("aip.profiles.balancer")).containsExactlyInAnyOrderElementsOf(
                Arrays.stream(ProfileBalancer.Strategy.values())
                        .map(s -> s.name().toLowerCase(Locale.ROOT).replace('_', '-')).toList());
        assertThat(hintValues("aip.ledger.durability")).containsExactlyInAnyOrderElementsOf(
                Arrays.stream(JsonLinesLedger.Durability.values()).map(s -> s.name().toLowerCase(Locale.ROOT))
                        .toList());
        assertThat(hintValues("aip.policies.tiers.keys")).containsExactlyInAnyOrder(Tier.PREMIUM.name(),
                Tier.STANDARD.name(), Tier.BASIC.name());
        assertThat(hint("aip.policy-file").path("providers").get(0).path("name").asText())
                .isEqualTo("spring-resource-reference");
        assertThat(hint("aip.tenants-file").path("providers").get(0).path("name").asText())
                .isEqualTo("spring-resource-reference");
    }

    @Test
    void tenantsAndInlinePolicies_areDocumented() {
        assertThat(property("aip.tenants").path("description").asText())
                .contains("aip.tenants.ID.tier", "aip.tenants.ID.attributes", "aip.tenants.ID.profiles", "premium");
        assertThat(property("aip.tenants-file").path("description").asText()).contains("classpath:");
        assertThat(property("aip.tenant.known-only").path("description").asText()).contains("provisioning");
        assertThat(property("aip.policies.defaults.requests-per-minute").path("description").asText())
                .contains("unlimited");
        assertThat(property("aip.policies.tiers").path("description").asText()).isNotBlank();
        assertThat(property("aip.policies.tenants").path("description").asText()).isNotBlank();
    }

    private static List<String> hintValues(String name) {
        return StreamSupport.stream(hint(name).path("values").spliterator(), false)
                .map(v -> v.path("value").asText()).toList();
    }

    private static JsonNode hint(String name) {
        return find("hints", name);
    }

    private static JsonNode property(String name) {
        return find("properties", name);
    }

    private static JsonNode find(String section, String name) {
        for (JsonNode n : metadata.path(section)) {
            if (name.equals(n.path("name").asText())) {
                assertThat(n.path("description").isMissingNode() && section.equals("properties")).isFalse();
                return n;
            }
        }
        throw new AssertionError("no " + section + " entry named " + name);
    }
}
