package dev.aip.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.emulator.BedrockEmulator;
import dev.aip.emulator.InvocationRecord;
import dev.aip.emulator.ModelMetrics;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class Lab7WorkflowTest {

    static final String NODE_LINE = "%s +%s +%s +(?<calls>\\d+) +(?<in>\\d+) +(?<out>\\d+) +\\d+ms +\\$[0-9.]+";
    static final String SUMMARY_LINE = "%s +%s +(?<steps>\\d+) +(?<revisions>\\d+) +(?<calls>\\d+) +(?<in>\\d+)"
            + " +(?<out>\\d+) +\\$[0-9.]+ +published";
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
    void run_onTheEmulator_reviewSendsTheFirstDraftBack_andUsagePerRunAndNodeAddsUp() {
        Captured run = Captured.run(Lab7Workflow::run, LabEnvironment.Host.system().withEmulator(emulator));
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();

        for (String tenant : List.of("tenant-a", "tenant-b")) {
            assertThat(run.lines(tenant + "-run-1 generate -> review -> generate -> review -> publish")).hasSize(1);
            assertThat(run.lines(tenant + "-run-2 generate -> review -> publish")).hasSize(1);
            Matcher first = run.only(String.format(SUMMARY_LINE, tenant + "-run-1", tenant));
            Matcher second = run.only(String.format(SUMMARY_LINE, tenant + "-run-2", tenant));
            assertThat(Captured.number(first, "steps")).isEqualTo(5);
            assertThat(Captured.number(first, "revisions")).isEqualTo(1);
            assertThat(Captured.number(first, "calls")).isEqualTo(4);
            assertThat(Captured.number(second, "calls")).isEqualTo(2);
            assertThat(Captured.number(run.only(String.format(NODE_LINE, tenant, tenant + "-run-1", "generate")),
                    "calls")).isEqualTo(2);
            assertThat(Captured.number(run.only(String.format(NODE_LINE, tenant, tenant + "-run-1", "review")),
                    "calls")).isEqualTo(2);
            assertThat(run.lines(String.format(NODE_LINE, tenant, tenant + "-run-\\d", "publish"))).isEmpty();

            ModelMetrics truth = emulator.metrics(run.only(String.format(SERVER_LINE, tenant)).group("id"));
            assertThat(Captured.number(first, "in") + Captured.number(second, "in"))
                    .isEqualTo(truth.inputTokenCount());
            assertThat(Captured.number(first, "out") + Captured.number(second, "out"))
                    .isEqualTo(truth.outputTokenCount());
            assertThat(run.lines(tenant + " +agree: calls and every token bucket match")).hasSize(1);
        }
        assertThat(run.out()).doesNotContain("DIFFER");
        Map<String, Long> perNode = emulator.invocations().stream().collect(Collectors.groupingBy(
                (InvocationRecord i) -> i.requestMetadata().get("run") + "/" + i.requestMetadata().get("node"),
                Collectors.counting()));
        assertThat(perNode).containsOnly(
                Map.entry("tenant-a-run-1/generate", 2L), Map.entry("tenant-a-run-1/review", 2L),
                Map.entry("tenant-a-run-2/generate", 1L), Map.entry("tenant-a-run-2/review", 1L),
                Map.entry("tenant-b-run-1/generate", 2L), Map.entry("tenant-b-run-1/review", 2L),
                Map.entry("tenant-b-run-2/generate", 1L), Map.entry("tenant-b-run-2/review", 1L));
    }
}
