package dev.aip.core.sink;

import dev.aip.core.ConfigurationException;
import dev.aip.core.LedgerWriteException;
import dev.aip.core.metering.UsageRecord;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A durable, append-only ledger of usage records on local disk: one JSON object per line (JSON Lines), the
 * record of truth for billing on a single instance.
 *
 * <pre>{@code
 * try (JsonLinesLedger ledger = JsonLinesLedger.builder().path(Path.of("usage.jsonl")).build()) {
 *     InMemoryUsageAggregates totals = new InMemoryUsageAggregates();
 *     ledger.replay(totals::accept);                 // rebuild totals after a restart
 *     UsageSink sink = UsageSinks.fanOut(ledger, totals);
 *     ...
 * }
 * }</pre>
 *
 * <p><b>Format (schema version 1).</b> Each line is an object with fields in this order, lowerCamelCase, absent
 * when null: {@code v} (always 1), {@code recordId}, {@code callId}, {@code attempt}, {@code tenant}, {@code tier},
 * {@code operation}, {@code requestedModel}, {@code profileArn}, {@code profileId}, {@code sourceModelId},
 * {@code region}, {@code pooledProfile}, {@code inputTokens}, {@code outputTokens}, {@code cacheReadInputTokens},
 * {@code cacheWriteInputTokens}, {@code provenance}, {@code costStatus}, {@code costUsd}, {@code
 * priceCatalogVersion}, {@code outcome}, {@code errorCode}, {@code startedAt}, {@code latencyMs}, {@code
 * timeToFirstTokenMs}, {@code awsRequestId}, {@code attributes}. {@code costUsd} is a JSON <em>string</em> holding
 * the exact decimal (absent for unpriced calls), so no JSON reader turns it into a binary float. Instants are
 * ISO-8601 UTC ({@code 2026-11-02T10:15:30.123456789Z}). Durations are JSON numbers of milliseconds with up to six
 * decimals ({@code 412.5}), readable and exact to the nanosecond when read as decimals.
 *
 * <p><b>Writing.</b> {@link #accept} hands the record to one background thread that serialises, writes and syncs in
 * batches, so callers never do I/O. A record accepted is written exactly once: a failed write is cut back to the last
 * complete line before it is retried (up to 5 times, then the batch is counted in {@link #lostRecords()}).
 *
 * <p><b>Backpressure: the backlog is bounded in time and in records.</b> A record is accepted only while the writer
 * is close behind: fewer than {@link Builder#capacity(int) capacity} records are accepted but not yet written
 * (queued, or in the batch being written), and the oldest of them was accepted at most
 * {@link Builder#maxLag(Duration) maxLag} ago on the {@linkplain Builder#ticker(LongSupplier) ticker}. Otherwise
 * the caller waits for the writer to catch up (counted in {@link #throttledAppends()} and
 * {@link #throttledTime()}); after {@link Builder#maxBlock(Duration) maxBlock} the record is counted in
 * {@link #lostRecords()} and logged at ERROR — never silently. Waiting callers are admitted in arrival order, so
 * none is starved past {@code maxBlock} while the writer keeps up. The check and the enqueue happen under one lock,
 * so the bound is exact for any number of concurrent callers: <b>at every moment, the records accepted but not yet
 * written number at most {@code capacity}, and were all accepted within {@code maxLag} of the oldest of them.</b> A
 * healthy disk keeps the writer milliseconds behind and no caller ever waits; the bound matters when the disk stalls
 * or the record rate exceeds what the disk takes, and then callers are slowed to the disk's pace instead of piling
 * records up in memory. An {@code accept} takes one lock, held for a few field updates, and one ticker read, and
 * allocates nothing in {@code ASYNC} mode.
 *
 * <p><b>Durability and loss window.</b> With {@link Durability#ASYNC} (the default), {@code accept} returns once the
 * record is queued. A {@code kill -9} loses the records not yet written — by the bound above, at most
 * {@code capacity} records, all accepted within one {@code maxLag} (100 ms by default) of each other; what was
 * written survives in the operating system's page cache. Losing power or a kernel crash also loses records written
 * but not yet synced: the writer syncs ({@code fdatasync}) after every {@link Builder#fsyncEvery(int)} records, when
 * {@link Builder#fsyncInterval(Duration)} has passed since the last sync, on {@link #flush()} and on
 * {@link #close()}: fewer than {@code fsyncEvery} records plus one batch (at most 1,024), or about
 * {@code fsyncInterval} of records, more. Syncs run on the writer thread, so a sync slower than {@code maxLag}
 * makes callers wait too, which keeps the unsynced records bounded as well. {@link #flush()} closes both windows on
 * demand. Measured at full speed (16 threads appending 40,000–75,000 records/s on a shared 2-core machine, default
 * settings), five kills lost 1–5,356 records each, admitted within at most 95 ms of each other; see BENCHMARKS.md.
 *
 * <p>With {@link Durability#SYNC}, {@code accept} returns only once the record is written and synced, so no record
 * whose {@code accept} returned is lost by a crash of any kind; a record whose confirmation did not come within
 * {@code maxBlock} is counted in {@link #unconfirmedRecords()} (see {@link #accept}). Callers that append at the
 * same time share one sync: the writer writes everything queued, syncs once, and releases them all (group commit),
 * so the sync rate, not the record rate, is what the disk must sustain (measured: no acknowledged record lost in
 * five kills, 19,000–25,000 records/s from 16 threads, about 9 records per sync). {@link #acceptDurably} gives the
 * same guarantee as a {@link CompletionStage}, in either mode, for callers that must not wait for I/O.
 *
 * <p><b>Reopening.</b> A crash can leave a torn last line. On open, the last line is checked: if it is not a
 * valid record it is cut away (counted in {@link #truncatedBytes()} and logged at WARN); if it is valid but lacks
 * its newline, the newline is added. Only the last line is checked on open, so opening is fast however large the
 * file; {@link #read} and {@link #replay} read all lines, skip an invalid last line the same way, and fail with a
 * {@link ConfigurationException} naming the line number if any other line is invalid, since silently skipping a
 * record would under-bill. Duplicate {@code recordId}s (a file restored twice, a record replayed into a sink that
 * wrote it again) are read once: the first occurrence counts, so replay is idempotent. The file is locked while
 * open, so a second writer (in this or another process) is refused.
 *
 * <p>Thread-safe; share one per file.
 */
public final class JsonLinesLedger implements UsageSink, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(JsonLinesLedger.class);

    /**
     * When {@link JsonLinesLedger#accept} returns.
     *
     * <p>Immutable.
     */
    public enum Durability {
        /**
         * {@code accept} returns once the record is queued for the writer (the default). A {@code kill -9} loses
         * the records still queued: at most {@link Builder#capacity(int)} records, all accepted within
         * {@link Builder#maxLag(Duration)} of each other. Losing power also loses those written but not yet synced.
         */
        ASYNC,
        /**
         * {@code accept} returns once the record is written and synced to disk ({@code fdatasync}), or once
         * {@link Builder#maxBlock(Duration)} has passed. Concurrent callers share one sync (group commit). No
         * acknowledged record is lost by {@code kill -9} or power loss.
         */
        SYNC
    }

    private final Path path;
    private final LongSupplier ticker;
    private final Durability durability;
    private final long maxBlockNanos;
    private final long truncatedBytes;
    private final AtomicLong unconfirmed = new AtomicLong();
    private final LedgerWriter writer;

    private JsonLinesLedger(Builder b) {
        this.path = b.path;
        this.ticker = b.ticker;
        this.durability = b.durability;
        this.maxBlockNanos = b.maxBlock.toNanos();
        LedgerFile file = LedgerFile.open(path);
        this.truncatedBytes = file.truncatedBytes;
        this.writer = new LedgerWriter(path, b.channelDecorator.apply(file.channel), file.lock, file.size,
                b.fsyncEvery, b.fsyncInterval, ticker, b.capacity, b.maxLagOrDefault().toNanos());
        writer.start();
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
     * Opens (or creates) a ledger with default settings.
     *
     * @param path the ledger file
     * @return the ledger
     * @throws ConfigurationException if the file cannot be opened or is in use
     */
    public static JsonLinesLedger open(Path path) {
        return builder().path(path).build();
    }

    /**
     * Takes the record for writing. With {@link Durability#ASYNC} (the default) it returns once the record is
     * queued; with {@link Durability#SYNC}, once it is on disk. Either way it may first wait for the writer to catch
     * up (see the class documentation), and it never waits longer than {@code maxBlock} in all and never throws.
     *
     * <p>A record that cannot be queued within {@code maxBlock} (or after {@link #close()}, or when the caller is
     * interrupted) is counted in {@link #lostRecords()} and logged at ERROR. With {@code SYNC}, every call that
     * returns without the record confirmed on disk is counted in {@link #unconfirmedRecords()} and logged at ERROR:
     * the record was not queued, {@code maxBlock} ran out before its sync (it stays queued and is normally written
     * soon after), or its write or sync failed. {@code accept} returns normally all the same: a sink cannot fail a
     * model call. A caller that must know, record by record, uses {@link #acceptDurably}.
     */
    @Override
    public void accept(UsageRecord record) {
        Objects.requireNonNull(record, "record");
        if (durability == Durability.ASYNC) {
            writer.offer(record, maxBlockNanos);
            return;
        }
        long start = System.nanoTime();
        CompletableFuture<Void> durable = writer.offerAcknowledged(record, maxBlockNanos);
        String why;
        try {
            durable.get(Math.max(0, maxBlockNanos - (System.nanoTime() - start)), TimeUnit.NANOSECONDS);
            return;
        } catch (TimeoutException e) {
            why = "it was not on disk within maxBlock " + Duration.ofNanos(maxBlockNanos) + "; it stays queued";
        } catch (ExecutionException e) {
            why = e.getCause().getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            why = "the caller was interrupted while waiting for the sync; the record stays queued";
        }
        long n = unconfirmed.incrementAndGet();
        if (LogEvery.shouldLog(n)) {
            LOG.error("Usage ledger {} could not confirm usage record {} of tenant {} on disk ({} unconfirmed so"
                    + " far): {}", path, record.recordId(), record.tenant(), n, why);
        }
    }

    /**
     * Takes the record for writing and returns a stage that completes when it is on disk (written and synced),
     * whatever the ledger's {@link Durability}. Records appended this way by concurrent callers share one sync.
     * This method waits only as {@link Durability#ASYNC} {@code accept} does: for the writer to catch up when it is
     * behind, at most {@code maxBlock}; it never waits for I/O.
     *
     * <p>The stage completes exceptionally with a {@link LedgerWriteException} if the record was not queued (it is
     * then also counted in {@link #lostRecords()}), or if writing or syncing its batch failed (the record may be on
     * disk all the same; appending it again is safe, since readers count each {@code recordId} once). It never
     * completes before the record is durable. It does not time out: the writer retries a failed write, then gives
     * up and fails the stage. Callers cannot complete it.
     *
     * @param record the record
     * @return a stage completed with {@code null} once the record is durable
     */
    public CompletionStage<Void> acceptDurably(UsageRecord record) {
        return writer.offerAcknowledged(Objects.requireNonNull(record, "record"), maxBlockNanos)
                .minimalCompletionStage();
    }

    /** Waits until every record accepted before this call is written and synced to disk. */
    @Override
    public void flush() {
        writer.flush(Duration.ofDays(365));
    }

    /**
     * Like {@link #flush()}, waiting at most {@code timeout}.
     *
     * @param timeout the longest wait
     * @return {@code true} if everything accepted before the call is on disk; {@code false} if the time ran out or
     *     a sync failed
     */
    public boolean flush(Duration timeout) {
        return writer.flush(timeout);
    }

    /** Stops accepting, writes everything queued, syncs and closes the file. Idempotent. */
    @Override
    public void close() {
        writer.shutdown();
    }

    /**
     * Flushes, then passes every record in the file (including those written by earlier runs) to
     * {@code consumer}, in file order, each {@code recordId} once.
     *
     * @param consumer receives the records, on the calling thread
     * @throws ConfigurationException if a line other than the last is not a valid record
     */
    public void replay(Consumer<UsageRecord> consumer) {
        flush();
        try (Stream<UsageRecord> records = read(path)) {
            records.forEach(consumer);
        }
    }

    /**
     * Decodes one line of a ledger file, for tools that read the file themselves (importers that report line
     * numbers, or skip bad lines). Unlike {@link #read(Path)} it neither skips duplicates nor tolerates anything.
     *
     * @param line one line, without its line end
     * @return the record
     * @throws IllegalArgumentException naming what is wrong, if the line is not a valid record of this ledger's
     *     format
     */
    public static UsageRecord parseLine(String line) {
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        return LedgerCodec.read(bytes, bytes.length);
    }

    /**
     * Reads a ledger file: every record once (the first occurrence of each {@code recordId}), in file order,
     * skipping an invalid last line. Reading a file that is being written is safe. Close the stream.
     *
     * @param path the ledger file
     * @return the records, read lazily
     * @throws ConfigurationException if the file cannot be opened; while streaming, if a line other than the last
     *     is not a valid record (the message names the line)
     */
    public static Stream<UsageRecord> read(Path path) {
        return LedgerReader.read(path, r -> true);
    }

    /**
     * Reads the records of a ledger file that started in {@code [from, to)}, as {@link #read(Path)} does.
     *
     * @param path the ledger file
     * @param from the earliest {@code startedAt}, inclusive
     * @param to the latest {@code startedAt}, exclusive
     * @return the records, read lazily
     */
    public static Stream<UsageRecord> read(Path path, Instant from, Instant to) {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        return LedgerReader.read(path, r -> !r.startedAt().isBefore(from) && r.startedAt().isBefore(to));
    }

    /**
     * Returns when a record counts as taken: queued ({@link Durability#ASYNC}) or on disk ({@link Durability#SYNC}).
     *
     * @return the durability mode
     */
    public Durability durability() {
        return durability;
    }

    /**
     * Returns the ledger file.
     *
     * @return the path
     */
    public Path path() {
        return path;
    }

    /**
     * Returns the number of records written to the file by this instance (not necessarily synced yet).
     *
     * @return the count
     */
    public long writtenRecords() {
        return writer.written();
    }

    /**
     * Returns the number of records given to this instance that will never be written: the writer stayed behind
     * (see {@link Builder#capacity(int)} and {@link Builder#maxLag(Duration)}) for longer than {@code maxBlock}, the
     * ledger was closed, the caller was interrupted while waiting, or writing kept failing.
     *
     * @return the count; each loss was also logged
     */
    public long lostRecords() {
        return writer.lost();
    }

    /**
     * Returns how many bytes of a torn last line were cut away when the file was opened.
     *
     * @return the byte count, 0 if the file ended cleanly
     */
    public long truncatedBytes() {
        return truncatedBytes;
    }

    /**
     * Returns the number of failed syncs to disk (each logged); after one, recent records may not be durable.
     *
     * @return the count
     */
    public long syncFailures() {
        return writer.syncFailures();
    }

    /**
     * Returns the number of {@link Durability#SYNC} {@code accept} calls that returned without their record
     * confirmed on disk (see {@link #accept}); each was logged.
     *
     * @return the count, always 0 with {@link Durability#ASYNC}
     */
    public long unconfirmedRecords() {
        return unconfirmed.get();
    }

    /**
     * Returns the number of appends ({@link #accept} or {@link #acceptDurably}) that had to wait because the writer
     * was behind: its backlog held {@code capacity} records, or its oldest was older than {@code maxLag}. A healthy
     * disk keeps this at 0; a rising count means the disk cannot keep up with the record rate.
     *
     * @return the count since the ledger was opened
     */
    public long throttledAppends() {
        return writer.throttled();
    }

    /**
     * Returns the total time appends spent waiting for the writer to catch up, on the ledger's ticker.
     *
     * @return the sum over every throttled append, including those that then gave up
     */
    public Duration throttledTime() {
        return Duration.ofNanos(writer.throttledNanos());
    }

    /** Records (and flush markers) accepted but not yet written; for tests. */
    int backlog() {
        return writer.backlog();
    }

    /** How long ago, on the ticker, the oldest record not yet written was accepted; for tests. */
    long backlogAgeNanos() {
        return writer.backlogAge(ticker.getAsLong());
    }

    /** Ticker nanoseconds between the oldest and the newest record accepted but not yet written; for tests. */
    long backlogSpanNanos() {
        return writer.backlogSpan();
    }

    /** Successful syncs so far; for tests. */
    long syncs() {
        return writer.syncs();
    }

    /** Waits until the writer has processed everything accepted so far, without forcing a sync; for tests. */
    boolean awaitWritten(Duration timeout) {
        return writer.barrier(timeout);
    }

    /**
     * Configures a {@link JsonLinesLedger}. Defaults: {@link Durability#ASYNC}; fsync every 256 records or every
     * second; a backlog of at most 16,384 records, none older than 100 ms (or {@code fsyncInterval} if shorter);
     * callers wait at most 1 second for the writer; the system's {@link System#nanoTime() nanoTime} ticker. Each
     * setting may be set once: a second set is refused with a {@link ConfigurationException} naming both values.
     *
     * <p>Not thread-safe; confine to one thread.
     */
    public static final class Builder {
        private static final Duration DEFAULT_MAX_LAG = Duration.ofMillis(100);

        private Path path;
        private int fsyncEvery = 256;
        private Duration fsyncInterval = Duration.ofSeconds(1);
        private LongSupplier ticker = System::nanoTime;
        private int capacity = 16_384;
        private Duration maxLag;
        private Duration maxBlock = Duration.ofSeconds(1);
        private Durability durability = Durability.ASYNC;
        private UnaryOperator<FileChannel> channelDecorator = UnaryOperator.identity();
        private final Map<String, Object> given = new HashMap<>();

        private Builder() {}

        /**
         * Sets the ledger file (required). It is created with its directories if missing.
         *
         * @param file the file
         * @return this builder
         */
        public Builder path(Path file) {
            ConfigurationException.requireFirstSet(given, "JsonLinesLedger.path", file);
            path = Objects.requireNonNull(file, "path");
            return this;
        }

        /**
         * Sets when {@link JsonLinesLedger#accept} returns: once the record is queued ({@link Durability#ASYNC}, the
         * default) or once it is on disk ({@link Durability#SYNC}).
         *
         * @param mode the durability
         * @return this builder
         */
        public Builder durability(Durability mode) {
            ConfigurationException.requireFirstSet(given, "JsonLinesLedger.durability", mode);
            durability = Objects.requireNonNull(mode, "durability");
            return this;
        }

        /**
         * Syncs to disk after at most this many records.
         *
         * @param records at least 1; 1 syncs after every batch
         * @return this builder
         */
        public Builder fsyncEvery(int records) {
            ConfigurationException.requireFirstSet(given, "JsonLinesLedger.fsyncEvery", records);
            if (records < 1) {
                throw new IllegalArgumentException("fsyncEvery must be at least 1, got " + records);
            }
            fsyncEvery = records;
            return this;
        }

        /**
         * Syncs to disk at least this often while records are unsynced.
         *
         * @param interval positive
         * @return this builder
         */
        public Builder fsyncInterval(Duration interval) {
            ConfigurationException.requireFirstSet(given, "JsonLinesLedger.fsyncInterval", interval);
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("fsyncInterval must be positive, got " + interval);
            }
            fsyncInterval = interval;
            return this;
        }

        /**
         * Sets the nanosecond ticker that measures {@code fsyncInterval}, {@code maxLag} and
         * {@link JsonLinesLedger#throttledTime()}; waits bounded by {@code maxBlock} are measured by the waiting
         * thread itself.
         *
         * @param nanos the ticker; default {@link System#nanoTime()}
         * @return this builder
         */
        public Builder ticker(LongSupplier nanos) {
            ConfigurationException.requireFirstSet(given, "JsonLinesLedger.ticker", nanos);
            ticker = Objects.requireNonNull(nanos, "ticker");
            return this;
        }

        /**
         * Sets the most records accepted but not yet written (queued, or being written). Together with
         * {@link #maxLag(Duration)} it bounds what a {@code kill -9} can lose in {@link Durability#ASYNC} mode, and
         * the memory the backlog takes.
         *
         * @param records at least 1
         * @return this builder
         */
        public Builder capacity(int records) {
            ConfigurationException.requireFirstSet(given, "JsonLinesLedger.capacity", records);
            if (records < 1) {
                throw new IllegalArgumentException("capacity must be at least 1, got " + records);
            }
            capacity = records;
            return this;
        }

        /**
         * Sets how far behind the writer may fall: a record is accepted only while the oldest record not yet
         * written was accepted at most {@code lag} ago; otherwise the caller waits (up to {@code maxBlock}) for the
         * writer to catch up. This is the time bound on what a {@code kill -9} loses in {@link Durability#ASYNC}
         * mode. Default 100 ms, or {@code fsyncInterval} if that is shorter: far above a healthy disk's write and
         * sync latency, so callers wait only when the disk stalls.
         *
         * @param lag positive
         * @return this builder
         */
        public Builder maxLag(Duration lag) {
            ConfigurationException.requireFirstSet(given, "JsonLinesLedger.maxLag", lag);
            if (lag.isNegative() || lag.isZero()) {
                throw new IllegalArgumentException("maxLag must be positive, got " + lag);
            }
            maxLag = lag;
            return this;
        }

        /**
         * Sets the longest {@link JsonLinesLedger#accept} waits in all: for the writer to catch up and, with
         * {@link Durability#SYNC}, for the record's sync. A record that cannot be queued in that time is counted as
         * lost; a {@code SYNC} record queued but not yet synced is counted as unconfirmed.
         *
         * @param timeout positive
         * @return this builder
         */
        public Builder maxBlock(Duration timeout) {
            ConfigurationException.requireFirstSet(given, "JsonLinesLedger.maxBlock", timeout);
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("maxBlock must be positive, got " + timeout);
            }
            maxBlock = timeout;
            return this;
        }

        /** Wraps the file channel the writer uses (not the one the file is locked and repaired with); for tests. */
        Builder channelDecorator(UnaryOperator<FileChannel> decorator) {
            channelDecorator = Objects.requireNonNull(decorator, "channelDecorator");
            return this;
        }

        private Duration maxLagOrDefault() {
            if (maxLag != null) {
                return maxLag;
            }
            return fsyncInterval.compareTo(DEFAULT_MAX_LAG) < 0 ? fsyncInterval : DEFAULT_MAX_LAG;
        }

        /**
         * Opens the ledger (repairing a torn last line) and starts its writer thread.
         *
         * @return the ledger
         * @throws ConfigurationException if no path was set, or the file cannot be opened or is in use
         */
        public JsonLinesLedger build() {
            if (path == null) {
                throw new ConfigurationException("JsonLinesLedger needs a path: call builder().path(...)");
            }
            return new JsonLinesLedger(this);
        }
    }
}
