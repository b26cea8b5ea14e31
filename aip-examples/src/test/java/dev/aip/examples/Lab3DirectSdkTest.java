package dev.aip.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.emulator.BedrockEmulator;
import dev.aip.emulator.InvocationRecord;
import dev.aip.emulator.ModelMetrics;
import java.math.BigDecimal;
import java.util.List;
import java.util.regex.Matcher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class Lab3DirectSdkTest {

    static final String AIP_LINE = "%s +aip: +calls=(?<calls>\\d+) inputTokens=(?<in>\\d+) outputTokens=(?<out>\\d+)"
            + " cacheReadTokens=(?<cr>\\d+) cacheWriteTokens=(?<cw>\\d+) cost=\\$(?<cost>[0-9.]+) p50=(?<p50>\\S+)"
            + " ttft=(?<ttft>\\S+)";
    static final String SERVER_LINE = "%s +server: ModelId=(?<id>\\S+) +Invocations=(?<calls>\\d+)"
            + " +InputTokenCount=(?<in>\\d+) +OutputTokenCount=(?<out>\\d+) +CacheReadInputTokenCount=(?<cr>\\d+)";

    BedrockEmulator emulator;

    @BeforeEach
    void start() {
        emulator = BedrockEmulator.builder().region("us-west-2").build().start();
    }

    @AfterEach
    void stop() {
        emulator.close();
    }

    Captured run(String... args) {
        Captured run = Captured.run(Lab3DirectSdk::run, LabEnvironment.Host.system().withEmulator(emulator), args);
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        return run;
    }

    @Test
    void run_twoRounds_aipUsagePerTenantEqualsTheServerMetricsOfItsProfile() {
        Captured run = run("--calls", "2");

        for (String tenant : List.of("tenant-a", "tenant-b")) {
            Matcher aip = run.only(String.format(AIP_LINE, tenant));
            Matcher server = run.only(String.format(SERVER_LINE, tenant));
            ModelMetrics truth = emulator.metrics(server.group("id"));

            assertThat(Captured.number(aip, "calls")).isEqualTo(6).isEqualTo(Captured.number(server, "calls"))
                    .isEqualTo(truth.invocations());
            assertThat(Captured.number(aip, "in")).isPositive().isEqualTo(Captured.number(server, "in"))
                    .isEqualTo(truth.inputTokenCount());
            assertThat(Captured.number(aip, "out")).isPositive().isEqualTo(Captured.number(server, "out"))
                    .isEqualTo(truth.outputTokenCount());
            assertThat(Captured.number(aip, "cr")).isEqualTo(truth.cacheReadInputTokenCount());
            assertThat(Captured.number(aip, "cw")).isEqualTo(truth.cacheWriteInputTokenCount());
            assertThat(new BigDecimal(aip.group("cost"))).isPositive();
            assertThat(aip.group("p50")).matches("\\d+ms");
            assertThat(aip.group("ttft")).matches("\\d+ms");
            assertThat(run.lines(tenant + " +agree: calls and every token bucket match")).hasSize(1);
        }
        assertThat(run.out()).doesNotContain("DIFFER");
    }

    @Test
    void run_eachTenant_callsItsOwnProfileWithEveryOperation() {
        Captured run = run();

        String idA = run.only(String.format(SERVER_LINE, "tenant-a")).group("id");
        String idB = run.only(String.format(SERVER_LINE, "tenant-b")).group("id");
        assertThat(idA).isNotEqualTo(idB);
        assertThat(emulator.metrics()).containsOnlyKeys(idA, idB);
        for (String tenant : List.of("tenant-a", "tenant-b")) {
            String id = tenant.equals("tenant-a") ? idA : idB;
            List<InvocationRecord> calls = emulator.invocations().stream()
                    .filter(i -> id.equals(i.profileId())).toList();
            assertThat(calls).extracting(InvocationRecord::operation)
                    .containsExactly("Converse", "ConverseStream", "InvokeModel");
            assertThat(calls).allSatisfy(i -> {
                assertThat(i.modelId()).endsWith(":application-inference-profile/" + id);
                assertThat(i.requestMetadata()).containsEntry("tenantId", tenant);
                assertThat(i.outcome()).isEqualTo(InvocationRecord.Outcome.SUCCESS);
            });
        }
    }

    @Test
    void run_anotherTenantsProfileArn_isRefusedBeforeItReachesBedrock() {
        Captured run = run();

        assertThat(run.lines("tenant-b +with tenant-a's profile ARN: refused before sending")).hasSize(1);
        assertThat(emulator.invocations()).hasSize(6);
    }

    @Test
    void run_twice_reusesTheProfilesOfTheFirstRun() {
        Captured first = run();
        Captured second = run();

        assertThat(first.lines("created +marketing-ai-tenant-[ab] ")).hasSize(2);
        assertThat(second.lines("found +marketing-ai-tenant-[ab] ")).hasSize(2);
        assertThat(second.lines(" agree: ")).hasSize(2);
    }

    @Test
    void run_withCleanup_deletesTheProfilesItCreated() {
        Captured run = run("--cleanup");

        assertThat(run.lines("deleted marketing-ai-tenant-[ab] \\(--cleanup\\)")).hasSize(2);
        assertThat(Captured.run(Lab3DirectSdk::run, LabEnvironment.Host.system().withEmulator(emulator))
                .lines("created +marketing-ai-tenant-[ab] ")).hasSize(2);
    }
}
