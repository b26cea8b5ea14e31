package dev.aip.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EmulatorMainTest {

    @Test
    void configure_help_printsUsageAndReturnsNull() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        BedrockEmulator.Builder builder = EmulatorMain.configure(new String[] {"--help"}, print(out));

        assertThat(builder).isNull();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("--port").contains("--profile-quota")
                .contains("--max-reset-frames");
    }

    @Test
    void configure_allOptions_applied() {
        BedrockEmulator.Builder builder = EmulatorMain.configure(new String[] {"--port", "0", "--bind=127.0.0.1",
            "--seed", "7", "--account", "210987654321", "--region", "eu-west-1", "--profile-quota", "5", "--reply-tokens", "10-12",
            "--stream-chunk-tokens", "1", "--max-reset-frames", "0"},
                print(new ByteArrayOutputStream()));

        try (BedrockEmulator emulator = builder.build().start()) {
            assertThat(emulator.accountId()).isEqualTo("210987654321");
            assertThat(emulator.region()).isEqualTo("eu-west-1");
            assertThat(emulator.endpoint().getHost()).isEqualTo("127.0.0.1");
        }
    }

    @Test
    void configure_unknownOptionOrBadNumber_namesTheProblem() {
        PrintStream sink = print(new ByteArrayOutputStream());

        assertThatThrownBy(() -> EmulatorMain.configure(new String[] {"--colour", "red"}, sink))
                .hasMessageContaining("unknown option --colour");
        assertThatThrownBy(() -> EmulatorMain.configure(new String[] {"--port", "http"}, sink))
                .hasMessageContaining("--port needs a whole number");
        assertThatThrownBy(() -> EmulatorMain.configure(new String[] {"--seed"}, sink))
                .hasMessageContaining("missing value for --seed");
    }

    @Test
    void configure_badMaxResetFrames_namesTheOptionOrSetting() {
        PrintStream sink = print(new ByteArrayOutputStream());

        assertThatThrownBy(() -> EmulatorMain.configure(new String[] {"--max-reset-frames", "many"}, sink))
                .hasMessageContaining("--max-reset-frames needs a whole number");
        assertThatThrownBy(() -> EmulatorMain.configure(new String[] {"--max-reset-frames", "10/soon"}, sink))
                .hasMessageContaining("--max-reset-frames needs a whole number");
        assertThatThrownBy(() -> EmulatorMain.configure(new String[] {"--max-reset-frames=-1"}, sink).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxResetFramesPerWindow");
        assertThatThrownBy(() -> EmulatorMain.configure(new String[] {"--max-reset-frames", "10/0"}, sink).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxResetFramesPerWindow");
    }

    @Test
    void configure_pacingAndThrottle_parsedAndBadValuesNamed() {
        PrintStream sink = print(new ByteArrayOutputStream());

        assertThat(EmulatorMain.configure(new String[] {"--latency", "300ms", "--ttft=PT1S", "--chunk-delay", "20ms",
            "--throttle", "0.5"}, sink)).isNotNull();
        assertThat(EmulatorMain.parseDuration("--latency", "1.5s")).isEqualTo(java.time.Duration.ofMillis(1_500));
        assertThat(EmulatorMain.parseDuration("--latency", "PT1S")).isEqualTo(java.time.Duration.ofSeconds(1));
        assertThat(EmulatorMain.parseDuration("--latency", "20ms")).isEqualTo(java.time.Duration.ofMillis(20));
        assertThatThrownBy(() -> EmulatorMain.configure(new String[] {"--latency", "300"}, sink))
                .hasMessage("--latency needs a duration such as 300ms, 1s, 1.5s, 2m or PT1S, got '300'");
        assertThatThrownBy(() -> EmulatorMain.configure(new String[] {"--chunk-delay", "PT-1S"}, sink))
                .hasMessageContaining("--chunk-delay needs a duration");
        assertThatThrownBy(() -> EmulatorMain.configure(new String[] {"--throttle", "2"}, sink))
                .hasMessage("--throttle needs a fraction from 0 to 1 such as 0.1, got '2'");
    }

    @Test
    void run_invalidSetting_exitsWithUsageCode() throws InterruptedException {
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int code = EmulatorMain.run(new String[] {"--account", "12"}, print(new ByteArrayOutputStream()), print(err));

        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("accountId must be 12 digits");
    }

    private static PrintStream print(ByteArrayOutputStream out) {
        return new PrintStream(out, true, StandardCharsets.UTF_8);
    }
}
