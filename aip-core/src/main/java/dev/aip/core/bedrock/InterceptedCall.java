package dev.aip.core.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aip.core.chat.Admission;
import dev.aip.core.chat.IncompleteStreamException;
import dev.aip.core.metering.CallInfo;
import dev.aip.core.metering.Meter;
import dev.aip.core.metering.MeteredCall;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.ProfileBalancer;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.tenant.TenantContext;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;

/**
 * The interceptor's state for one SDK execution: the tenant, the routing decision and the attempt being metered.
 *
 * <p>The SDK runs the hooks of one execution one after another (attempts are sequential), but on different threads,
 * so fields are volatile. Every attempt is one {@link MeteredCall}; an attempt that the SDK retries is settled when
 * the next one starts (from the HTTP status it ended with), the last one by {@code afterExecution},
 * {@code onExecutionFailure} or, for streams, by the body tap. Each settlement is a CAS, so whichever of these comes
 * first wins and the others are no-ops.
 *
 * <p>An admitted execution holds its {@link Admission.Permit} here until the execution is over: success
 * ({@code afterExecution}, or the tap seeing the end of the last attempt's body), failure ({@code onExecutionFailure})
 * or a cancelled stream (the tap's cancel). Whichever comes first takes the permit (a CAS) and releases it with the
 * records of every attempt, so it is released exactly once and only after the last attempt is settled.
 */
final class InterceptedCall {

    private static final Logger LOG = LoggerFactory.getLogger(InterceptedCall.class);

    /** The four model invocation operations the interceptor routes and meters. */
    enum Operation {
        CONVERSE("Converse", false),
        CONVERSE_STREAM("ConverseStream", true),
        INVOKE_MODEL("InvokeModel", false),
        INVOKE_MODEL_WITH_RESPONSE_STREAM("InvokeModelWithResponseStream", true);

        final String wireName;
        final boolean streaming;

        Operation(String wireName, boolean streaming) {
            this.wireName = wireName;
            this.streaming = streaming;
        }

        static Operation of(String name) {
            for (Operation o : values()) {
                if (o.wireName.equals(name)) {
                    return o;
                }
            }
            return null;
        }
    }

    final TenantContext tenant;
    final Operation operation;
    final Map<String, String> attributes;
    private final Meter meter;
    private final String callId = dev.aip.core.metering.UsageRecord.newId();

    private volatile String requestedModel;
    private volatile ResolvedProfile profile;
    private volatile String modelIdSent;
    private volatile long estimatedInputTokens;
    private volatile int attempts;
    private volatile MeteredCall current;
    private volatile int pendingStatus;
    private volatile String pendingErrorCode;
    private volatile boolean streamStarted;
    private volatile FrameWatcher watcher;
    private final List<MeteredCall> attemptCalls = new CopyOnWriteArrayList<>();
    private final AtomicReference<Admission.Permit> permit = new AtomicReference<>();
    private final AtomicReference<ProfileBalancer.Lease> lease = new AtomicReference<>();

    InterceptedCall(TenantContext tenant, Operation operation, Map<String, String> attributes, Meter meter) {
        this.tenant = tenant;
        this.operation = operation;
        this.attributes = attributes;
        this.meter = meter;
    }

    void routed(String requestedModel, ResolvedProfile profile, String modelIdSent, long estimatedInputTokens) {
        this.requestedModel = requestedModel;
        this.profile = profile;
        this.modelIdSent = modelIdSent;
        this.estimatedInputTokens = estimatedInputTokens;
    }

