package dev.aip.core.sink;

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
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonLinesLedgerParseLineTest {

    @TempDir
    Path dir;

    @Test
    void parseLine_lineTheLedgerWrote_sameRecord() throws Exception {
        UsageRecord record = UsageRecord.builder()
                .tenant(TenantContext.of(TenantId.of("acme")).withTier(Tier.PREMIUM))
                .operation(Operation.CONVERSE_STREAM).requestedModel("claude").region("eu-west-1")
                .usage(new TokenUsage(10, 20, 30, 40)).provenance(UsageProvenance.REPORTED)
                .cost(Cost.priced(new BigDecimal("0.000123"), "v1")).outcome(Outcome.SUCCESS)
                .startedAt(Instant.parse("2026-03-01T10:00:00.123456789Z")).latency(Duration.ofNanos(1_234_567))
                .timeToFirstToken(Duration.ofMillis(5)).attribute("feature", "chat \u00fc")
                .build();
        Path file = dir.resolve("one.jsonl");
        try (JsonLinesLedger ledger = JsonLinesLedger.open(file)) {
            ledger.accept(record);
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);

        assertThat(lines).hasSize(1);
        assertThat(JsonLinesLedger.parseLine(lines.get(0))).isEqualTo(record);
    }

    @Test
    void parseLine_notARecord_refusedSayingWhy() {
        assertThatThrownBy(() -> JsonLinesLedger.parseLine("{\"v\":1,\"tenant\":"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> JsonLinesLedger.parseLine("{\"v\":2}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("schema version");
        assertThatThrownBy(() -> JsonLinesLedger.parseLine("[]"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a JSON object");
    }
}
