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
        ThreadLocalRandom random = ThreadLocalRandom.current();
        // 12 random bits after the version nibble, 62 after the variant bits: 74 in all.
        long msb = (epochMillis & 0xFFFF_FFFF_FFFFL) << 16 | 0x7000L | (random.nextLong() & 0x0FFFL);
        long lsb = 0x8000_0000_0000_0000L | (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL);
        return new UUID(msb, lsb).toString();
    }
}
