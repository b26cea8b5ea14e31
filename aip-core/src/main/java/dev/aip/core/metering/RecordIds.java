package dev.aip.core.metering;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Time-ordered unique ids: UUID version 7 (RFC 9562), 48 bits of Unix milliseconds then 74 random bits. Ids sort
 * by creation time to the millisecond, so ledgers and indexes stay append-friendly. The random part only has to make
 * ids unique, not unguessable (they are no secrets), so it comes from {@link ThreadLocalRandom}: 74 random bits per
 * millisecond make a collision across processes negligible, and a call does not pay for a synchronised
 * {@code SecureRandom} read of {@code /dev/urandom} on the hot path.
 */
final class RecordIds {


    private RecordIds() {}

    static String next() {
        return next(System.currentTimeMillis());
    }

    static String next(long epochMillis) {
        byte[] random = new byte[10];
        ThreadLocalRandom.current().nextBytes(random);
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
