package dev.aip.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.emulator.BedrockEmulator;
import dev.aip.emulator.ModelMetrics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class Lab1SharedProfileTest {

    static final String TENANT_LINE =
            "%s +calls=(?<calls>\\d+) inputTokens=(?<in>\\d+) outputTokens=(?<out>\\d+) \\(from the responses\\)";
    static final String MODEL_ID_LINE = "ModelId=(?<id>\\S+) +Invocations=(?<calls>\\d+) +InputTokenCount=(?<in>\\d+)"
            + " +OutputTokenCount=(?<out>\\d+)";

    BedrockEmulator emulator;

    @BeforeEach
    void start() {
        emulator = BedrockEmulator.builder().region("us-west-2").build().start();
    }

    @AfterEach
    void stop() {
        emulator.close();
    }

    @Test
    void run_twoTenantsOnTheSystemProfile_showOneModelIdSeriesHoldingBothTenantsTokens() {
        Captured run = Captured.run(Lab1SharedProfile::run, LabEnvironment.Host.system().withEmulator(emulator),
                "--calls", "2");

        assertThat(run.exitCode()).as(run.err()).isZero();
        Matcher a = run.only(String.format(TENANT_LINE, "tenant-a"));
        Matcher b = run.only(String.format(TENANT_LINE, "tenant-b"));
        Matcher series = run.only(MODEL_ID_LINE);
        assertThat(Captured.number(a, "calls")).isEqualTo(2);
        assertThat(Captured.number(b, "calls")).isEqualTo(2);
        assertThat(Captured.number(a, "in")).isPositive();
        assertThat(Captured.number(b, "in")).isPositive();
        assertThat(series.group("id")).isEqualTo("us.amazon.nova-pro-v1:0");
        assertThat(Captured.number(series, "calls")).isEqualTo(4);
        assertThat(Captured.number(series, "in")).isEqualTo(Captured.number(a, "in") + Captured.number(b, "in"));
        assertThat(Captured.number(series, "out")).isEqualTo(Captured.number(a, "out") + Captured.number(b, "out"));
        assertThat(run.out()).contains("Lesson: one ModelId series holds every tenant's calls");
    }

    @Test
    void run_twoTenantsOnTheSystemProfile_serverHasNoOtherSeriesAndAgreesWithThePrintout() {
        Captured run = Captured.run(Lab1SharedProfile::run, LabEnvironment.Host.system().withEmulator(emulator));

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(emulator.metrics()).containsOnlyKeys("us.amazon.nova-pro-v1:0");
        ModelMetrics server = emulator.metrics("us.amazon.nova-pro-v1:0");
        Matcher series = run.only(MODEL_ID_LINE);
        assertThat(Captured.number(series, "calls")).isEqualTo(server.invocations()).isEqualTo(2);
        assertThat(Captured.number(series, "in")).isEqualTo(server.inputTokenCount());
        assertThat(Captured.number(series, "out")).isEqualTo(server.outputTokenCount());
    }

    @Test
    void run_publicEntryWithoutAws_startsItsOwnEmulatorAndSucceeds() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        int code = Lab1SharedProfile.run(new String[0], new PrintStream(out, true, StandardCharsets.UTF_8));

        assertThat(code).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("the embedded Bedrock emulator at http://127.0.0.1:")
                .contains("ModelId=us.amazon.nova-pro-v1:0  Invocations=2");
    }
}
