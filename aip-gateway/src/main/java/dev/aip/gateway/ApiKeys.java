package dev.aip.gateway;

import dev.aip.core.ConfigurationException;
import dev.aip.core.tenant.TenantId;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * API key to tenant. Keys are held only as SHA-256 digests; a presented key is hashed and compared with every
 * stored digest in constant time (no early exit), so neither the key nor which digest matched leaks through timing.
 * Keys are never logged.
 *
 * <p>Immutable; thread-safe.
 */
final class ApiKeys {

    private record Entry(byte[] digest, TenantId tenant) {
    }

    private final List<Entry> entries;

    private ApiKeys(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    static ApiKeys of(List<GatewayProperties.ApiKey> keys) {
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
        return new ApiKeys(entries);
    }

    /** The tenant of a presented key, or empty. */
    Optional<TenantId> tenantOf(String presentedKey) {
        if (presentedKey == null || presentedKey.isEmpty()) {
            return Optional.empty();
        }
        byte[] digest = sha256(presentedKey);
        TenantId found = null;
        for (Entry e : entries) {
            if (MessageDigest.isEqual(e.digest, digest) && found == null) {
                found = e.tenant;
            }
        }
        return Optional.ofNullable(found);
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
