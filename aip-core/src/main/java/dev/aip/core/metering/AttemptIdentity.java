package dev.aip.core.metering;

/**
 * Which attempt of which logical call a {@link UsageRecord} describes.
 *
 * <p>Retries and fallbacks of one logical call are separate attempts: each has its own {@link #recordId()} and
 * {@link #attempt()} number, and all share the {@link #callId()}.
 *
 * <p>Immutable.
 *
 * @param recordId unique id of the record (time-ordered UUID v7 by default, see {@link UsageRecord#newId()});
 *     sinks and ledgers deduplicate by it
 * @param callId id shared by all attempts (retries, fallbacks) of one logical call
 * @param attempt 1-based attempt number within the call
 */
public record AttemptIdentity(String recordId, String callId, int attempt) {

    /**
     * Validates the values.
     *
     * @throws NullPointerException if an id is {@code null}; the message names it
     * @throws IllegalArgumentException if an id is blank or {@code attempt < 1}
     */
    public AttemptIdentity {
        RecordChecks.requireText("recordId", recordId);
        RecordChecks.requireText("callId", callId);
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt is " + attempt + "; attempts are numbered from 1");
        }
    }
}
