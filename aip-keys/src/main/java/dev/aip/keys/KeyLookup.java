package dev.aip.keys;

import java.util.Objects;

/**
 * What {@link ApiKeyStore#lookup} found for a presented key: a valid key, or a refusal with its reason.
 *
 * <p>Immutable.
 */
public sealed interface KeyLookup permits KeyLookup.Valid, KeyLookup.Refused {

    /**
     * The presented key is valid.
     *
     * @param key the key (tenant, limits)
     */
    record Valid(ApiKey key) implements KeyLookup {
        /** Validates. */
        public Valid {
            Objects.requireNonNull(key, "key");
        }
    }

    /**
     * The presented key is refused.
     *
     * @param reason why
     */
    record Refused(Reason reason) implements KeyLookup {
        /** Validates. */
        public Refused {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * Why a key is refused. {@link #EXPIRED} and {@link #REVOKED} are told only to a caller who presented the key's
     * whole secret, so they reveal nothing to one who did not: any other key, including a real key id with a wrong
     * secret, is {@link #UNKNOWN}.
     */
    enum Reason {
        /** Not a key of the store (or not in its format, or a wrong secret, or a rotated-out secret past its grace). */
        UNKNOWN,
        /** The key's expiry has passed. */
        EXPIRED,
        /** The key was revoked. */
        REVOKED
    }
}
