package dev.aip.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.emulator.BedrockEmulator;
import dev.aip.emulator.InvocationRecord;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Collection;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.tool.annotation.Tool;
import org.springframework.boot.actuate.metrics.MetricsEndpoint;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Spring AI's observations and aip's meters side by side in one Spring Boot application: one
 * {@code gen_ai.client.token.usage}, aip's, one sample per model call, also through Spring AI's tool loop (where
 * Spring AI's own counter would add running totals).
 */
class TokenUsageMeterSpringTest {

    @Test
    void tokenUsage_afterChatClientCallsWithAToolLoop_isOnlyAipsSummaryCountedOncePerModelCall() {
        try (ConfigurableApplicationContext context = HostApplication.start()) {
            BedrockEmulator emulator = context.getBean(BedrockEmulator.class);
            emulator.script().forAnyModel().whenPromptContains("weather")
                    .useTool("getWeather", "{\"city\":\"Paris\"}", "It is sunny in Paris, 21 degrees.");
            ChatClient chat = context.getBean(ChatClient.Builder.class).build();

            assertThat(chat.prompt().user("Hello").advisors(a -> a.param(TenantAdvisor.TENANT, "acme")).call()
                    .content()).isNotBlank();
            assertThat(chat.prompt().user("What is the weather in Paris?").tools(new Weather())
                    .advisors(a -> a.param(TenantAdvisor.TENANT, "acme")).call().content()).contains("sunny");

            List<InvocationRecord> modelCalls = emulator.invocations();
            assertThat(modelCalls).hasSize(3); // one plain call, two rounds of the tool loop
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            Collection<Meter> meters = registry.find(AipMetricsAutoConfiguration.TOKEN_USAGE).meters();
            assertThat(meters).hasSize(2).allSatisfy(m -> {
                assertThat(m).isInstanceOf(DistributionSummary.class);
                assertThat(m.getId().getTag("gen_ai.system")).isEqualTo("aws.bedrock");
                assertThat(m.getId().getTag("aip.tier")).isEqualTo("standard");
            });
            DistributionSummary input = registry.get(AipMetricsAutoConfiguration.TOKEN_USAGE)
                    .tag("gen_ai.token.type", "input").summary();
            DistributionSummary output = registry.get(AipMetricsAutoConfiguration.TOKEN_USAGE)
                    .tag("gen_ai.token.type", "output").summary();
            assertThat(input.count()).isEqualTo(modelCalls.size());
            assertThat(output.count()).isEqualTo(modelCalls.size());
            assertThat((long) input.totalAmount()).isEqualTo(modelCalls.stream()
                    .mapToLong(InvocationRecord::totalInputTokens).sum());
            assertThat((long) output.totalAmount())
                    .isEqualTo(modelCalls.stream().mapToLong(InvocationRecord::outputTokens).sum());

            // What /actuator/metrics/gen_ai.client.token.usage and /actuator/prometheus show.
            MetricsEndpoint.MetricDescriptor metric = context.getBean(MetricsEndpoint.class)
                    .metric(AipMetricsAutoConfiguration.TOKEN_USAGE, List.of());
            assertThat(metric.getMeasurements()).filteredOn(m -> m.getStatistic().name().equals("COUNT"))
                    .singleElement().satisfies(m -> assertThat(m.getValue()).isEqualTo(2.0 * modelCalls.size()));
            assertThat(metric.getMeasurements()).filteredOn(m -> m.getStatistic().name().equals("TOTAL"))
                    .singleElement().satisfies(m -> assertThat(m.getValue())
                            .isEqualTo(input.totalAmount() + output.totalAmount()));
            assertThat(metric.getAvailableTags()).extracting(MetricsEndpoint.AvailableTag::getTag)
                    .contains("aip.tier").doesNotContain("gen_ai.response.model");
            String scrape = context.getBean(PrometheusMeterRegistry.class).scrape();
            assertThat(scrape).contains("gen_ai_client_token_usage_tokens_count")
                    .doesNotContain("gen_ai_client_token_usage_total");
            // Spring AI's other meters stay.
            assertThat(registry.find("gen_ai.client.operation").tag("gen_ai.system", "bedrock_converse").timers())
                    .isNotEmpty();
        }
    }

    /** The tool the scripted model asks for. */
    static class Weather {
        @Tool(description = "Current weather for a city")
        String getWeather(String city) {
            return "sunny, 21 degrees";
        }
    }
}