    /** A new HTTP attempt starts: settle the previous one (retried by the SDK) and meter this one. */
    void attemptStarting() {
        MeteredCall previous = current;
        if (previous != null && !previous.isSettled()) {
            int status = pendingStatus;
            if (status >= 300) {
                previous.fail(BedrockErrors.outcomeOf(status, pendingErrorCode),
                        pendingErrorCode != null ? pendingErrorCode : "HTTP " + status);
            } else if (streamStarted) {
                previous.fail(Outcome.STREAM_INTERRUPTED, "Retried");
            } else {
                previous.fail(Outcome.SERVER_ERROR, "NoResponse");
            }
        }
        pendingStatus = 0;
        pendingErrorCode = null;
        streamStarted = false;
        watcher = null;
        attempts++;
        MeteredCall m = meter.start(info(attempts));
        attemptCalls.add(m);
        current = m;
    }

    private CallInfo info(int attempt) {
        ResolvedProfile p = profile;
        CallInfo.Builder info = CallInfo.builder()
                .callId(callId)
                .attempt(attempt)
                .tenant(tenant)
                .operation(operation.wireName)
                .requestedModel(requestedModel)
                .streaming(operation.streaming)
                .estimatedInputTokens(estimatedInputTokens)
                .attributes(attributes);
        if (p != null) {
            info.profileArn(p.profileArn()).profileId(p.profileId()).sourceModelId(p.sourceModelId())
                    .region(p.region()).pooled(p.pooled());
        } else if (modelIdSent != null && modelIdSent.contains(":application-inference-profile/")) {
            info.profileArn(modelIdSent).profileId(modelIdSent.substring(modelIdSent.lastIndexOf('/') + 1));
        }
        return info.build();
    }

    /** The admission admitted the execution: hold its permit until the execution is over. */
    void admitted(Admission.Permit value) {
        permit.set(value != null ? value : Admission.Permit.NONE);
    }

    /** The admission refused the execution before anything was sent: one {@code REJECTED_BY_POLICY} record. */
    void rejected(RuntimeException refusal) {
        meter.start(info(1)).fail(Outcome.REJECTED_BY_POLICY, refusal.getClass().getSimpleName());
    }

    /** The execution counts as in flight on its profile for the balancer until it is over. */
    void tracked(ProfileBalancer.Lease value) {
        lease.set(value);
    }

    /**
     * The execution is over: end its balancer lease, and release the permit, if it still holds one, with the records
     * of all attempts. Never throws, since it runs inside the SDK's hooks and the tap.
     */
    void release() {
        ProfileBalancer.Lease l = lease.getAndSet(null);
        if (l != null) {
            l.release();
        }
        Admission.Permit p = permit.getAndSet(null);
        if (p == null) {
            return;
        }
        List<UsageRecord> records = new ArrayList<>(attemptCalls.size());
        for (MeteredCall m : attemptCalls) {
            m.record().ifPresent(records::add);
        }
        try {
            p.release(records);
        } catch (RuntimeException e) {
            LOG.warn("Releasing the admission permit of a {} call of tenant {} failed", operation.wireName,
                    tenant.id(), e);
        }
    }

    MeteredCall current() {
        return current;
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
        if (operation.streaming) {
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
        m.fail(outcome, failure.errorCode());
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
            m.succeed();
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
                        operation.wireName, tenant.id(), e);
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
                    metered.fail(Outcome.TIMEOUT, cause.getClass().getSimpleName());
                    release();
                    return;
                }
                if (cause instanceof CancellationException) {
                    metered.cancel();
                    release();
                    return;
                }
            }
        }

        @Override
        public void cancelled() {
            metered.cancel();
            release();
        }

        void finish() {
            if (usageSeen || stopSeen) {
                metered.succeed();
            } else {
                metered.fail(Outcome.STREAM_INTERRUPTED, IncompleteStreamException.ERROR_CODE);
            }
        }

        private void frame(EventStreamDecoder.Frame frame) {
            String type = frame.header(":message-type");
            if ("exception".equals(type)) {
                metered.fail(Outcome.STREAM_INTERRUPTED, BedrockErrors.errorCode(frame.header(":exception-type")));
                return;
            }
            if ("error".equals(type)) {
                metered.fail(Outcome.STREAM_INTERRUPTED, BedrockErrors.errorCode(frame.header(":error-code")));
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
