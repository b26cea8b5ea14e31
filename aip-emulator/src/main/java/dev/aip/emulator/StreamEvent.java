package dev.aip.emulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Base64;

/**
 * One event of a streamed answer before it is framed. Events that carry usage are completed when they are sent,
 * because they report the latency so far. Immutable apart from that.
 */
final class StreamEvent {

    enum UsageKind { NONE, CONVERSE_METADATA, INVOCATION_METRICS }

    private final String eventType;
    private final ObjectNode payload;
    private final boolean chunk;
    final boolean content;
    final long outputTokensAfter;
    final UsageKind usageKind;
    private final Usage usage;
    private final boolean omitWhenDropped;

    private StreamEvent(String eventType, ObjectNode payload, boolean chunk, boolean content, long outputTokensAfter,
                        UsageKind usageKind, Usage usage, boolean omitWhenDropped) {
        this.omitWhenDropped = omitWhenDropped;
        this.eventType = eventType;
        this.payload = payload;
        this.chunk = chunk;
        this.content = content;
        this.outputTokensAfter = outputTokensAfter;
        this.usageKind = usageKind;
        this.usage = usage;
    }

    /** A ConverseStream event. */
    static StreamEvent converse(String eventType, ObjectNode payload, boolean content, long outputTokensAfter) {
        return new StreamEvent(eventType, payload, false, content, outputTokensAfter, UsageKind.NONE, null, false);
    }

    /** The ConverseStream {@code metadata} event; {@code metrics.latencyMs} is added when it is sent. */
    static StreamEvent converseMetadata(ObjectNode payload, long outputTokensAfter) {
        return new StreamEvent("metadata", payload, false, false, outputTokensAfter, UsageKind.CONVERSE_METADATA,
                null, true);
    }

    /** A {@code chunk} of InvokeModelWithResponseStream carrying one model-native event. */
    static StreamEvent chunk(ObjectNode modelEvent, boolean content, long outputTokensAfter) {
        return new StreamEvent("chunk", modelEvent, true, content, outputTokensAfter, UsageKind.NONE, null, false);
    }

    /** The last chunk: Bedrock adds {@code amazon-bedrock-invocationMetrics} to it when it is sent. */
    static StreamEvent finalChunk(ObjectNode modelEvent, Usage usage, long outputTokensAfter) {
        return new StreamEvent("chunk", modelEvent, true, false, outputTokensAfter, UsageKind.INVOCATION_METRICS,
                usage, false);
    }

    /** Like {@link #finalChunk}, but the model's own event reports usage too, so a withheld usage drops it whole. */
    static StreamEvent finalUsageChunk(ObjectNode modelEvent, Usage usage, long outputTokensAfter) {
        return new StreamEvent("chunk", modelEvent, true, false, outputTokensAfter, UsageKind.INVOCATION_METRICS,
                usage, true);
    }

    boolean carriesUsage() {
        return usageKind != UsageKind.NONE;
    }

    /**
     * The frame to send, or {@code null} when the event is to be left out.
     *
     * @param dropUsage whether a fault withholds the usage: the metadata event is left out, the last chunk goes
     *     without its invocation metrics
     */
    byte[] frame(long latencyMs, long firstByteLatencyMs, boolean dropUsage) {
        ObjectNode body = payload;
        if (dropUsage && omitWhenDropped) {
            return null;
        }
        if (usageKind == UsageKind.CONVERSE_METADATA) {
            body = payload.deepCopy();
            body.putObject("metrics").put("latencyMs", latencyMs);
        } else if (usageKind == UsageKind.INVOCATION_METRICS && !dropUsage) {
            body = payload.deepCopy();
            ObjectNode m = body.putObject("amazon-bedrock-invocationMetrics");
            m.put("inputTokenCount", usage.input());
            m.put("outputTokenCount", usage.output());
            m.put("invocationLatency", latencyMs);
            m.put("firstByteLatency", firstByteLatencyMs);
            if (usage.cacheRead() > 0) {
                m.put("cacheReadInputTokenCount", usage.cacheRead());
            }
            if (usage.cacheWrite() > 0) {
                m.put("cacheWriteInputTokenCount", usage.cacheWrite());
            }
        }
        if (!chunk) {
            return EventStreamEncoder.event(eventType, Json.write(body));
        }
        ObjectNode wrapper = Json.MAPPER.createObjectNode();
        wrapper.put("bytes", Base64.getEncoder().encodeToString(Json.write(body)));
        return EventStreamEncoder.event("chunk", Json.write(wrapper));
    }

    /** The payload as the client decodes it (the model-native event for chunks), for tests. */
    ObjectNode payload() {
        return payload;
    }

    String eventType() {
        return eventType;
    }
}
