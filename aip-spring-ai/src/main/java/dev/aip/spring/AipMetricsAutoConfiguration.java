package dev.aip.spring;

import dev.aip.core.tenant.TenantId;
import dev.aip.micrometer.MicrometerUsageSink;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/** Micrometer: usage records become OpenTelemetry GenAI meters ({@link MicrometerUsageSink}). */
@AutoConfiguration(after = AipAutoConfiguration.class, afterName = {
    "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
    "org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration"})
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean({MeterRegistry.class, TenantDirectory.class})
@ConditionalOnProperty(prefix = "aip.metrics", name = "enabled", havingValue = "true", matchIfMissing = true)
public class AipMetricsAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    MicrometerUsageSink aipMicrometerUsageSink(MeterRegistry registry, AipProperties properties) {
        return MicrometerUsageSink.builder(registry)
                .tenantTags(properties.getMetrics().getTenantTag().stream().map(TenantId::of).toList())
                .build();
    }
}
