package dev.aip.ledger.jdbc;

import dev.aip.testkit.LocalPostgres;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/** The PostgreSQL the tests use: {@link LocalPostgres} (skipped, or failed under {@code AIP_REQUIRE_POSTGRES=1}). */
final class PostgresServer {

    private PostgresServer() {
    }

    /** Returns the JDBC URL of a running PostgreSQL, or skips (or fails) the test. */
    static String url() {
        return LocalPostgres.url();
    }

    /** Returns a data source on the server. */
    static DataSource dataSource() {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(url());
        return ds;
    }

    /** Returns a schema name no other test of this JVM uses (the ledger creates it). */
    static String freshSchema() {
        return LocalPostgres.freshSchema();
    }

    /** Returns a JDBC URL on which nothing listens. */
    static String unreachableUrl() {
        return LocalPostgres.unreachableUrl();
    }
}
