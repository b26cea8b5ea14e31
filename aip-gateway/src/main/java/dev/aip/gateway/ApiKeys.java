package dev.aip.gateway;

import dev.aip.core.ConfigurationException;
import dev.aip.core.tenant.TenantId;
import dev.aip.keys.ApiKey;
import dev.aip.keys.ApiKeyStore;
import dev.aip.keys.KeyLookup;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * API key to tenant, from two sources that combine: the keys in {@code aip.gateway.keys} (SHA-256 digests in the
 * configuration) and, when {@code aip.gateway.key-store.jdbc-url} is set, the keys in the shared PostgreSQL store
 * ({@link ApiKeyStore}, held in memory and refreshed every few seconds). A presented key is hashed and compared with
 * every configured digest in constant time (no early exit), then, if none matched, looked up in the store (constant
 * time too); neither the key nor which digest matched leaks through timing. Keys are never logged.
 *
 * <p>A store key that is valid then passes its own limits ({@link KeyRateLimits}); a refusal says why in a
 * {@link Verdict}, which each API answers in its own shape.
 *
 * <p>Immutable; thread-safe.
 */
final class ApiKeys {

    /** The usage record (and tenant context) attribute naming the store key a call came with. */
    static final String KEY_ATTRIBUTE = "aip.key";

    private record Entry(byte[] digest, TenantId tenant) {
    }

    /** Why a key was refused, or {@link #NONE}. */
    enum Refusal {
        NONE, MISSING, UNKNOWN, EXPIRED, REVOKED, KEY_LIMIT
    }

    /**
     * What authentication decided.
     *
     * @param tenant the key's tenant when accepted
     * @param keyId the store key's id when the key came from the store, else {@code null}
     * @param refusal why it was refused, or {@link Refusal#NONE}
     * @param limitMessage for {@link Refusal#KEY_LIMIT}, which limit and what to do
     * @param retryAfterSeconds for {@link Refusal#KEY_LIMIT}, seconds until a retry can succeed
     */
    record Verdict(TenantId tenant, String keyId, Refusal refusal, String limitMessage, long retryAfterSeconds) {

        static Verdict refused(Refusal why) {
            return new Verdict(null, null, why, null, 0);
        }

        boolean accepted() {
            return refusal == Refusal.NONE;
        }

        /** The 401 message: says what happened to the key only to one who holds it (see {@link KeyLookup.Reason}). */
        String message() {
            return switch (refusal) {
                case MISSING -> "Missing API key.";
                case EXPIRED -> "This API key has expired; ask for a new one.";
                case REVOKED -> "This API key has been revoked; ask for a new one.";
                case KEY_LIMIT -> limitMessage;
                default -> "Invalid API key.";
            };
        }
    }

    private final List<Entry> entries;
    private final ApiKeyStore store;
    private final KeyRateLimits limits;

    private ApiKeys(List<Entry> entries, ApiKeyStore store, KeyRateLimits limits) {
        this.entries = List.copyOf(entries);
        this.store = store;
        this.limits = limits;
    }

    static ApiKeys of(List<GatewayProperties.ApiKey> keys) {
        return of(keys, null, null);
    }

    /**
     * The configured keys, and the store's (with their limits) when there is a store.
     *
     * @param store the shared store, or {@code null}
     * @param limits the per-key limits of store keys, or {@code null} for none
     */
    static ApiKeys of(List<GatewayProperties.ApiKey> keys, ApiKeyStore store, KeyRateLimits limits) {
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            GatewayProperties.ApiKey k = keys.get(i);
            String hex = k.getSha256() == null ? "" : k.getSha256().trim().toLowerCase();
            if (!hex.matches("[0-9a-f]{64}") || k.getTenant() == null) {
                throw new ConfigurationException("aip.gateway.keys[" + i + "] needs a tenant and sha256 = 64 hex"
                        + " digits (the SHA-256 of the key, never the key itself)");
            }
            entries.add(new Entry(HexFormat.of().parseHex(hex), TenantId.of(k.getTenant())));
        }
        return new ApiKeys(entries, store, limits);
    }

    /** The tenant of a presented key, or empty (ignoring per-key limits). */
    Optional<TenantId> tenantOf(String presentedKey) {
        Verdict v = check(presentedKey, false);
        return Optional.ofNullable(v.accepted() ? v.tenant() : null);
    }

    /** Whether there is a shared key store. */
    boolean hasStore() {
        return store != null;
    }

    /**
     * Authenticates a presented key: its tenant, or why not; a store key's limits are charged one request.
     *
     * @param presentedKey the key as sent, or {@code null}
     */
    Verdict authenticate(String presentedKey) {
        return check(presentedKey, true);
    }

    private Verdict check(String presentedKey, boolean charge) {
        if (presentedKey == null || presentedKey.isEmpty()) {
            return Verdict.refused(Refusal.MISSING);
        }
        byte[] digest = sha256(presentedKey);
        TenantId found = null;
        for (Entry e : entries) {
            if (MessageDigest.isEqual(e.digest, digest) && found == null) {
                found = e.tenant;
            }
        }
        if (found != null) {
            return new Verdict(found, null, Refusal.NONE, null, 0);
        }
        if (store == null) {
            return Verdict.refused(Refusal.UNKNOWN);
        }
        KeyLookup lookup = store.lookup(presentedKey);
        if (lookup instanceof KeyLookup.Refused r) {
            return Verdict.refused(switch (r.reason()) {
                case EXPIRED -> Refusal.EXPIRED;
                case REVOKED -> Refusal.REVOKED;
                case UNKNOWN -> Refusal.UNKNOWN;
            });
        }
        ApiKey key = ((KeyLookup.Valid) lookup).key();
        if (charge && limits != null) {
            KeyRateLimits.Refusal over = limits.admit(key);
            if (over != null) {
                return new Verdict(key.tenant(), key.id(), Refusal.KEY_LIMIT, over.message(), over.retryAfterSeconds());
            }
        }
        return new Verdict(key.tenant(), key.id(), Refusal.NONE, null, 0);
    }

    static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256Hex(String key) {
        return HexFormat.of().formatHex(sha256(key));
    }
}
