package dev.aip.spring;

import dev.aip.core.tenant.TenantId;
import dev.aip.micrometer.MicrometerUsageSink;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import org.springframework.ai.observation.conventions.AiObservationMetricNames;
import org.springframework.ai.observation.conventions.AiProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/**
 * Micrometer: usage records become OpenTelemetry GenAI meters ({@link MicrometerUsageSink}).
 *
 * <p><b>One {@code gen_ai.client.token.usage}.</b> Spring AI's observation handler also registers a meter named
 * {@code gen_ai.client.token.usage}: a counter, tagged {@code gen_ai.system=bedrock_converse}, fed by Spring AI's
 * chat responses, which inside its Bedrock tool loop carry running totals and so count a loop's tokens more than once.
 * aip meters the same Bedrock calls at the SDK, one sample per model call. Two meters of one name but different
 * types and tag keys merge into one figure in {@code /actuator/metrics/gen_ai.client.token.usage}, so the
 * {@code aipSpringAiTokenUsageFilter} bean denies Spring AI's Bedrock Converse counter and leaves aip's distribution
 * summary as the one to read. Spring AI's other meters ({@code gen_ai.client.operation},
 * {@code spring.ai.chat.client}, …) and its token counters for other providers are untouched. Spring Boot applies a
 * {@code MeterFilter} bean when it creates the registry, before any meter exists. To keep Spring AI's counter, declare
 * a {@code MeterFilter} bean of that name that accepts everything.
 */
@AutoConfiguration(after = AipAutoConfiguration.class, afterName = {
    "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
    "org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration"})
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean({MeterRegistry.class, TenantDirectory.class})
@ConditionalOnProperty(prefix = "aip.metrics", name = "enabled", havingValue = "true", matchIfMissing = true)
public class AipMetricsAutoConfiguration {

    /** The name both Spring AI's token counter and aip's token summary carry. */
    static final String TOKEN_USAGE = AiObservationMetricNames.TOKEN_USAGE.value();

    @Bean
    @ConditionalOnMissingBean
    MicrometerUsageSink aipMicrometerUsageSink(MeterRegistry registry, AipProperties properties) {
        return MicrometerUsageSink.builder(registry)
                .tenantTags(properties.getMetrics().getTenantTag().stream().map(TenantId::of).toList())
                .build();
    }

    @Bean
    @ConditionalOnMissingBean(name = "aipSpringAiTokenUsageFilter")
    MeterFilter aipSpringAiTokenUsageFilter() {
        return MeterFilter.deny(AipMetricsAutoConfiguration::springAiBedrockTokenUsage);
    }

    /** Spring AI's token counter for Bedrock Converse calls: aip meters those calls itself. */
    static boolean springAiBedrockTokenUsage(Meter.Id id) {
        return TOKEN_USAGE.equals(id.getName()) && id.getType() != Meter.Type.DISTRIBUTION_SUMMARY
                && AiProvider.BEDROCK_CONVERSE.value().equals(id.getTag("gen_ai.system"));
    }
}
