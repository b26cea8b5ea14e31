package dev.aip.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.emulator.BedrockEmulator;
import dev.aip.emulator.FaultPlan;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * What {@code /actuator/prometheus} shows of a Spring Boot application with aip and Spring AI after calls that
 * succeed and fail: every series of every meter, none refused by the Prometheus registry.
 */
class PrometheusScrapeSpringTest {

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? .*$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"(?:[^\"\\\\]|\\\\.)*\"");

    @Test
    void scrape_afterSuccessesAndAFailure_holdsBothSeriesAndEverySeriesOfAMeterHasTheSameLabels() {
        try (ConfigurableApplicationContext context = HostApplication.start()) {
            ChatClient chat = context.getBean(ChatClient.Builder.class).build();
            BedrockEmulator emulator = context.getBean(BedrockEmulator.class);

            assertThat(call(chat)).isNotBlank();
            assertThat(String.join("", chat.prompt().user("Hello again")
                    .advisors(a -> a.param(TenantAdvisor.TENANT, "acme")).stream().content().collectList()
                    .block())).isNotBlank();
            emulator.faults().setGlobal(FaultPlan.builder().errorSequence("ValidationException", true).build());
            assertThatThrownBy(() -> call(chat)).hasStackTraceContaining("ValidationException");
            emulator.faults().clear();
            String scrape = context.getBean(PrometheusMeterRegistry.class).scrape();

            assertThat(context.getBean(HostApplication.RegistrationFailures.class).failures).isEmpty();
            Map<String, Set<Set<String>>> labels = labelNamesBySample(scrape);
            assertThat(labels).containsKeys("gen_ai_client_operation_duration_seconds_count", "aip_calls_total",
                    "gen_ai_client_token_usage_tokens_count", "gen_ai_client_operation_time_to_first_chunk_seconds_count",
                    "aip_usage_cache_tokens_total");
            labels.forEach((name, sets) -> assertThat(sets).as(name).hasSize(1));
            assertThat(lines(scrape, "gen_ai_client_operation_duration_seconds_count"))
                    .anySatisfy(l -> assertThat(l).contains("error_type=\"none\""))
                    .anySatisfy(l -> assertThat(l).contains("error_type=\"ValidationException\""));
            assertThat(lines(scrape, "aip_calls_total"))
                    .anySatisfy(l -> assertThat(l).contains("aip_outcome=\"success\""))
                    .anySatisfy(l -> assertThat(l).contains("aip_outcome=\"client_error\""));
        }
    }

    private static String call(ChatClient chat) {
        return chat.prompt().user("Hello").advisors(a -> a.param(TenantAdvisor.TENANT, "acme")).call().content();
    }

    private static List<String> lines(String scrape, String sample) {
        return scrape.lines().filter(l -> l.startsWith(sample + "{")).toList();
    }

    /** Sample name (as scraped) to the label-name sets its series carry. */
    static Map<String, Set<Set<String>>> labelNamesBySample(String scrape) {
        Map<String, Set<Set<String>>> out = new HashMap<>();
        for (String line : scrape.split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (line.startsWith("#") || !m.matches()) {
                continue;
            }
            Set<String> names = new TreeSet<>();
            if (m.group(2) != null) {
                Matcher l = LABEL.matcher(m.group(2));
                while (l.find()) {
                    names.add(l.group(1));
                }
            }
            out.computeIfAbsent(m.group(1), k -> new HashSet<>()).add(names);
        }
        return out;
    }
}
