package dev.aip.core.sink;

import dev.aip.core.metering.UsageRecord;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * A bounded queue drained by one worker thread: the hand-off shared by {@link AsyncUsageSink} and
 * {@link JsonLinesLedger}.
 *
 * <p>Invariants (every field marked "guarded" is read and written under {@code lock} only):
 * <ul>
 *   <li>Records are processed in the order they were enqueued, each once, by the worker thread only.</li>
 *   <li><b>Backlog bounds.</b> An item is admitted only if it fits: fewer than {@code capacity} items are queued
 *       (plus, with {@code boundInFlight}, the items the worker has taken and not yet processed) and, with a
 *       {@code maxLag}, the oldest item not yet processed was enqueued at most {@code maxLag} before now. The
 *       ticker is read, the bounds checked and the item inserted under one lock, so enqueue times never decrease
 *       along the queue and the bounds hold exactly for any number of producers: there is no check-then-act
 *       window. Every item not yet processed was therefore admitted within {@code maxLag} of the oldest of them.
 *       </li>
 *   <li>Producers that do not fit wait in line ({@code waiters}, one condition each) and are admitted in arrival
 *       order: while anyone waits, a newcomer queues behind rather than taking the room the worker just made, so no
 *       producer is starved past its {@code maxBlock} while the worker keeps up. The worker signals the head each
 *       time it finishes part of a batch, which is the only event that can make room (time passing only makes the
 *       backlog older); a head that is admitted, or leaves, signals the next. Flush markers wait on {@code room}.
 *       </li>
 *   <li>Flush markers travel through the queue, so "everything enqueued before" is exactly what precedes the
 *       marker (FIFO); they are handled between records.</li>
 *   <li>No item is enqueued after {@code closed} is set (both under the lock); the worker ends when it is set and
 *       the queue is empty, after a final flush.</li>
 *   <li><b>Acknowledgements.</b> Records enqueued with an acknowledgement join the open {@link Group}; the worker
 *       closes the open group each time it takes a batch, so a group's records are exactly those admitted between
 *       two takes, and its last sequence number is final once it is closed. A closed group completes after all
 *       records up to its last one are processed and {@link #onFlush()} made them durable, or exceptionally if
 *       that flush failed or a record processed in the same {@code process} call as one of its records was
 *       lost. One flush thus acknowledges every producer whose record was in the batch (group commit).</li>
 *   <li>Every record not enqueued is counted in {@code lost} and logged (first and every 1000th).</li>
 * </ul>
 */
abstract class QueueWorker {

    /** No age bound. */
    static final long UNBOUNDED = Long.MAX_VALUE;

    private static final int MAX_BATCH = 1024;
    private static final AtomicInteger THREAD_IDS = new AtomicInteger();
    private static final Object ADMITTED = new Object();

    private final Thread thread;
    private final Logger log;
    private final String description;
    private final long idleWakeNanos;
    private final int capacity;
    private final boolean boundInFlight;
    private final long maxLagNanos;
    private final LongSupplier ticker;
    private final int maxBatch;
    private final AtomicLong lost = new AtomicLong();
    private final AtomicLong throttled = new AtomicLong();
    private final AtomicLong throttledNanos = new AtomicLong();

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final Condition room = lock.newCondition();
    private final Object[] items;          // guarded: a ring of `queued` items starting at `head`
    private final long[] enqueuedAt;       // guarded: ticker readings of the items (0 without a maxLag)
    private int head;                      // guarded
    private int queued;                    // guarded
    private int inFlight;                  // guarded: taken by the worker, not yet processed
    private long inFlightSince;            // guarded: enqueue time of the oldest in-flight item
    private long lastEnqueuedAt;           // guarded: enqueue time of the newest item
    private final ArrayDeque<Condition> waiters = new ArrayDeque<>(); // guarded: producers waiting, in arrival order
    private int markersWaiting;            // guarded: flushes waiting for room
    private long admittedRecords;          // guarded: sequence number of the last record admitted
    private Group openGroup;               // guarded
    private volatile boolean closed;       // written under the lock

    // Worker-thread state.
    private final Object[] batch = new Object[MAX_BATCH];
    private final long[] batchEnqueuedAt = new long[MAX_BATCH];
    private final ArrayDeque<Group> closedGroups = new ArrayDeque<>();
    private long processedRecords;
    private boolean processLostRecords;

    /**
     * @param capacity the most items queued at once
     * @param boundInFlight whether items taken by the worker but not processed yet count against the capacity
     * @param maxLagNanos the oldest an unprocessed item may be for another to be admitted, or {@link #UNBOUNDED}
     * @param ticker nanosecond ticker for {@code maxLag} and the time producers wait
     * @param idleWake how often the worker wakes with nothing to do to call {@link #onIdle()}, or {@code null}
     */
    QueueWorker(String threadName, String description, int capacity, boolean boundInFlight, long maxLagNanos,
            LongSupplier ticker, Duration idleWake, Logger log) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
        }
        this.capacity = capacity;
        this.boundInFlight = boundInFlight;
        // When the batch counts against the capacity, taking at most half of it lets producers go on queueing
        // while the worker processes.
        this.maxBatch = boundInFlight ? Math.max(1, Math.min(MAX_BATCH, capacity / 2)) : MAX_BATCH;
        this.maxLagNanos = maxLagNanos;
        this.ticker = ticker;
        this.items = new Object[capacity];
        this.enqueuedAt = new long[capacity];
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

    /**
     * Processes records in order; runs on the worker thread only. Must not throw for a single bad record: a record
     * that cannot be processed is reported with {@link #lose}.
     */
    abstract void process(List<UsageRecord> records);

    /** Runs after each {@link #process} call once its records no longer count as backlog; worker thread. */
    void afterProcess() {}

    /**
     * Makes everything processed so far durable; runs on the worker thread.
     *
     * @return whether everything processed so far is durable
     */
    boolean onFlush() {
        return true;
    }

    /** Called when idle for {@code idleWake}; runs on the worker thread. */
    void onIdle() {}

    /** Releases resources after the final flush; runs on the worker thread. */
    void onClose() {}

    /** The failure an acknowledgement completes with when its record may not be durable. */
    RuntimeException unacknowledged(String why) {
        return new IllegalStateException(description + ": " + why);
    }

    /**
     * Enqueues a record.
     *
     * @param maxBlockNanos 0 to never wait, negative to wait as long as needed, otherwise the longest wait
     * @return whether the record was enqueued; if not, it was counted and logged as lost
     */
    final boolean offer(UsageRecord record, long maxBlockNanos) {
        return admit(record, maxBlockNanos, false) == ADMITTED;
    }

    /**
     * Enqueues a record, waiting for room as {@link #offer} does, and returns a future completed once it is
     * processed and flushed. Futures are shared by the records of one group: never complete them elsewhere.
     *
     * @return the acknowledgement, already failed if the record was not enqueued (it was then counted and logged)
     */
    final CompletableFuture<Void> offerAcknowledged(UsageRecord record, long maxBlockNanos) {
        Object admitted = admit(record, maxBlockNanos, true);
        if (admitted instanceof Group group) {
            return group;
        }
        return CompletableFuture.failedFuture(unacknowledged("the record was not enqueued: " + admitted));
    }

    /** Returns {@link #ADMITTED}, the record's group, or why it was refused. */
    private Object admit(UsageRecord record, long maxBlockNanos, boolean acknowledge) {
        Object result;
        long waitStart = 0;
        long waitEnd = 0;
        Condition waiter = null;
        lock.lock();
        try {
            long deadline = 0;
            while (true) {
                if (closed) {
                    result = waiter != null ? "the sink was closed while it waited for room"
                            : "it arrived after close()";
                    break;
                }
                long now = maxLagNanos == UNBOUNDED ? 0 : ticker.getAsLong();
                if (waiters.peekFirst() == waiter && fits(now)) { // null == null: nobody waits, no barging
                    insert(record, now);
                    waitEnd = now;
                    admittedRecords++;
                    if (acknowledge) {
                        if (openGroup == null) {
                            openGroup = new Group(admittedRecords);
                        }
                        openGroup.last = admittedRecords;
                        result = openGroup;
                    } else {
                        result = ADMITTED;
                    }
                    break;
                }
                if (maxBlockNanos == 0) {
                    result = backlogDescription();
                    break;
                }
                if (waiter == null) {
                    waiter = lock.newCondition();
                    waiters.addLast(waiter);
                    waitStart = maxLagNanos == UNBOUNDED ? ticker.getAsLong() : now;
                    throttled.incrementAndGet();
                    deadline = System.nanoTime() + maxBlockNanos;
                }
                if (maxBlockNanos > 0 && deadline - System.nanoTime() <= 0) {
                    result = "it waited " + Duration.ofNanos(maxBlockNanos) + " and still " + backlogDescription();
                    break;
                }
                if (maxBlockNanos < 0) {
                    waiter.await();
                } else {
                    waiter.awaitNanos(deadline - System.nanoTime());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            result = "the caller was interrupted while waiting for room";
        } finally {
            if (waiter != null) {
                // Leave the line; if this was its head, the next one may fit now (or must learn it is its turn).
                boolean head = waiters.peekFirst() == waiter;
                waiters.remove(waiter);
                if (head && !waiters.isEmpty()) {
                    waiters.peekFirst().signal();
                }
            }
            lock.unlock();
        }
        if (waiter != null) {
            // With a maxLag the wait is measured between the ticker readings of the checks, taken under the lock.
            boolean readAtAdmission = maxLagNanos != UNBOUNDED && !(result instanceof String);
            throttledNanos.addAndGet(Math.max(0, (readAtAdmission ? waitEnd : ticker.getAsLong()) - waitStart));
        }
        if (result instanceof String why) {
            lose(record, why);
        }
        return result;
    }

    /** Whether one more item may be admitted at {@code now}; under the lock. */
    private boolean fits(long now) {
        if (queued + (boundInFlight ? inFlight : 0) >= capacity) {
            return false;
        }
        if (maxLagNanos == UNBOUNDED) {
            return true;
        }
        if (inFlight > 0) {
            return now - inFlightSince <= maxLagNanos;
        }
        return queued == 0 || now - enqueuedAt[head] <= maxLagNanos;
    }

    private String backlogDescription() {
        int backlog = queued + (boundInFlight ? inFlight : 0);
        return backlog >= capacity
                ? "the queue of " + capacity + " was full"
                : "the oldest of the " + backlog + " records not yet processed was queued more than maxLag "
                        + Duration.ofNanos(maxLagNanos) + " ago";
    }

    /** Appends to the ring; under the lock, after {@link #fits} or for a marker with room. */
    private void insert(Object item, long now) {
        int tail = head + queued;
        if (tail >= items.length) {
            tail -= items.length;
        }
        items[tail] = item;
        enqueuedAt[tail] = now;
        lastEnqueuedAt = now;
        if (++queued == 1) {
            work.signal(); // the worker waits only while the queue is empty
        }
    }

    /** Counts and logs a record that will not be processed. */
    final void lose(UsageRecord record, String why) {
        if (Thread.currentThread() == thread) {
            processLostRecords = true;
        }
        long n = lost.incrementAndGet();
        if (LogEvery.shouldLog(n)) {
            log.error("{} lost usage record {} of tenant {} because {} ({} lost so far).", description,
                    record.recordId(), record.tenant(), why, n);
        }
    }

    /** Counts and logs records the subclass could not process. */
    final void lose(List<UsageRecord> records, String why) {
        if (Thread.currentThread() == thread) {
            processLostRecords = true;
        }
        long n = lost.addAndGet(records.size());
        log.error("{} lost {} usage records (first {}) because {} ({} lost so far).", description, records.size(),
                records.get(0).recordId(), why, n);
    }

    final long lost() {
        return lost.get();
    }

    /** Offers that had to wait for room. */
    final long throttled() {
        return throttled.get();
    }

    /** Total ticker nanoseconds offers spent waiting for room. */
    final long throttledNanos() {
        return throttledNanos.get();
    }

    /** Items queued or in flight now; for tests. */
    final int backlog() {
        lock.lock();
        try {
            return queued + inFlight;
        } finally {
            lock.unlock();
        }
    }

    /** Ticker nanoseconds between the oldest unprocessed item's admission and {@code now}; for tests. */
    final long backlogAge(long now) {
        lock.lock();
        try {
            if (inFlight > 0) {
                return now - inFlightSince;
            }
            return queued == 0 ? 0 : now - enqueuedAt[head];
        } finally {
            lock.unlock();
        }
    }

    /** Ticker nanoseconds between the admissions of the oldest and the newest unprocessed item; for tests. */
    final long backlogSpan() {
        lock.lock();
        try {
            if (inFlight > 0) {
                return lastEnqueuedAt - inFlightSince;
            }
            return queued == 0 ? 0 : lastEnqueuedAt - enqueuedAt[head];
        } finally {
            lock.unlock();
        }
    }

    /** Waits until everything enqueued before this call is processed and {@link #onFlush()} succeeded. */
    final boolean flush(Duration timeout) {
        return await(new CompletableFuture<>(), timeout);
    }

    /** Waits until everything enqueued before this call is processed, without {@link #onFlush()}; for tests. */
    final boolean barrier(Duration timeout) {
        return await(new Barrier(), timeout);
    }

    private boolean await(CompletableFuture<Boolean> done, Duration timeout) {
        if (Thread.currentThread() == thread) {
            return true; // a delegate flushing its own wrapper: the worker cannot wait for itself
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            // A marker needs room but not a young backlog: it carries no record and must not be refused for age.
            while (!closed && queued + (boundInFlight ? inFlight : 0) >= capacity) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                markersWaiting++;
                try {
                    room.awaitNanos(left);
                } finally {
                    markersWaiting--;
                }
            }
            if (closed) {
                return !thread.isAlive(); // close() drains and flushes; done once the worker has ended
            }
            insert(done, maxLagNanos == UNBOUNDED ? 0 : ticker.getAsLong());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                try {
                    return done.get(Math.max(0, Math.min(left, TimeUnit.SECONDS.toNanos(1))), TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    if (left <= 0 || !thread.isAlive()) {
                        return false;
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            return false;
        }
    }

    /** Stops accepting, processes everything enqueued, flushes, closes, and waits for the worker. */
    final void shutdown() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            work.signal();
            room.signalAll();
            waiters.forEach(Condition::signal);
        } finally {
            lock.unlock();
        }
        boolean interrupted = false;
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
        List<UsageRecord> records = new ArrayList<>(MAX_BATCH);
        while (true) {
            int n = take();
            if (n < 0) {
                break;
            }
            if (n == 0) {
                guarded(this::onIdle, "idle work");
                continue;
            }
            int done = 0;
            for (int i = 0; i < n; i++) {
                Object item = batch[i];
                batch[i] = null;
                if (item instanceof UsageRecord record) {
                    records.add(record);
                    continue;
                }
                done = processAndRelease(records, i, done);
                @SuppressWarnings("unchecked")
                CompletableFuture<Boolean> marker = (CompletableFuture<Boolean>) item;
                if (marker instanceof Barrier) {
                    marker.complete(true);
                } else {
                    boolean durable = flushGuarded("flush");
                    acknowledge(durable);
                    marker.complete(durable);
                }
                done = release(i + 1, done);
            }
            processAndRelease(records, n, done);
            acknowledge(null);
        }
        boolean durable = flushGuarded("final flush");
        acknowledge(durable);
        while (!closedGroups.isEmpty()) { // cannot happen: every record was processed; never leave a caller hanging
            closedGroups.poll().completeExceptionally(unacknowledged("the sink closed before it was processed"));
        }
        guarded(this::onClose, "close");
    }

    /**
     * Waits for work and takes a batch into {@link #batch}.
     *
     * @return the number of items taken, 0 after an idle wait, -1 once closed and drained
     */
    private int take() {
        lock.lock();
        try {
            boolean idle = false;
            while (queued == 0 && !closed && !idle) {
                try {
                    if (idleWakeNanos > 0) {
                        idle = work.awaitNanos(idleWakeNanos) <= 0 && queued == 0;
                    } else {
                        work.await();
                    }
                } catch (InterruptedException e) {
                    // Only close() ends the worker; an interrupt from elsewhere must not lose queued records.
                }
            }
            if (queued == 0) {
                return closed ? -1 : 0;
            }
            int n = Math.min(queued, maxBatch);
            for (int i = 0; i < n; i++) {
                batch[i] = items[head];
                batchEnqueuedAt[i] = enqueuedAt[head];
                items[head] = null;
                head = head + 1 == items.length ? 0 : head + 1;
            }
            queued -= n;
            inFlight = n;
            inFlightSince = batchEnqueuedAt[0];
            if (openGroup != null) {
                closedGroups.add(openGroup);
                openGroup = null;
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    /** Processes the records gathered so far, then releases the batch up to {@code upTo}; returns the new mark. */
    private int processAndRelease(List<UsageRecord> records, int upTo, int done) {
        if (records.isEmpty()) {
            return done;
        }
        long first = processedRecords + 1;
        processLostRecords = false;
        try {
            process(records);
        } catch (RuntimeException e) {
            lose(records, "processing failed: " + e);
        }
        processedRecords += records.size();
        if (processLostRecords) {
            for (Group g : closedGroups) {
                if (g.first <= processedRecords && g.last >= first) {
                    g.failed = true;
                }
            }
        }
        records.clear();
        int mark = release(upTo, done);
        guarded(this::afterProcess, "after writing");
        return mark;
    }

    /** Frees room for the batch items before {@code upTo}, and wakes waiting producers. */
    private int release(int upTo, int done) {
        lock.lock();
        try {
            inFlight -= upTo - done;
            if (inFlight > 0) {
                inFlightSince = batchEnqueuedAt[upTo];
            }
            if (!waiters.isEmpty()) {
                waiters.peekFirst().signal(); // the head admits itself and wakes the next, while there is room
            }
            if (markersWaiting > 0) {
                room.signalAll();
            }
        } finally {
            lock.unlock();
        }
        return upTo;
    }

    /**
     * Completes the groups whose records are all processed, with {@code durable} as the flush result, or after a
     * flush of their own when {@code durable} is {@code null}.
     */
    private void acknowledge(Boolean durable) {
        if (closedGroups.isEmpty() || closedGroups.peek().last > processedRecords) {
            return;
        }
        boolean ok = durable != null ? durable : flushGuarded("acknowledgement flush");
        while (!closedGroups.isEmpty() && closedGroups.peek().last <= processedRecords) {
            Group g = closedGroups.poll();
            if (ok && !g.failed) {
                g.complete(null);
            } else {
                g.completeExceptionally(unacknowledged(g.failed
                        ? "writing a batch that held the record failed; it may not be on disk"
                        : "syncing the record to disk failed; it may not be durable"));
            }
        }
    }

    private boolean flushGuarded(String what) {
        try {
            return onFlush();
        } catch (RuntimeException e) {
            log.error("{} failed during {}.", description, what, e);
            return false;
        }
    }

    private void guarded(Runnable step, String what) {
        try {
            step.run();
        } catch (RuntimeException e) {
            log.error("{} failed during {}.", description, what, e);
        }
    }

    /** A flush marker that only waits for the records before it. */
    private static final class Barrier extends CompletableFuture<Boolean> {}

    /** The acknowledgement shared by the records admitted between two batches taken by the worker. */
    private static final class Group extends CompletableFuture<Void> {
        final long first;
        long last;           // guarded by the queue's lock until the group is closed; final afterwards
        boolean failed;      // worker thread only

        Group(long first) {
            this.first = first;
        }
    }
}
