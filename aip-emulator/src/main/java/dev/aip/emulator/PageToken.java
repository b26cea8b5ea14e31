package dev.aip.emulator;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;

/**
 * A ListInferenceProfiles {@code nextToken}: the listing type and the position after which the next page starts (the
 * creation sequence of the last profile returned for application profiles, an index into the fixed catalog for
 * system-defined ones). The token carries a check value keyed by the emulator's seed, so a token the emulator did not
 * issue is refused rather than silently misread. Immutable.
 *
 * @param type {@code SYSTEM_DEFINED} or {@code APPLICATION}
 * @param position where the previous page ended
 */
record PageToken(String type, long position) {

    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    PageToken {
        Objects.requireNonNull(type, "type");
        if (position < 0) {
            throw new IllegalArgumentException("position must be >= 0, was " + position);
        }
    }

    String encode(long key) {
        String body = type + ":" + position;
        return ENCODER.encodeToString((body + ":" + check(body, key)).getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Reads a token issued by {@link #encode} with the same key.
     *
     * @return the token, or {@code null} if {@code text} is not one
     */
    static PageToken decode(String text, long key) {
        String plain;
        try {
            plain = new String(DECODER.decode(text), StandardCharsets.US_ASCII);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int last = plain.lastIndexOf(':');
        int first = plain.indexOf(':');
        if (first <= 0 || last <= first) {
            return null;
        }
        String body = plain.substring(0, last);
        if (!plain.substring(last + 1).equals(check(body, key))) {
            return null;
        }
        try {
            long position = Long.parseLong(plain.substring(first + 1, last));
            return position < 0 ? null : new PageToken(plain.substring(0, first), position);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String check(String body, long key) {
        long h = key ^ 0x5DEECE66DL;
        for (int i = 0; i < body.length(); i++) {
            h = (h ^ body.charAt(i)) * 0x100000001B3L;
        }
        h ^= h >>> 29;
        return Long.toHexString(h);
    }
}
