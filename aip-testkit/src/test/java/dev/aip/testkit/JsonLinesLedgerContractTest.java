package dev.aip.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aip.core.sink.JsonLinesLedger;
import dev.aip.core.tenant.TenantId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ledger keeps the usage sink contract in both durability modes. The tally counts raw lines, not
 * {@link JsonLinesLedger#read}'s de-duplicated records, so a record written twice would show.
 */
class JsonLinesLedgerContractTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    static Optional<UsageSinkContract.Tally> lines(JsonLinesLedger ledger, TenantId tenant) throws IOException {
        long records = 0;
        long output = 0;
        List<String> lines = Files.exists(ledger.path()) ? Files.readAllLines(ledger.path()) : List.of();
        for (String line : lines) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode n = JSON.readTree(line);
            if (n.path("tenant").asText().equals(tenant.value())) {
                records++;
                output += n.path("outputTokens").asLong();
            }
        }
        return Optional.of(new UsageSinkContract.Tally(records, output));
    }

    static JsonLinesLedger ledger(JsonLinesLedger.Durability durability) throws IOException {
        return JsonLinesLedger.builder().path(Files.createTempFile(dir, "usage-", ".jsonl"))
                .durability(durability).build();
    }

    @Nested
    class Async extends UsageSinkContract<JsonLinesLedger> {

        @Override
        protected JsonLinesLedger newSink() throws IOException {
            return ledger(JsonLinesLedger.Durability.ASYNC);
        }

        @Override
        protected Optional<Tally> tally(JsonLinesLedger sink, TenantId tenant) throws IOException {
            return lines(sink, tenant);
        }
    }

    @Nested
    class Sync extends UsageSinkContract<JsonLinesLedger> {

        @Override
        protected JsonLinesLedger newSink() throws IOException {
            return ledger(JsonLinesLedger.Durability.SYNC);
        }

        @Override
        protected Optional<Tally> tally(JsonLinesLedger sink, TenantId tenant) throws IOException {
            return lines(sink, tenant);
        }
    }
}
