package dev.aip.core.sink;

import dev.aip.core.metering.UsageRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;

/**
 * A bounded queue drained by one worker thread: the hand-off shared by {@link AsyncUsageSink} and
 * {@link JsonLinesLedger}.
 *
 * <p>Invariants:
 * <ul>
 *   <li>Records are processed in the order they were enqueued, each once, by the worker thread only.</li>
 *   <li>Flush and close travel through the queue as markers, so "everything enqueued before" is exactly what
 *       precedes the marker (FIFO), and the worker handles them between batches.</li>
 *   <li>No record is enqueued after the close marker: offers hold the read lock of {@code closing}, close takes
 *       the write lock to set {@code closed}, so an offer either finishes before close enqueues its marker or sees
 *       {@code closed} and counts the record as lost.</li>
 *   <li>Every record not enqueued is counted in {@code lost} and logged (first and every 1000th).</li>
 * </ul>
 */
abstract class QueueWorker {

    private static final Object CLOSE = new Object();
    private static final int MAX_BATCH = 1024;
    private static final AtomicInteger THREAD_IDS = new AtomicInteger();

    private final BlockingQueue<Object> queue;
    private final Thread thread;
    private final Logger log;
    private final String description;
    private final long idleWakeNanos;
    private final ReentrantReadWriteLock closing = new ReentrantReadWriteLock();
    private final AtomicLong lost = new AtomicLong();
    private volatile boolean closed;

    /**
     * @param idleWake how often the worker wakes with nothing to do to call {@link #onIdle()}, or {@code null}
     */
    QueueWorker(String threadName, String description, int capacity, Duration idleWake, Logger log) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
        }
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.log = log;
        this.description = description;
        this.idleWakeNanos = idleWake == null ? 0 : idleWake.toNanos();
        this.thread = new Thread(this::runLoop, threadName + "-" + THREAD_IDS.incrementAndGet());
        this.thread.setDaemon(true);
    }

    /** Starts the worker; called by the subclass once it is fully constructed. */
    final void start() {
        thread.start();
    }

    /** Processes records in order; runs on the worker thread only. Must not throw for a single bad record. */
    abstract void process(List<UsageRecord> records);

    /** Makes everything processed so far durable; runs on the worker thread. */
    void onFlush() {}

    /** Called when idle for {@code idleWake}; runs on the worker thread. */
    void onIdle() {}

    /** Releases resources after the final flush; runs on the worker thread. */
    void onClose() {}

    /**
     * Enqueues a record.
     *
     * @param maxBlockNanos 0 to never wait, negative to wait as long as needed, otherwise the longest wait
     * @return whether the record was enqueued; if not, it was counted and logged as lost
     */
    final boolean offer(UsageRecord record, long maxBlockNanos) {
        ReentrantReadWriteLock.ReadLock lock = closing.readLock();
        lock.lock();
        try {
            if (closed) {
                lose(record, "it arrived after close()");
                return false;
            }
            boolean enqueued;
            if (maxBlockNanos == 0) {
                enqueued = queue.offer(record);
            } else if (maxBlockNanos < 0) {
                queue.put(record);
                enqueued = true;
            } else {
                enqueued = queue.offer(record, maxBlockNanos, TimeUnit.NANOSECONDS);
            }
            if (!enqueued) {
                lose(record, "the queue of " + (queue.size() + queue.remainingCapacity()) + " was full"
                        + (maxBlockNanos > 0 ? " for " + Duration.ofNanos(maxBlockNanos) : ""));
            }
            return enqueued;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            lose(record, "the caller was interrupted while waiting for queue space");
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** Counts and logs a record that will not be processed. */
    final void lose(UsageRecord record, String why) {
        long n = lost.incrementAndGet();
        if (LogEvery.shouldLog(n)) {
            log.error("{} lost usage record {} of tenant {} because {} ({} lost so far).", description,
                    record.recordId(), record.tenant(), why, n);
        }
    }

    /** Counts and logs records the subclass could not process. */
    final void lose(List<UsageRecord> records, String why) {
        long n = lost.addAndGet(records.size());
        log.error("{} lost {} usage records (first {}) because {} ({} lost so far).", description, records.size(),
                records.get(0).recordId(), why, n);
    }

    final long lost() {
        return lost.get();
    }

    final boolean closed() {
        return closed;
    }

    /** Waits until everything enqueued before this call is processed and {@link #onFlush()} ran. */
    final boolean flush(Duration timeout) {
        return await(new CompletableFuture<>(), timeout);
    }

    /** Waits until everything enqueued before this call is processed, without {@link #onFlush()}; for tests. */
    final boolean barrier(Duration timeout) {
        return await(new Barrier(), timeout);
    }

    private boolean await(CompletableFuture<Void> done, Duration timeout) {
        if (Thread.currentThread() == thread) {
            return true; // a delegate flushing its own wrapper: the worker cannot wait for itself
        }
        if (closed) {
            return !thread.isAlive(); // close() drains and flushes; done once the worker has ended
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            if (!queue.offer(done, timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                return false;
            }
            while (true) {
                long left = deadline - System.nanoTime();
                try {
                    done.get(Math.max(0, Math.min(left, TimeUnit.SECONDS.toNanos(1))), TimeUnit.NANOSECONDS);
                    return true;
                } catch (TimeoutException e) {
                    if (left <= 0 || !thread.isAlive()) {
                        return false;
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            return false;
        }
    }

    /** Stops accepting, drains and processes everything enqueued, flushes, closes, and waits for the worker. */
    final void shutdown() {
        ReentrantReadWriteLock.WriteLock lock = closing.writeLock();
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
        } finally {
            lock.unlock();
        }
        boolean interrupted = false;
        while (true) {
            try {
                queue.put(CLOSE);
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void runLoop() {
        List<Object> batch = new ArrayList<>(MAX_BATCH);
        List<UsageRecord> records = new ArrayList<>(MAX_BATCH);
        while (true) {
            Object first;
            try {
                first = idleWakeNanos > 0 ? queue.poll(idleWakeNanos, TimeUnit.NANOSECONDS) : queue.take();
            } catch (InterruptedException e) {
                // Only close() ends the worker; an interrupt from elsewhere must not lose queued records.
                continue;
            }
            if (first == null) {
                guarded(this::onIdle, "idle work");
                continue;
            }
            batch.add(first);
            queue.drainTo(batch, MAX_BATCH - 1);
            for (Object item : batch) {
                if (item instanceof UsageRecord record) {
                    records.add(record);
                    continue;
                }
                processGuarded(records);
                if (item == CLOSE) {
                    guarded(this::onFlush, "final flush");
                    guarded(this::onClose, "close");
                    return;
                }
                @SuppressWarnings("unchecked")
                CompletableFuture<Void> marker = (CompletableFuture<Void>) item;
                if (!(marker instanceof Barrier)) {
                    guarded(this::onFlush, "flush");
                }
                marker.complete(null);
            }
            processGuarded(records);
            batch.clear();
        }
    }

    /** A flush marker that only waits for the records before it. */
    private static final class Barrier extends CompletableFuture<Void> {}

    private void processGuarded(List<UsageRecord> records) {
        if (records.isEmpty()) {
            return;
        }
        try {
            process(records);
        } catch (RuntimeException e) {
            lose(records, "processing failed: " + e);
        }
        records.clear();
    }

    private void guarded(Runnable step, String what) {
        try {
            step.run();
        } catch (RuntimeException e) {
            log.error("{} failed during {}.", description, what, e);
        }
    }
}
