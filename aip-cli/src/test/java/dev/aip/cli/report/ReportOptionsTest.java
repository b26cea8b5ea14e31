package dev.aip.cli.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.tenant.Tier;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportOptionsTest {

    @Test
    void defaults_titleAndTierTargets() {
        ReportOptions options = ReportOptions.defaults();

        assertThat(options.title()).isEqualTo(ReportOptions.DEFAULT_TITLE);
        assertThat(options.latencyTargets()).containsExactly(Map.entry(Tier.PREMIUM, Duration.ofSeconds(2)),
                Map.entry(Tier.STANDARD, Duration.ofSeconds(5)), Map.entry(Tier.BASIC, Duration.ofSeconds(10)));
        assertThat(options.from()).isNull();
        assertThat(options.to()).isNull();
        assertThat(options.serverView()).isEmpty();
        assertThat(options.profileOwners()).isEmpty();
        assertThat(options.reconciliation()).isNull();
    }

    @Test
    void constructor_nulls_filledWithDefaults() {
        ReportOptions options = new ReportOptions(null, null, null, null, null, null, null);

        assertThat(options).isEqualTo(ReportOptions.defaults());
    }

    @Test
    void builder_latencyTarget_replacesOneTierKeepsOthers() {
        ReportOptions options = ReportOptions.builder().latencyTarget(Tier.BASIC, Duration.ofMillis(500))
                .latencyTarget(Tier.of("gold"), Duration.ofSeconds(1)).build();

        // Shortest target first.
        assertThat(options.latencyTargets()).containsExactly(Map.entry(Tier.BASIC, Duration.ofMillis(500)),
                Map.entry(Tier.of("gold"), Duration.ofSeconds(1)), Map.entry(Tier.PREMIUM, Duration.ofSeconds(2)),
                Map.entry(Tier.STANDARD, Duration.ofSeconds(5)));
    }

    @Test
    void constructor_windowEndingBeforeStart_rejected() {
        Instant t = Instant.parse("2025-03-10T09:00:00Z");

        assertThatThrownBy(() -> ReportOptions.builder().window(t, t).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("before it starts");
    }

    @Test
    void constructor_zeroTarget_rejected() {
        assertThatThrownBy(() -> ReportOptions.builder().latencyTarget(Tier.BASIC, Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be positive");
    }

    @Test
    void constructor_mutableInputs_copied() {
        Map<String, String> owners = new HashMap<>(Map.of("m", "acme"));
        ReportOptions options = ReportOptions.builder().profileOwners(owners).build();

        owners.put("n", "beta");

        assertThat(options.profileOwners()).containsExactly(Map.entry("m", "acme"));
    }
}
