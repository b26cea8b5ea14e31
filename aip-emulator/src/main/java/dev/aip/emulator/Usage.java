package dev.aip.emulator;

/**
 * Token usage of one answer. {@code input} excludes cache tokens; {@code write1h + write5m == cacheWrite}.
 * Immutable.
 */
record Usage(long input, long output, long cacheRead, long cacheWrite, long write1h, long write5m) {

    static Usage of(Prompt prompt, PromptCache.Usage cache, long output) {
        return new Usage(prompt.inputTokens() - cache.read() - cache.write(), output, cache.read(), cache.write(),
                cache.write1h(), cache.write5m());
    }

    long total() {
        return input + output + cacheRead + cacheWrite;
    }
}
