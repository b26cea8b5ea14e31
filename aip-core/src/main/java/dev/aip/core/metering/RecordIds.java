package dev.aip.core.metering;

import java.security.SecureRandom;
import java.util.UUID;

/**
 * Time-ordered unique ids: UUID version 7 (RFC 9562), 48 bits of Unix milliseconds then 74 random bits. Ids sort
 * by creation time to the millisecond, so ledgers and indexes stay append-friendly; the random part comes from a
 * {@link SecureRandom} so ids from many processes do not collide.
 */
final class RecordIds {

    private static final SecureRandom RANDOM = new SecureRandom();

    private RecordIds() {}

    static String next() {
        return next(System.currentTimeMillis());
    }

    static String next(long epochMillis) {
        byte[] random = new byte[10];
        RANDOM.nextBytes(random);
        long msb = (epochMillis & 0xFFFF_FFFF_FFFFL) << 16
                | 0x7000L
                | ((random[0] & 0x0FL) << 8) | (random[1] & 0xFFL);
        long lsb = 0x8000_0000_0000_0000L | ((random[2] & 0x3FL) << 56);
        for (int i = 3; i < 10; i++) {
            lsb |= (random[i] & 0xFFL) << (8 * (9 - i));
        }
        return new UUID(msb, lsb).toString();
    }
}
