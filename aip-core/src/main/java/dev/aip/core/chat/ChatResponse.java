package dev.aip.core.chat;

import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageRecord;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The model's answer to a {@link ChatRequest}, with what it used.
 *
 * <p>Immutable.
 *
 * @param message the assistant message
 * @param stopReason why the model stopped
 * @param usage the tokens of this attempt, as recorded in its usage record (for a stream that lost its usage event
 *     an estimate; see the record's provenance)
 * @param latency from the start of the attempt to its end
 * @param awsRequestId the AWS request id, or {@code null} if the response carried none
 * @param profileArn the inference profile ARN the call was sent to
 * @param usageRecordId the id of the attempt's {@link UsageRecord}; {@code null} only for a response that has not
 *     passed through metering (a transport's raw answer)
 */
public record ChatResponse(
        ChatMessage message,
        StopReason stopReason,
        TokenUsage usage,
        Duration latency,
        @Nullable String awsRequestId,
        String profileArn,
        @Nullable String usageRecordId) {

    /** @throws NullPointerException if the message, stop reason, usage or latency is {@code null} */
    public ChatResponse {
        Objects.requireNonNull(message, "ChatResponse.message");
        Objects.requireNonNull(stopReason, "ChatResponse.stopReason");
        Objects.requireNonNull(usage, "ChatResponse.usage");
        Objects.requireNonNull(latency, "ChatResponse.latency");
    }

    /**
     * Returns the answer's text.
     *
     * @return the concatenated text parts
     */
    public String text() {
        return message.text();
    }

    /** Binds a transport's answer to the attempt's settled record. */
    ChatResponse metered(UsageRecord record) {
        return new ChatResponse(message, stopReason, record.usage(), record.latency(),
                record.awsRequestId() != null ? record.awsRequestId() : awsRequestId, profileArn, record.recordId());
    }
}
