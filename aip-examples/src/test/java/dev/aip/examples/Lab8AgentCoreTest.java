package dev.aip.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.agentcore.AgentCoreServer;
import dev.aip.emulator.BedrockEmulator;
import dev.aip.emulator.InvocationRecord;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class Lab8AgentCoreTest {

    static final Pattern SESSION_LINE = Pattern.compile("(?m)^  (?<tenant>tenant-[ab]) +(?<session>lab8-\\S+)"
            + " +(?<calls>\\d+) +(?<in>\\d+) +(?<out>\\d+) +\\$[0-9.]+$");

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
    void run_onTheEmulator_servesTheAgentUnderTheContractAndMetersEverySessionAsTheServerCounts() {
        Captured run = Captured.run(Lab8AgentCore::run, LabEnvironment.Host.system().withEmulator(emulator));
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();

        // The runtime's view: pings, JSON and SSE invocations, the refusal without identity.
        assertThat(run.lines("ping, idle +-> Healthy ")).hasSize(1);
        assertThat(run.lines("ping, while it waits +-> HealthyBusy ")).hasSize(1);
        assertThat(run.lines("ping, after it answered +-> Healthy ")).hasSize(1);
        assertThat(run.lines("^ +-> 200 ")).hasSize(7);
        assertThat(run.lines("-> 200 [1-9]\\d* token events, then final: \\S")).hasSize(1);
        assertThat(run.lines("nobody +none +-> 401 tenant_required")).hasSize(1);
        assertThat(run.out()).doesNotContain("DIFFER");
        for (String tenant : List.of("tenant-a", "tenant-b")) {
            assertThat(run.lines(tenant + " +agree: calls and every token bucket match")).hasSize(1);
        }

        // The ledger per tenant and session equals the emulator's own records of the calls it served.
        Map<String, List<InvocationRecord>> truth = emulator.invocations().stream().collect(Collectors.groupingBy(
                i -> i.requestMetadata().getOrDefault(AgentCoreServer.SESSION_ATTRIBUTE, "-")));
        Matcher m = SESSION_LINE.matcher(run.out());
        int sessions = 0;
        while (m.find()) {
            sessions++;
            List<InvocationRecord> served = truth.get(m.group("session"));
            assertThat(served).as(m.group()).isNotNull();
            assertThat(served).allSatisfy(i -> {
                assertThat(i.outcome()).isEqualTo(InvocationRecord.Outcome.SUCCESS);
                assertThat(i.requestMetadata()).containsEntry("tenantId", m.group("tenant"))
                        .containsEntry("agent", Lab4Agent.AGENT);
            });
            assertThat(served.stream().map(InvocationRecord::profileArn).distinct()).hasSize(1);
            assertThat(Captured.number(m, "calls")).isEqualTo(served.size());
            assertThat(Captured.number(m, "in")).isEqualTo(served.stream().mapToLong(InvocationRecord::totalInputTokens)
                    .sum());
            assertThat(Captured.number(m, "out")).isEqualTo(served.stream().mapToLong(InvocationRecord::outputTokens)
                    .sum());
        }
        assertThat(sessions).isEqualTo(2);
        assertThat(truth).containsOnlyKeys(truth.keySet().stream().filter(k -> k.startsWith("lab8-")).toList());
        // Tenant A: three tool tasks and the launch email (two model calls each, around a tool call); tenant B:
        // three tool tasks, one streamed (ConverseStream).
        assertThat(emulator.invocations()).hasSize(14);
        assertThat(emulator.invocations().stream().filter(i -> i.operation().equals("ConverseStream")))
                .hasSize(2);
    }
}
