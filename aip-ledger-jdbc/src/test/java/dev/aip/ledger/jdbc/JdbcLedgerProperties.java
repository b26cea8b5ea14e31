package dev.aip.ledger.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.metering.UsageRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.postgresql.ds.PGSimpleDataSource;

/** A retried batch, or a record given twice, is stored once, whatever the batching. */
class JdbcLedgerProperties {

    private static final String SCHEMA = PostgresServer.freshSchema();
    private static final AtomicInteger TRIES = new AtomicInteger();

    @Property(tries = 25)
    void batchesWithDuplicatesAndRetries_storeEachRecordIdOnce(
            @ForAll @Size(min = 1, max = 200) List<@IntRange(min = 0, max = 40) Integer> picks,
            @ForAll @IntRange(min = 0, max = 3) int retries,
            @ForAll @IntRange(min = 1, max = 64) int batchSize,
            @ForAll boolean multiRowInsert) throws IOException, SQLException {
        String tenant = "try" + TRIES.incrementAndGet();
        List<UsageRecord> pool = new ArrayList<>();
        for (int i = 0; i <= 40; i++) {
            pool.add(Fixtures.record(tenant, i));
        }
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(PostgresServer.url());
        ds.setReWriteBatchedInserts(multiRowInsert);
        Path dir = Files.createTempDirectory("aip-ledger-prop");
        Path spool = dir.resolve("spool.jsonl");
        try (JdbcLedger ledger = JdbcLedger.builder().dataSource(ds).schema(SCHEMA).spool(spool)
                .batchSize(batchSize).retryInterval(Duration.ofMillis(20)).build()) {
            for (int round = 0; round <= retries; round++) {
                for (int pick : picks) {
                    ledger.accept(pool.get(pick));
                }
                assertThat(ledger.flush(Duration.ofSeconds(60))).isTrue();
            }
            assertThat(ledger.writtenRecords()).isEqualTo((long) picks.size() * (retries + 1));
        } finally {
            Files.deleteIfExists(spool);
            Files.deleteIfExists(dir);
        }
        Set<Integer> distinct = new LinkedHashSet<>(picks);
        long tokens = distinct.stream().mapToLong(Integer::longValue).sum();
        assertThat(Fixtures.query(SCHEMA, "SELECT count(*) FROM %s.usage_records WHERE tenant = '" + tenant + "'"))
                .isEqualTo(distinct.size());
        assertThat(Fixtures.query(SCHEMA, "SELECT coalesce(sum(output_tokens), 0) FROM %s.usage_records"
                + " WHERE tenant = '" + tenant + "'")).isEqualTo(tokens);
    }
}
