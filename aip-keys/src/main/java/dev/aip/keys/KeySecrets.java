package dev.aip.keys;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import org.jspecify.annotations.Nullable;

/**
 * The key format, {@code aip-sk-<id>-<secret>}: a 12-character id of lower-case letters and digits, then 32 random
 * bytes in base64url without padding (43 characters). Parsing checks only the shape, never the secret.
 */
final class KeySecrets {

    static final String PREFIX = "aip-sk-";
    static final int ID_LENGTH = 12;
    static final int SECRET_BYTES = 32;
    private static final int SECRET_LENGTH = 43;
    static final int KEY_LENGTH = PREFIX.length() + ID_LENGTH + 1 + SECRET_LENGTH;
    private static final char[] ID_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private KeySecrets() {
    }

    static String newId() {
        char[] id = new char[ID_LENGTH];
        for (int i = 0; i < id.length; i++) {
            id[i] = ID_CHARS[RANDOM.nextInt(ID_CHARS.length)];
        }
        return new String(id);
    }

    static String newKey(String id) {
        byte[] secret = new byte[SECRET_BYTES];
        RANDOM.nextBytes(secret);
        return PREFIX + id + "-" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    }

    /** The id of a key of the right shape, else {@code null}. */
    static @Nullable String idOf(@Nullable String key) {
        if (key == null || key.length() != KEY_LENGTH || !key.startsWith(PREFIX)
                || key.charAt(PREFIX.length() + ID_LENGTH) != '-') {
            return null;
        }
        String id = key.substring(PREFIX.length(), PREFIX.length() + ID_LENGTH);
        return validId(id) ? id : null;
    }

    static boolean validId(String id) {
        if (id.length() != ID_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9')) {
                return false;
            }
        }
        return true;
    }

    static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
