package dev.aip.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.aip.core.ProfileResolutionException;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.sink.InMemoryUsageAggregates;
import dev.aip.core.sink.UsageSink;
import dev.aip.core.tenant.TenantId;
import dev.aip.emulator.BedrockEmulator;
import dev.aip.emulator.FaultPlan;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.ai.bedrock.converse.BedrockChatOptions;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

/** {@code /actuator/aip} in a Spring Boot application: refusals counted apart, latency of model calls only. */
class AipEndpointSpringTest {

    @Test
    void tenantReport_twoSuccessesAndTwoRefusals_countsRefusalsApartAndLatencyOfTheSuccessesOnly() {
        try (ConfigurableApplicationContext context = HostApplication.start(new String[0], Records.class)) {
            BedrockEmulator emulator = context.getBean(BedrockEmulator.class);
            emulator.faults().setGlobal(FaultPlan.builder().latency(Duration.ofMillis(50)).build());
            List<UsageRecord> records = context.getBean(Records.class).records;
            ChatClient chat = context.getBean(ChatClient.Builder.class).build();
            assertThat(call(chat, "globex", null)).isNotBlank();
            String globexProfile = records.get(0).profileArn();

            assertThat(call(chat, "acme", null)).isNotBlank();
            assertThat(call(chat, "acme", null)).isNotBlank();
            for (int i = 0; i < 2; i++) { // another tenant's profile: refused before it reaches Bedrock
                assertThat(catchThrowable(() -> call(chat, "acme", globexProfile)))
                        .hasRootCauseInstanceOf(ProfileResolutionException.class);
            }

            List<UsageRecord> acme = records.stream().filter(r -> r.tenant().equals(TenantId.of("acme"))).toList();
            assertThat(acme).extracting(UsageRecord::outcome).containsExactly(Outcome.SUCCESS, Outcome.SUCCESS,
                    Outcome.REJECTED_BY_POLICY, Outcome.REJECTED_BY_POLICY);
            InMemoryUsageAggregates successes = InMemoryUsageAggregates.rebuiltFrom(acme.subList(0, 2));
            long successP50 = successes.snapshot(TenantId.of("acme")).latency().p50().orElseThrow().toMillis();
            long successP95 = successes.snapshot(TenantId.of("acme")).latency().p95().orElseThrow().toMillis();

            Map<String, Object> report = context.getBean(AipEndpoint.class).tenant("acme");

            @SuppressWarnings("unchecked")
            Map<String, Object> usage = (Map<String, Object>) report.get("usage");
            assertThat(usage).containsEntry("calls", 2L).containsEntry("refusals", 2L)
                    .containsEntry("callsByOutcome", Map.of("SUCCESS", 2L));
            assertThat(successP50).isGreaterThanOrEqualTo(45); // the emulator's 50 ms, within the histogram's 6.25 %
            assertThat(usage).containsEntry("latencyP50Ms", successP50).containsEntry("latencyP95Ms", successP95);
        }
    }

    private static String call(ChatClient chat, String tenant, String model) {
        ChatClient.ChatClientRequestSpec prompt = chat.prompt().user("Hello");
        if (model != null) {
            prompt = prompt.options(BedrockChatOptions.builder().model(model).build());
        }
        return prompt.advisors(a -> a.param(TenantAdvisor.TENANT, tenant)).call().content();
    }

    /** Collects aip's records. */
    @Configuration(proxyBeanMethods = false)
    static class Records implements UsageSink {
        final List<UsageRecord> records = new CopyOnWriteArrayList<>();

        @Override
        public void accept(UsageRecord record) {
            records.add(record);
        }
    }
}
