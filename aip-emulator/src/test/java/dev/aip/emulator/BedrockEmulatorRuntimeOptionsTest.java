package dev.aip.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BedrockEmulatorRuntimeOptionsTest {

    @Test
    void build_replyTokensMinAboveMax_rejectedNamingTheSetting() {
        assertThatThrownBy(() -> BedrockEmulator.builder().replyTokens(10, 5).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reply tokens");
    }

    @Test
    void build_zeroLogCapacity_rejected() {
        assertThatThrownBy(() -> BedrockEmulator.builder().invocationLogCapacity(0).build())
                .hasMessageContaining("invocationLogCapacity");
    }

    @Test
    void faultsClear_returnsToBuilderProfile() {
        FaultPlan slow = FaultPlan.builder().throttle(0.5).build();
        try (BedrockEmulator emulator = BedrockEmulator.builder().faults("m", slow).build()) {
            emulator.faults().remove("m");
            emulator.faults().clear();

            RuntimeTarget target = new RuntimeTarget("m", RuntimeTarget.Kind.FOUNDATION_MODEL, "m", null, null, "m");
            assertThat(emulator.faults().planFor(target).plan).isEqualTo(slow);
        }
    }

    @Test
    void newEmulator_emptyServerView() {
        try (BedrockEmulator emulator = BedrockEmulator.builder().build()) {
            assertThat(emulator.metrics()).isEmpty();
            assertThat(emulator.invocations()).isEmpty();
            assertThat(emulator.evictedInvocations()).isZero();
            assertThat(emulator.metrics("x").invocations()).isZero();
            assertThat(emulator.script().rules()).isEmpty();
        }
    }
}
