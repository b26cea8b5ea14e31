package dev.aip.gateway;

import dev.aip.core.metering.UsageRecord;
import dev.aip.core.sink.UsageSink;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Keeps the latest usage records by id for a moment, so the gateway can put a call's cost in its answer: the meter
 * publishes a record before the pipeline returns the response that names it. Bounded: the oldest records are
 * dropped beyond {@link #CAPACITY} (records of calls nobody asks about).
 *
 * <p>Thread-safe.
 */
final class RecentRecords implements UsageSink {

    static final int CAPACITY = 8192;

    private final Map<String, UsageRecord> byId = new ConcurrentHashMap<>();
    private final Queue<String> order = new ConcurrentLinkedQueue<>();

    @Override
    public void accept(UsageRecord record) {
        byId.put(record.recordId(), record);
        order.add(record.recordId());
        while (byId.size() > CAPACITY) {
            String oldest = order.poll();
            if (oldest == null) {
                break;
            }
            byId.remove(oldest);
        }
    }

    /** Takes (and forgets) a record. */
    Optional<UsageRecord> take(String recordId) {
        return recordId == null ? Optional.empty() : Optional.ofNullable(byId.remove(recordId));
    }
}
