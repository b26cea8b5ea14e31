package dev.aip.governance.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** SHA-1 digests of Lua scripts, the names Redis caches them under ({@code EVALSHA}). */
final class Scripts {

    private static final Map<String, String> DIGESTS = new ConcurrentHashMap<>();

    private Scripts() {
    }

    static String sha1(String script) {
        return DIGESTS.computeIfAbsent(script, s -> {
            try {
                return HexFormat.of().formatHex(
                        MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8)));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-1 is required of every JDK", e);
            }
        });
    }
}
