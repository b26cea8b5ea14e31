package dev.aip.cli;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.aip.core.ConfigurationException;
import dev.aip.ledger.jdbc.LedgerTable;
import java.util.function.Function;
import picocli.CommandLine.Option;

/**
 * Where the PostgreSQL ledger is: {@code --jdbc-url}, {@code --jdbc-user}, {@code --jdbc-password} (else
 * {@value #PASSWORD_ENV}) and {@code --schema}, as a {@code JdbcLedger} was configured.
 */
final class JdbcOptions {

    static final String PASSWORD_ENV = "AIP_JDBC_PASSWORD";

    @Option(names = "--jdbc-url", paramLabel = "URL",
            description = "The PostgreSQL ledger: jdbc:postgresql://host:port/database (credentials may be in the URL).")
    String url;

    @Option(names = "--jdbc-user", paramLabel = "USER", description = "The database user.")
    String user;

    @Option(names = "--jdbc-password", paramLabel = "PASSWORD",
            description = "The database password; prefer the environment variable " + PASSWORD_ENV
                    + " (a command line is visible to other users of the machine).")
    String password;

    @Option(names = "--schema", paramLabel = "NAME",
            description = "The schema of the usage_records table, as the ledger was built with (default: the"
                    + " connection's search_path).")
    String schema;

    boolean given() {
        return url != null;
    }

    /** The URL without its query (which may hold a password), for messages. */
    String describe() {
        String shown = url.contains("?") ? url.substring(0, url.indexOf('?')) : url;
        return shown + (schema == null ? "" : " schema " + schema);
    }

    /** A small pool on the database: one connection reads or writes, Flyway may take a second. */
    HikariDataSource open(Function<String, String> env) {
        if (!url.startsWith("jdbc:postgresql:")) {
            throw CliException.usage("--jdbc-url must be a PostgreSQL JDBC URL (jdbc:postgresql://host:port/database),"
                    + " got " + url);
        }
        HikariConfig config = new HikariConfig();
        config.setPoolName("aip-cli");
        config.setJdbcUrl(url);
        if (user != null) {
            config.setUsername(user);
        }
        String secret = password != null ? password : env.apply(PASSWORD_ENV);
        if (secret != null) {
            config.setPassword(secret);
        }
        config.setMaximumPoolSize(2);
        config.setMinimumIdle(0);
        config.setConnectionTimeout(10_000);
        // Fail on the first use with the driver's message (wrong host, password, database), not at construction.
        config.setInitializationFailTimeout(-1);
        return new HikariDataSource(config);
    }

    LedgerTable table(HikariDataSource dataSource) {
        try {
            return schema == null ? LedgerTable.of(dataSource) : LedgerTable.of(dataSource, schema);
        } catch (ConfigurationException e) {
            throw CliException.usage("--" + e.getMessage());
        }
    }
}
