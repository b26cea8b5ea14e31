package dev.aip.keys;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * How current a store's in-memory keys are, for a health endpoint.
 *
 * <p>Immutable.
 *
 * @param stale whether the last refresh failed or none succeeded for longer than three refresh intervals: the keys
 *     served are the last known ones, and changes made elsewhere since (revocations included) are not yet seen
 * @param lastRefresh when the keys were last read from the database, or {@code null} if never
 * @param keys how many keys are held in memory (revoked ones included)
 * @param version the highest change counter seen
 * @param lastFailure the last refresh failure's message, or {@code null} if the last refresh succeeded
 */
public record KeyStoreHealth(boolean stale, @Nullable Instant lastRefresh, int keys, long version,
                             @Nullable String lastFailure) {
}
