package dev.aip.core.sink;

import dev.aip.core.metering.Cost;
import dev.aip.core.metering.Operation;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageProvenance;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantContext;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;

/** Test records. */
final class Records {

    static final Instant T0 = Instant.parse("2026-11-02T10:00:00Z");

    private Records() {}

    static UsageRecord.Builder builder(String tenant) {
        return UsageRecord.builder()
                .tenant(TenantContext.of(tenant))
                .operation(Operation.CONVERSE)
                .requestedModel("haiku")
                .sourceModelId("anthropic.claude-haiku-4-5-20251001-v1:0")
                .region("us-east-1")
                .usage(TokenUsage.of(1000, 500))
                .provenance(UsageProvenance.REPORTED)
                .cost(Cost.priced(new BigDecimal("0.0035"), "2026-11-01"))
                .outcome(Outcome.SUCCESS)
                .startedAt(T0)
                .latency(Duration.ofMillis(400));
    }

    static UsageRecord record(String tenant) {
        return builder(tenant).build();
    }
}
