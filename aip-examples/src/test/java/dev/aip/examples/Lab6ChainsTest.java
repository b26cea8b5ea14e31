package dev.aip.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.emulator.BedrockEmulator;
import dev.aip.emulator.ModelMetrics;
import java.util.List;
import java.util.regex.Matcher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class Lab6ChainsTest {

    static final String RUN_LINE = "%s +(?<chain>\\w+) +(?<run>%s-\\w+-\\d) +(?<calls>\\d+) +(?<in>\\d+) +(?<out>\\d+)"
            + " +\\d+ms +\\$[0-9.]+";
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
    void run_onTheEmulator_eachChainRunsUsageAddsUpToItsTenantsServerMetrics() {
        Captured run = Captured.run(Lab6Chains::run, LabEnvironment.Host.system().withEmulator(emulator));
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();

        for (String tenant : List.of("tenant-a", "tenant-b")) {
            Matcher runs = java.util.regex.Pattern.compile(String.format(RUN_LINE, tenant, tenant))
                    .matcher(run.out());
            long calls = 0;
            long in = 0;
            long out = 0;
            int count = 0;
            while (runs.find()) {
                count++;
                assertThat(Captured.number(runs, "calls")).as("two steps per chain run").isEqualTo(2);
                assertThat(runs.group("chain")).isEqualTo(tenant.equals("tenant-a") ? "headline" : "description");
                calls += Captured.number(runs, "calls");
                in += Captured.number(runs, "in");
                out += Captured.number(runs, "out");
            }
            assertThat(count).isEqualTo(2);
            ModelMetrics truth = emulator.metrics(run.only(String.format(SERVER_LINE, tenant)).group("id"));
            assertThat(calls).isEqualTo(truth.invocations());
            assertThat(in).isEqualTo(truth.inputTokenCount());
            assertThat(out).isEqualTo(truth.outputTokenCount());
            assertThat(run.lines(tenant + " +agree: calls and every token bucket match")).hasSize(1);
        }
        assertThat(run.out()).doesNotContain("DIFFER");
        assertThat(emulator.invocations()).hasSize(8)
                .allSatisfy(i -> assertThat(i.requestMetadata()).containsKeys("chain", "run", "tenantId"));
    }
}
