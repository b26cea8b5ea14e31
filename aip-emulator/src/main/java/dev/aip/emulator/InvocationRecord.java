package dev.aip.emulator;

import java.time.Instant;
import java.util.Map;
import java.util.Arrays;
import java.util.Collection;
import java.util.Objects;

/**
 * One runtime call as the emulator saw it, the counterpart of a Bedrock model invocation log record. Immutable.
 *
 * <p>What is counted per outcome (the same numbers feed {@link ModelMetrics}):
 * <ul>
 *   <li>{@code SUCCESS}: accepted; all input, cache and output tokens. For a stream, {@code usageDelivered} is
 *       false when the usage event was dropped by a fault.</li>
 *   <li>{@code THROTTLED}: not accepted, no tokens; counted in {@code InvocationThrottles}.</li>
 *   <li>{@code CLIENT_ERROR}: the request was rejected (validation, unknown model, access, quota): not accepted, no
 *       tokens; counted in {@code InvocationClientErrors}.</li>
 *   <li>{@code SERVER_ERROR}: accepted and then failed (5xx, or a model error such as {@code ModelTimeoutException},
 *       {@code ModelErrorException}, {@code ModelNotReadyException}); counted in {@code InvocationServerErrors}; no
 *       tokens.</li>
 *   <li>An exception frame inside a stream: the outcome of its code as above, but the call was accepted (it counts
 *       in {@code Invocations}) and keeps the input tokens and the output tokens of the content sent before it.</li>
 *   <li>{@code STREAM_CUT}: a fault cut the connection; the model finished generating, so all input and output
 *       tokens count (Bedrock bills generated tokens) while the client saw no usage unless the cut came after it.</li>
 *   <li>{@code CANCELLED_BY_CLIENT}: the client went away mid-stream; generation stopped there, so the input tokens
 *       and the output tokens of the content sent so far count.</li>
 * </ul>
 *
 * @param requestId the {@code x-amzn-RequestId} of the answer
 * @param timestamp when the call arrived, by the emulator's clock
 * @param operation {@code Converse}, {@code ConverseStream}, {@code InvokeModel} or {@code InvokeModelWithResponseStream}
 * @param modelId the model id as the caller passed it (decoded)
 * @param metricsModelId the {@code ModelId} dimension the call is counted under
 * @param profileArn the inference profile ARN, or {@code null} for a foundation model or an unknown id
 * @param profileId the inference profile id, or {@code null}
 * @param foundationModelId the model that answered, or {@code null} when the id could not be resolved
 * @param inputTokens input tokens not read from or written to the prompt cache
 * @param outputTokens output tokens
 * @param cacheReadInputTokens input tokens read from the prompt cache
 * @param cacheWriteInputTokens input tokens written to the prompt cache
 * @param latencyMs from arrival to the last byte (to the error for failures), in milliseconds of real time
 * @param timeToFirstTokenMs streams: from arrival to the first content delta; {@code null} if none was sent
 * @param outcome how the call ended
 * @param errorCode the error code for errors (e.g. {@code ThrottlingException}), else {@code null}
 * @param accepted whether the call counts in {@code Invocations}
 * @param usageDelivered whether the client received the token usage (response body, headers, or the stream's usage
 *     event)
 * @param requestMetadata the request metadata (body member or {@code X-Amzn-Bedrock-Request-Metadata}), or empty
 */
public record InvocationRecord(String requestId, Instant timestamp, String operation, String modelId,
                               String metricsModelId, String profileArn, String profileId, String foundationModelId,
                               long inputTokens, long outputTokens, long cacheReadInputTokens,
                               long cacheWriteInputTokens, long latencyMs, Long timeToFirstTokenMs, Outcome outcome,
                               String errorCode, boolean accepted, boolean usageDelivered,
                               Map<String, String> requestMetadata) {

    /** How a call ended. */
    public enum Outcome { SUCCESS, THROTTLED, CLIENT_ERROR, SERVER_ERROR, STREAM_CUT, CANCELLED_BY_CLIENT }

    public InvocationRecord {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(metricsModelId, "metricsModelId");
        Objects.requireNonNull(outcome, "outcome");
        requestMetadata = requestMetadata == null ? Map.of() : Map.copyOf(requestMetadata);
    }

    /**
     * Returns the most calls of {@code records} that were running at one time, each from its arrival
     * ({@link #timestamp()}) for its {@link #latencyMs()}: a way to check from the emulator's own books that a
     * concurrency cap held, or that calls really ran side by side. A call ending in the millisecond another arrives does
     * not overlap it (a slot released, then taken).
     *
     * @param records the calls to look at, e.g. {@code emulator.invocations()} or one tenant's of them
     * @return the peak number of calls in flight, 0 for none
     */
    public static int peakInFlight(Collection<InvocationRecord> records) {
        long[][] edges = new long[records.size() * 2][];
        int i = 0;
        for (InvocationRecord r : records) {
            long start = r.timestamp().toEpochMilli();
            edges[i++] = new long[] {start, 1};
            edges[i++] = new long[] {start + r.latencyMs(), -1};
        }
        // At one millisecond, ends before starts.
        Arrays.sort(edges, (a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        int now = 0;
        int peak = 0;
        for (long[] e : edges) {
            now += (int) e[1];
            peak = Math.max(peak, now);
        }
        return peak;
    }

    /** Input tokens of every kind: {@code inputTokens + cacheReadInputTokens + cacheWriteInputTokens}. */
    public long totalInputTokens() {
        return inputTokens + cacheReadInputTokens + cacheWriteInputTokens;
    }
}
