package dev.aip.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.metering.Cost;
import dev.aip.core.metering.Operation;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageProvenance;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.pause.PauseDetector;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class MicrometerUsageSinkTest {

    private static final TenantId ACME = TenantId.of("acme");
    private static final TenantId GLOBEX = TenantId.of("globex");
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? .*$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"(?:[^\"\\\\]|\\\\.)*\"");

    private static UsageRecord.Builder record(TenantId tenant) {
        return UsageRecord.builder()
                .tenant(TenantContext.of(tenant).withTier(Tier.STANDARD))
                .operation(Operation.CONVERSE)
                .requestedModel("claude-haiku")
                .sourceModelId("anthropic.claude-3-5-haiku-20241022-v1:0")
                .region("us-east-1")
                .usage(new TokenUsage(100, 50, 30, 20))
                .provenance(UsageProvenance.REPORTED)
                .cost(Cost.priced(new BigDecimal("0.25"), "2026-03-01"))
                .outcome(Outcome.SUCCESS)
                .startedAt(Instant.parse("2026-03-14T09:00:00Z"))
                .latency(Duration.ofMillis(400));
    }

    private static UsageRecord throttled(TenantId tenant) {
        return record(tenant).outcome(Outcome.THROTTLED).errorCode("ThrottlingException").usage(TokenUsage.ZERO)
                .cost(Cost.priced(BigDecimal.ZERO, "2026-03-01")).build();
    }

    /** Sample name (as scraped) to the label-name sets its series carry. */
    private static Map<String, Set<Set<String>>> labelNamesBySample(String scrape) {
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
            out.computeIfAbsent(m.group(1), k -> new java.util.HashSet<>()).add(names);
        }
        return out;
    }

    @Test
    void scrape_afterASuccessAndAFailure_givesEverySeriesOfAMeterTheSameLabelNames() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        MicrometerUsageSink sink = MicrometerUsageSink.builder(registry).tenantTags(Set.of(ACME)).build();

        sink.accept(record(ACME).build());
        sink.accept(throttled(GLOBEX));
        sink.accept(record(GLOBEX).outcome(Outcome.REJECTED_BY_POLICY).usage(TokenUsage.ZERO).build());
        String scrape = registry.scrape();

        Map<String, Set<Set<String>>> samples = labelNamesBySample(scrape);
        assertThat(samples).containsKeys("gen_ai_client_operation_duration_seconds_count", "aip_calls_total",
                "gen_ai_client_token_usage_tokens_count");
        samples.forEach((name, labelSets) -> assertThat(labelSets).as(name).hasSize(1));
        assertThat(scrape)
                .contains("error_type=\"none\"")
                .contains("error_type=\"ThrottlingException\"")
                .contains("error_type=\"REJECTED_BY_POLICY\"")
                .contains("aip_tenant=\"other\"");
        assertThat(sink.failures()).isZero();
    }

    @Test
    void accept_successAndFailure_tagsDurationWithNoneOrTheErrorCode() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MicrometerUsageSink sink = MicrometerUsageSink.builder(registry).build();

        sink.accept(record(ACME).build());
        sink.accept(throttled(ACME));
        sink.accept(record(ACME).outcome(Outcome.SERVER_ERROR).usage(TokenUsage.ZERO).build());

        assertThat(registry.get("gen_ai.client.operation.duration").tag("error.type", "none").timer().count())
                .isEqualTo(1);
        assertThat(registry.get("gen_ai.client.operation.duration").tag("error.type", "ThrottlingException")
                .timer().count()).isEqualTo(1);
        assertThat(registry.get("gen_ai.client.operation.duration").tag("error.type", "SERVER_ERROR").timer()
                .count()).isEqualTo(1);
        assertSameTagKeysPerMeterName(registry);
    }

    @Test
    void accept_aSuccess_recordsTokensCacheCostAndCalls() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MicrometerUsageSink sink = MicrometerUsageSink.builder(registry).build();

        sink.accept(record(ACME).timeToFirstToken(Duration.ofMillis(120)).build());

        assertThat(registry.get("gen_ai.client.token.usage").tag("gen_ai.token.type", "input").summary()
                .totalAmount()).isEqualTo(150); // input plus both cache buckets
        assertThat(registry.get("gen_ai.client.token.usage").tag("gen_ai.token.type", "output").summary()
                .totalAmount()).isEqualTo(50);
        assertThat(registry.get("aip.usage.cache.tokens").tag("aip.cache", "read").counter().count()).isEqualTo(30);
        assertThat(registry.get("aip.usage.cache.tokens").tag("aip.cache", "write").counter().count()).isEqualTo(20);
        assertThat(registry.get("aip.usage.cost").counter().count()).isEqualTo(0.25);
        assertThat(registry.get("aip.calls").tag("aip.outcome", "success").counter().count()).isEqualTo(1);
        assertThat(registry.get("gen_ai.client.operation.time_to_first_chunk").timer()
                .totalTime(java.util.concurrent.TimeUnit.MILLISECONDS)).isEqualTo(120);
        assertThat(registry.get("aip.calls").counter().getId().getTags()).containsExactlyInAnyOrder(
                Tag.of("gen_ai.operation.name", "chat"), Tag.of("gen_ai.system", "aws.bedrock"),
                Tag.of("gen_ai.request.model", "claude-haiku"), Tag.of("aip.tier", "standard"),
                Tag.of("aip.outcome", "success"));
    }

    @Test
    void accept_aTenantNotNamed_isTaggedOther() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MicrometerUsageSink sink = MicrometerUsageSink.builder(registry).tenantTags(List.of(ACME)).build();

        sink.accept(record(ACME).build());
        for (int i = 0; i < 100; i++) {
            sink.accept(record(TenantId.of("tenant-" + i)).build());
        }

        assertThat(registry.find("aip.calls").counters()).extracting(c -> c.getId().getTag("aip.tenant"))
                .containsExactlyInAnyOrder("acme", "other");
        assertThat(registry.get("aip.calls").tag("aip.tenant", "other").counter().count()).isEqualTo(100);
        assertSameTagKeysPerMeterName(registry);
    }

    @Test
    void accept_withNoTenantsNamed_leavesTheTenantTagOut() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MicrometerUsageSink sink = MicrometerUsageSink.builder(registry).build();

        sink.accept(record(ACME).build());

        assertThat(registry.getMeters()).allSatisfy(m -> assertThat(m.getId().getTag("aip.tenant")).isNull());
    }

    @Test
    void accept_moreModelsAndTiersThanTheCaps_tagsTheRestOther() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MicrometerUsageSink sink = MicrometerUsageSink.builder(registry).maxModels(3).maxTiers(2).build();

        for (int i = 0; i < 10; i++) {
            sink.accept(record(ACME).requestedModel("model-" + i).build());
            sink.accept(record(ACME).tenant(TenantContext.of(ACME).withTier(Tier.of("tier-" + i))).build());
        }
        sink.accept(record(ACME).requestedModel("arn:aws:bedrock:us-east-1:123456789012:application-inference-"
                + "profile/abc").build());

        Set<String> models = registry.find("aip.calls").counters().stream()
                .map(c -> c.getId().getTag("gen_ai.request.model")).collect(Collectors.toSet());
        Set<String> tiers = registry.find("aip.calls").counters().stream()
                .map(c -> c.getId().getTag("aip.tier")).collect(Collectors.toSet());
        assertThat(models).containsExactlyInAnyOrder("model-0", "claude-haiku", "model-1", "other", "arn");
        assertThat(tiers).containsExactlyInAnyOrder("standard", "tier-0", "other");
        assertThat(registry.find("aip.calls").counters().stream().mapToDouble(c -> c.count()).sum()).isEqualTo(21);
    }

    @Test
    void accept_manyErrorCodes_boundsErrorTypes() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MicrometerUsageSink sink = MicrometerUsageSink.builder(registry).build();

        for (int i = 0; i < 100; i++) {
            sink.accept(record(ACME).outcome(Outcome.CLIENT_ERROR).errorCode("Code" + i).build());
        }

        assertThat(registry.find("gen_ai.client.operation.duration").timers())
                .hasSize(MicrometerUsageSink.MAX_ERROR_TYPES + 1);
        assertThat(registry.get("gen_ai.client.operation.duration").tag("error.type", "other").timer().count())
                .isEqualTo(100 - MicrometerUsageSink.MAX_ERROR_TYPES);
    }

    @Test
    void accept_manyRecordsOfTheSameSeries_registersEachMeterOnce() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        AtomicInteger added = new AtomicInteger();
        registry.config().onMeterAdded(m -> added.incrementAndGet());
        MicrometerUsageSink sink = MicrometerUsageSink.builder(registry).build();
        sink.accept(record(ACME).build());
        int afterFirst = added.get();
        Meter calls = registry.get("aip.calls").counter();

        for (int i = 0; i < 1000; i++) {
            sink.accept(record(GLOBEX).build());
        }

        assertThat(added.get()).isEqualTo(afterFirst).isEqualTo(registry.getMeters().size());
        assertThat(registry.get("aip.calls").counter()).isSameAs(calls);
        assertThat(registry.get("aip.calls").counter().count()).isEqualTo(1001);
    }

    @Test
    void accept_whenTheRegistryFails_neverThrowsAndCountsTheFailure() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry() {
            @Override
            protected Timer newTimer(Meter.Id id, io.micrometer.core.instrument.distribution.DistributionStatisticConfig
                    config, PauseDetector pauseDetector) {
                throw new IllegalStateException("broken registry");
            }
        };
        MicrometerUsageSink sink = MicrometerUsageSink.builder(registry).build();

        sink.accept(record(ACME).build());
        sink.accept(record(ACME).build());

        assertThat(sink.failures()).isEqualTo(2);
    }

    @Test
    void builder_settingTwice_isRefusedNamingBothValues() {
        MicrometerUsageSink.Builder b = MicrometerUsageSink.builder(new SimpleMeterRegistry()).maxModels(5);

        assertThatThrownBy(() -> b.maxModels(7)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("maxModels").hasMessageContaining("5").hasMessageContaining("7");
        assertThatThrownBy(() -> b.maxTiers(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxTiers");
        b.tenantTags(Set.of(ACME));
        assertThatThrownBy(() -> b.tenantTags(Set.of(GLOBEX))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("acme").hasMessageContaining("globex");
    }

    private static void assertSameTagKeysPerMeterName(MeterRegistry registry) {
        Map<String, Set<Set<String>>> keys = new HashMap<>();
        for (Meter m : registry.getMeters()) {
            keys.computeIfAbsent(m.getId().getName(), k -> new java.util.HashSet<>())
                    .add(m.getId().getTags().stream().map(Tag::getKey).collect(Collectors.toSet()));
        }
        keys.forEach((name, sets) -> assertThat(sets).as(name).hasSize(1));
    }
}
