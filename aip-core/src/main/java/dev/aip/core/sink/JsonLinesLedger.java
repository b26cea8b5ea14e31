package dev.aip.core.sink;

import dev.aip.core.ConfigurationException;
import dev.aip.core.metering.UsageRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
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
 * <p><b>Writing.</b> {@link #accept} only enqueues: one background thread serialises, writes and syncs, so callers
 * never do I/O. The queue holds {@link Builder#capacity(int)} records; when it is full (the disk has stalled) the
 * caller waits up to {@link Builder#maxBlock(Duration)}, and then the record is counted in {@link #lostRecords()}
 * and logged at ERROR — never silently. A record accepted is written exactly once: a failed write is cut back to
 * the last complete line before it is retried (up to 5 times, then the batch is counted as lost).
 *
 * <p><b>Durability and loss window.</b> The writer syncs ({@code fdatasync}) after every
 * {@link Builder#fsyncEvery(int)} records, when {@link Builder#fsyncInterval(Duration)} has passed since the last
 * sync, on {@link #flush()} and on {@link #close()}. If the process is killed ({@code kill -9}), records accepted
 * but still in the queue are lost: in normal operation a few milliseconds' worth. If the machine loses power or
 * the kernel crashes, records written but not yet synced are lost too: at most {@code fsyncEvery} records or
 * {@code fsyncInterval} of records, whichever is reached first. {@link #flush()} closes the window on demand.
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
    private static final int WRITE_ATTEMPTS = 5;

    private final Path path;
    private final FileChannel channel;
    private final FileLock lock;
    private final int fsyncEvery;
    private final Duration fsyncInterval;
    private final InstantSource clock;
    private final long maxBlockNanos;
    private final long truncatedBytes;
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong syncFailures = new AtomicLong();
    private final AtomicLong syncs = new AtomicLong();
    private final Writer writer;

    // Writer-thread state.
    private final Bytes buffer = new Bytes();
    private long end;
    private int unsynced;
    private Instant lastSync;

    private JsonLinesLedger(Builder b) {
        this.path = b.path;
        this.fsyncEvery = b.fsyncEvery;
        this.fsyncInterval = b.fsyncInterval;
        this.clock = b.clock;
        this.maxBlockNanos = b.maxBlock.toNanos();
        FileChannel opened = null;
        FileLock locked = null;
        try {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            opened = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            locked = tryLock(opened, path);
            this.truncatedBytes = repairTail(opened, path);
            this.end = opened.size();
        } catch (IOException e) {
            closeQuietly(opened);
            throw new ConfigurationException("Cannot open usage ledger " + path + ": " + e
                    + ". Check that the directory exists and is writable.", e);
        } catch (RuntimeException e) {
            closeQuietly(opened);
            throw e;
        }
        this.channel = opened;
        this.lock = locked;
        this.lastSync = clock.instant();
        this.writer = new Writer(b.capacity);
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

    /** Enqueues the record for writing; waits only if the queue is full (see the class documentation). */
    @Override
    public void accept(UsageRecord record) {
        writer.offer(Objects.requireNonNull(record, "record"), maxBlockNanos);
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
     * @return {@code true} if everything accepted before the call is on disk
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
     * Reads a ledger file: every record once (the first occurrence of each {@code recordId}), in file order,
     * skipping an invalid last line. Reading a file that is being written is safe. Close the stream.
     *
     * @param path the ledger file
     * @return the records, read lazily
     * @throws ConfigurationException if the file cannot be opened; while streaming, if a line other than the last
     *     is not a valid record (the message names the line)
     */
    public static Stream<UsageRecord> read(Path path) {
        return read(path, r -> true);
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
        return read(path, r -> !r.startedAt().isBefore(from) && r.startedAt().isBefore(to));
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
        return written.get();
    }

    /**
     * Returns the number of records accepted by this instance that will never be written: the queue stayed full
     * for longer than {@code maxBlock}, the sink was closed, the caller was interrupted, or writing kept failing.
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
        return syncFailures.get();
    }

    /** Successful syncs so far; for tests. */
    long syncs() {
        return syncs.get();
    }

    /** Waits until the writer has processed everything accepted so far, without forcing a sync; for tests. */
    boolean awaitWritten(Duration timeout) {
        return writer.barrier(timeout);
    }

    private static Stream<UsageRecord> read(Path path, Predicate<UsageRecord> filter) {
        InputStream in;
        try {
            in = Files.newInputStream(path);
        } catch (IOException e) {
            throw new ConfigurationException("Cannot read usage ledger " + path + ": " + e, e);
        }
        LineReader lines = new LineReader(path, in, filter);
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(lines,
                Spliterator.ORDERED | Spliterator.NONNULL), false).onClose(lines::close);
    }

    private static FileLock tryLock(FileChannel channel, Path path) throws IOException {
        FileLock locked;
        try {
            locked = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            locked = null;
        }
        if (locked == null) {
            throw new ConfigurationException("Usage ledger " + path + " is already open for writing (by this or"
                    + " another process). Use one JsonLinesLedger per file and share it.");
        }
        return locked;
    }

    /** Checks the last line; cuts it if invalid, completes its newline if valid. Returns bytes cut. */
    private static long repairTail(FileChannel channel, Path path) throws IOException {
        long size = channel.size();
        if (size == 0) {
            return 0;
        }
        boolean newlineAtEnd = byteAt(channel, size - 1) == '\n';
        long lineEnd = newlineAtEnd ? size - 1 : size;
        long lineStart = lineEnd;
        while (lineStart > 0 && byteAt(channel, lineStart - 1) != '\n') {
            lineStart--;
        }
        byte[] line = new byte[Math.toIntExact(lineEnd - lineStart)];
        readFully(channel, ByteBuffer.wrap(line), lineStart);
        if (isBlank(line, line.length)) {
            return 0;
        }
        try {
            LedgerCodec.read(line, line.length);
            if (!newlineAtEnd) {
                writeFully(channel, ByteBuffer.wrap(new byte[] {'\n'}), size);
                channel.force(false);
            }
            return 0;
        } catch (IllegalArgumentException invalid) {
            channel.truncate(lineStart);
            channel.force(false);
            LOG.warn("Usage ledger {} ended with a torn line ({} bytes, {}); it was cut away. The record it held, if"
                    + " any, had not been synced and is lost.", path, size - lineStart, invalid.getMessage());
            return size - lineStart;
        }
    }

    private static byte byteAt(FileChannel channel, long position) throws IOException {
        ByteBuffer one = ByteBuffer.allocate(1);
        readFully(channel, one, position);
        return one.get(0);
    }

    private static void readFully(FileChannel channel, ByteBuffer target, long position) throws IOException {
        long at = position;
        while (target.hasRemaining()) {
            int n = channel.read(target, at);
            if (n < 0) {
                throw new IOException("unexpected end of file at " + at);
            }
            at += n;
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer source, long position) throws IOException {
        long at = position;
        while (source.hasRemaining()) {
            at += channel.write(source, at);
        }
    }

    private static boolean isBlank(byte[] bytes, int length) {
        for (int i = 0; i < length; i++) {
            if (!Character.isWhitespace(bytes[i])) {
                return false;
            }
        }
        return true;
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // Already failing; the original exception is the one to report.
            }
        }
    }

    private final class Writer extends QueueWorker {
        Writer(int capacity) {
            super("aip-ledger-writer", "Usage ledger " + path, capacity, fsyncInterval, LOG);
        }

        @Override
        void process(List<UsageRecord> records) {
            buffer.reset();
            int encoded = 0;
            for (UsageRecord record : records) {
                int mark = buffer.size();
                try {
                    LedgerCodec.write(record, buffer);
                    encoded++;
                } catch (IOException | RuntimeException e) {
                    buffer.truncate(mark);
                    lose(record, "it could not be encoded: " + e);
                }
            }
            if (encoded == 0) {
                return;
            }
            for (int attempt = 1; ; attempt++) {
                try {
                    writeFully(channel, buffer.view(), end);
                    end += buffer.size();
                    written.addAndGet(encoded);
                    unsynced += encoded;
                    break;
                } catch (IOException e) {
                    cutBackTo(end);
                    if (attempt == WRITE_ATTEMPTS) {
                        lose(records, "writing to the file failed " + WRITE_ATTEMPTS + " times: " + e);
                        return;
                    }
                    LOG.error("Writing {} records to usage ledger {} failed (attempt {} of {}); retrying.",
                            encoded, path, attempt, WRITE_ATTEMPTS, e);
                    pause(attempt);
                }
            }
            if (unsynced >= fsyncEvery || syncIntervalPassed()) {
                sync();
            }
        }

        @Override
        void onIdle() {
            if (unsynced > 0 && syncIntervalPassed()) {
                sync();
            }
        }

        @Override
        void onFlush() {
            if (unsynced > 0) {
                sync();
            }
        }

        @Override
        void onClose() {
            try {
                lock.release();
                channel.close();
            } catch (IOException e) {
                LOG.error("Closing usage ledger {} failed.", path, e);
            }
        }

        private boolean syncIntervalPassed() {
            return !clock.instant().isBefore(lastSync.plus(fsyncInterval));
        }

        private void sync() {
            try {
                channel.force(false);
                unsynced = 0;
                syncs.incrementAndGet();
            } catch (IOException e) {
                long n = syncFailures.incrementAndGet();
                LOG.error("Syncing usage ledger {} to disk failed ({} failures); the last {} records may not be"
                        + " durable.", path, n, unsynced, e);
            }
            lastSync = clock.instant();
        }

        private void cutBackTo(long size) {
            try {
                channel.truncate(size);
            } catch (IOException e) {
                LOG.error("Could not cut usage ledger {} back to {} bytes after a failed write.", path, size, e);
            }
        }

        private void pause(int attempt) {
            try {
                TimeUnit.MILLISECONDS.sleep(50L << attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A byte buffer whose content can be written without copying and cut back to a mark. */
    private static final class Bytes extends ByteArrayOutputStream {
        Bytes() {
            super(1 << 16);
        }

        ByteBuffer view() {
            return ByteBuffer.wrap(buf, 0, count);
        }

        void truncate(int size) {
            count = size;
        }
    }

    /**
     * Reads records line by line. An invalid line is an error unless no non-blank line follows it (a torn tail).
     */
    private static final class LineReader implements Iterator<UsageRecord> {
        private final Path path;
        private final InputStream in;
        private final Predicate<UsageRecord> filter;
        private final Set<String> seen = new HashSet<>();
        private final byte[] chunk = new byte[1 << 16];
        private int chunkPos;
        private int chunkEnd;
        private byte[] line = new byte[1024];
        private int length;
        private long lineNumber;
        private UsageRecord next;
        private boolean done;

        LineReader(Path path, InputStream in, Predicate<UsageRecord> filter) {
            this.path = path;
            this.in = in;
            this.filter = filter;
        }

        @Override
        public boolean hasNext() {
            if (next == null && !done) {
                advance();
            }
            return next != null;
        }

        @Override
        public UsageRecord next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            UsageRecord record = next;
            next = null;
            return record;
        }

        void close() {
            try {
                in.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private void advance() {
            while (readLine()) {
                lineNumber++;
                if (isBlank(line, length)) {
                    continue;
                }
                UsageRecord record;
                try {
                    record = LedgerCodec.read(line, length);
                } catch (IllegalArgumentException invalid) {
                    long bad = lineNumber;
                    if (restIsBlank()) {
                        LOG.warn("Usage ledger {} ends with a torn line {} ({}); skipped.", path, bad,
                                invalid.getMessage());
                        break;
                    }
                    throw new ConfigurationException("Usage ledger " + path + " line " + bad + " is not a valid"
                            + " record: " + invalid.getMessage() + ". Repair or remove that line; only a torn last"
                            + " line is skipped automatically.");
                }
                if (seen.add(record.recordId()) && filter.test(record)) {
                    next = record;
                    return;
                }
            }
            done = true;
        }

        /** Reads the next line (without its newline) into {@code line}; false at the end of the input. */
        private boolean readLine() {
            length = 0;
            try {
                while (true) {
                    if (chunkPos == chunkEnd) {
                        chunkEnd = in.read(chunk);
                        chunkPos = 0;
                        if (chunkEnd <= 0) {
                            chunkEnd = 0;
                            return length > 0;
                        }
                    }
                    int newline = chunkPos;
                    while (newline < chunkEnd && chunk[newline] != '\n') {
                        newline++;
                    }
                    append(chunkPos, newline - chunkPos);
                    chunkPos = newline;
                    if (newline < chunkEnd) {
                        chunkPos++;
                        return true;
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Reading usage ledger " + path + " failed", e);
            }
        }

        private void append(int from, int count) {
            if (length + count > line.length) {
                line = Arrays.copyOf(line, Math.max(line.length * 2, length + count));
            }
            System.arraycopy(chunk, from, line, length, count);
            length += count;
        }

        private boolean restIsBlank() {
            while (readLine()) {
                if (!isBlank(line, length)) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * Configures a {@link JsonLinesLedger}. Defaults: fsync every 256 records or every second; a queue of 65,536
     * records; callers wait at most 1 second for queue space; the system clock.
     *
     * <p>Not thread-safe; confine to one thread.
     */
    public static final class Builder {
        private Path path;
        private int fsyncEvery = 256;
        private Duration fsyncInterval = Duration.ofSeconds(1);
        private InstantSource clock = InstantSource.system();
        private int capacity = 65_536;
        private Duration maxBlock = Duration.ofSeconds(1);

        private Builder() {}

        /**
         * Sets the ledger file (required). It is created with its directories if missing.
         *
         * @param file the file
         * @return this builder
         */
        public Builder path(Path file) {
            path = Objects.requireNonNull(file, "path");
            return this;
        }

        /**
         * Syncs to disk after at most this many records.
         *
         * @param records at least 1; 1 syncs after every batch
         * @return this builder
         */
        public Builder fsyncEvery(int records) {
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
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("fsyncInterval must be positive, got " + interval);
            }
            fsyncInterval = interval;
            return this;
        }

        /**
         * Sets the clock that decides when {@code fsyncInterval} has passed.
         *
         * @param source the clock
         * @return this builder
         */
        public Builder clock(InstantSource source) {
            clock = Objects.requireNonNull(source, "clock");
            return this;
        }

        /**
         * Sets the queue capacity between callers and the writer thread.
         *
         * @param records at least 1
         * @return this builder
         */
        public Builder capacity(int records) {
            if (records < 1) {
                throw new IllegalArgumentException("capacity must be at least 1, got " + records);
            }
            capacity = records;
            return this;
        }

        /**
         * Sets the longest a caller waits for queue space before its record is counted as lost.
         *
         * @param timeout positive
         * @return this builder
         */
        public Builder maxBlock(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("maxBlock must be positive, got " + timeout);
            }
            maxBlock = timeout;
            return this;
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
