package dev.aip.keys;

import dev.aip.core.tenant.TenantId;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What is known about one API key apart from its secret: safe to list, log and show.
 *
 * <p>Immutable.
 *
 * @param id the key's id, the non-secret part of the key ({@code aip-sk-<id>-...}); names the key in lists and logs
 * @param tenant the tenant the key calls for
 * @param name a label for people (what or who the key is for)
 * @param createdAt when the key was created
 * @param expiresAt when the key stops working, or {@code null} for never
 * @param revokedAt when the key was revoked, or {@code null} if it was not
 * @param rotatedAt when the key's secret was last replaced, or {@code null} if never
 * @param previousValidUntil until when the secret the last rotation replaced still works, or {@code null} if it no
 *     longer does (or there was none)
 * @param limits the key's own limits
 */
public record ApiKey(String id, TenantId tenant, String name, Instant createdAt, @Nullable Instant expiresAt,
                     @Nullable Instant revokedAt, @Nullable Instant rotatedAt, @Nullable Instant previousValidUntil,
                     KeyLimits limits) {

    /** Validates. */
    public ApiKey {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(limits, "limits");
    }

    /**
     * Returns whether the key is revoked.
     *
     * @return {@code true} once revoked (for good)
     */
    public boolean revoked() {
        return revokedAt != null;
    }

    /**
     * Returns whether the key has expired at {@code now}.
     *
     * @param now the time to judge at
     * @return {@code true} when it has an expiry at or before {@code now}
     */
    public boolean expiredAt(Instant now) {
        return expiresAt != null && !now.isBefore(expiresAt);
    }
}
