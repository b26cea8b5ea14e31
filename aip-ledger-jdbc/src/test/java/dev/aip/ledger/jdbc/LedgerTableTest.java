package dev.aip.ledger.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.ConfigurationException;
import dev.aip.core.LedgerWriteException;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantId;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LedgerTableTest {

    static final Instant T = Instant.parse("2026-03-14T09:00:00.000000500Z");

    @TempDir
    Path dir;

    @Test
    void insert_duplicatesInBatchAndAlreadyStored_countsOnlyNewRows() {
        LedgerTable table = migrated(PostgresServer.freshSchema());
        UsageRecord a = at("acme", T, "a");
        UsageRecord b = at("acme", T, "b");
        UsageRecord c = at("globex", T, "c");

        assertThat(table.insert(List.of(a, b, a))).isEqualTo(2);
        assertThat(table.insert(List.of(a, b, c))).isEqualTo(1);
        assertThat(table.insert(List.of())).isZero();
        try (Stream<UsageRecord> all = table.read(null, null, List.of())) {
            assertThat(all.toList()).containsExactly(a, b, c);
        }
    }

    @Test
    void read_windowAndTenants_exactToTheNanosecondInStartThenIdOrder() {
        LedgerTable table = migrated(PostgresServer.freshSchema());
        // 'B' sorts before 'a' by code point, as String.compareTo sorts; many collations put it after.
        UsageRecord before = at("acme", T.minusNanos(1), "x");
        UsageRecord tieLower = at("acme", T, "a");
        UsageRecord tieUpper = at("acme", T, "B");
        UsageRecord other = at("globex", T.plusNanos(1), "y");
        UsageRecord atEnd = at("acme", T.plusSeconds(1), "z");
        table.insert(List.of(atEnd, other, tieLower, before, tieUpper));

        try (Stream<UsageRecord> read = table.read(T, T.plusSeconds(1), List.of())) {
            assertThat(read.toList()).containsExactly(tieUpper, tieLower, other);
        }
        try (Stream<UsageRecord> read = table.read(T.minusNanos(1), null, List.of(TenantId.of("acme")))) {
            assertThat(read.toList()).containsExactly(before, tieUpper, tieLower, atEnd);
        }
        assertThat(table.span(T, T.plusSeconds(1), List.of())).contains(new LedgerTable.Span(T, T.plusNanos(1)));
        assertThat(table.span(T.plusNanos(2), T.plusSeconds(1), List.of())).isEmpty();
        assertThat(table.span(null, null, List.of(TenantId.of("acme"))))
                .contains(new LedgerTable.Span(T.minusNanos(1), T.plusSeconds(1)));
        assertThat(table.tenants(T.plusNanos(1), null)).containsExactly("acme", "globex");
        assertThat(table.tenants(T.plusNanos(2), null)).containsExactly("acme");
    }

    @Test
    void select_recordsWrittenAfterItOpened_inNeitherSpanNorRecords() {
        LedgerTable table = migrated(PostgresServer.freshSchema());
        UsageRecord early = at("acme", T, "early");
        UsageRecord late = at("acme", T.plusSeconds(5), "late");
        table.insert(List.of(early));

        try (LedgerTable.Selection selection = table.select(T, null, List.of())) {
            table.insert(List.of(late));

            assertThat(selection.span()).contains(new LedgerTable.Span(T, T));
            try (Stream<UsageRecord> records = selection.records()) {
                assertThat(records.toList()).containsExactly(early);
            }
        }
        try (LedgerTable.Selection selection = table.select(T, null, List.of());
                Stream<UsageRecord> records = selection.records()) {
            assertThat(selection.span()).contains(new LedgerTable.Span(T, T.plusSeconds(5)));
            assertThat(records.toList()).containsExactly(early, late);
        }
    }

    @Test
    void reportQueries_windowAndTenantFilters_servedByIndexes() throws Exception {
        String schema = PostgresServer.freshSchema();
        migrated(schema);
        try (Connection c = PostgresServer.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("SET enable_seqscan = off");
            String window = "started_at >= now() - interval '1 day' AND started_at <= now()";
            for (String where : List.of(window, window + " AND tenant = ANY ('{acme}')",
                    window + " AND requested_model = 'claude'", window + " AND outcome = 'THROTTLED'")) {
                StringBuilder plan = new StringBuilder();
                try (ResultSet rs = s.executeQuery("EXPLAIN SELECT * FROM " + schema + ".usage_records WHERE "
                        + where + " ORDER BY started_at, started_at_nanos, record_id COLLATE \"C\"")) {
                    while (rs.next()) {
                        plan.append(rs.getString(1)).append('\n');
                    }
                }
                assertThat(plan.toString()).as(where).contains("Index").doesNotContain("Seq Scan");
            }
        }
    }

    @Test
    void of_badSchemaName_refused() {
        assertThatThrownBy(() -> LedgerTable.of(PostgresServer.dataSource(), "Robert'); DROP"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("lower-case letters");
    }

    @Test
    void insert_unreachableDatabase_typedRetryableError() {
        org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
        ds.setURL(PostgresServer.unreachableUrl());

        assertThatThrownBy(() -> LedgerTable.of(ds, "x").insert(List.of(at("acme", T, "a"))))
                .isInstanceOf(LedgerWriteException.class).hasMessageContaining("running again is safe");
    }

    @Test
    void insertWriteMethod_sameRecordTwiceAndEveryField_storedOnceAndReadBackLikeCopy() throws Exception {
        String copySchema = PostgresServer.freshSchema();
        String insertSchema = PostgresServer.freshSchema();
        List<UsageRecord> records = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            records.add(Fixtures.record("tenant" + i % 2, 10 + i));
        }
        records.add(records.get(0));
        DataSource ds = PostgresServer.dataSource();
        for (var setup : List.of(List.of(copySchema, JdbcLedger.WriteMethod.COPY),
                List.of(insertSchema, JdbcLedger.WriteMethod.INSERT))) {
            String schema = (String) setup.get(0);
            try (JdbcLedger ledger = Fixtures.ledger(ds, schema, dir.resolve(schema + ".jsonl"))
                    .writeMethod((JdbcLedger.WriteMethod) setup.get(1)).build()) {
                records.forEach(ledger::accept);
                assertThat(ledger.drain(Duration.ofMinutes(1))).isTrue();
            }
            assertThat(Fixtures.rows(schema)).as(schema).isEqualTo(5);
        }
        try (Stream<UsageRecord> copied = LedgerTable.of(ds, copySchema).read(null, null, Set.of());
                Stream<UsageRecord> inserted = LedgerTable.of(ds, insertSchema).read(null, null, Set.of())) {
            assertThat(copied.toList()).hasSize(5).isEqualTo(inserted.toList());
        }
    }

    @Test
    void migrate_indexesFailuresOnly_andAQueryForOneFailureOutcomeUsesThatIndex() throws Exception {
        String schema = PostgresServer.freshSchema();
        migrated(schema);
        try (Connection c = PostgresServer.dataSource().getConnection(); Statement s = c.createStatement()) {
            List<String> indexes = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = '"
                    + schema + "' AND tablename = 'usage_records' ORDER BY indexname")) {
                while (rs.next()) {
                    indexes.add(rs.getString(1) + " " + rs.getString(2).replaceAll(".* USING ", ""));
                }
            }
            assertThat(indexes).containsExactly(
                    "usage_records_failures_started_at btree (outcome, started_at) WHERE (outcome <> 'SUCCESS'::text)",
                    "usage_records_model_started_at btree (requested_model, started_at)",
                    "usage_records_pkey btree (record_id)",
                    "usage_records_started_at btree (started_at)",
                    "usage_records_tenant_started_at btree (tenant, started_at)");
            s.execute("SET search_path TO " + schema);
            s.execute("SET enable_seqscan TO off");
            StringBuilder plan = new StringBuilder();
            try (ResultSet rs = s.executeQuery("EXPLAIN SELECT count(*) FROM usage_records WHERE outcome = 'THROTTLED'"
                    + " AND started_at >= '2026-03-01' AND started_at < '2026-04-01'")) {
                while (rs.next()) {
                    plan.append(rs.getString(1)).append('\n');
                }
            }
            assertThat(plan.toString()).contains("usage_records_failures_started_at");
        }
    }

    private static LedgerTable migrated(String schema) {
        LedgerTable table = LedgerTable.of(PostgresServer.dataSource(), schema);
        table.migrate();
        return table;
    }

    private static UsageRecord at(String tenant, Instant start, String id) {
        return Fixtures.record(tenant, 1).toBuilder().recordId(id).startedAt(start).build();
    }
}
