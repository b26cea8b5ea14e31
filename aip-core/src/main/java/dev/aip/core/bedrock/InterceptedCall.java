package dev.aip.core.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aip.core.chat.IncompleteStreamException;
import dev.aip.core.chat.LogicalCall;
import dev.aip.core.metering.MeteredCall;
import dev.aip.core.metering.Operation;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantContext;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;

/**
 * The interceptor's state for one SDK execution: the engine's {@link LogicalCall} (routing, admission, attempt
 * bookkeeping, release) and what only the SDK path knows: the HTTP status of each attempt and the event-stream body.
 *
 * <p>The SDK runs the hooks of one execution one after another (attempts are sequential), but on different threads,
 * so fields are volatile. Every attempt is one {@link MeteredCall} started on the logical call; an attempt that the
 * SDK retries is settled when the next one starts (from the HTTP status it ended with), the last one by
 * {@code afterExecution}, {@code onExecutionFailure} or, for streams, by the body tap. Each settlement is a CAS, so
 * whichever comes first wins and the others are no-ops; the winner hands the attempt back to the logical call.
 *
 * <p>The execution is over on success ({@code afterExecution}, or the tap seeing the end of the last attempt's body),
 * failure ({@code onExecutionFailure}) or a cancelled stream (the tap's cancel); each ends the logical call, which
 * releases the permit once, after the last attempt is settled.
 */
final class InterceptedCall {

    private static final Logger LOG = LoggerFactory.getLogger(InterceptedCall.class);
    /** The error code of a call settled because the SDK never reported its outcome. */
    static final String NO_OUTCOME = "NoOutcome";

    final TenantContext tenant;
    final Operation operation;
    final Map<String, String> attributes;
    final String callId = UsageRecord.newId();

    private volatile LogicalCall call;
    private volatile int attempts;
    private volatile MeteredCall current;
    private volatile int pendingStatus;
    private volatile String pendingErrorCode;
    private volatile boolean streamStarted;
    private volatile FrameWatcher watcher;
    private volatile ScheduledFuture<?> abandonTimer;

    InterceptedCall(TenantContext tenant, Operation operation, Map<String, String> attributes) {
        this.tenant = tenant;
        this.operation = operation;
        this.attributes = attributes;
    }

    /** The execution is routed: from now on its attempts are metered on {@code value}. */
    void begun(LogicalCall value) {
        call = value;
    }

    /** The answer said why the model stopped: for the engine's observer, if any. */
    void finishReason(String reason) {
        LogicalCall c = call;
        if (c != null && reason != null) {
            c.finishReason(reason);
        }
    }

    /** The engine's call, or {@code null} before the execution is routed. */
    LogicalCall logical() {
        return call;
    }

    /** A new HTTP attempt starts: settle the previous one (retried by the SDK) and meter this one. */
    void attemptStarting() {
        LogicalCall c = call;
        if (c == null) {
            return;
        }
        MeteredCall previous = current;
        if (previous != null && !previous.isSettled()) {
            int status = pendingStatus;
            if (status >= 300) {
                fail(previous, BedrockErrors.outcomeOf(status, pendingErrorCode),
                        pendingErrorCode != null ? pendingErrorCode : "HTTP " + status);
            } else if (streamStarted) {
                fail(previous, Outcome.STREAM_INTERRUPTED, "Retried");
            } else {
                fail(previous, Outcome.SERVER_ERROR, "NoResponse");
            }
        }
        pendingStatus = 0;
        pendingErrorCode = null;
        streamStarted = false;
        watcher = null;
        attempts++;
        MeteredCall m = c.startAttempt(attempts, c.profile());
        if (m == null) {
            // Only a call already ended can refuse an attempt; an SDK execution ends after its last attempt.
            throw new CancellationException("The " + operation.wireName() + " call " + callId + " is over");
        }
        current = m;
    }

    /**
     * The execution is over: end the logical call, which releases its permit and balancer lease once its attempts
     * are settled. Never throws, since it runs inside the SDK's hooks and the tap.
     */
    void release() {
        ScheduledFuture<?> timer = abandonTimer;
        if (timer != null) {
            timer.cancel(false);
        }
        LogicalCall c = call;
        if (c == null) {
            return;
        }
        try {
            c.end();
        } catch (RuntimeException e) {
            LOG.warn("Ending a {} call of tenant {} failed", operation.wireName(), tenant.id(), e);
        }
    }

