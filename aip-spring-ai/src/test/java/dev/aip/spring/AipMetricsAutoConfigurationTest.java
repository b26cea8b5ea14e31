package dev.aip.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.metering.Cost;
import dev.aip.core.metering.Operation;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageProvenance;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantContext;
import dev.aip.micrometer.MicrometerUsageSink;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class AipMetricsAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(AipAutoConfiguration.class, AipMetricsAutoConfiguration.class))
            .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
            .withPropertyValues("aip.emulator.enabled=true");

    private static UsageRecord record(String tenant) {
        return UsageRecord.builder().tenant(TenantContext.of(tenant)).operation(Operation.CONVERSE)
                .requestedModel("claude-haiku").region("us-east-1").usage(TokenUsage.of(10, 5))
                .provenance(UsageProvenance.REPORTED).cost(Cost.priced(BigDecimal.ONE, "2026-03-01"))
                .outcome(Outcome.SUCCESS).startedAt(Instant.parse("2026-03-14T09:00:00Z"))
                .latency(Duration.ofMillis(100)).build();
    }

    @Test
    void metrics_withTenantTagProperty_tagsTheNamedTenantAndOthersAsOther() {
        runner.withPropertyValues("aip.metrics.tenant-tag=acme").run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(MicrometerUsageSink.class);
            MicrometerUsageSink sink = context.getBean(MicrometerUsageSink.class);
            MeterRegistry registry = context.getBean(MeterRegistry.class);

            sink.accept(record("acme"));
            sink.accept(record("globex"));

            assertThat(registry.get("aip.calls").tag("aip.tenant", "acme").counter().count()).isEqualTo(1);
            assertThat(registry.get("aip.calls").tag("aip.tenant", "other").counter().count()).isEqualTo(1);
        });
    }

    @Test
    void metrics_withoutTenantTagProperty_leavesTheTenantTagOut() {
        runner.run(context -> {
            context.getBean(MicrometerUsageSink.class).accept(record("acme"));

            assertThat(context.getBean(MeterRegistry.class).get("aip.calls").counter().getId().getTag("aip.tenant"))
                    .isNull();
        });
    }

    @Test
    void metrics_disabled_createsNoSink() {
        runner.withPropertyValues("aip.metrics.enabled=false")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(MicrometerUsageSink.class));
    }
}
