package dev.aip.ledger.jdbc;

import dev.aip.core.tenant.TenantId;
import dev.aip.testkit.UsageSinkContract;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;

class JdbcLedgerContractTest extends UsageSinkContract<JdbcLedger> {

    @TempDir
    Path dir;

    private final java.util.Map<JdbcLedger, String> schemas = new java.util.IdentityHashMap<>();

    @Override
    protected JdbcLedger newSink() {
        String schema = PostgresServer.freshSchema();
        JdbcLedger ledger = Fixtures.ledger(PostgresServer.dataSource(), schema, dir.resolve(schema + ".jsonl")).build();
        schemas.put(ledger, schema);
        return ledger;
    }

    @Override
    protected Optional<Tally> tally(JdbcLedger sink, TenantId tenant) throws Exception {
        String schema = schemas.get(sink);
        try (Connection c = PostgresServer.dataSource().getConnection();
                PreparedStatement s = c.prepareStatement("SELECT count(*), coalesce(sum(output_tokens), 0) FROM "
                        + schema + ".usage_records WHERE tenant = ?")) {
            s.setString(1, tenant.value());
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return Optional.of(new Tally(rs.getLong(1), rs.getLong(2)));
            }
        } catch (java.sql.SQLException e) {
            if ("42P01".equals(e.getSQLState())) {
                return Optional.of(new Tally(0, 0)); // nothing written yet: the table is made before the first write
            }
            throw e;
        }
    }
}
