package dev.aip.emulator;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bedrock's prompt cache, keyed by (foundation model, hash of the prefix before a cache point). Time comes from the
 * emulator's clock so tests move it instead of sleeping. Thread-safe.
 *
 * <p>A call reads the longest prefix that is cached and unexpired (and refreshes its time to live, as Bedrock does
 * on a hit), and writes every later prefix up to its last cache point. {@code inputTokens} is what is left: it never
 * includes cache tokens. There is no minimum cacheable length.
 */
final class PromptCache {

    /** Cache tokens of one call; {@code write1h + write5m == write}. */
    record Usage(long read, long write, long write1h, long write5m) {
        static final Usage NONE = new Usage(0, 0, 0, 0);
    }

    private record Key(String model, long hash) {
    }

    private final ConcurrentHashMap<Key, Long> expiries = new ConcurrentHashMap<>();
    private final AtomicLong calls = new AtomicLong();

    Usage apply(String foundationModelId, Prompt prompt, long nowMillis) {
        List<PromptDigest.Breakpoint> points = prompt.breakpoints();
        if (points.isEmpty()) {
            return Usage.NONE;
        }
        if ((calls.incrementAndGet() & 1023) == 0) {
            expiries.values().removeIf(expiry -> expiry <= nowMillis);
        }
        int hit = -1;
        for (int i = points.size() - 1; i >= 0; i--) {
            Long expiry = expiries.get(new Key(foundationModelId, points.get(i).hashBefore()));
            if (expiry != null && expiry > nowMillis) {
                hit = i;
                break;
            }
        }
        long read = hit < 0 ? 0 : points.get(hit).tokensBefore();
        for (int i = 0; i <= hit; i++) {
            PromptDigest.Breakpoint p = points.get(i);
            expiries.merge(new Key(foundationModelId, p.hashBefore()), nowMillis + p.ttlMillis(), Math::max);
        }
        long write1h = 0;
        long write5m = 0;
        long covered = read;
        for (int i = hit + 1; i < points.size(); i++) {
            PromptDigest.Breakpoint p = points.get(i);
            long segment = Math.max(0, p.tokensBefore() - covered);
            covered = Math.max(covered, p.tokensBefore());
            if (p.ttlMillis() > ConverseParser.FIVE_MINUTES) {
                write1h += segment;
            } else {
                write5m += segment;
            }
            expiries.merge(new Key(foundationModelId, p.hashBefore()), nowMillis + p.ttlMillis(), Math::max);
        }
        return new Usage(read, write1h + write5m, write1h, write5m);
    }

    void clear() {
        expiries.clear();
    }
}
