package dev.aip.ledger.jdbc;

import dev.aip.core.ConfigurationException;
import dev.aip.core.LedgerWriteException;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code usage_records} table a {@link JdbcLedger} writes, for tools that read it or load it in bulk: reports
 * ({@link #read}, {@link #span}, {@link #tenants}) and imports of JSON-lines ledgers ({@link #migrate()},
 * {@link #insert}).
 *
 * <pre>{@code
 * LedgerTable table = LedgerTable.of(dataSource, "billing");
 * table.migrate();
 * long inserted = table.insert(batch);           // each record id stored once, whatever was there
 * try (Stream<UsageRecord> march = table.read(from, to, Set.of())) {
 *     ...
 * }
 * }</pre>
 *
 * <p><b>Windows</b> are nanosecond-exact: a record is in {@code [from, to)} by its exact {@code startedAt}, decided in
 * SQL on {@code started_at} (microseconds, indexed) and {@code started_at_nanos}. A {@code null} bound is open.
 * Tenant filters use the index on {@code (tenant, started_at)}; a window alone the index on {@code started_at}.
 *
 * <p>Thread-safe (holds no state but its configuration); each call takes its own connection from the data source.
 */
public final class LedgerTable {

    private static final Logger LOG = LoggerFactory.getLogger(LedgerTable.class);
    static final Pattern SCHEMA_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    static final String MIGRATIONS = "classpath:dev/aip/ledger/jdbc/db/migration";
    static final String HISTORY_TABLE = "aip_ledger_schema_history";

    /**
     * The order of {@link #read}: start time, then record id by code point ({@code COLLATE "C"}), the order in
     * which Java's {@code String.compareTo} sorts ids made of characters of the Basic Multilingual Plane.
     */
    private static final String ORDER = " ORDER BY started_at, started_at_nanos, record_id COLLATE \"C\"";

    private final DataSource dataSource;
    private final @Nullable String schema;
    private final String table;

    private LedgerTable(DataSource dataSource, @Nullable String schema) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.schema = schema;
        this.table = schema == null ? "usage_records" : schema + ".usage_records";
    }

    /**
     * Returns the table in the connection's default schema (its {@code search_path}).
     *
     * @param dataSource where the table is
     * @return the table
     */
    public static LedgerTable of(DataSource dataSource) {
        return new LedgerTable(dataSource, null);
    }

    /**
     * Returns the table in a schema, as {@link JdbcLedger.Builder#schema(String)} names it.
     *
     * @param dataSource where the table is
     * @param schema lower-case letters, digits and underscores, starting with a letter or underscore
     * @return the table
     * @throws ConfigurationException if the schema name is not such a name
     */
    public static LedgerTable of(DataSource dataSource, String schema) {
        return new LedgerTable(dataSource, checkedSchema(schema, "schema"));
    }

    static String checkedSchema(String name, String setting) {
        if (!SCHEMA_NAME.matcher(Objects.requireNonNull(name, setting)).matches()) {
            throw new ConfigurationException(setting + " must be lower-case letters, digits and underscores,"
                    + " starting with a letter or underscore, at most 63 characters; got \"" + name + "\"");
        }
        return name;
    }

    /**
     * Creates or upgrades the table with the ledger's Flyway migrations (history table
     * {@code aip_ledger_schema_history}), as a {@link JdbcLedger} does before its first write; creates the schema if
     * missing. Safe to call from several processes at once (Flyway locks).
     *
     * @throws LedgerWriteException if the database cannot be reached or refuses the migration (message says which)
     */
    public void migrate() {
        try {
            migrate(dataSource, schema);
        } catch (RuntimeException e) {
            throw new LedgerWriteException("Cannot create or upgrade the usage_records table in " + where() + " ("
                    + e.getMessage() + "); check the JDBC URL, the credentials and that the user may create"
                    + " tables there", e);
        }
    }

    static void migrate(DataSource dataSource, @Nullable String schema) {
        var config = Flyway.configure(LedgerTable.class.getClassLoader())
                .dataSource(dataSource)
                .locations(MIGRATIONS)
                .table(HISTORY_TABLE)
                // A schema the application already uses: the ledger's V1 still runs.
                .baselineOnMigrate(true)
                .baselineVersion("0");
        if (schema != null) {
            config = config.schemas(schema).createSchemas(true);
        }
        config.load().migrate();
    }

    /**
     * Stores a batch in one transaction, each record once: a record whose id is already in the table, or that
     * appears twice in the batch, is skipped. Uses {@code COPY} into a temporary staging table, then one
     * {@code INSERT ... SELECT ... ON CONFLICT (record_id) DO NOTHING} (see {@link JdbcLedger.WriteMethod#COPY}).
     *
     * @param batch the records, at most a few thousand (they are encoded in memory)
     * @return how many were inserted; {@code batch.size()} minus this were already present
     * @throws LedgerWriteException if the transaction did not commit (nothing of the batch is stored; retrying is
     *     safe)
     */
    public long insert(List<UsageRecord> batch) {
        if (batch.isEmpty()) {
            return 0;
        }
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                long inserted = LedgerRows.copyBatch(c, table, batch);
                c.commit();
                return inserted;
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException ignored) {
                    // the connection is broken
                }
                throw e;
            }
        } catch (SQLException e) {
            throw new LedgerWriteException("Cannot store " + batch.size() + " usage records in " + where() + " ("
                    + e.getMessage() + "); nothing of this batch was stored, running again is safe", e);
        }
    }

    /**
     * Reads the records in the window, of the given tenants, in start order (then record id). Close the stream: it
     * holds a connection. Rows are fetched 1,000 at a time, never all at once.
     *
     * @param from the earliest {@code startedAt}, inclusive, or {@code null} for no lower bound
     * @param to the latest {@code startedAt}, exclusive, or {@code null} for no upper bound
     * @param tenants only these tenants; empty for all
     * @return the records, read lazily
     * @throws LedgerReadException if the database cannot be read
     */
    public Stream<UsageRecord> read(@Nullable Instant from, @Nullable Instant to, Collection<TenantId> tenants) {
        Connection c = null;
        try {
            c = dataSource.getConnection();
            c.setAutoCommit(false); // lets the driver stream with a fetch size
            Connection connection = c;
            return rows(c, from, to, tenants).onClose(() -> end(connection));
        } catch (SQLException | RuntimeException e) {
            closeQuietly(c);
            if (e instanceof LedgerReadException lre) {
                throw lre;
            }
            throw cannotRead(e);
        }
    }

    /**
     * Opens a consistent view of the window, for a report that needs the span of the records before it reads them:
     * one read-only {@code REPEATABLE READ} transaction, so records written meanwhile by a live ledger are in neither
     * or both. Close it (it holds a connection).
     *
     * <pre>{@code
     * try (LedgerTable.Selection march = table.select(from, to, Set.of())) {
     *     Optional<LedgerTable.Span> span = march.span();
     *     march.records().forEach(...);
     * }
     * }</pre>
     *
     * @param from the earliest {@code startedAt}, inclusive, or {@code null}
     * @param to the latest {@code startedAt}, exclusive, or {@code null}
     * @param tenants only these tenants; empty for all
     * @return the selection
     * @throws LedgerReadException if the database cannot be read
     */
    public Selection select(@Nullable Instant from, @Nullable Instant to, Collection<TenantId> tenants) {
        Connection c = null;
        try {
            c = dataSource.getConnection();
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            c.setReadOnly(true);
            Instant first = edge(c, from, to, tenants, "");
            Span span = first == null ? null
                    : new Span(first, Objects.requireNonNull(edge(c, from, to, tenants, " DESC"), "last"));
            return new Selection(c, from, to, List.copyOf(tenants), span);
        } catch (SQLException | RuntimeException e) {
            closeQuietly(c);
            if (e instanceof LedgerReadException lre) {
                throw lre;
            }
            throw cannotRead(e);
        }
    }

    /**
     * A consistent view of a window of the table (see {@link #select}): its span, then its records.
     *
     * <p>Confined to one thread.
     */
    public final class Selection implements AutoCloseable {
        private final Connection connection;
        private final @Nullable Instant from;
        private final @Nullable Instant to;
        private final List<TenantId> tenants;
        private final @Nullable Span span;

        private Selection(Connection connection, @Nullable Instant from, @Nullable Instant to, List<TenantId> tenants,
                          @Nullable Span span) {
            this.connection = connection;
            this.from = from;
            this.to = to;
            this.tenants = tenants;
            this.span = span;
        }

        /**
         * Returns the start of the earliest and of the latest record selected.
         *
         * @return the span, or empty if no record is selected
         */
        public Optional<Span> span() {
            return Optional.ofNullable(span);
        }

        /**
         * Streams the records selected, in start order (then record id), fetched 1,000 at a time.
         *
         * @return the records, read lazily; valid until the selection is closed
         * @throws LedgerReadException if the database cannot be read
         */
        public Stream<UsageRecord> records() {
            try {
                return rows(connection, from, to, tenants);
            } catch (SQLException e) {
                throw cannotRead(e);
            }
        }

        /** Ends the transaction and gives the connection back. */
        @Override
        public void close() {
            end(connection);
        }
    }

    private Stream<UsageRecord> rows(Connection c, @Nullable Instant from, @Nullable Instant to,
                                     Collection<TenantId> tenants) throws SQLException {
        List<Object> params = new ArrayList<>();
        PreparedStatement s = c.prepareStatement("SELECT * FROM " + table + where(from, to, tenants, params) + ORDER);
        bind(s, params);
        s.setFetchSize(1000);
        ResultSet rs = s.executeQuery();
        Iterator<UsageRecord> it = new Iterator<>() {
            private @Nullable UsageRecord next = advance();

            private @Nullable UsageRecord advance() {
                try {
                    return rs.next() ? LedgerRows.read(rs) : null;
                } catch (SQLException e) {
                    throw new LedgerReadException("Cannot read usage_records in " + where() + ": "
                            + e.getMessage(), e);
                }
            }

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public UsageRecord next() {
                UsageRecord r = next;
                if (r == null) {
                    throw new NoSuchElementException();
                }
                next = advance();
                return r;
            }
        };
        Iterable<UsageRecord> iterable = () -> it;
        return StreamSupport.stream(iterable.spliterator(), false).onClose(() -> {
            try {
                s.close();
            } catch (SQLException e) {
                LOG.debug("Closing a usage_records query failed", e);
            }
        });
    }

    private static void end(Connection connection) {
        try {
            connection.rollback();
            connection.close();
        } catch (SQLException e) {
            LOG.debug("Closing a usage_records read failed", e);
        }
    }

    /**
     * Returns the start of the earliest and of the latest record in the window, of the given tenants, from the
     * indexes (two single-row queries).
     *
     * @param from the earliest {@code startedAt}, inclusive, or {@code null}
     * @param to the latest {@code startedAt}, exclusive, or {@code null}
     * @param tenants only these tenants; empty for all
     * @return the span, or empty if no record is in the window
     * @throws LedgerReadException if the database cannot be read
     */
    public Optional<Span> span(@Nullable Instant from, @Nullable Instant to, Collection<TenantId> tenants) {
        try (Connection c = dataSource.getConnection()) {
            Instant first = edge(c, from, to, tenants, "");
            if (first == null) {
                return Optional.empty();
            }
            Instant last = edge(c, from, to, tenants, " DESC");
            return Optional.of(new Span(first, Objects.requireNonNull(last, "last")));
        } catch (SQLException | RuntimeException e) {
            if (e instanceof LedgerReadException lre) {
                throw lre;
            }
            throw cannotRead(e);
        }
    }

    private @Nullable Instant edge(Connection c, @Nullable Instant from, @Nullable Instant to,
                                   Collection<TenantId> tenants, String direction) throws SQLException {
        List<Object> params = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("SELECT started_at, started_at_nanos FROM " + table
                + where(from, to, tenants, params) + " ORDER BY started_at" + direction + ", started_at_nanos"
                + direction + " LIMIT 1")) {
            bind(s, params);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Instant.ofEpochSecond(rs.getTimestamp(1).toInstant().getEpochSecond(),
                        rs.getInt(2)) : null;
            }
        }
    }

    /**
     * Returns the tenants that have records in the window.
     *
     * @param from the earliest {@code startedAt}, inclusive, or {@code null}
     * @param to the latest {@code startedAt}, exclusive, or {@code null}
     * @return the tenant ids, sorted
     * @throws LedgerReadException if the database cannot be read
     */
    public SortedSet<String> tenants(@Nullable Instant from, @Nullable Instant to) {
        List<Object> params = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("SELECT DISTINCT tenant FROM " + table
                        + where(from, to, List.of(), params))) {
            bind(s, params);
            TreeSet<String> tenants = new TreeSet<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    tenants.add(rs.getString(1));
                }
            }
            return tenants;
        } catch (SQLException | RuntimeException e) {
            throw cannotRead(e);
        }
    }

    /**
     * The WHERE clause of a window and tenant filter, exact to the nanosecond: {@code started_at} holds the start
     * truncated to microseconds, {@code started_at_nanos} its nanosecond of the second.
     */
    private static String where(@Nullable Instant from, @Nullable Instant to, Collection<TenantId> tenants,
                                List<Object> params) {
        List<String> conditions = new ArrayList<>();
        if (from != null) {
            Timestamp micros = Timestamp.from(from.truncatedTo(ChronoUnit.MICROS));
            conditions.add("started_at >= ?");
            params.add(micros);
            conditions.add("NOT (started_at = ? AND started_at_nanos < ?)");
            params.add(micros);
            params.add(from.getNano());
        }
        if (to != null) {
            Timestamp micros = Timestamp.from(to.truncatedTo(ChronoUnit.MICROS));
            conditions.add("started_at <= ?");
            params.add(micros);
            conditions.add("NOT (started_at = ? AND started_at_nanos >= ?)");
            params.add(micros);
            params.add(to.getNano());
        }
        if (!tenants.isEmpty()) {
            conditions.add("tenant = ANY (?)");
            params.add(tenants.stream().map(TenantId::value).distinct().toArray(String[]::new));
        }
        return conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
    }

    private static void bind(PreparedStatement s, List<Object> params) throws SQLException {
        for (int i = 0; i < params.size(); i++) {
            Object p = params.get(i);
            if (p instanceof String[] values) {
                s.setArray(i + 1, s.getConnection().createArrayOf("text", values));
            } else {
                s.setObject(i + 1, p);
            }
        }
    }

    private LedgerReadException cannotRead(Exception e) {
        return new LedgerReadException("Cannot read usage_records from " + where() + " (" + e.getMessage()
                + "); check the JDBC URL, credentials and that the ledger has written there", e);
    }

    private String where() {
        return schema == null ? "the database" : "schema " + schema;
    }

    private static void closeQuietly(@Nullable Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // reported by the caller
            }
        }
    }

    /**
     * The start of the earliest and of the latest record of a selection.
     *
     * <p>Immutable.
     *
     * @param first the earliest {@code startedAt}
     * @param last the latest {@code startedAt}, not before {@code first}
     */
    public record Span(Instant first, Instant last) {

        /**
         * Validates the span.
         *
         * @throws IllegalArgumentException if {@code last} is before {@code first}
         */
        public Span {
            Objects.requireNonNull(first, "first");
            Objects.requireNonNull(last, "last");
            if (last.isBefore(first)) {
                throw new IllegalArgumentException("Span ends (" + last + ") before it starts (" + first + ")");
            }
        }
    }
}
