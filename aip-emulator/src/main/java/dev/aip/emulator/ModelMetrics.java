package dev.aip.emulator;

/**
 * The counters Bedrock publishes to CloudWatch ({@code AWS/Bedrock}) for one {@code ModelId}, summed since the
 * emulator started or was last reset. Immutable snapshot. See {@link InvocationRecord} for what each outcome adds.
 *
 * @param modelId the {@code ModelId} dimension
 * @param invocations accepted calls, including those that failed later; not throttled or rejected ones
 * @param inputTokenCount input tokens not read from or written to the cache
 * @param outputTokenCount output tokens
 * @param cacheReadInputTokenCount input tokens read from the prompt cache
 * @param cacheWriteInputTokenCount input tokens written to the prompt cache
 * @param invocationThrottles throttled calls (each SDK retry is one more)
 * @param invocationClientErrors calls rejected as the caller's fault
 * @param invocationServerErrors accepted calls that ended in a server or model error
 * @param invocationLatency latency of accepted calls
 * @param timeToFirstToken time to the first content delta of streams
 */
public record ModelMetrics(String modelId, long invocations, long inputTokenCount, long outputTokenCount,
                           long cacheReadInputTokenCount, long cacheWriteInputTokenCount, long invocationThrottles,
                           long invocationClientErrors, long invocationServerErrors, LatencyStats invocationLatency,
                           LatencyStats timeToFirstToken) {

    /**
     * A latency statistic in milliseconds. Immutable.
     *
     * @param sampleCount number of samples
     * @param sumMillis sum of the samples
     * @param maxMillis largest sample, 0 when there is none
     */
    public record LatencyStats(long sampleCount, long sumMillis, long maxMillis) {
        public static final LatencyStats EMPTY = new LatencyStats(0, 0, 0);
    }

    static ModelMetrics empty(String modelId) {
        return new ModelMetrics(modelId, 0, 0, 0, 0, 0, 0, 0, 0, LatencyStats.EMPTY, LatencyStats.EMPTY);
    }
}
