package dev.aip.core.metering;

/**
 * Tokens used by one model call, in Bedrock's four billing buckets.
 *
 * <p>Bedrock reports {@code inputTokens} <b>excluding</b> prompt-cache tokens: tokens read from the cache and tokens
 * written to it are reported separately, and each bucket has its own price. The buckets are kept apart here for the
 * same reason; adding cache tokens to input (as OpenTelemetry's {@code gen_ai.usage.input_tokens} does) is done only
 * where that convention is needed, with {@link #totalInputTokens()}.
 *
 * <p>All counts are non-negative; sums use {@link Math#addExact(long, long)} and throw {@link ArithmeticException}
 * on overflow rather than wrap.
 *
 * <p>Immutable.
 *
 * @param inputTokens input tokens not read from or written to the prompt cache
 * @param outputTokens output tokens
 * @param cacheReadInputTokens input tokens read from the prompt cache
 * @param cacheWriteInputTokens input tokens written to the prompt cache
 */
public record TokenUsage(long inputTokens, long outputTokens, long cacheReadInputTokens, long cacheWriteInputTokens) {

    /** No tokens at all. */
    public static final TokenUsage ZERO = new TokenUsage(0, 0, 0, 0);

    /**
     * Validates the counts.
     *
     * @throws IllegalArgumentException if a count is negative
     */
    public TokenUsage {
        requireNonNegative("inputTokens", inputTokens);
        requireNonNegative("outputTokens", outputTokens);
        requireNonNegative("cacheReadInputTokens", cacheReadInputTokens);
        requireNonNegative("cacheWriteInputTokens", cacheWriteInputTokens);
    }

    /**
     * Creates a usage without prompt-cache tokens.
     *
     * @param inputTokens input tokens
     * @param outputTokens output tokens
     * @return the usage
     */
    public static TokenUsage of(long inputTokens, long outputTokens) {
        return new TokenUsage(inputTokens, outputTokens, 0, 0);
    }

    /**
     * Returns all tokens of all four buckets.
     *
     * @return the sum
     * @throws ArithmeticException if the sum overflows a {@code long}
     */
    public long totalTokens() {
        return Math.addExact(totalInputTokens(), outputTokens);
    }

    /**
     * Returns input tokens including cache reads and writes, as OpenTelemetry GenAI counts input.
     *
     * @return {@code inputTokens + cacheReadInputTokens + cacheWriteInputTokens}
     * @throws ArithmeticException if the sum overflows a {@code long}
     */
    public long totalInputTokens() {
        return Math.addExact(Math.addExact(inputTokens, cacheReadInputTokens), cacheWriteInputTokens);
    }

    /**
     * Adds another usage, bucket by bucket.
     *
     * @param other the usage to add
     * @return the sum
     * @throws ArithmeticException if a bucket overflows a {@code long}
     */
    public TokenUsage plus(TokenUsage other) {
        return new TokenUsage(
                Math.addExact(inputTokens, other.inputTokens),
                Math.addExact(outputTokens, other.outputTokens),
                Math.addExact(cacheReadInputTokens, other.cacheReadInputTokens),
                Math.addExact(cacheWriteInputTokens, other.cacheWriteInputTokens));
    }

    private static void requireNonNegative(String name, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " is " + value + "; token counts cannot be negative");
        }
    }
}
