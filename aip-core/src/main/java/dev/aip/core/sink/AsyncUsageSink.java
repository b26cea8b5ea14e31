package dev.aip.core.sink;

import dev.aip.core.ConfigurationException;
import dev.aip.core.metering.UsageRecord;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves a slow sink off the caller's thread: records go into a bounded queue that one worker thread drains into
 * the delegate, in order.
 *
 * <pre>{@code
 * AsyncUsageSink async = AsyncUsageSink.builder(kafkaSink)
 *     .capacity(10_000)
 *     .overflowPolicy(AsyncUsageSink.OverflowPolicy.DROP_NEWEST)
 *     .build();
 * }</pre>
 *
 * <p>When the queue is full, the {@link OverflowPolicy} decides: {@code BLOCK} makes the caller wait for space
 * (up to {@link Builder#maxBlock(Duration)} if set), {@code DROP_NEWEST} drops the record at once. Either way a
 * record that does not get in is counted in {@link #droppedRecords()} and logged on
 * {@code dev.aip.core.sink.AsyncUsageSink} (first and every 1000th) — never silently.
 *
 * <p>The delegate is called only from the worker thread; if it throws, the failure is counted in
 * {@link #delegateFailures()} and logged, and the worker goes on with the next record. {@link #flush()} waits until
 * the records accepted before it were passed to the delegate, then calls the delegate's {@code flush()}.
 * {@link #close()} stops accepting, drains the queue into the delegate, and closes the delegate: this sink owns
 * it. The worker is a daemon thread; close the sink on shutdown, or records still queued are lost with the JVM.
 *
 * <p>Thread-safe; share one.
 */
public final class AsyncUsageSink implements UsageSink, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AsyncUsageSink.class);

    /** What to do with a record when the queue is full. */
    public enum OverflowPolicy {
        /** Wait for space, up to the builder's {@code maxBlock} if one is set; then drop and count. */
        BLOCK,
        /** Drop the record that does not fit, and count it. The caller never waits. */
        DROP_NEWEST
    }

    private final UsageSink delegate;
    private final long maxBlockNanos;
    private final AtomicLong delegateFailures = new AtomicLong();
    private final Worker worker;

    private AsyncUsageSink(Builder b) {
        this.delegate = b.delegate;
        this.maxBlockNanos = b.policy == OverflowPolicy.DROP_NEWEST ? 0
                : b.maxBlock == null ? -1 : Math.max(1, b.maxBlock.toNanos());
        this.worker = new Worker(b.capacity);
        worker.start();
    }

    /**
     * Returns a builder for a sink in front of {@code delegate}.
     *
     * @param delegate the slow sink, called from one worker thread
     * @return the builder
     */
    public static Builder builder(UsageSink delegate) {
        return new Builder(delegate);
    }

    /** Enqueues the record, or drops and counts it as the overflow policy says. */
    @Override
    public void accept(UsageRecord record) {
        worker.offer(Objects.requireNonNull(record, "record"), maxBlockNanos);
    }

    /** Waits until every record accepted before this call went to the delegate, then flushes the delegate. */
    @Override
    public void flush() {
        worker.flush(Duration.ofDays(365));
    }

    /**
     * Like {@link #flush()}, waiting at most {@code timeout}.
     *
     * @param timeout the longest wait
     * @return {@code true} if the flush completed in time
     */
    public boolean flush(Duration timeout) {
        return worker.flush(timeout);
    }

    /** Stops accepting, drains the queue into the delegate, flushes and closes the delegate. Idempotent. */
    @Override
    public void close() {
        worker.shutdown();
    }

    /**
     * Returns the number of records that were not accepted: the queue was full (or the wait for space ran out),
     * the caller was interrupted while waiting, or the sink was closed.
     *
     * @return the count since creation
     */
    public long droppedRecords() {
        return worker.lost();
    }

    /**
     * Returns the number of times the delegate threw.
     *
     * @return the count since creation
     */
    public long delegateFailures() {
        return delegateFailures.get();
    }

    private final class Worker extends QueueWorker {
        Worker(int capacity) {
            super("aip-async-sink", "AsyncUsageSink(" + delegate.getClass().getName() + ")", capacity, false,
                    UNBOUNDED, System::nanoTime, null, LOG);
        }

        @Override
        void process(List<UsageRecord> records) {
            for (UsageRecord record : records) {
                try {
                    delegate.accept(record);
                } catch (RuntimeException e) {
                    long n = delegateFailures.incrementAndGet();
                    if (LogEvery.shouldLog(n)) {
                        LOG.error("Delegate sink {} failed on record {} ({} failures so far).",
                                delegate.getClass().getName(), record.recordId(), n, e);
                    }
                }
            }
        }

        @Override
        boolean onFlush() {
            delegate.flush();
            return true;
        }

        @Override
        void onClose() {
            delegate.close();
        }
    }

    /**
     * Configures an {@link AsyncUsageSink}. Defaults: capacity 10,000; {@link OverflowPolicy#BLOCK} without a
     * time limit.
     *
     * <p>Not thread-safe; confine to one thread.
     *
     * <p>Each setting may be set once; a second set is a {@link ConfigurationException}.
     */
    public static final class Builder {
        private final Map<String, Object> given = new HashMap<>();
        private final UsageSink delegate;
        private int capacity = 10_000;
        private OverflowPolicy policy = OverflowPolicy.BLOCK;
        private Duration maxBlock;

        private Builder(UsageSink delegate) {
            this.delegate = Objects.requireNonNull(delegate, "delegate");
        }

        /**
         * Sets the queue capacity.
         *
         * @param records the number of records the queue holds, at least 1
         * @return this builder
         */
        public Builder capacity(int records) {
            ConfigurationException.requireFirstSet(given, "AsyncUsageSink.capacity", records);
            if (records < 1) {
                throw new IllegalArgumentException("capacity must be at least 1, got " + records);
            }
            capacity = records;
            return this;
        }

        /**
         * Sets what happens when the queue is full.
         *
         * @param overflowPolicy the policy
         * @return this builder
         */
        public Builder overflowPolicy(OverflowPolicy overflowPolicy) {
            ConfigurationException.requireFirstSet(given, "AsyncUsageSink.overflowPolicy", overflowPolicy);
            policy = Objects.requireNonNull(overflowPolicy, "overflowPolicy");
            return this;
        }

        /**
         * With {@link OverflowPolicy#BLOCK}, sets the longest a caller waits for space before its record is dropped
         * and counted. Without it, callers wait as long as needed.
         *
         * @param timeout the longest wait, positive
         * @return this builder
         */
        public Builder maxBlock(Duration timeout) {
            ConfigurationException.requireFirstSet(given, "AsyncUsageSink.maxBlock", timeout);
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("maxBlock must be positive, got " + timeout);
            }
            maxBlock = timeout;
            return this;
        }

        /**
         * Creates the sink and starts its worker thread.
         *
         * @return the sink
         */
        public AsyncUsageSink build() {
            return new AsyncUsageSink(this);
        }
    }
}
