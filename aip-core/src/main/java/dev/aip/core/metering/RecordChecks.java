package dev.aip.core.metering;

import java.time.Duration;

/**
 * The validation shared by {@link UsageRecord} and its parts. Messages name the value as a component of the usage
 * record ({@code UsageRecord.region is blank}), whichever part holds it, so they read the same however the record
 * was built.
 */
final class RecordChecks {

    private RecordChecks() {}

    static void requireNonNull(String name, Object value) {
        if (value == null) {
            throw new NullPointerException("UsageRecord." + name + " is required");
        }
    }

    static void requireText(String name, String value) {
        requireNonNull(name, value);
        if (value.isBlank()) {
            throw new IllegalArgumentException("UsageRecord." + name + " is blank");
        }
    }

    static void requireNonNegative(String name, Duration value) {
        if (value.isNegative()) {
            throw new IllegalArgumentException("UsageRecord." + name + " is negative: " + value);
        }
    }
}