    /**
     * Settles the call as a timeout if nothing else has ended it within {@code after}: for the async client, whose
     * timed-out or cancelled futures call no hook.
     */
    void abandonAfter(Duration after) {
        abandonTimer = AbandonTimer.EXECUTOR.schedule(this::abandoned, after.toNanos(),
                TimeUnit.NANOSECONDS);
    }

    private void abandoned() {
        MeteredCall m = current;
        if (m != null && !m.isSettled()) {
            LOG.debug("A {} call of tenant {} had no outcome in time; settled as a timeout", operation.wireName(),
                    tenant.id());
            fail(m, Outcome.TIMEOUT, NO_OUTCOME);
        }
        release();
    }

    /** One daemon thread for the process, created on first use: its tasks only settle abandoned calls. */
    private static final class AbandonTimer {
        static final ScheduledThreadPoolExecutor EXECUTOR = create();

        private static ScheduledThreadPoolExecutor create() {
            ScheduledThreadPoolExecutor executor =
                    new ScheduledThreadPoolExecutor(1, r -> {
                        Thread t = new Thread(r, "aip-abandoned-calls");
                        t.setDaemon(true);
                        return t;
                    });
            executor.setRemoveOnCancelPolicy(true);
            return executor;
        }
    }

    MeteredCall current() {
        return current;
    }

    /** The current attempt answered whole: settle it with the usage Bedrock returned, or an estimate. */
    void succeeded(String requestId, TokenUsage usage) {
        MeteredCall m = current;
        if (m == null) {
            return;
        }
        m.awsRequestId(requestId);
        ended(m, usage != null ? m.succeed(usage) : m.succeed());
    }

    private void fail(MeteredCall m, Outcome outcome, String errorCode) {
        ended(m, m.fail(outcome, errorCode));
    }

    /** Hands a settled attempt back to the logical call, once: only the settlement that won. */
    private void ended(MeteredCall m, boolean won) {
        LogicalCall c = call;
        if (won && c != null) {
            c.attemptEnded(m);
        }
    }

    /** The HTTP status of the current attempt arrived. */
    void responded(int status, String requestId, String errorType) {
        MeteredCall m = current;
        if (m != null) {
            m.awsRequestId(requestId);
        }
        if (status >= 300) {
            pendingStatus = status;
            pendingErrorCode = BedrockErrors.errorCode(errorType);
            return;
        }
        if (m != null) {
            m.accepted();
        }
        if (operation.streaming()) {
            streamStarted = true;
        }
    }

    boolean streamStarted() {
        return streamStarted;
    }

    /** The execution failed: settle the current attempt with the SDK's exception. */
    void failed(Throwable exception) {
        MeteredCall m = current;
        if (m == null || m.isSettled()) {
            release();
            return;
        }
        var failure = BedrockErrors.classify(exception);
        Outcome outcome = failure.outcome();
        if (streamStarted && outcome != Outcome.TIMEOUT && outcome != Outcome.CANCELLED) {
            outcome = Outcome.STREAM_INTERRUPTED;
        }
        m.awsRequestId(failure.awsRequestId());
        fail(m, outcome, failure.errorCode());
        release();
    }

    /** A tap on the current attempt's event-stream body. */
    StreamTap.Observer tap() {
        FrameWatcher w = new FrameWatcher(current);
        watcher = w;
        return w;
    }

    /** The execution ended normally: settle the stream from what its tap saw, if the tap has not already. */
    void streamEnded() {
        FrameWatcher w = watcher;
        MeteredCall m = current;
        if (w != null) {
            w.finish();
        } else if (m != null) {
            ended(m, m.succeed());
        }
        release();
    }

    /** Watches the event-stream frames of one attempt. */
    private final class FrameWatcher implements StreamTap.Observer {
        private final MeteredCall metered;
        private final EventStreamDecoder decoder = new EventStreamDecoder(this::frame);
        private volatile boolean broken;
        private volatile boolean stopSeen;
        private volatile boolean usageSeen;

        FrameWatcher(MeteredCall metered) {
            this.metered = metered;
        }

        @Override
        public void bytes(ByteBuffer buffer) {
            if (broken) {
                return;
            }
            try {
                decoder.feed(buffer);
            } catch (RuntimeException e) {
                broken = true;
                LOG.warn("Cannot decode the {} event stream of tenant {}; its usage will be estimated",
                        operation.wireName(), tenant.id(), e);
            }
        }

        @Override
        public void completed() {
            finish();
            if (metered == current) {
                release();
            }
        }

