package dev.aip.keys;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.aip.core.ConfigurationException;
import dev.aip.core.tenant.TenantId;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ApiKeyStore} in PostgreSQL (15 or later): one {@code aip_api_keys} table that every replica reads, each
 * holding all keys in memory.
 *
 * <pre>{@code
 * try (JdbcApiKeyStore keys = JdbcApiKeyStore.builder()
 *         .jdbcUrl("jdbc:postgresql://db:5432/aip").username("aip").password(secret)
 *         .build()) {
 *     IssuedKey issued = keys.create(TenantId.of("acme"), "acme's backend", null, KeyLimits.NONE);
 *     hand(issued.secret());                         // shown this once; only its hash is stored
 *     KeyLookup found = keys.lookup(presentedKey);   // from memory
 * }
 * }</pre>
 *
 * <p><b>Schema.</b> Created and upgraded by Flyway migrations shipped in this jar (location
 * {@code classpath:dev/aip/keys/db/migration}, history table {@code aip_keys_schema_history}, so they never mix with
 * the application's own), run at start or, while the database is down, at the first refresh that reaches it. A row
 * per key holds its id, tenant, name, the SHA-256 of the key (and of the secret a rotation replaced, with the end of
 * its grace), its times, limits and a change counter {@code version}; never the key.
 *
 * <p><b>Propagation.</b> Each instance holds every key in memory and, every {@link Builder#refreshInterval} (2 s by
 * default), reads the rows whose {@code version} is above the highest it has seen: one indexed query that returns
 * nothing while nothing changed. Writers serialise on a transaction-scoped advisory lock, so versions become visible
 * in order and no change is skipped. A change made through this instance is applied to its memory at once; a change
 * made through another one (or the CLI) is seen within one interval. {@link #refresh()} refreshes now.
 *
 * <p><b>When the database is down</b>, lookups keep answering from the last keys read, refreshes are retried every
 * interval, the failure is logged (at the first failure and when it recovers) and {@link #health()} reports the keys
 * as stale. A revocation once seen is never undone in memory, whatever a later read says.
 *
 * <p>Thread-safe: share one instance per database; {@link #lookup} never blocks.
 */
public final class JdbcApiKeyStore implements ApiKeyStore, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcApiKeyStore.class);
    private static final Pattern SCHEMA_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    private static final String MIGRATIONS = "classpath:dev/aip/keys/db/migration";
    private static final String HISTORY_TABLE = "aip_keys_schema_history";
    /** The advisory lock writers hold until they commit, so that versions commit in order. */
    private static final long WRITE_LOCK = 0x6169705f6b657973L; // "aip_keys"
    /** Compared with when no key matches the presented id, so that an unknown id takes as long as a known one. */
    private static final byte[] NO_HASH = new byte[32];
    private static final String COLUMNS = "key_id, tenant, name, key_sha256, previous_sha256, previous_valid_until,"
            + " created_at, rotated_at, expires_at, revoked_at, requests_per_minute, tokens_per_minute, version";

    /** A key in memory: what may be shown, the hashes, and the version of the row it was read from. */
    private record Entry(ApiKey key, byte[] hash, byte @Nullable [] previousHash, long version) {
    }

    /** Every key by id, and the highest version read from the database; replaced whole, never changed. */
    private record Snapshot(Map<String, Entry> byId, long version) {
    }

    private final DataSource dataSource;
    private final @Nullable HikariDataSource ownedPool;
    private final @Nullable String schema;
    private final String table;
    private final String sequence;
    private final Clock clock;
    private final Duration refreshInterval;
    private final @Nullable ScheduledExecutorService refresher;

    private volatile Snapshot snapshot = new Snapshot(Map.of(), 0);
    private volatile @Nullable Instant lastRefresh;
    private volatile @Nullable String lastFailure;
    private volatile boolean migrated;

    private JdbcApiKeyStore(Builder b) {
        this.schema = b.schema;
        this.table = schema == null ? "aip_api_keys" : schema + ".aip_api_keys";
        this.sequence = schema == null ? "aip_api_keys_version" : schema + ".aip_api_keys_version";
        this.clock = b.clock;
        this.refreshInterval = b.refreshInterval;
        if (b.dataSource != null) {
            this.dataSource = b.dataSource;
            this.ownedPool = null;
        } else {
            HikariConfig config = new HikariConfig();
            config.setPoolName("aip-keys");
            config.setJdbcUrl(b.jdbcUrl);
            config.setUsername(b.username);
            config.setPassword(b.password);
            config.setMaximumPoolSize(2); // the refresher (or Flyway), an administrative write
            config.setMinimumIdle(1);
            config.setConnectionTimeout(b.connectTimeout.toMillis());
            config.setValidationTimeout(Math.min(b.connectTimeout.toMillis(), 5_000));
            // Start even when the database is down: the keys come when it answers.
            config.setInitializationFailTimeout(-1);
            if (schema != null) {
                config.setSchema(schema);
            }
            this.ownedPool = new HikariDataSource(config);
            this.dataSource = ownedPool;
        }
        refreshQuietly();
        if (b.refreshInterval.isZero()) {
            this.refresher = null;
        } else {
            this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "aip-keys-refresh");
                t.setDaemon(true);
                return t;
            });
            long every = refreshInterval.toMillis();
            refresher.scheduleWithFixedDelay(this::refreshQuietly, every, every, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Returns a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    // -------------------------------------------------------------------------------------------------- lookups

    @Override
    public KeyLookup lookup(@Nullable String presented) {
        String id = KeySecrets.idOf(presented);
        if (id == null) {
            return new KeyLookup.Refused(KeyLookup.Reason.UNKNOWN);
        }
        byte[] digest = KeySecrets.sha256(presented);
        Entry e = snapshot.byId().get(id);
        // Both comparisons always run, in constant time, whether or not the id is known.
        boolean current = MessageDigest.isEqual(e != null ? e.hash() : NO_HASH, digest);
        byte[] previousHash = e != null ? e.previousHash() : null;
        boolean previous = MessageDigest.isEqual(previousHash != null ? previousHash : NO_HASH, digest);
        if (e == null || !(current || previous && previousHash != null)) {
            return new KeyLookup.Refused(KeyLookup.Reason.UNKNOWN);
        }
        ApiKey key = e.key();
        if (key.revoked()) {
            return new KeyLookup.Refused(KeyLookup.Reason.REVOKED);
        }
        Instant now = clock.instant();
        if (!current) {
            Instant until = key.previousValidUntil();
            if (until == null || !now.isBefore(until)) {
                // A rotated-out secret past its grace is no longer the key's: as unknown as any other string.
                return new KeyLookup.Refused(KeyLookup.Reason.UNKNOWN);
            }
        }
        if (key.expiredAt(now)) {
            return new KeyLookup.Refused(KeyLookup.Reason.EXPIRED);
        }
        return new KeyLookup.Valid(key);
    }

    @Override
    public KeyStoreHealth health() {
        Instant last = lastRefresh;
        String failure = lastFailure;
        boolean stale = failure != null || last == null
                || Duration.between(last, clock.instant()).compareTo(refreshInterval.multipliedBy(3)) > 0
                && !refreshInterval.isZero();
        Snapshot s = snapshot;
        return new KeyStoreHealth(stale, last, s.byId().size(), s.version(), failure);
    }

    // -------------------------------------------------------------------------------------------------- refresh

    /**
     * Reads the keys changed since the last refresh now, instead of waiting for the next interval.
     *
     * @throws ApiKeyStoreException if the database cannot be read (the keys in memory stay as they were)
     */
    public synchronized void refresh() {
        try {
            ensureMigrated();
            Snapshot s = snapshot;
            List<Entry> changed = new ArrayList<>();
            try (Connection c = dataSource.getConnection();
                 PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM " + table
                         + " WHERE version > ? ORDER BY version")) {
                ps.setLong(1, s.version());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        changed.add(entry(rs));
                    }
                }
            }
            if (!changed.isEmpty()) {
                apply(changed, changed.get(changed.size() - 1).version());
            }
            lastRefresh = clock.instant();
            if (lastFailure != null) {
                LOG.info("API keys: the database answers again; {} keys in memory, version {}",
                        snapshot.byId().size(), snapshot.version());
            }
            lastFailure = null;
        } catch (SQLException | RuntimeException e) {
            String why = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
            if (lastFailure == null) {
                LOG.warn("API keys: cannot read the database ({}); serving the {} keys last read, {}", why,
                        snapshot.byId().size(), refreshInterval.isZero() ? "until the next refresh()"
                                : "retrying every " + refreshInterval);
            }
            lastFailure = why;
            throw new ApiKeyStoreException("Cannot read the API keys from the database: " + why + "; the keys last"
                    + " read are still served. Check that the database is reachable.", true, e);
        }
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (RuntimeException e) {
            // Logged by refresh(); the next interval retries.
        }
    }

    /** Merges changed rows into a new snapshot; a key seen revoked stays revoked. */
    private synchronized void apply(List<Entry> changed, long readUpTo) {
        Snapshot s = snapshot;
        Map<String, Entry> next = new HashMap<>(s.byId());
        for (Entry e : changed) {
            Entry old = next.get(e.key().id());
            if (old != null && old.version() > e.version()) {
                continue;
            }
            if (old != null && old.key().revoked() && !e.key().revoked()) {
                continue;
            }
            next.put(e.key().id(), e);
        }
        snapshot = new Snapshot(Map.copyOf(next), Math.max(s.version(), readUpTo));
    }

    private void ensureMigrated() {
        if (!migrated) {
            synchronized (this) {
                if (!migrated) {
                    var config = Flyway.configure(JdbcApiKeyStore.class.getClassLoader())
                            .dataSource(dataSource)
                            .locations(MIGRATIONS)
                            .table(HISTORY_TABLE)
                            // A schema the application already uses: the keys' V1 still runs.
                            .baselineOnMigrate(true)
                            .baselineVersion("0");
                    if (schema != null) {
                        config = config.schemas(schema).createSchemas(true);
                    }
                    config.load().migrate();
                    migrated = true;
                }
            }
        }
    }

    private Entry entry(ResultSet rs) throws SQLException {
        ApiKey key = new ApiKey(rs.getString("key_id"), TenantId.of(rs.getString("tenant")), rs.getString("name"),
                instant(rs, "created_at"), instant(rs, "expires_at"), instant(rs, "revoked_at"),
                instant(rs, "rotated_at"), instant(rs, "previous_valid_until"),
                new KeyLimits(rs.getLong("requests_per_minute"), rs.getLong("tokens_per_minute")));
        return new Entry(key, rs.getBytes("key_sha256"), rs.getBytes("previous_sha256"), rs.getLong("version"));
    }

    private static @Nullable Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }

    private static @Nullable Timestamp timestamp(@Nullable Instant i) {
        return i == null ? null : Timestamp.from(i);
    }

    // --------------------------------------------------------------------------------------------------- writes

    @Override
    public IssuedKey create(TenantId tenant, String name, @Nullable Instant expiresAt, KeyLimits limits) {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(limits, "limits");
        if (name.isBlank() || name.length() > 200) {
            throw new IllegalArgumentException("A key's name is 1 to 200 characters and not blank, got "
                    + name.length() + " characters");
        }
        Instant now = clock.instant();
        if (expiresAt != null && !expiresAt.isAfter(now)) {
            throw new IllegalArgumentException("The key would expire at " + expiresAt + ", which is not after now ("
                    + now + "); give a time in the future, or none for a key that does not expire");
        }
        return write(c -> {
            for (int attempt = 0; ; attempt++) {
                String id = KeySecrets.newId();
                String secret = KeySecrets.newKey(id);
                long version = nextVersion(c);
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (key_id, tenant, name,"
                        + " key_sha256, created_at, expires_at, requests_per_minute, tokens_per_minute, version,"
                        + " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key_id) DO NOTHING")) {
                    ps.setString(1, id);
                    ps.setString(2, tenant.value());
                    ps.setString(3, name);
                    ps.setBytes(4, KeySecrets.sha256(secret));
                    ps.setTimestamp(5, Timestamp.from(now));
                    ps.setTimestamp(6, timestamp(expiresAt));
                    ps.setLong(7, limits.requestsPerMinute());
                    ps.setLong(8, limits.tokensPerMinute());
                    ps.setLong(9, version);
                    ps.setTimestamp(10, Timestamp.from(now));
                    if (ps.executeUpdate() == 1) {
                        ApiKey key = new ApiKey(id, tenant, name, now, expiresAt, null, null, null, limits);
                        LOG.info("API key {} created for tenant {} ({})", id, tenant.value(), name);
                        return new Written<>(new IssuedKey(key, secret),
                                new Entry(key, KeySecrets.sha256(secret), null, version));
                    }
                }
                if (attempt >= 5) {
                    throw new ApiKeyStoreException("Could not find a free key id after " + (attempt + 1)
                            + " attempts; try again", true, null);
                }
            }
        });
    }

    @Override
    public List<ApiKey> list(@Nullable TenantId tenant) {
        try {
            ensureMigrated();
            try (Connection c = dataSource.getConnection();
                 PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM " + table
                         + (tenant == null ? "" : " WHERE tenant = ?") + " ORDER BY created_at, key_id")) {
                if (tenant != null) {
                    ps.setString(1, tenant.value());
                }
                List<ApiKey> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(entry(rs).key());
                    }
                }
                return out;
            }
        } catch (SQLException | RuntimeException e) {
            throw unavailable("list the API keys", e);
        }
    }

    @Override
    public IssuedKey rotate(String keyId, Duration grace) {
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(grace, "grace");
        if (grace.isNegative()) {
            throw new IllegalArgumentException("The grace period of the old secret is zero or positive, got "
                    + grace);
        }
        return write(c -> {
            Entry old = lockRow(c, keyId);
            if (old.key().revoked()) {
                throw new ApiKeyStoreException("The API key " + keyId + " is revoked and cannot be rotated; create a"
                        + " new key instead", false, null);
            }
            Instant now = clock.instant();
            String secret = KeySecrets.newKey(keyId);
            byte[] hash = KeySecrets.sha256(secret);
            byte[] previous = grace.isZero() ? null : old.hash();
            Instant until = grace.isZero() ? null : now.plus(grace);
            long version = nextVersion(c);
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + table + " SET key_sha256 = ?,"
                    + " previous_sha256 = ?, previous_valid_until = ?, rotated_at = ?, version = ?, updated_at = ?"
                    + " WHERE key_id = ?")) {
                ps.setBytes(1, hash);
                ps.setBytes(2, previous);
                ps.setTimestamp(3, timestamp(until));
                ps.setTimestamp(4, Timestamp.from(now));
                ps.setLong(5, version);
                ps.setTimestamp(6, Timestamp.from(now));
                ps.setString(7, keyId);
                ps.executeUpdate();
            }
            ApiKey o = old.key();
            ApiKey key = new ApiKey(o.id(), o.tenant(), o.name(), o.createdAt(), o.expiresAt(), null, now, until,
                    o.limits());
            LOG.info("API key {} of tenant {} rotated; the old secret works {}", keyId, o.tenant().value(),
                    until == null ? "no longer" : "until " + until);
            return new Written<>(new IssuedKey(key, secret), new Entry(key, hash, previous, version));
        });
    }

    @Override
    public ApiKey revoke(String keyId) {
        Objects.requireNonNull(keyId, "keyId");
        return write(c -> {
            Entry old = lockRow(c, keyId);
            if (old.key().revoked()) {
                return new Written<>(old.key(), old);
            }
            Instant now = clock.instant();
            long version = nextVersion(c);
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + table + " SET revoked_at = ?, version = ?,"
                    + " updated_at = ? WHERE key_id = ?")) {
                ps.setTimestamp(1, Timestamp.from(now));
                ps.setLong(2, version);
                ps.setTimestamp(3, Timestamp.from(now));
                ps.setString(4, keyId);
                ps.executeUpdate();
            }
            ApiKey o = old.key();
            ApiKey key = new ApiKey(o.id(), o.tenant(), o.name(), o.createdAt(), o.expiresAt(), now, o.rotatedAt(),
                    o.previousValidUntil(), o.limits());
            LOG.info("API key {} of tenant {} revoked", keyId, o.tenant().value());
            return new Written<>(key, new Entry(key, old.hash(), old.previousHash(), version));
        });
    }

    /** What a write returns, and the row it left, applied to this instance's memory at once. */
    private record Written<T>(T result, Entry entry) {
    }

    @FunctionalInterface
    private interface Write<T> {
        Written<T> run(Connection c) throws SQLException;
    }

    /**
     * Runs a write in one transaction holding the writers' advisory lock, then applies its row here at once (the
     * snapshot's version is not raised: the next refresh still reads every change since the last one).
     */
    private <T> T write(Write<T> work) {
        Written<T> done;
        try {
            ensureMigrated();
            try (Connection c = dataSource.getConnection()) {
                c.setAutoCommit(false);
                try {
                    try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
                        lock.setLong(1, WRITE_LOCK);
                        lock.execute();
                    }
                    done = work.run(c);
                    c.commit();
                } catch (SQLException | RuntimeException e) {
                    c.rollback();
                    throw e;
                } finally {
                    c.setAutoCommit(true);
                }
            }
        } catch (ApiKeyNotFoundException | ApiKeyStoreException e) {
            throw e;
        } catch (SQLException | RuntimeException e) {
            throw unavailable("write the API key", e);
        }
        apply(List.of(done.entry()), 0);
        return done.result();
    }

    private Entry lockRow(Connection c, String keyId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM " + table
                + " WHERE key_id = ? FOR UPDATE")) {
            ps.setString(1, keyId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new ApiKeyNotFoundException(keyId);
                }
                return entry(rs);
            }
        }
    }

    private long nextVersion(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT nextval('" + sequence + "')");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static ApiKeyStoreException unavailable(String what, Exception e) {
        String why = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
        return new ApiKeyStoreException("Cannot " + what + ": " + why + ". Check that the database is reachable and"
                + " try again.", true, e);
    }

    /** Stops refreshing and closes the pool the store made (not a data source it was given). */
    @Override
    public void close() {
        if (refresher != null) {
            refresher.shutdownNow();
        }
        if (ownedPool != null) {
            ownedPool.close();
        }
    }

    /**
     * Builds a {@link JdbcApiKeyStore}: a data source or a JDBC URL (one of them is required); each setting once.
     *
     * <p>Confined to the thread that builds.
     */
    public static final class Builder {
        private @Nullable DataSource dataSource;
        private @Nullable String jdbcUrl;
        private @Nullable String username;
        private @Nullable String password;
        private @Nullable String schema;
        private Clock clock = Clock.systemUTC();
        private Duration refreshInterval = Duration.ofSeconds(2);
        private Duration connectTimeout = Duration.ofSeconds(2);
        private final Map<String, Object> given = new HashMap<>();

        private Builder() {
        }

        /**
         * Uses this data source (the application's pool); the store does not close it.
         *
         * @param source the data source
         * @return this builder
         */
        public Builder dataSource(DataSource source) {
            ConfigurationException.requireFirstSet(given, "JdbcApiKeyStore.dataSource", source);
            dataSource = Objects.requireNonNull(source, "dataSource");
            return this;
        }

        /**
         * Connects to this PostgreSQL database through a HikariCP pool of at most 2 connections that the store makes
         * and closes.
         *
         * @param url a {@code jdbc:postgresql://} URL
         * @return this builder
         */
        public Builder jdbcUrl(String url) {
            ConfigurationException.requireFirstSet(given, "JdbcApiKeyStore.jdbcUrl", url);
            if (!Objects.requireNonNull(url, "jdbcUrl").startsWith("jdbc:postgresql:")) {
                throw new ConfigurationException("JdbcApiKeyStore.jdbcUrl must be a PostgreSQL JDBC URL"
                        + " (jdbc:postgresql://host:port/database), got " + url);
            }
            jdbcUrl = url;
            return this;
        }

        /**
         * Sets the database user for {@link #jdbcUrl(String)}.
         *
         * @param user the user
         * @return this builder
         */
        public Builder username(String user) {
            ConfigurationException.requireFirstSet(given, "JdbcApiKeyStore.username", user);
            username = Objects.requireNonNull(user, "username");
            return this;
        }

        /**
         * Sets the database password for {@link #jdbcUrl(String)}.
         *
         * @param secret the password
         * @return this builder
         */
        public Builder password(String secret) {
            ConfigurationException.requireFirstSet(given, "JdbcApiKeyStore.password", "(set)");
            password = Objects.requireNonNull(secret, "password");
            return this;
        }

        /**
         * Keeps the table in this schema (created if missing) instead of the connection's default one.
         *
         * @param name lower-case letters, digits and underscores, starting with a letter or underscore
         * @return this builder
         */
        public Builder schema(String name) {
            ConfigurationException.requireFirstSet(given, "JdbcApiKeyStore.schema", name);
            if (!SCHEMA_NAME.matcher(Objects.requireNonNull(name, "schema")).matches()) {
                throw new ConfigurationException("JdbcApiKeyStore.schema must be lower-case letters, digits and"
                        + " underscores, starting with a letter or underscore, at most 63 characters; got \"" + name
                        + "\"");
            }
            schema = name;
            return this;
        }

        /**
         * Sets the clock that judges expiry and grace periods and stamps changes (default: the system's, UTC).
         *
         * @param value the clock
         * @return this builder
         */
        public Builder clock(Clock value) {
            ConfigurationException.requireFirstSet(given, "JdbcApiKeyStore.clock", value);
            clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        /**
         * Sets how often the keys changed elsewhere are read (default 2 s): the longest a revocation made through
         * another instance takes to reach this one while the database answers. {@link Duration#ZERO} reads them
         * only at start and on {@link JdbcApiKeyStore#refresh()}.
         *
         * @param interval zero, or 100 ms to 1 hour
         * @return this builder
         */
        public Builder refreshInterval(Duration interval) {
            ConfigurationException.requireFirstSet(given, "JdbcApiKeyStore.refreshInterval", interval);
            Objects.requireNonNull(interval, "refreshInterval");
            if (!interval.isZero() && (interval.compareTo(Duration.ofMillis(100)) < 0
                    || interval.compareTo(Duration.ofHours(1)) > 0)) {
                throw new ConfigurationException("JdbcApiKeyStore.refreshInterval must be zero (no polling) or"
                        + " between 100 ms and 1 hour, got " + interval);
            }
            refreshInterval = interval;
            return this;
        }

        /**
         * Sets how long to wait for a database connection before an operation fails (default 2 s).
         *
         * @param timeout at least 250 ms
         * @return this builder
         */
        public Builder connectTimeout(Duration timeout) {
            ConfigurationException.requireFirstSet(given, "JdbcApiKeyStore.connectTimeout", timeout);
            if (Objects.requireNonNull(timeout, "connectTimeout").compareTo(Duration.ofMillis(250)) < 0) {
                throw new ConfigurationException("JdbcApiKeyStore.connectTimeout must be at least 250 ms (HikariCP's"
                        + " least), got " + timeout);
            }
            connectTimeout = timeout;
            return this;
        }

        /**
         * Builds the store: migrates the schema and reads the keys if the database answers (else it starts empty
         * and keeps trying every refresh interval), and starts refreshing.
         *
         * @return the store; close it
         * @throws ConfigurationException if neither a data source nor a JDBC URL was given, or both
         */
        public JdbcApiKeyStore build() {
            if ((dataSource == null) == (jdbcUrl == null)) {
                throw new ConfigurationException("JdbcApiKeyStore needs either dataSource(...) or jdbcUrl(...), and"
                        + " not both");
            }
            return new JdbcApiKeyStore(this);
        }
    }
}
