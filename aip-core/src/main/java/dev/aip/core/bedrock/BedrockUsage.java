package dev.aip.core.bedrock;

import dev.aip.core.metering.TokenUsage;

/** Bedrock's token usage shapes to {@link TokenUsage}; cache buckets stay apart, missing counts are zero. */
final class BedrockUsage {

    private BedrockUsage() {
    }

    static TokenUsage of(software.amazon.awssdk.services.bedrockruntime.model.TokenUsage u) {
        if (u == null) {
            return TokenUsage.ZERO;
        }
        return new TokenUsage(n(u.inputTokens()), n(u.outputTokens()), n(u.cacheReadInputTokens()),
                n(u.cacheWriteInputTokens()));
    }

    private static long n(Integer v) {
        return v == null ? 0 : v;
    }
}
