package dev.aip.core.chat;

import dev.aip.core.metering.TokenUsage;

/**
 * What a {@link ChatTransport} reports while an attempt runs, so the pipeline can meter it. A transport calls these
 * before it completes the attempt (returns, or calls the listener's {@code onComplete}/{@code onError}).
 *
 * <p>Implementations are thread-safe and never throw.
 */
public interface CallProgress {

    /**
     * The AWS request id of the response.
     *
     * @param requestId the id
     */
    void awsRequestId(String requestId);

    /**
     * A stream's response headers arrived: Bedrock accepted the attempt and bills it, so failures from now on
     * interrupt a running stream and are recorded with the reported usage or an estimate, never as free.
     */
    void streamStarted();

    /** The first content delta of a stream arrived (time to first token). */
    void firstToken();

    /**
     * Output characters arrived (text or tool input), for estimates if no usage is reported.
     *
     * @param chars the number of characters
     */
    void outputSeen(int chars);

    /**
     * Bedrock reported the usage (a stream's {@code metadata} event).
     *
     * @param usage the usage
     */
    void usageReported(TokenUsage usage);
}
