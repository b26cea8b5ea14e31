package dev.aip.ledger.jdbc;

import dev.aip.core.metering.Cost;
import dev.aip.core.metering.Operation;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageProvenance;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.io.PrintWriter;
import java.lang.reflect.Proxy;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.logging.Logger;
import javax.sql.DataSource;

/** Records, a database that can be switched off, and row counts for the ledger tests. */
final class Fixtures {

    private Fixtures() {
    }

    static UsageRecord record(String tenant, long outputTokens) {
        return UsageRecord.builder()
                .tenant(TenantContext.of(TenantId.of(tenant)).withTier(Tier.STANDARD))
                .operation(Operation.CONVERSE)
                .requestedModel("claude-haiku")
                .region("us-east-1")
                .usage(TokenUsage.of(1000, outputTokens))
                .provenance(UsageProvenance.REPORTED)
                .cost(Cost.priced(new BigDecimal("0.0035"), "2026-03-01"))
                .outcome(Outcome.SUCCESS)
                .startedAt(Instant.parse("2026-03-14T09:00:00Z"))
                .latency(Duration.ofMillis(400))
                .build();
    }

    static JdbcLedger.Builder ledger(DataSource ds, String schema, Path spool) {
        return JdbcLedger.builder().dataSource(ds).schema(schema).spool(spool)
                .retryInterval(Duration.ofMillis(20));
    }

    static long rows(String schema) throws SQLException {
        return query(schema, "SELECT count(*) FROM %s.usage_records");
    }

    static long distinctRows(String schema) throws SQLException {
        return query(schema, "SELECT count(DISTINCT record_id) FROM %s.usage_records");
    }

    static long query(String schema, String sql) throws SQLException {
        try (Connection c = PostgresServer.dataSource().getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(String.format(sql, schema))) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** A data source that refuses every connection while {@link #down} is set, as a database that is away does. */
    static final class SwitchableDataSource implements DataSource {
        private final DataSource delegate;
        volatile boolean down;

        SwitchableDataSource() {
            this.delegate = PostgresServer.dataSource();
        }

        SwitchableDataSource(String jdbcUrl) {
            org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
            ds.setURL(jdbcUrl);
            this.delegate = ds;
        }

        @Override
        public Connection getConnection() throws SQLException {
            if (down) {
                throw new SQLException("Connection refused (the test switched the database off)", "08001");
            }
            Connection c = delegate.getConnection();
            // A connection handed out while up fails its statements once the database goes down.
            return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(),
                    new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                        if (down && method.getName().equals("commit")) {
                            c.rollback();
                            throw new SQLException("Connection lost (the test switched the database off)", "08006");
                        }
                        try {
                            return method.invoke(c, args);
                        } catch (java.lang.reflect.InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            return getConnection();
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {
        }

        @Override
        public void setLoginTimeout(int seconds) {
        }

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            throw new SQLException("not a wrapper");
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return false;
        }
    }
}
