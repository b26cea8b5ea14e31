package dev.aip.keys;

import java.util.Objects;

/**
 * A key as it is issued, by {@link ApiKeyStore#create} or {@link ApiKeyStore#rotate}: the only time its secret is
 * seen. Hand {@link #secret()} to its holder and forget it; the store keeps only its hash.
 *
 * <p>{@link #toString()} leaves the secret out, so a key logged by accident is not exposed.
 *
 * <p>Immutable.
 *
 * @param key what is known about the key apart from its secret
 * @param secret the whole key, {@code aip-sk-<id>-<secret>}, to present as a bearer token
 */
public record IssuedKey(ApiKey key, String secret) {

    /** Validates. */
    public IssuedKey {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(secret, "secret");
    }

    /** Names the key without its secret. */
    @Override
    public String toString() {
        return "IssuedKey[key=" + key + ", secret=(hidden)]";
    }
}