        @Override
        public void failed(Throwable error) {
            // Most failures are settled by onExecutionFailure with the SDK's exception, so that both paths record the
            // same error code. Two never reach that hook on the async client's event streams: the SDK's call timeout
            // and the caller cancelling the call's future. The body's error is then the only signal, and the stream
            // was accepted (it has a body), so it is settled here, with an estimate if no usage arrived.
            Throwable cause = error;
            for (int depth = 0; cause != null && depth < 16; depth++, cause = cause.getCause()) {
                if (cause instanceof ApiCallTimeoutException
                        || cause instanceof ApiCallAttemptTimeoutException) {
                    fail(metered, Outcome.TIMEOUT, cause.getClass().getSimpleName());
                    release();
                    return;
                }
                if (cause instanceof CancellationException) {
                    ended(metered, metered.cancel());
                    release();
                    return;
                }
            }
        }

        @Override
        public void cancelled() {
            ended(metered, metered.cancel());
            release();
        }

        void finish() {
            if (usageSeen || stopSeen) {
                ended(metered, metered.succeed());
            } else {
                fail(metered, Outcome.STREAM_INTERRUPTED, IncompleteStreamException.ERROR_CODE);
            }
        }

        private void frame(EventStreamDecoder.Frame frame) {
            String type = frame.header(":message-type");
            if ("exception".equals(type)) {
                fail(metered, Outcome.STREAM_INTERRUPTED, BedrockErrors.errorCode(frame.header(":exception-type")));
                return;
            }
            if ("error".equals(type)) {
                fail(metered, Outcome.STREAM_INTERRUPTED, BedrockErrors.errorCode(frame.header(":error-code")));
                return;
            }
            String event = frame.header(":event-type");
            if (event == null) {
                return;
            }
            try {
                if (operation == Operation.CONVERSE_STREAM) {
                    converseEvent(event, frame.payload());
                } else if ("chunk".equals(event)) {
                    chunk(frame.payload());
                }
            } catch (java.io.IOException | RuntimeException e) {
                LOG.debug("Ignoring an undecodable {} event of tenant {}", event, tenant.id(), e);
            }
        }

        private void converseEvent(String event, byte[] payload) throws java.io.IOException {
            switch (event) {
                case "contentBlockDelta" -> {
                    JsonNode delta = Documents.JSON.readTree(payload).path("delta");
                    JsonNode text = delta.path("text");
                    JsonNode input = delta.path("toolUse").path("input");
                    if (text.isTextual()) {
                        metered.firstToken();
                        metered.outputSeen(text.asText().length());
                    } else if (input.isTextual()) {
                        metered.firstToken();
                        metered.outputSeen(input.asText().length());
                    }
                }
                case "messageStop" -> stopSeen = true;
                case "metadata" -> {
                    JsonNode usage = Documents.JSON.readTree(payload).path("usage");
                    if (usage.isObject()) {
                        metered.reported(new TokenUsage(usage.path("inputTokens").asLong(),
                                usage.path("outputTokens").asLong(), usage.path("cacheReadInputTokens").asLong(),
                                usage.path("cacheWriteInputTokens").asLong()));
                        usageSeen = true;
                    }
                }
                default -> { }
            }
        }

        private void chunk(byte[] payload) throws java.io.IOException {
            JsonNode bytes = Documents.JSON.readTree(payload).path("bytes");
            if (!bytes.isTextual()) {
                return;
            }
            JsonNode body = Documents.JSON.readTree(Base64.getDecoder().decode(bytes.asText()));
            String type = body.path("type").asText("");
            JsonNode delta = body.has("delta") ? body.path("delta") : body.path("contentBlockDelta").path("delta");
            JsonNode text = delta.has("text") ? delta.path("text") : delta.path("partial_json");
            if (text.isTextual() && ("content_block_delta".equals(type) || body.has("contentBlockDelta"))) {
                metered.firstToken();
                metered.outputSeen(text.asText().length());
            }
            if ("message_stop".equals(type) || body.has("messageStop")) {
                stopSeen = true;
            }
            JsonNode m = body.path("amazon-bedrock-invocationMetrics");
            if (m.isObject()) {
                metered.reported(new TokenUsage(m.path("inputTokenCount").asLong(),
                        m.path("outputTokenCount").asLong(), m.path("cacheReadInputTokenCount").asLong(),
                        m.path("cacheWriteInputTokenCount").asLong()));
                usageSeen = true;
            }
        }
    }
}
