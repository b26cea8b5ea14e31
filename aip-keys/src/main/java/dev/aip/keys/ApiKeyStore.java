package dev.aip.keys;

import dev.aip.core.tenant.TenantId;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * API keys that map to tenants, kept where every replica of a service sees them.
 *
 * <p><b>Keys.</b> A key reads {@code aip-sk-<id>-<secret>}: a 12-character id that names it in lists and logs (not
 * secret) and 256 bits from a {@link java.security.SecureRandom}, base64url. {@link #create} and {@link #rotate}
 * return it once, in an {@link IssuedKey}; the store keeps only its SHA-256. A fast hash is enough here, unlike for
 * passwords: a slow hash protects secrets people choose, which can be guessed; 256 random bits cannot be guessed at
 * any speed, and a fast hash keeps the check of every request cheap.
 *
 * <p><b>Lookups</b> ({@link #lookup}) are answered from memory, never from the database: the key's hash is compared
 * with the stored one in constant time. Expired and revoked keys are refused with their reason, which only a caller
 * holding the whole key learns (see {@link KeyLookup.Reason}).
 *
 * <p><b>Changes</b> made through any instance ({@code create}, {@code rotate}, {@code revoke}) are seen at once by
 * that instance and by every other one at its next refresh (see the implementation). A revocation is final.
 *
 * <p>Implementations are thread-safe.
 */
public interface ApiKeyStore {

    /**
     * Creates a key.
     *
     * @param tenant the tenant the key calls for
     * @param name a label for people, 1 to 200 characters
     * @param expiresAt when the key stops working, or {@code null} for never
     * @param limits the key's own limits ({@link KeyLimits#NONE} for none)
     * @return the key, with its secret: the only time it is shown
     * @throws ApiKeyStoreException if the database cannot be written (retryable)
     * @throws IllegalArgumentException if the name is empty or too long, or the expiry is not in the future
     */
    IssuedKey create(TenantId tenant, String name, @Nullable Instant expiresAt, KeyLimits limits);

    /**
     * Lists the keys, oldest first, revoked ones included; never a secret. Read from the database.
     *
     * @param tenant only this tenant's keys, or {@code null} for all
     * @return the keys
     * @throws ApiKeyStoreException if the database cannot be read (retryable)
     */
    List<ApiKey> list(@Nullable TenantId tenant);

    /**
     * Gives a key a new secret, keeping its id, tenant, expiry and limits. The old secret keeps working for
     * {@code grace} (so holders can switch over), then stops; {@link Duration#ZERO} stops it at once.
     *
     * @param keyId the key's id
     * @param grace how long the old secret stays valid, zero or positive
     * @return the key with its new secret: the only time it is shown
     * @throws ApiKeyNotFoundException if there is no such key
     * @throws ApiKeyStoreException if the key is revoked (not retryable: create a new key), or the database cannot be
     *     written (retryable)
     */
    IssuedKey rotate(String keyId, Duration grace);

    /**
     * Revokes a key, for good: every secret it had is refused, on this instance at once and on every other one after
     * its next refresh. Revoking a revoked key changes nothing.
     *
     * @param keyId the key's id
     * @return the key, revoked
     * @throws ApiKeyNotFoundException if there is no such key
     * @throws ApiKeyStoreException if the database cannot be written (retryable)
     */
    ApiKey revoke(String keyId);

    /**
     * Looks up a presented key in memory (no database round trip), in constant time with respect to the secret.
     *
     * @param presented the key as the caller sent it, or {@code null}
     * @return the valid key, or the refusal and its reason
     */
    KeyLookup lookup(@Nullable String presented);

    /**
     * Returns how current the keys in memory are.
     *
     * @return the health
     */
    KeyStoreHealth health();
}
