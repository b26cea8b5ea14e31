package dev.aip.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.emulator.BedrockEmulator;
import dev.aip.emulator.InvocationRecord;
import dev.aip.emulator.ModelMetrics;
import java.util.List;
import java.util.regex.Matcher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class Lab4AgentTest {

    static final String METRICS_LINE = "%s +(?<cycles>\\d+) +(?<tools>\\d+) +(?<ok>\\d+) +(?<err>\\d+) +(?<in>\\d+)"
            + " +(?<out>\\d+) +(?<time>\\d+)ms +\\$(?<cost>[0-9.]+)";
    static final String SERVER_LINE = "%s +server: ModelId=(?<id>\\S+) +Invocations=(?<calls>\\d+)";

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
    void run_onTheEmulator_agentLoopsRunAndTheirMetricsMatchTheServer() {
        Captured run = Captured.run(Lab4Agent::run, LabEnvironment.Host.system().withEmulator(emulator));
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();

        for (String tenant : List.of("tenant-a", "tenant-b")) {
            Matcher metrics = run.only(String.format(METRICS_LINE, tenant));
            ModelMetrics truth = emulator.metrics(run.only(String.format(SERVER_LINE, tenant)).group("id"));
            // Three tasks, each a tool call between two model calls.
            assertThat(Captured.number(metrics, "cycles")).isEqualTo(6).isEqualTo(truth.invocations());
            assertThat(Captured.number(metrics, "tools")).isEqualTo(3);
            assertThat(Captured.number(metrics, "in")).isPositive().isEqualTo(truth.inputTokenCount());
            assertThat(Captured.number(metrics, "out")).isPositive().isEqualTo(truth.outputTokenCount());
            assertThat(run.lines(tenant + " +agree: calls and every token bucket match")).hasSize(1);
        }
        // Tenant B's ROI has no conversions: that tool call fails, and the agent still answers.
        assertThat(Captured.number(run.only(String.format(METRICS_LINE, "tenant-a")), "err")).isZero();
        assertThat(Captured.number(run.only(String.format(METRICS_LINE, "tenant-b")), "err")).isEqualTo(1);
        assertThat(run.lines("tenant-b +calculate_campaign_roi +1 +0 +1 ")).hasSize(1);
        assertThat(run.out()).doesNotContain("DIFFER");
        assertThat(emulator.invocations()).hasSize(12).allSatisfy(i -> {
            assertThat(i.operation()).isEqualTo("Converse");
            assertThat(i.outcome()).isEqualTo(InvocationRecord.Outcome.SUCCESS);
            assertThat(i.requestMetadata()).containsEntry("agent", Lab4Agent.AGENT).containsKey("tenantId");
        });
    }
}
