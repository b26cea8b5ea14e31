package dev.aip.examples;

import java.util.Locale;
import java.util.Objects;

/**
 * What Bedrock itself counted for one {@code ModelId} of the {@code AWS/Bedrock} CloudWatch namespace: the
 * server-side view, as opposed to what the application measured. For calls through an application inference
 * profile the {@code ModelId} is the profile's id; for a system-defined profile it is the id the caller passed.
 *
 * <p>Immutable.
 *
 * @param modelId the {@code ModelId} dimension value
 * @param invocations {@code Invocations}
 * @param inputTokenCount {@code InputTokenCount} (without cache tokens)
 * @param outputTokenCount {@code OutputTokenCount}
 * @param cacheReadInputTokenCount {@code CacheReadInputTokenCount}
 * @param cacheWriteInputTokenCount {@code CacheWriteInputTokenCount}
 * @param invocationThrottles {@code InvocationThrottles}
 */
record ModelIdTotals(String modelId, long invocations, long inputTokenCount, long outputTokenCount,
                     long cacheReadInputTokenCount, long cacheWriteInputTokenCount, long invocationThrottles) {

    ModelIdTotals {
        Objects.requireNonNull(modelId, "modelId");
    }

    static ModelIdTotals zero(String modelId) {
        return new ModelIdTotals(modelId, 0, 0, 0, 0, 0, 0);
    }

    /** These totals less an earlier reading of the same series, e.g. a baseline taken before the lab's calls. */
    ModelIdTotals minus(ModelIdTotals before) {
        if (!modelId.equals(before.modelId)) {
            throw new IllegalArgumentException("cannot subtract " + before.modelId + " from " + modelId);
        }
        return new ModelIdTotals(modelId, invocations - before.invocations, inputTokenCount - before.inputTokenCount,
                outputTokenCount - before.outputTokenCount,
                cacheReadInputTokenCount - before.cacheReadInputTokenCount,
                cacheWriteInputTokenCount - before.cacheWriteInputTokenCount,
                invocationThrottles - before.invocationThrottles);
    }

    /** One line in the shape CloudWatch names things: {@code ModelId=... Invocations=2 InputTokenCount=...}. */
    String line() {
        return String.format(Locale.ROOT, "ModelId=%s  Invocations=%d  InputTokenCount=%d  OutputTokenCount=%d"
                        + "  CacheReadInputTokenCount=%d  InvocationThrottles=%d", modelId, invocations,
                inputTokenCount, outputTokenCount, cacheReadInputTokenCount, invocationThrottles);
    }
}
