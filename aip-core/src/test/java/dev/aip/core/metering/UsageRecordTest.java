package dev.aip.core.metering;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class UsageRecordTest {

    static UsageRecord.Builder minimal() {
        return UsageRecord.builder()
                .tenant(TenantContext.of("acme"))
                .operation(Operation.CONVERSE)
                .requestedModel("haiku")
                .region("us-east-1")
                .provenance(UsageProvenance.REPORTED)
                .cost(Cost.unknownModel("test"))
                .outcome(Outcome.SUCCESS)
                .startedAt(Instant.parse("2026-11-02T10:00:00Z"))
                .latency(Duration.ofMillis(250));
    }

    @Test
    void build_withRequiredValuesOnly_appliesDocumentedDefaults() {
        UsageRecord record = minimal().build();
        assertThat(record.recordId()).hasSize(36);
        assertThat(record.callId()).isEqualTo(record.recordId());
        assertThat(record.attempt()).isEqualTo(1);
        assertThat(record.usage()).isEqualTo(TokenUsage.ZERO);
        assertThat(record.pooledProfile()).isFalse();
        assertThat(record.attributes()).isEmpty();
        assertThat(record.tier()).isEqualTo(Tier.STANDARD);
        assertThat(record.profileArn()).isNull();
        assertThat(record.timeToFirstToken()).isNull();
    }

    @Test
    void build_withTenantContext_takesTierAndAttributes() {
        UsageRecord record = minimal()
                .tenant(TenantContext.of("globex").withTier(Tier.PREMIUM).withAttribute("user", "u1"))
                .attribute("step", "plan")
                .build();
        assertThat(record.tenant()).isEqualTo(TenantId.of("globex"));
        assertThat(record.tier()).isEqualTo(Tier.PREMIUM);
        assertThat(record.attributes()).containsExactly(Map.entry("step", "plan"), Map.entry("user", "u1"));
    }

    @Test
    void build_whenLaterAttemptWithoutCallId_rejects() {
        assertThatThrownBy(() -> minimal().attempt(2).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("callId");
    }

    @Test
    void build_whenRequiredValueMissing_namesIt() {
        assertThatThrownBy(() -> minimal().outcome(null).build())
                .isInstanceOf(NullPointerException.class)
                .hasMessage("UsageRecord.outcome is required");
        assertThatThrownBy(() -> minimal().region(" ").build()).hasMessage("UsageRecord.region is blank");
    }

    @Test
    void build_whenDurationNegative_rejects() {
        assertThatThrownBy(() -> minimal().latency(Duration.ofMillis(-1)).build())
                .hasMessageContaining("latency is negative");
        assertThatThrownBy(() -> minimal().timeToFirstToken(Duration.ofNanos(-1)).build())
                .hasMessageContaining("timeToFirstToken is negative");
    }

    @Test
    void constructor_copiesAttributes() {
        Map<String, String> source = new HashMap<>(Map.of("user", "u1"));
        UsageRecord record = minimal().attributes(source).build();
        UsageRecord copy = record.toBuilder().build();
        source.put("x", "y");
        assertThat(record.attributes()).containsOnlyKeys("user");
        assertThat(copy).isEqualTo(record);
    }

    @Test
    void toBuilder_withNewRecordId_derivesNextAttemptOfSameCall() {
        UsageRecord first = minimal().outcome(Outcome.THROTTLED).errorCode("ThrottlingException").build();
        UsageRecord second = first.toBuilder().newRecordId().attempt(2).outcome(Outcome.SUCCESS).errorCode(null)
                .build();
        assertThat(second.callId()).isEqualTo(first.callId());
        assertThat(second.recordId()).isNotEqualTo(first.recordId());
    }

    @Test
    void newId_isUniqueAndTimeOrderedUuidV7() {
        String early = RecordIds.next(1_700_000_000_000L);
        String late = RecordIds.next(1_700_000_000_001L);
        assertThat(early.compareTo(late)).isNegative();
        assertThat(java.util.UUID.fromString(early).version()).isEqualTo(7);
        assertThat(java.util.UUID.fromString(early).variant()).isEqualTo(2);
        Set<String> ids = IntStream.range(0, 10_000).mapToObj(i -> UsageRecord.newId()).collect(Collectors.toSet());
        assertThat(ids).hasSize(10_000);
    }
}
