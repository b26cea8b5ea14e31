package dev.aip.ledger.jdbc;

import static dev.aip.ledger.jdbc.Fixtures.distinctRows;
import static dev.aip.ledger.jdbc.Fixtures.ledger;
import static dev.aip.ledger.jdbc.Fixtures.record;
import static dev.aip.ledger.jdbc.Fixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.ConfigurationException;
import dev.aip.core.metering.Cost;
import dev.aip.core.metering.Operation;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageProvenance;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.sink.JsonLinesLedger;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class JdbcLedgerTest {

    private static final Duration LONG = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void accept_everyField_readsBackExactly() throws Exception {
        String schema = PostgresServer.freshSchema();
        UsageRecord full = UsageRecord.builder()
                .callId("call-1").attempt(2)
                .tenant(TenantContext.of(TenantId.of("acme")).withTier(Tier.of("gold-plus")))
                .operation(Operation.CONVERSE_STREAM)
                .requestedModel("claude-sonnet")
                .profileArn("arn:aws:bedrock:eu-west-1:123456789012:application-inference-profile/abc123")
                .profileId("abc123")
                .sourceModelId("anthropic.claude-sonnet-4-20250514-v1:0")
                .region("eu-west-1")
                .pooledProfile(true)
                .usage(new TokenUsage(123_456_789_012L, 987_654_321L, 55, 66))
                .provenance(UsageProvenance.ESTIMATED)
                .cost(Cost.priced(new BigDecimal("12345.000000000000000000123456789"), "2026-11-01"))
                .outcome(Outcome.THROTTLED)
                .errorCode("ThrottlingException")
                .awsRequestId("req-7f3e")
                .startedAt(Instant.parse("2026-11-02T10:15:30.999999999Z"))
                .latency(Duration.ofNanos(412_500_001))
                .timeToFirstToken(Duration.ofNanos(99_000_007))
                .attribute("feature", "chat \"quoted\" ü")
                .attribute("user", "u-42")
                .build();
        UsageRecord sparse = UsageRecord.builder()
                .tenant(TenantContext.of(TenantId.of("globex")).withTier(Tier.BASIC))
                .operation(Operation.INVOKE_MODEL)
                .requestedModel("mystery")
                .region("us-east-1")
                .usage(TokenUsage.ZERO)
                .provenance(UsageProvenance.REPORTED)
                .cost(Cost.unknownModel("2026-11-01"))
                .outcome(Outcome.SUCCESS)
                .startedAt(Instant.parse("2026-11-02T10:15:31Z"))
                .latency(Duration.ZERO)
                .build();
        try (JdbcLedger ledger = ledger(PostgresServer.dataSource(), schema, dir.resolve("spool.jsonl")).build()) {
            ledger.accept(full);
            ledger.accept(sparse);
            assertThat(ledger.flush(LONG)).isTrue();

            try (Stream<UsageRecord> read = ledger.read(Instant.parse("2026-11-02T00:00:00Z"),
                    Instant.parse("2026-11-03T00:00:00Z"))) {
                assertThat(read.toList()).containsExactly(full, sparse);
            }
            try (Stream<UsageRecord> read = ledger.read(Instant.parse("2026-11-02T10:15:31Z"),
                    Instant.parse("2026-11-03T00:00:00Z"))) {
                assertThat(read.toList()).as("from is inclusive, nanosecond-exact").containsExactly(sparse);
            }
            assertThat(ledger.writtenRecords()).isEqualTo(2);
            assertThat(ledger.health().up()).isTrue();
        }
        assertThat(Fixtures.query(schema, "SELECT count(*) FROM %s.usage_records WHERE cost::text"
                + " = '12345.000000000000000000123456789' AND currency = 'USD'")).isEqualTo(1);
        assertThat(Fixtures.query(schema, "SELECT count(*) FROM %s.usage_records WHERE attributes->>'user' = 'u-42'"))
                .isEqualTo(1);
    }

    @Test
    void accept_sameRecordTwice_storedOnce() throws Exception {
        String schema = PostgresServer.freshSchema();
        UsageRecord r = record("acme", 5);
        try (JdbcLedger ledger = ledger(PostgresServer.dataSource(), schema, dir.resolve("spool.jsonl")).build()) {
            ledger.accept(r);
            ledger.accept(r);
            ledger.flush();
            ledger.accept(r);
            ledger.flush();
        }
        assertThat(rows(schema)).isEqualTo(1);
    }

    @Test
    void databaseDown_recordsSpoolThenDrainOnce() throws Exception {
        String schema = PostgresServer.freshSchema();
        Fixtures.SwitchableDataSource db = new Fixtures.SwitchableDataSource();
        Path spool = dir.resolve("spool.jsonl");
        List<UsageRecord> records = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            records.add(record(i % 2 == 0 ? "acme" : "globex", i));
        }
        try (JdbcLedger ledger = ledger(db, schema, spool).batchSize(100).build()) {
            ledger.accept(records.get(0));
            assertThat(ledger.drain(LONG)).isTrue(); // schema migrated, database up
            db.down = true;
            for (UsageRecord r : records.subList(1, 1000)) {
                ledger.accept(r);
            }
            assertThat(ledger.flush(LONG)).isTrue();

            assertThat(ledger.spooledRecords()).isEqualTo(999);
            assertThat(ledger.spoolPending()).isEqualTo(999);
            assertThat(ledger.failures()).isPositive();
            assertThat(ledger.health().databaseUp()).isFalse();
            assertThat(ledger.health().up()).isFalse();
            assertThat(ledger.health().lastFailure()).contains("switched the database off");
            try (Stream<UsageRecord> spooled = JsonLinesLedger.read(spool)) {
                assertThat(spooled.count()).isEqualTo(999);
            }
            assertThat(rows(schema)).isEqualTo(1);
            // Some spooled records reached the database anyway (a batch whose commit was lost, say).
            try (JdbcLedger other = ledger(PostgresServer.dataSource(), schema, dir.resolve("other.jsonl")).build()) {
                records.subList(1, 300).forEach(other::accept);
            }

            db.down = false;
            assertThat(ledger.drain(LONG)).isTrue();

            assertThat(rows(schema)).isEqualTo(1000);
            assertThat(distinctRows(schema)).isEqualTo(1000);
            assertThat(ledger.drainedRecords()).isEqualTo(999);
            assertThat(ledger.writtenRecords()).isEqualTo(1);
            assertThat(ledger.lostRecords()).isZero();
            assertThat(ledger.spoolPending()).isZero();
            assertThat(ledger.health().up()).isTrue();
            try (Stream<UsageRecord> spooled = JsonLinesLedger.read(spool)) {
                assertThat(spooled.count()).as("the spool is emptied after the drain").isZero();
            }
            try (Stream<UsageRecord> read = ledger.read(Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z"))) {
                assertThat(read.toList()).containsExactlyInAnyOrderElementsOf(records);
            }
        }
    }

    @Test
    void databaseDown_spoolFull_blocksAndCountsWhatFindsNoRoom() throws Exception {
        String schema = PostgresServer.freshSchema();
        Fixtures.SwitchableDataSource db = new Fixtures.SwitchableDataSource();
        db.down = true;
        Path spool = dir.resolve("spool.jsonl");
        int total = 300;
        try (JdbcLedger ledger = ledger(db, schema, spool).batchSize(10).queueCapacity(10).maxSpooledRecords(100)
                .maxBlock(Duration.ofMillis(20)).build()) {
            for (int i = 0; i < total; i++) {
                ledger.accept(record("acme", i));
            }

            assertThat(ledger.spooledRecords()).isEqualTo(100);
            assertThat(ledger.spoolPending()).isEqualTo(100);
            try (Stream<UsageRecord> spooled = JsonLinesLedger.read(spool)) {
                assertThat(spooled.count()).isEqualTo(100);
            }
            long lost = ledger.lostRecords();
            assertThat(lost).as("records beyond the spool and the queue").isPositive()
                    .isLessThanOrEqualTo(total - 100);
            assertThat(ledger.health().spoolPending()).isEqualTo(ledger.health().maxSpooledRecords());
            assertThat(ledger.flush(Duration.ofMillis(200)))
                    .as("records held with the database away and the spool full are not yet safe").isFalse();

            db.down = false;
            assertThat(ledger.drain(LONG)).isTrue();

            assertThat(rows(schema)).isEqualTo(total - lost);
            assertThat(distinctRows(schema)).isEqualTo(total - lost);
            assertThat(ledger.writtenRecords() + ledger.drainedRecords()).isEqualTo(total - lost);
        }
    }

    @Test
    void spoolFromEarlierRun_databaseUnreachable_thenDrainedByNextStart() throws Exception {
        String schema = PostgresServer.freshSchema();
        Path spool = dir.resolve("spool.jsonl");
        List<UsageRecord> records = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            records.add(record("initech", i));
        }
        try (JdbcLedger ledger = JdbcLedger.builder().jdbcUrl(PostgresServer.unreachableUrl()).schema(schema)
                .spool(spool).connectTimeout(Duration.ofMillis(250)).retryInterval(Duration.ofSeconds(30)).build()) {
            records.forEach(ledger::accept);
            assertThat(ledger.flush(LONG)).isTrue();
            assertThat(ledger.spooledRecords()).isEqualTo(50);
            assertThat(ledger.health().databaseUp()).isFalse();
        }

        try (JdbcLedger ledger = ledger(PostgresServer.dataSource(), schema, spool).build()) {
            assertThat(ledger.spoolPending()).isEqualTo(50);
            assertThat(ledger.drain(LONG)).isTrue();
            assertThat(ledger.drainedRecords()).isEqualTo(50);
            try (Stream<UsageRecord> read = ledger.read(Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z"))) {
                assertThat(read.toList()).containsExactlyInAnyOrderElementsOf(records);
            }
        }
    }

    @Test
    void accept_manyThreads_everyRecordOnce() throws Exception {
        String schema = PostgresServer.freshSchema();
        int threads = 8;
        int each = 1000;
        try (JdbcLedger ledger = ledger(PostgresServer.dataSource(), schema, dir.resolve("spool.jsonl")).build()) {
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String tenant = "tenant" + t;
                Thread w = new Thread(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = 0; i < each; i++) {
                        ledger.accept(record(tenant, 1));
                    }
                });
                w.start();
                workers.add(w);
            }
            start.countDown();
            for (Thread w : workers) {
                w.join();
            }
            assertThat(ledger.flush(LONG)).isTrue();
            assertThat(ledger.writtenRecords()).isEqualTo(threads * each);
            assertThat(ledger.lostRecords()).isZero();
        }
        assertThat(rows(schema)).isEqualTo(threads * each);
        assertThat(distinctRows(schema)).isEqualTo(threads * each);
        assertThat(Fixtures.query(schema, "SELECT count(DISTINCT tenant) FROM %s.usage_records")).isEqualTo(threads);
    }

    @Test
    void build_withoutSpoolOrDatabase_refusedNamingWhatIsMissing() {
        assertThatThrownBy(() -> JdbcLedger.builder().dataSource(PostgresServer.dataSource()).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("spool(Path)");
        assertThatThrownBy(() -> JdbcLedger.builder().spool(dir.resolve("s.jsonl")).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("dataSource(...) or jdbcUrl(...)");
        assertThatThrownBy(() -> JdbcLedger.builder().jdbcUrl("jdbc:mysql://x/y"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("PostgreSQL JDBC URL");
        assertThatThrownBy(() -> JdbcLedger.builder().schema("Robert'); DROP"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("lower-case letters");
        assertThatThrownBy(() -> JdbcLedger.builder().batchSize(5000))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("between 1 and 2000");
    }

    @Test
    void read_unreachableDatabase_typedErrorSayingWhatToCheck() {
        assertThatThrownBy(() -> JdbcLedger.read(new org.postgresql.ds.PGSimpleDataSource() {
            {
                setURL(PostgresServer.unreachableUrl());
            }
        }, Instant.EPOCH, Instant.now())).isInstanceOf(LedgerReadException.class)
                .hasMessageContaining("check the JDBC URL");
    }

    @Test
    void accept_syncDurability_returnsOnlyOnceTheRecordIsCommitted() throws Exception {
        String schema = PostgresServer.freshSchema();
        try (JdbcLedger ledger = ledger(PostgresServer.dataSource(), schema, dir.resolve("spool.jsonl"))
                .durability(JdbcLedger.Durability.SYNC).build()) {
            ledger.accept(record("warm-up", 0));
            ledger.flush(); // the first record may outwait the schema's migration on a cold JVM
            long unconfirmed = ledger.unconfirmedRecords();
            for (int i = 0; i < 20; i++) {
                ledger.accept(record("acme", i));
                // No flush: the row is there because accept waited for its commit.
                assertThat(rows(schema)).isEqualTo(i + 2);
            }
            assertThat(ledger.unconfirmedRecords()).isEqualTo(unconfirmed);
        }
    }

    @Test
    void accept_syncDurabilityDatabaseDown_returnsOnlyOnceTheRecordIsSyncedToTheSpool() throws Exception {
        String schema = PostgresServer.freshSchema();
        Fixtures.SwitchableDataSource db = new Fixtures.SwitchableDataSource();
        db.down = true;
        try (JdbcLedger ledger = JdbcLedger.builder().dataSource(db).schema(schema).spool(dir.resolve("spool.jsonl"))
                .retryInterval(Duration.ofMinutes(5)).durability(JdbcLedger.Durability.SYNC).build()) {
            for (int i = 0; i < 5; i++) {
                ledger.accept(record("acme", i));
                assertThat(ledger.spooledRecords()).isEqualTo(i + 1);
            }
            assertThat(JsonLinesLedger.read(dir.resolve("spool.jsonl")).count()).isEqualTo(5);
            assertThat(ledger.unconfirmedRecords()).isZero();
        }
    }

    @Test
    void accept_syncDurabilityManyThreads_storesEveryRecordOnce() throws Exception {
        String schema = PostgresServer.freshSchema();
        try (JdbcLedger ledger = ledger(PostgresServer.dataSource(), schema, dir.resolve("spool.jsonl"))
                .durability(JdbcLedger.Durability.SYNC).build()) {
            ledger.accept(record("warm-up", 0));
            ledger.flush();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                Thread writer = new Thread(() -> {
                    for (int i = 0; i < 50; i++) {
                        ledger.accept(record("t" + thread, i));
                    }
                });
                writer.start();
                threads.add(writer);
            }
            for (Thread t : threads) {
                t.join();
            }
            assertThat(rows(schema)).isEqualTo(401);
        }
    }

    @Test
    void durability_setTwice_refusedNamingBothValues() {
        JdbcLedger.Builder b = JdbcLedger.builder().durability(JdbcLedger.Durability.SYNC);
        assertThatThrownBy(() -> b.durability(JdbcLedger.Durability.ASYNC))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("SYNC").hasMessageContaining("ASYNC");
    }
}
