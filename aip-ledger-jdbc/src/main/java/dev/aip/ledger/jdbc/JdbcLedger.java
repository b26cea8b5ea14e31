package dev.aip.ledger.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.aip.core.ConfigurationException;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.sink.JsonLinesLedger;
import dev.aip.core.sink.UsageSink;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The usage ledger in PostgreSQL (15 or later): one {@code usage_records} table that every replica of an application
 * writes to, so billing reads one place instead of merging each instance's {@link JsonLinesLedger} file.
 *
 * <pre>{@code
 * try (JdbcLedger ledger = JdbcLedger.builder()
 *         .jdbcUrl("jdbc:postgresql://db:5432/aip").username("aip").password(secret)
 *         .spool(Path.of("/var/lib/aip/ledger-spool.jsonl"))
 *         .build()) {
 *     UsageSink sink = ledger;
 *     ...
 * }
 * }</pre>
 *
 * <p><b>Schema.</b> The table is created and upgraded by Flyway migrations shipped in this jar (location
 * {@code classpath:dev/aip/ledger/jdbc/db/migration}, history table {@code aip_ledger_schema_history}), run by the
 * writer before its first write, so they never mix with the application's own migrations. One row per record, every
 * field of {@link UsageRecord} in its own column: cost as an exact {@code numeric} with its currency, instants to the
 * nanosecond ({@code started_at} to the microsecond for queries, plus {@code started_at_nanos}), durations in
 * nanoseconds, {@code attributes} as a {@code jsonb} object of strings. Indexes on (tenant, started_at),
 * (requested_model, started_at) and started_at serve billing per tenant per hour or day and per model; failures over
 * a period have a partial index on (outcome, started_at) of the failed attempts only, so a success costs no entry
 * there.
 *
 * <p><b>Writing.</b> {@link #accept} queues the record (it waits only when the queue is full; see below) and one
 * writer thread per instance writes what is queued in batches of up to {@link Builder#batchSize(int)} records, one
 * transaction per batch, by {@link Builder#writeMethod(WriteMethod)}: {@code COPY} into a staging table then
 * {@code INSERT ... SELECT ... ON CONFLICT (record_id) DO NOTHING} (the default), or multi-row
 * {@code INSERT ... ON CONFLICT (record_id) DO NOTHING}. Either way a batch retried after a failure whose outcome was
 * unknown, or a record sent twice, is stored once. {@link LedgerTable} reads the table back for reports.
 *
 * <p><b>When the database is down or slow, nothing is lost.</b> A batch that fails (no connection within
 * {@link Builder#connectTimeout(Duration)}, or any SQL error) is written to the local <em>spool</em>, a
 * {@link JsonLinesLedger} file given by {@link Builder#spool(Path)}, and synced there; from then until the database
 * answers again the writer spools what is queued, retrying the database every {@link Builder#retryInterval(Duration)}.
 * When an attempt succeeds the writer re-sends the whole spool in batches (idempotently: a record both in the table
 * and in the spool is stored once), then empties the file. A spool left by an earlier process (crash, or closed while
 * the database was down) is re-sent the same way after start. The spool holds at most
 * {@link Builder#maxSpooledRecords(long)} records. <b>Beyond that bound the ledger blocks:</b> the writer keeps the
 * records it holds and stops taking from the queue, the queue fills, and {@link #accept} waits up to
 * {@link Builder#maxBlock(Duration)} for room; a record that still finds none is counted in {@link #lostRecords()}
 * and logged at ERROR, never dropped silently. A full spool means the database has been away long enough to fill it:
 * callers then slow to nothing rather than fill the disk.
 *
 * <p><b>Durability and loss window.</b> With {@link Durability#ASYNC} (the default), {@code accept} returns once the
 * record is queued: a {@code kill -9} loses at most the records still queued or held by the writer
 * ({@link Builder#queueCapacity(int)} plus one batch). With {@link Durability#SYNC}, {@code accept} returns only once
 * its record is committed to the database or written and synced to the spool, so no record whose {@code accept}
 * returned is lost by a crash of the process; callers that accept at the same time share one transaction (group
 * commit: the writer takes everything queued, up to a batch, commits once and releases them all), so the commit
 * rate, not the record rate, is what the database must sustain. The price is the caller's wait: one commit round trip
 * while the database answers, the connection wait plus a spool sync when it does not. Records in the database or in
 * the synced spool survive any crash. {@link #flush()} waits until every record accepted before it is in the database
 * or the synced spool; {@link #drain(Duration)} waits until it is in the database.
 *
 * <p><b>Counters</b>: {@link #writtenRecords()}, {@link #spooledRecords()}, {@link #drainedRecords()},
 * {@link #failures()}, {@link #lostRecords()}, and {@link #health()} for a health indicator.
 *
 * <p>Thread-safe: {@code accept}, {@code flush} and the accessors may be called from any number of threads at once.
 * Share one instance per spool file (the file is locked while open).
 */
public final class JdbcLedger implements UsageSink, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcLedger.class);
    private static final Pattern SCHEMA_NAME = LedgerTable.SCHEMA_NAME;

    /**
     * When {@link JdbcLedger#accept} returns; the same two modes as {@link JsonLinesLedger.Durability}.
     *
     * <p>Immutable.
     */
    public enum Durability {
        /**
         * {@code accept} returns once the record is queued for the writer (the default). A {@code kill -9} loses the
         * records still queued or held by the writer: at most {@link Builder#queueCapacity(int)} plus one batch.
         */
        ASYNC,
        /**
         * {@code accept} returns once the record is committed to the database or written and synced to the spool,
         * or once its wait ran out (see {@link JdbcLedger#accept}). Concurrent callers share one commit (group
         * commit). No acknowledged record is lost by a {@code kill -9}.
         */
        SYNC
    }

    private final DataSource dataSource;
    private final @Nullable HikariDataSource ownedPool;
    private final @Nullable String schema;
    private final String table;
    private final String insertSql;
    private final Path spoolPath;
    private final int batchSize;
    private final WriteMethod writeMethod;
    private final long maxSpooled;
    private final long retryNanos;
    private final long maxBlockNanos;
    private final Durability durability;
    /** How long a SYNC accept waits for its record to be stored once queued. */
    private final long confirmNanos;
    /**
     * Records, {@link Confirmed} records and {@link Marker}s, in order: a marker (and a confirmed record's own marker)
     * completes once every record before it is stored.
     */
    private final ArrayBlockingQueue<Object> queue;
    private final ReentrantReadWriteLock closeLock = new ReentrantReadWriteLock();
    private final Thread writer;

    private final AtomicLong written = new AtomicLong();
    private final AtomicLong spooled = new AtomicLong();
    private final AtomicLong drained = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong lost = new AtomicLong();
    private final AtomicLong unconfirmed = new AtomicLong();

    /** The writer signals on it when the spool empties. */
    private final Object progress = new Object();
    private volatile long spoolPending;
    private volatile boolean closed;
    private volatile boolean databaseUp = true;
    private volatile @Nullable String lastFailure;

    // Writer thread only.
    private JsonLinesLedger spool;
    private boolean migrated;
    private boolean warnedNoCopy;
    private long nextDatabaseAttempt;

    private JdbcLedger(Builder b) {
        this.schema = b.schema;
        this.table = schema == null ? "usage_records" : schema + ".usage_records";
        this.insertSql = LedgerRows.insertSql(table);
        this.spoolPath = b.spool;
        this.batchSize = b.batchSize;
        this.writeMethod = b.writeMethod;
        this.maxSpooled = b.maxSpooledRecords;
        this.retryNanos = b.retryInterval.toNanos();
        this.maxBlockNanos = b.maxBlock.toNanos();
        this.durability = b.durability;
        // The writer may spend a connection wait finding the database away before it spools the record.
        this.confirmNanos = b.maxBlock.toNanos() + b.connectTimeout.toNanos();
        this.queue = new ArrayBlockingQueue<>(b.queueCapacity);
        long left;
        try (Stream<UsageRecord> records = JsonLinesLedger.read(prepareSpool(spoolPath))) {
            left = records.count();
        }
        this.spool = JsonLinesLedger.builder().path(spoolPath).build();
        this.spoolPending = left;
        if (left > 0) {
            LOG.warn("Usage ledger spool {} holds {} records from an earlier run; they will be sent to the database",
                    spoolPath, left);
        }
        if (b.dataSource != null) {
            this.dataSource = b.dataSource;
            this.ownedPool = null;
        } else {
            HikariConfig config = new HikariConfig();
            config.setPoolName("aip-ledger");
            config.setJdbcUrl(b.jdbcUrl);
            config.setUsername(b.username);
            config.setPassword(b.password);
            config.setMaximumPoolSize(3); // the writer, Flyway's lock, a reader
            config.setMinimumIdle(0);
            config.setConnectionTimeout(b.connectTimeout.toMillis());
            config.setValidationTimeout(Math.min(b.connectTimeout.toMillis(), 5_000));
            // Start even when the database is down: records spool until it answers.
            config.setInitializationFailTimeout(-1);
            config.addDataSourceProperty("reWriteBatchedInserts", "true");
            if (schema != null) {
                config.setSchema(schema);
            }
            this.ownedPool = new HikariDataSource(config);
            this.dataSource = ownedPool;
        }
        this.nextDatabaseAttempt = System.nanoTime();
        this.writer = new Thread(this::run, "aip-jdbc-ledger-writer");
        writer.setDaemon(true);
        writer.start();
    }

    private static Path prepareSpool(Path path) {
        try {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            if (!Files.exists(path)) {
                Files.createFile(path);
            }
        } catch (IOException e) {
            throw new ConfigurationException("Cannot create the ledger spool " + path + " (" + e.getMessage()
                    + "); give JdbcLedger.builder().spool(...) a writable path");
        }
        return path;
    }

    /**
     * Returns a builder.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Queues the record for the writer. Waits while the queue is full (the database and the spool both cannot take
     * more), at most {@code maxBlock}; a record that cannot be queued in that time, or is given after
     * {@link #close()}, is counted in {@link #lostRecords()} and logged at ERROR. Never throws.
     *
     * <p>With {@link Durability#SYNC} it then waits until the record is committed to the database or synced to the
     * spool, at most {@code maxBlock} plus {@code connectTimeout}; a record not confirmed in that time (database
     * hanging, spool full, or the caller was interrupted) is still queued and written later, and counted in
     * {@link #unconfirmedRecords()}.
     */
    @Override
    public void accept(UsageRecord record) {
        Objects.requireNonNull(record, "record");
        Marker confirmation = null;
        ReentrantReadWriteLock.ReadLock lock = closeLock.readLock();
        lock.lock();
        try {
            if (closed) {
                lose(record, "the ledger is closed");
                return;
            }
            Object item = record;
            if (durability == Durability.SYNC) {
                confirmation = new Marker();
                item = new Confirmed(record, confirmation);
            }
            boolean queued;
            try {
                queued = queue.offer(item, maxBlockNanos, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                queued = false;
            }
            if (!queued) {
                lose(record, "the queue stayed full for maxBlock " + Duration.ofNanos(maxBlockNanos)
                        + " (database away and spool full, or the caller was interrupted)");
                return;
            }
        } finally {
            lock.unlock();
        }
        if (confirmation != null) {
            awaitConfirmation(record, confirmation);
        }
    }

    /** SYNC: waits (outside the close lock, so closing is not held up) for the writer to store the record. */
    private void awaitConfirmation(UsageRecord record, Marker confirmation) {
        boolean stored;
        try {
            stored = confirmation.done.get(confirmNanos, TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
            stored = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stored = false;
        }
        if (!stored) {
            long n = unconfirmed.incrementAndGet();
            if (n <= 10 || Long.bitCount(n) == 1) {
                LOG.warn("Usage ledger could not confirm record {} of tenant {} within {} ({} unconfirmed so far);"
                        + " it stays queued and is written when the database or the spool takes it",
                        record.recordId(), record.tenant(), Duration.ofNanos(confirmNanos), n);
            }
        }
    }

    private void lose(UsageRecord record, String why) {
        long n = lost.incrementAndGet();
        if (n <= 10 || Long.bitCount(n) == 1) {
            LOG.error("Usage ledger lost record {} of tenant {} ({} lost so far): {}", record.recordId(),
                    record.tenant(), n, why);
        }
    }

    /** Waits until every record accepted before this call is in the database or synced in the spool. */
    @Override
    public void flush() {
        flush(Duration.ofDays(365));
    }

    /**
     * Like {@link #flush()}, waiting at most {@code timeout}.
     *
     * @param timeout the longest wait
     * @return {@code true} if every record accepted before the call is in the database or the synced spool (or was
     *     counted lost)
     */
    public boolean flush(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Marker marker = new Marker();
        ReentrantReadWriteLock.ReadLock lock = closeLock.readLock();
        lock.lock();
        try {
            if (closed) {
                // Closing writes everything queued; wait for that.
                writer.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                return !writer.isAlive();
            }
            if (!queue.offer(marker, deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
                return false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
        try {
            return marker.done.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Waits until every record accepted before this call, and every record in the spool, is in the database.
     *
     * @param timeout the longest wait
     * @return {@code true} if so; {@code false} if the time ran out (the database is still away, for example)
     */
    public boolean drain(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        if (!flush(timeout)) {
            return false;
        }
        synchronized (progress) {
            while (spoolPending > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !writer.isAlive()) {
                    return false;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(progress, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    /** A flush in the queue: completed with {@code true} once every record queued before it is stored or lost. */
    private static final class Marker {
        final CompletableFuture<Boolean> done = new CompletableFuture<>();
    }

    /** A SYNC record in the queue, with the marker its {@code accept} waits on. */
    private record Confirmed(UsageRecord record, Marker marker) {}

    /**
     * Stops accepting, writes what is queued (to the database, or to the spool if the database does not answer),
     * closes the spool and, if the ledger made it, the connection pool. Records that find neither (database away
     * and spool full) are counted lost and logged. The spool keeps what it holds for the next start. Idempotent.
     */
    @Override
    public void close() {
        ReentrantReadWriteLock.WriteLock lock = closeLock.writeLock();
        lock.lock();
        try {
            closed = true;
        } finally {
            lock.unlock();
        }
        try {
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (ownedPool != null) {
            ownedPool.close();
        }
    }

    // ----------------------------------------------------------------------------------------------- writer

    private void run() {
        List<UsageRecord> held = new ArrayList<>();
        List<Marker> markers = new ArrayList<>();
        boolean crashed = false;
        try {
            // Migrate before the first record, so that the first calls do not wait for it (SYNC callers would).
            try {
                migrate();
                migrated = true;
            } catch (RuntimeException e) {
                // The database is away: the first records go to the spool; the migration is retried with a batch.
                lastFailure = e.getMessage();
                databaseUp = false;
                nextDatabaseAttempt = System.nanoTime() + retryNanos;
                LOG.warn("Usage ledger could not migrate its schema at start; spooling to {} and retrying every {}: {}",
                        spoolPath, Duration.ofNanos(retryNanos), e.getMessage());
            }
            while (true) {
                if (held.isEmpty()) {
                    boolean stopping = closed;
                    Object first = queue.poll(stopping ? 0 : 50, TimeUnit.MILLISECONDS);
                    if (first != null) {
                        take(first, held, markers);
                        Object next;
                        while (held.size() < batchSize && (next = queue.poll()) != null) {
                            take(next, held, markers);
                        }
                    } else if (stopping) {
                        break;
                    }
                }
                if (spoolPending > 0 && due()) {
                    drainSpool();
                }
                if (!held.isEmpty()) {
                    store(held);
                }
                if (held.isEmpty()) {
                    complete(markers, true);
                } else {
                    if (closed) {
                        // The spool is full: one last database attempt, then nothing more can hold them.
                        nextDatabaseAttempt = System.nanoTime();
                        store(held);
                    }
                    if (held.isEmpty()) {
                        complete(markers, true);
                        continue;
                    }
                    if (closed) {
                        for (UsageRecord r : held) {
                            lose(r, "the ledger closed with the database away and the spool full");
                        }
                        held.clear();
                        complete(markers, true);
                    } else {
                        Thread.sleep(Math.max(1, TimeUnit.NANOSECONDS.toMillis(retryNanos)));
                    }
                }
            }
            if (spoolPending > 0 && databaseUp) {
                nextDatabaseAttempt = System.nanoTime();
                drainSpool();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            crashed = true;
            LOG.error("Usage ledger writer stopped on an unexpected failure; records queued now are not written", e);
            throw e;
        } finally {
            spool.close();
            complete(markers, !crashed);
            for (Object o; (o = queue.poll()) != null; ) {
                if (o instanceof Marker m) {
                    m.done.complete(!crashed);
                } else if (o instanceof Confirmed c) {
                    c.marker().done.complete(false);
                }
            }
            synchronized (progress) {
                progress.notifyAll();
            }
        }
    }

    private static void take(Object item, List<UsageRecord> held, List<Marker> markers) {
        if (item instanceof Marker m) {
            markers.add(m);
        } else if (item instanceof Confirmed c) {
            held.add(c.record());
            markers.add(c.marker());
        } else {
            held.add((UsageRecord) item);
        }
    }

    private static void complete(List<Marker> markers, boolean stored) {
        for (Marker m : markers) {
            m.done.complete(stored);
        }
        markers.clear();
    }

    private boolean due() {
        return System.nanoTime() - nextDatabaseAttempt >= 0;
    }

    /** Writes the held batch to the database, else as much of it as fits to the spool; removes what was stored. */
    private void store(List<UsageRecord> held) {
        if (due()) {
            if (insert(held)) {
                written.addAndGet(held.size());
                held.clear();
                return;
            }
        }
        long room = maxSpooled - spoolPending;
        if (room <= 0) {
            return;
        }
        List<UsageRecord> part = held.subList(0, (int) Math.min(room, held.size()));
        if (spool(part)) {
            int n = part.size();
            spooled.addAndGet(n);
            spoolPending += n;
            part.clear();
        }
    }

    private boolean spool(List<UsageRecord> records) {
        List<CompletableFuture<Void>> synced = new ArrayList<>(records.size());
        for (UsageRecord r : records) {
            synced.add(spool.acceptDurably(r).toCompletableFuture());
        }
        try {
            CompletableFuture.allOf(synced.toArray(CompletableFuture[]::new)).join();
            return true;
        } catch (RuntimeException e) {
            failures.incrementAndGet();
            LOG.error("Usage ledger could not sync {} records to its spool {}; retrying: {}", records.size(),
                    spoolPath, e.getMessage());
            return false;
        }
    }

    /** Re-sends the spool in batches, then empties it; on a failure keeps it (what was sent is stored once). */
    private void drainSpool() {
        spool.flush();
        long sent = 0;
        try (Stream<UsageRecord> records = JsonLinesLedger.read(spoolPath)) {
            Iterator<UsageRecord> it = records.iterator();
            List<UsageRecord> batch = new ArrayList<>(batchSize);
            while (it.hasNext()) {
                batch.add(it.next());
                if (batch.size() == batchSize || !it.hasNext()) {
                    if (!insert(batch)) {
                        return;
                    }
                    sent += batch.size();
                    batch.clear();
                }
            }
        } catch (ConfigurationException e) {
            // A line other than the last is not a record: the file was edited or damaged. Keep it, keep spooling.
            failures.incrementAndGet();
            lastFailure = e.getMessage();
            nextDatabaseAttempt = System.nanoTime() + retryNanos;
            LOG.error("Usage ledger cannot re-send its spool {}: {}; repair or move the file, then restart",
                    spoolPath, e.getMessage());
            return;
        }
        spool.close();
        try (FileChannel channel = FileChannel.open(spoolPath, StandardOpenOption.WRITE)) {
            channel.truncate(0);
            channel.force(true);
        } catch (IOException e) {
            LOG.warn("Usage ledger could not empty its spool {} after re-sending it ({}); it is re-sent again"
                    + " later, stored once", spoolPath, e.getMessage());
        }
        spool = JsonLinesLedger.builder().path(spoolPath).build();
        drained.addAndGet(sent);
        LOG.info("Usage ledger re-sent {} spooled records to the database", sent);
        synchronized (progress) {
            spoolPending = 0;
            progress.notifyAll();
        }
    }

    /** One transaction; {@code true} if committed. Marks the database down (and when to retry) on failure. */
    private boolean insert(List<UsageRecord> batch) {
        if (!migrated) {
            // Before taking a connection: Flyway takes its own from the same pool.
            try {
                migrate();
                migrated = true;
            } catch (RuntimeException e) {
                return failed(batch, e);
            }
        }
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                if (writeMethod == WriteMethod.COPY && copyable(c)) {
                    LedgerRows.copyBatch(c, table, batch);
                } else {
                    try (PreparedStatement s = c.prepareStatement(insertSql)) {
                        for (UsageRecord r : batch) {
                            LedgerRows.bind(s, r);
                            s.addBatch();
                        }
                        s.executeBatch();
                    }
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException ignored) {
                    // the connection is broken; the pool discards it
                }
                throw e;
            }
            if (!databaseUp) {
                LOG.info("Usage ledger database answers again");
            }
            databaseUp = true;
            return true;
        } catch (SQLException | RuntimeException e) {
            return failed(batch, e);
        }
    }

    /** Whether the connection reaches pgjdbc's COPY API; if not (a wrapping pool or proxy), INSERT is used. */
    private boolean copyable(Connection c) {
        boolean copyable;
        try {
            copyable = c.isWrapperFor(org.postgresql.PGConnection.class);
        } catch (SQLException e) {
            copyable = false;
        }
        if (!copyable && !warnedNoCopy) {
            warnedNoCopy = true;
            LOG.warn("Usage ledger connections do not unwrap to pgjdbc's PGConnection, so COPY is not available;"
                    + " writing with multi-row INSERT instead (set writeMethod(WriteMethod.INSERT) to say so)");
        }
        return copyable;
    }

    private boolean failed(List<UsageRecord> batch, Exception e) {
        long n = failures.incrementAndGet();
        String why = e.getMessage();
        lastFailure = why;
        nextDatabaseAttempt = System.nanoTime() + retryNanos;
        if (databaseUp || n <= 10 || Long.bitCount(n) == 1) {
            LOG.warn("Usage ledger could not write {} records to the database ({} failures so far); spooling to"
                    + " {} and retrying every {}: {}", batch.size(), n, spoolPath, Duration.ofNanos(retryNanos), why);
        }
        databaseUp = false;
        return false;
    }

    private void migrate() {
        LedgerTable.migrate(dataSource, schema);
    }

    // ----------------------------------------------------------------------------------------------- reading

    /**
     * Reads the records that started in {@code [from, to)} from the ledger's table, ordered by start time. Close the
     * stream: it holds a connection.
     *
     * @param from the earliest {@code startedAt}, inclusive
     * @param to the latest {@code startedAt}, exclusive
     * @return the records, read lazily
     * @throws LedgerReadException if the database cannot be read
     */
    public Stream<UsageRecord> read(Instant from, Instant to) {
        LedgerTable t = schema == null ? LedgerTable.of(dataSource) : LedgerTable.of(dataSource, schema);
        return t.read(Objects.requireNonNull(from, "from"), Objects.requireNonNull(to, "to"), List.of());
    }

    /**
     * Reads the records that started in {@code [from, to)} from {@code usage_records} in the connection's schema,
     * as {@link #read(Instant, Instant)} does, without a ledger instance (reports, exports; {@link LedgerTable} has
     * more).
     *
     * @param dataSource where the table is
     * @param from the earliest {@code startedAt}, inclusive
     * @param to the latest {@code startedAt}, exclusive
     * @return the records, read lazily; close the stream
     * @throws LedgerReadException if the database cannot be read
     */
    public static Stream<UsageRecord> read(DataSource dataSource, Instant from, Instant to) {
        return LedgerTable.of(dataSource).read(Objects.requireNonNull(from, "from"), Objects.requireNonNull(to, "to"),
                List.of());
    }

    // ----------------------------------------------------------------------------------------------- counters

    /**
     * Returns the records written to the database by the writer straight from the queue (not counting those
     * re-sent from the spool, see {@link #drainedRecords()}).
     *
     * @return the count
     */
    public long writtenRecords() {
        return written.get();
    }

    /**
     * Returns the records written to the spool because the database did not take them.
     *
     * @return the count since start
     */
    public long spooledRecords() {
        return spooled.get();
    }

    /**
     * Returns the records re-sent from the spool to the database (including any a previous run left there).
     *
     * @return the count since start
     */
    public long drainedRecords() {
        return drained.get();
    }

    /**
     * Returns the failed database attempts (a batch or a spool re-send that did not commit); each was logged.
     *
     * @return the count since start
     */
    public long failures() {
        return failures.get();
    }

    /**
     * Returns the records that will never be written (see {@link #accept}); each loss was logged.
     *
     * @return the count since start
     */
    public long lostRecords() {
        return lost.get();
    }

    /**
     * Returns the {@link Durability#SYNC} records whose {@code accept} returned before they were stored (see
     * {@link #accept}); each was logged. They are not lost: they are written when the database or the spool takes them.
     *
     * @return the count since start
     */
    public long unconfirmedRecords() {
        return unconfirmed.get();
    }

    /**
     * Returns the records in the spool waiting to be re-sent.
     *
     * @return the count
     */
    public long spoolPending() {
        return spoolPending;
    }

    /**
     * Returns a snapshot of the ledger's state for a health check.
     *
     * @return the health
     */
    public Health health() {
        int queued = queue.size();
        return new Health(databaseUp, spoolPending, maxSpooled, queued, written.get(), spooled.get(), drained.get(),
                failures.get(), lost.get(), lastFailure);
    }

    /**
     * A snapshot of a {@link JdbcLedger}'s state, for a health indicator: {@link #up()} while the database takes
     * writes; records are safe but delayed while it does not ({@link #spoolPending()} grows), and lost only once
     * the spool is full ({@link #spoolPending()} equals {@link #maxSpooledRecords()}) for longer than
     * {@code maxBlock}.
     *
     * <p>Immutable.
     *
     * @param databaseUp whether the last database attempt succeeded
     * @param spoolPending records in the spool waiting to be re-sent
     * @param maxSpooledRecords the spool's bound
     * @param queued records queued for the writer
     * @param written records written straight to the database
     * @param spooled records written to the spool
     * @param drained records re-sent from the spool
     * @param failures failed database attempts
     * @param lost records that will never be written
     * @param lastFailure the message of the last database failure, or {@code null} if none
     */
    public record Health(boolean databaseUp, long spoolPending, long maxSpooledRecords, int queued, long written,
            long spooled, long drained, long failures, long lost, @Nullable String lastFailure) {

        /**
         * Returns whether the ledger writes to the database and holds nothing back.
         *
         * @return {@code true} if the database is up and the spool is empty
         */
        public boolean up() {
            return databaseUp && spoolPending == 0;
        }
    }

    /**
     * How the writer sends a batch. Both store each record once, whatever was stored before, in one transaction per
     * batch.
     */
    public enum WriteMethod {
        /**
         * {@code COPY} into a temporary staging table of the session ({@code aip_ledger_staging},
         * {@code ON COMMIT DELETE ROWS}, made once per connection), then one
         * {@code INSERT ... SELECT ... ON CONFLICT (record_id) DO NOTHING}. Needs the {@code TEMPORARY} privilege
         * on the database (PostgreSQL grants it to everyone by default) and a session that lasts beyond one
         * transaction (not PgBouncer in transaction mode). The staging table stays, empty, in each session that wrote
         * until the connection closes. A connection that does not unwrap to pgjdbc's {@code PGConnection} is written
         * with {@link #INSERT} (logged once).
         */
        COPY,
        /**
         * A prepared {@code INSERT ... ON CONFLICT (record_id) DO NOTHING} per record, sent as one JDBC batch (which
         * pgjdbc rewrites into multi-row inserts when the URL or pool sets {@code reWriteBatchedInserts}; the pool
         * the ledger makes does). Works through any connection pooler.
         */
        INSERT
    }

    /**
     * Configures a {@link JdbcLedger}. Either {@link #dataSource(DataSource)}, or {@link #jdbcUrl(String)} (with
     * {@link #username(String)} and {@link #password(String)}) for a pool the ledger makes and closes; and
     * {@link #spool(Path)}. Defaults: batches of 500, a queue of 16,384 records, a spool of at most 1,000,000
     * records, a retry every second, a connection wait of 2 seconds, callers wait at most 1 second for room,
     * {@link Durability#ASYNC}. Each setting may
     * be set once: a second set is refused with a {@link ConfigurationException} naming both values.
     *
     * <p>Not thread-safe; confine to one thread.
     */
    public static final class Builder {
        private @Nullable DataSource dataSource;
        private @Nullable String jdbcUrl;
        private @Nullable String username;
        private @Nullable String password;
        private @Nullable String schema;
        private @Nullable Path spool;
        private int batchSize = 500;
        private WriteMethod writeMethod = WriteMethod.COPY;
        private int queueCapacity = 16_384;
        private long maxSpooledRecords = 1_000_000;
        private Duration retryInterval = Duration.ofSeconds(1);
        private Duration connectTimeout = Duration.ofSeconds(2);
        private Duration maxBlock = Duration.ofSeconds(1);
        private Durability durability = Durability.ASYNC;
        private final Map<String, Object> given = new HashMap<>();

        private Builder() {}

        /**
         * Uses this data source (the application's pool); the ledger does not close it.
         *
         * @param source the data source
         * @return this builder
         */
        public Builder dataSource(DataSource source) {
            ConfigurationException.requireFirstSet(given, "JdbcLedger.dataSource", source);
            dataSource = Objects.requireNonNull(source, "dataSource");
            return this;
        }

        /**
         * Connects to this PostgreSQL database through a HikariCP pool of at most 3 connections that the ledger makes
         * and closes.
         *
         * @param url a {@code jdbc:postgresql://} URL
         * @return this builder
         */
        public Builder jdbcUrl(String url) {
            ConfigurationException.requireFirstSet(given, "JdbcLedger.jdbcUrl", url);
            if (!Objects.requireNonNull(url, "jdbcUrl").startsWith("jdbc:postgresql:")) {
                throw new ConfigurationException("JdbcLedger.jdbcUrl must be a PostgreSQL JDBC URL"
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
            ConfigurationException.requireFirstSet(given, "JdbcLedger.username", user);
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
            ConfigurationException.requireFirstSet(given, "JdbcLedger.password", "(set)");
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
            ConfigurationException.requireFirstSet(given, "JdbcLedger.schema", name);
            if (!SCHEMA_NAME.matcher(Objects.requireNonNull(name, "schema")).matches()) {
                throw new ConfigurationException("JdbcLedger.schema must be lower-case letters, digits and"
                        + " underscores, starting with a letter or underscore, at most 63 characters; got \"" + name
                        + "\"");
            }
            schema = name;
            return this;
        }

        /**
         * Sets the spool file (required): a {@link JsonLinesLedger} file where records wait while the database is
         * away. Created with its directories if missing; what an earlier run left there is re-sent.
         *
         * @param file the file, on local disk
         * @return this builder
         */
        public Builder spool(Path file) {
            ConfigurationException.requireFirstSet(given, "JdbcLedger.spool", file);
            spool = Objects.requireNonNull(file, "spool");
            return this;
        }

        /**
         * Sets the most records written per transaction.
         *
         * @param records 1 to 2,000
         * @return this builder
         */
        public Builder batchSize(int records) {
            ConfigurationException.requireFirstSet(given, "JdbcLedger.batchSize", records);
            if (records < 1 || records > 2_000) {
                throw new ConfigurationException("JdbcLedger.batchSize must be between 1 and 2000, got " + records);
            }
            batchSize = records;
            return this;
        }

        /**
         * Sets how a batch reaches the table (default {@link WriteMethod#COPY}).
         *
         * @param method the method
         * @return this builder
         */
        public Builder writeMethod(WriteMethod method) {
            ConfigurationException.requireFirstSet(given, "JdbcLedger.writeMethod", method);
            writeMethod = Objects.requireNonNull(method, "writeMethod");
            return this;
        }

        /**
         * Sets the most records queued for the writer; with one batch, what a {@code kill -9} can lose.
         *
         * @param records at least 1
         * @return this builder
         */
        public Builder queueCapacity(int records) {
            ConfigurationException.requireFirstSet(given, "JdbcLedger.queueCapacity", records);
            if (records < 1) {
                throw new ConfigurationException("JdbcLedger.queueCapacity must be at least 1, got " + records);
            }
            queueCapacity = records;
            return this;
        }

        /**
         * Sets the most records the spool holds; beyond it, {@link JdbcLedger#accept} blocks (see the class
         * documentation).
         *
         * @param records at least 1
         * @return this builder
         */
        public Builder maxSpooledRecords(long records) {
            ConfigurationException.requireFirstSet(given, "JdbcLedger.maxSpooledRecords", records);
            if (records < 1) {
                throw new ConfigurationException("JdbcLedger.maxSpooledRecords must be at least 1, got " + records);
            }
            maxSpooledRecords = records;
            return this;
        }

        /**
         * Sets how long the writer waits after a database failure before it tries again.
         *
         * @param interval positive
         * @return this builder
         */
        public Builder retryInterval(Duration interval) {
            ConfigurationException.requireFirstSet(given, "JdbcLedger.retryInterval", interval);
            retryInterval = positive("retryInterval", interval);
            return this;
        }

        /**
         * Sets how long the writer waits for a connection from the pool the ledger makes before it spools.
         *
         * @param timeout at least 250 ms
         * @return this builder
         */
        public Builder connectTimeout(Duration timeout) {
            ConfigurationException.requireFirstSet(given, "JdbcLedger.connectTimeout", timeout);
            if (timeout.toMillis() < 250) {
                throw new ConfigurationException("JdbcLedger.connectTimeout must be at least 250 ms, got " + timeout);
            }
            connectTimeout = timeout;
            return this;
        }

        /**
         * Sets the longest {@link JdbcLedger#accept} waits for room in the queue.
         *
         * @param timeout positive
         * @return this builder
         */
        public Builder maxBlock(Duration timeout) {
            ConfigurationException.requireFirstSet(given, "JdbcLedger.maxBlock", timeout);
            maxBlock = positive("maxBlock", timeout);
            return this;
        }

        /**
         * Sets when {@link JdbcLedger#accept} returns: once queued ({@link Durability#ASYNC}, the default), or once
         * stored in the database or the synced spool ({@link Durability#SYNC}).
         *
         * @param mode the durability
         * @return this builder
         */
        public Builder durability(Durability mode) {
            ConfigurationException.requireFirstSet(given, "JdbcLedger.durability", mode);
            durability = Objects.requireNonNull(mode, "durability");
            return this;
        }

        private static Duration positive(String name, Duration value) {
            if (Objects.requireNonNull(value, name).isNegative() || value.isZero()) {
                throw new ConfigurationException("JdbcLedger." + name + " must be positive, got " + value);
            }
            return value;
        }

        /**
         * Opens the spool (counting what an earlier run left) and starts the writer. Does not connect: the writer
         * migrates the schema and writes when the database answers, and spools until then.
         *
         * @return the ledger
         * @throws ConfigurationException if no spool or no database was set, both a data source and a URL were, or
         *     the spool cannot be opened or is in use
         */
        public JdbcLedger build() {
            if (spool == null) {
                throw new ConfigurationException("JdbcLedger needs a spool file for records the database cannot take"
                        + " yet: call builder().spool(Path)");
            }
            if ((dataSource == null) == (jdbcUrl == null)) {
                throw new ConfigurationException("JdbcLedger needs exactly one of dataSource(...) or jdbcUrl(...),"
                        + " got " + (dataSource == null ? "neither" : "both"));
            }
            if (dataSource != null && (username != null || password != null)) {
                throw new ConfigurationException("JdbcLedger.username and password go with jdbcUrl(...); a"
                        + " dataSource(...) carries its own credentials");
            }
            return new JdbcLedger(this);
        }
    }
}
