package dev.aip.core.profile;

import dev.aip.core.tenant.Tier;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Deterministic {@code clientRequestToken}s, so that every process and every retry that creates the same profile
 * sends the same token and Bedrock creates it once.
 *
 * <p>A token is {@code aip1-} followed by the 64 hex digits of SHA-256 over the version, the owner (tenant id, or
 * {@code pool:TIER}), the logical model and the {@code copyFrom} ARN, separated by NUL. Including {@code copyFrom}
 * gives a model change (a REPLACE) a new token, so the new profile is not answered with the old one. Matches
 * {@code [a-zA-Z0-9]([-a-zA-Z0-9]{0,254}[a-zA-Z0-9])?} and has 69 characters. Stateless.
 */
final class RequestTokens {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private RequestTokens() {
    }

    static String forTenant(String tenantId, String logicalModel, String copyFrom) {
        return token(tenantId, logicalModel, copyFrom);
    }

    static String forPool(Tier tier, String logicalModel, String copyFrom) {
        return token(TagSchema.poolOwner(tier), logicalModel, copyFrom);
    }

    /** A token for the same profile created under another name: derived from the original token. */
    static String renamed(String token) {
        return digest("aip1\0renamed\0" + token);
    }

    private static String token(String owner, String logicalModel, String copyFrom) {
        return digest("aip1\0" + owner + "\0" + logicalModel + "\0" + copyFrom);
    }

    private static String digest(String input) {
        byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-256").digest(input.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
        StringBuilder out = new StringBuilder(69).append("aip1-");
        for (byte b : digest) {
            out.append(HEX[(b >> 4) & 15]).append(HEX[b & 15]);
        }
        return out.toString();
    }
}
