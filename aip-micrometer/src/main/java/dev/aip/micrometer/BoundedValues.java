package dev.aip.micrometer;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The values of one tag, bounded: the first {@code max} distinct values keep their name, later ones become
 * {@link MicrometerUsageSink#OTHER}. Admission is exact (never more than {@code max} values) and takes a lock only for
 * a value not seen before; a value already admitted is a lock-free lookup.
 *
 * <p>Thread-safe.
 */
final class BoundedValues {

    private final int max;
    private final Set<String> admitted = ConcurrentHashMap.newKeySet();

    BoundedValues(int max) {
        this.max = max;
    }

    String bound(String value) {
        if (admitted.contains(value)) {
            return value;
        }
        synchronized (this) {
            if (admitted.contains(value) || admitted.size() < max && admitted.add(value)) {
                return value;
            }
        }
        return MicrometerUsageSink.OTHER;
    }
}
