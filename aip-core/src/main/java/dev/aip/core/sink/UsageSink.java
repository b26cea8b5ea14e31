package dev.aip.core.sink;

import dev.aip.core.metering.UsageRecord;

/**
 * Receives one {@link UsageRecord} per model call attempt.
 *
 * <p>Contract for implementations:
 * <ul>
 *   <li><b>Thread-safe.</b> {@link #accept} is called on the thread that made the model call (or the SDK's
 *       response thread), from many threads at once.</li>
 *   <li><b>Must not block the caller for long.</b> Anything that does I/O belongs behind a queue, like
 *       {@link AsyncUsageSink} or {@link JsonLinesLedger}. A sink may make callers wait when it chooses to, bounded
 *       and documented: the ledger slows callers when its writer falls behind, and in its {@code SYNC} mode waits
 *       for the record's sync.</li>
 *   <li><b>Must not throw.</b> A sink is an observer and cannot fail a model call. The pipeline guards every sink
 *       anyway (see {@link UsageSinks#fanOut}), counting and logging what a sink throws.</li>
 *   <li><b>Must not lose records silently.</b> A sink that drops records counts and logs them.</li>
 * </ul>
 */
public interface UsageSink {

    /**
     * Takes one record. Each record is given to a sink once.
     *
     * @param record the record, never {@code null}
     */
    void accept(UsageRecord record);

    /**
     * Waits until the records accepted so far are as durable as this sink makes them (written, synced, sent).
     * The default does nothing, for sinks that finish their work in {@link #accept}.
     */
    default void flush() {}

    /**
     * Flushes, then releases resources. Sinks that queue records count records offered after {@code close} as
     * lost rather than storing them. The default does nothing.
     */
    default void close() {}
}
