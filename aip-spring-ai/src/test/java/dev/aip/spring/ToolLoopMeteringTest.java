package dev.aip.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.governance.Governance;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.sink.UsageSink;
import dev.aip.core.tenant.Tier;
import dev.aip.emulator.BedrockEmulator;
import dev.aip.emulator.InvocationRecord;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.observation.ChatModelObservationContext;
import org.springframework.ai.model.bedrock.converse.autoconfigure.BedrockConverseProxyChatAutoConfiguration;
import org.springframework.ai.model.chat.client.autoconfigure.ChatClientAutoConfiguration;
import org.springframework.ai.model.tool.autoconfigure.ToolCallingAutoConfiguration;
import org.springframework.ai.tool.annotation.Tool;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Spring AI's Bedrock tool loop, through the auto-configured ChatClient: aip's records are one per model call and
 * equal the emulator's books per tenant, sync and streaming (where the loop's second round runs on another thread);
 * Spring AI's own observations report running totals and over-count.
 */
class ToolLoopMeteringTest {

    @Test
    void toolLoop_recordsPerModelCall_equalTheServersBooks_whileSpringAiObservationsOverCount(@TempDir Path dir)
            throws Exception {
        Path policies = dir.resolve("policies.yaml");
        // Two ChatClient calls of two model calls each fit a limit of 2 requests a minute only if a ChatClient call
        // is admitted once.
        Files.writeString(policies, """
                defaults:
                  requestsPerMinute: 2
                  allowedModels: ["*"]
                """, StandardCharsets.UTF_8);
        new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(AipAutoConfiguration.class, AipSpringAiAutoConfiguration.class,
                    ToolCallingAutoConfiguration.class, BedrockConverseProxyChatAutoConfiguration.class,
                    ChatClientAutoConfiguration.class))
            .withUserConfiguration(Observed.class)
            .withPropertyValues("spring.ai.bedrock.aws.region=us-east-1",
                    "aip.emulator.enabled=true",
                    "aip.profiles.routes.claude-haiku=us.anthropic.claude-3-5-haiku-20241022-v1:0",
                    "aip.tenants.acme.tier=premium",
                    "aip.tenants.globex.tier=basic",
                    "aip.policy-file=" + policies,
                    "spring.ai.bedrock.converse.chat.options.model=claude-haiku")
            .run(context -> {
                assertThat(context).hasNotFailed();
                BedrockEmulator emulator = context.getBean(BedrockEmulator.class);
                emulator.script().forAnyModel().whenPromptContains("weather")
                        .useTool("getWeather", "{\"city\":\"Paris\"}", "It is sunny in Paris, 21 degrees.");
                ChatClient chat = context.getBean(ChatClient.Builder.class).build();
                Weather tools = new Weather();

                for (String tenant : List.of("acme", "globex")) {
                    String answer = chat.prompt().user("What is the weather in Paris?").tools(tools)
                            .advisors(a -> a.param(TenantAdvisor.TENANT, tenant)).call().content();
                    assertThat(answer).contains("sunny");
                }
                List<String> streamed = chat.prompt().user("And the weather in Paris tomorrow?").tools(tools)
                        .advisors(a -> a.param(TenantAdvisor.TENANT, "globex")).stream().content()
                        .collectList().block();
                assertThat(String.join("", streamed)).contains("sunny");
                assertThat(tools.calls).hasSize(3);

                Observed observed = context.getBean(Observed.class);
                List<UsageRecord> records = observed.records;
                List<InvocationRecord> truth = emulator.invocations();
                // One record per model call: two per tool loop.
                assertThat(records).hasSize(6).allMatch(r -> r.outcome() == Outcome.SUCCESS);
                assertThat(truth).hasSize(6);
                assertThat(records).filteredOn(r -> r.tenant().value().equals("globex"))
                        .hasSize(4).allMatch(r -> r.tier().equals(Tier.BASIC));
                // Per tenant (by its profile): calls and every token bucket equal the server's.
                assertThat(byProfile(records)).isEqualTo(truthByProfile(truth));
                assertThat(records.stream().map(UsageRecord::profileArn).distinct()).hasSize(2);
                assertThat(context.getBean(Governance.class).openPermits()).isZero();
                assertThat(context.getBean(AdmissionGate.class).openCovers()).isZero();

                // Spring AI's observations of the sync loops: each second round reports the running total.
                long trueSyncTotal = truth.stream().filter(i -> i.operation().equals("Converse"))
                        .mapToLong(i -> i.inputTokens() + i.outputTokens()).sum();
                long observedSyncTotal = observed.totals.stream().mapToLong(Integer::longValue).sum();
                assertThat(observed.totals).hasSizeGreaterThanOrEqualTo(4);
                assertThat(observedSyncTotal).isGreaterThan(trueSyncTotal);
            });
    }

    private static Map<String, String> byProfile(List<UsageRecord> records) {
        return records.stream().collect(Collectors.groupingBy(UsageRecord::profileArn, Collectors.collectingAndThen(
                Collectors.toList(), rs -> rs.size() + " calls, in " + rs.stream()
                        .mapToLong(r -> r.usage().inputTokens()).sum() + ", out " + rs.stream()
                        .mapToLong(r -> r.usage().outputTokens()).sum() + ", cache " + rs.stream()
                        .mapToLong(r -> r.usage().cacheReadInputTokens() + r.usage().cacheWriteInputTokens())
                        .sum())));
    }

    private static Map<String, String> truthByProfile(List<InvocationRecord> truth) {
        return truth.stream().collect(Collectors.groupingBy(InvocationRecord::profileArn,
                Collectors.collectingAndThen(Collectors.toList(), is -> is.size() + " calls, in " + is.stream()
                        .mapToLong(InvocationRecord::inputTokens).sum() + ", out " + is.stream()
                        .mapToLong(InvocationRecord::outputTokens).sum() + ", cache " + is.stream()
                        .mapToLong(i -> i.cacheReadInputTokens() + i.cacheWriteInputTokens()).sum())));
    }

    /** The tool the model asks for. */
    static final class Weather {
        final List<String> calls = new CopyOnWriteArrayList<>();

        @Tool(description = "Returns the current weather in a city")
        String getWeather(String city) {
            calls.add(city);
            return "sunny, 21 degrees";
        }
    }

    /** Collects aip's records and the total tokens each Spring AI model observation reports. */
    @Configuration(proxyBeanMethods = false)
    static class Observed implements UsageSink {
        final List<UsageRecord> records = new CopyOnWriteArrayList<>();
        final List<Integer> totals = new CopyOnWriteArrayList<>();

        @Override
        public void accept(UsageRecord record) {
            records.add(record);
        }

        @Bean
        ObservationRegistry observationRegistry() {
            ObservationRegistry registry = ObservationRegistry.create();
            registry.observationConfig().observationHandler(new ObservationHandler<ChatModelObservationContext>() {
                @Override
                public boolean supportsContext(Observation.Context context) {
                    return context instanceof ChatModelObservationContext;
                }

                @Override
                public void onStop(ChatModelObservationContext context) {
                    if (context.getResponse() != null && context.getResponse().getMetadata().getUsage() != null
                            && !context.getResponse().getResults().isEmpty()) {
                        Integer total = context.getResponse().getMetadata().getUsage().getTotalTokens();
                        if (total != null && !context.getRequest().getInstructions().isEmpty()
                                && context.getResponse().getMetadata().getId() != null
                                && !context.getResponse().getMetadata().getId().isEmpty()) {
                            totals.add(total);
                        }
                    }
                }
            });
            return registry;
        }
    }
}
