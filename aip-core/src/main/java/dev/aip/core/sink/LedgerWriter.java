package dev.aip.core.sink;

import dev.aip.core.LedgerWriteException;
import dev.aip.core.metering.UsageRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The background writer of a {@link JsonLinesLedger}: takes batches from the bounded backlog that {@link QueueWorker}
 * keeps, appends them to the file, and syncs after {@code fsyncEvery} records, after {@code fsyncInterval}, and on
 * flush. A failed write is cut back to the last complete line and retried; a batch that keeps failing is counted as
 * lost. All state below the counters is confined to the writer thread.
 */
final class LedgerWriter extends QueueWorker {

    private static final Logger LOG = LoggerFactory.getLogger(JsonLinesLedger.class);
    private static final int WRITE_ATTEMPTS = 5;

    private final Path path;
    private final FileChannel channel;
    private final FileLock lock;
    private final int fsyncEvery;
    private final long fsyncIntervalNanos;
    private final LongSupplier ticker;
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong syncFailures = new AtomicLong();
    private final AtomicLong syncs = new AtomicLong();

    // Writer-thread state.
    private final Bytes buffer = new Bytes();
    private long end;
    private int unsynced;
    private long lastSync;
    private boolean syncFailedSinceFlush;
    private IOException lastFailure;

    /**
     * Creates the writer for a file opened by {@link LedgerFile}; call {@link #start()} to start its thread.
     *
     * @param channel the channel to write with (possibly decorated, for tests)
     * @param end the file's size after repair: where the next record goes
     */
    LedgerWriter(Path path, FileChannel channel, FileLock lock, long end, int fsyncEvery, Duration fsyncInterval,
            LongSupplier ticker, int capacity, long maxLagNanos) {
        super("aip-ledger-writer", "Usage ledger " + path, capacity, true, maxLagNanos, ticker, fsyncInterval, LOG);
        this.path = path;
        this.channel = channel;
        this.lock = lock;
        this.end = end;
        this.fsyncEvery = fsyncEvery;
        this.fsyncIntervalNanos = fsyncInterval.toNanos();
        this.ticker = ticker;
        this.lastSync = ticker.getAsLong();
    }

    /** Records written to the file (not necessarily synced yet). */
    long written() {
        return written.get();
    }

    /** Failed syncs so far. */
    long syncFailures() {
        return syncFailures.get();
    }

    /** Successful syncs so far. */
    long syncs() {
        return syncs.get();
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
                LedgerFile.writeFully(channel, buffer.view(), end);
                end += buffer.size();
                written.addAndGet(encoded);
                unsynced += encoded;
                return;
            } catch (IOException e) {
                lastFailure = e;
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
    }

    @Override
    void afterProcess() {
        // Synced here rather than in process() so that a slow sync does not count as backlog: the records are
        // already in the file, where a kill -9 cannot take them.
        if (unsynced >= fsyncEvery || (unsynced > 0 && syncIntervalPassed())) {
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
    boolean onFlush() {
        boolean durable = (unsynced == 0 || sync()) && !syncFailedSinceFlush;
        syncFailedSinceFlush = false;
        return durable;
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

    @Override
    RuntimeException unacknowledged(String why) {
        return new LedgerWriteException("Usage ledger " + path + ": " + why + ". Check the disk and the log;"
                + " appending the record again is safe (readers count each recordId once).", lastFailure);
    }

    private boolean syncIntervalPassed() {
        return ticker.getAsLong() - lastSync >= fsyncIntervalNanos;
    }

    /**
     * Syncs written records to disk. A failed sync is remembered until the next flush: after one, the kernel
     * may have dropped the pages it could not write, and a later successful sync does not bring them back.
     */
    private boolean sync() {
        boolean ok;
        try {
            channel.force(false);
            unsynced = 0;
            syncs.incrementAndGet();
            ok = true;
        } catch (IOException e) {
            lastFailure = e;
            syncFailedSinceFlush = true;
            long n = syncFailures.incrementAndGet();
            LOG.error("Syncing usage ledger {} to disk failed ({} failures); the last {} records may not be"
                    + " durable.", path, n, unsynced, e);
            ok = false;
        }
        lastSync = ticker.getAsLong();
        return ok;
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
}
