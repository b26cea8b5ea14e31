package dev.aip.opentelemetry;

import dev.aip.core.ConfigurationException;
import dev.aip.core.chat.CallObserver;
import dev.aip.core.chat.InferenceSettings;
import dev.aip.core.chat.LogicalCall;
import dev.aip.core.metering.CallInfo;
import dev.aip.core.metering.Operation;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageRecord;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Traces every model call: one span per logical call and a child span per attempt (so retries and fail-overs are
 * visible), named and attributed by the OpenTelemetry GenAI semantic conventions, plus aip's tenant, profile,
 * outcome and cost. A {@link CallObserver}: give it to the driver that builds the call engine.
 *
 * <pre>{@code
 * TracingCallObserver tracing = TracingCallObserver.builder(openTelemetry).build();
 * ChatClient chat = ChatPipeline.builder()
 *     .resolver(resolver)
 *     .meter(meter)
 *     .transport(transport)
 *     .observer(tracing)
 *     .build();
 * }</pre>
 *
 * <p><b>Spans.</b>
 * <ul>
 *   <li><b>Logical call</b>: kind {@code CLIENT}, named {@code {gen_ai.operation.name} {gen_ai.request.model}}
 *       (e.g. {@code chat claude-haiku}). Its parent is the {@link Context#current() current context} of the thread
 *       that begins the call (the caller's thread on every path), so a host's trace continues through it; a model
 *       call that a Spring AI ChatClient call covers is nested under that call's span. It starts when the call
 *       begins and ends once, when the engine releases the call: after its last attempt, whatever ended it
 *       (answer, failure, refusal by policy, cancel, timeout).</li>
 *   <li><b>Attempt</b>: kind {@code CLIENT}, the same name, a child of the logical span; one per request sent to
 *       Bedrock, from its start until its usage record is settled.</li>
 * </ul>
 *
 * <table>
 *   <caption>Attributes</caption>
 *   <tr><th>Key</th><th>On</th><th>Value</th></tr>
 *   <tr><td>{@code gen_ai.operation.name}</td><td>both</td><td>{@code chat} (Converse, ConverseStream);
 *       {@code embeddings} or {@code text_completion} for InvokeModel, by whether the model's name says
 *       {@code embed}</td></tr>
 *   <tr><td>{@code gen_ai.provider.name}</td><td>both</td><td>{@code aws.bedrock}</td></tr>
 *   <tr><td>{@code gen_ai.request.model}</td><td>both</td><td>the model asked for (a logical model or a profile
 *       ARN)</td></tr>
 *   <tr><td>{@code gen_ai.request.max_tokens}, {@code .temperature}, {@code .top_p},
 *       {@code .stop_sequences}</td><td>logical</td><td>when set, as sent (after governance shaped them)</td></tr>
 *   <tr><td>{@code gen_ai.response.model}</td><td>both</td><td>the foundation model behind the profile that
 *       served</td></tr>
 *   <tr><td>{@code gen_ai.response.finish_reasons}</td><td>logical</td><td>Bedrock's stop reasons, e.g.
 *       {@code end_turn} (the chat pipeline's calls and streams, the SDK interceptor's Converse calls)</td></tr>
 *   <tr><td>{@code gen_ai.usage.input_tokens}</td><td>both</td><td>all input tokens, cache reads and writes included
 *       (as the conventions count them; Bedrock's own {@code inputTokens} excludes them); on the logical span, the
 *       sum over its attempts</td></tr>
 *   <tr><td>{@code gen_ai.usage.output_tokens}</td><td>both</td><td>output tokens (summed on the logical span)</td></tr>
 *   <tr><td>{@code gen_ai.usage.cache_read.input_tokens},
 *       {@code gen_ai.usage.cache_creation.input_tokens}</td><td>both</td><td>the cache buckets</td></tr>
 *   <tr><td>{@code error.type}</td><td>both</td><td>on failure: the attempt's error code (e.g.
 *       {@code ThrottlingException}, {@code CallTimeout}) or, without one, the lower-case outcome; for a call that
 *       failed before any record, the exception's class name. The span status is then {@code ERROR}. A call the
 *       caller cancelled is not an error: {@code aip.outcome=cancelled}, status unset.</td></tr>
 *   <tr><td>{@code server.address}, {@code cloud.region}</td><td>attempt</td><td>{@code bedrock-runtime.{region}.amazonaws.com}
 *       and the region</td></tr>
 *   <tr><td>{@code aws.request_id}</td><td>attempt</td><td>the AWS request id, when one arrived</td></tr>
 *   <tr><td>{@code aip.tenant.id}, {@code aip.tenant.tier}</td><td>both</td><td>the tenant</td></tr>
 *   <tr><td>{@code aip.call.id}</td><td>both</td><td>the call id every usage record of the call carries</td></tr>
 *   <tr><td>{@code aip.attempt}, {@code aip.record.id}</td><td>attempt</td><td>the attempt's number and the id of
 *       its usage record</td></tr>
 *   <tr><td>{@code aip.attempts}</td><td>logical</td><td>how many attempts were sent</td></tr>
 *   <tr><td>{@code aip.profile.arn}, {@code aip.profile.id}</td><td>both</td><td>the application inference
 *       profile (on the logical span, the last attempt's)</td></tr>
 *   <tr><td>{@code aip.outcome}</td><td>both</td><td>the lower-case {@link Outcome} (the logical span's is its last
 *       record's)</td></tr>
 *   <tr><td>{@code aip.cost_usd}</td><td>both</td><td>the priced cost in USD, summed on the logical span (a double,
 *       for dashboards; the exact amounts are in the usage records)</td></tr>
 * </table>
 * <b>Time to first token</b> is an event named {@value #FIRST_TOKEN_EVENT}, at the moment the first content of a
 * stream arrived, on the attempt span and on the logical span (the first attempt that had one).
 *
 * <p><b>Cost when unused.</b> An engine without an observer makes no observer call, so an application that never
 * builds this class loads no OpenTelemetry class through aip. With an {@code OpenTelemetry} whose tracer does not
 * sample a call (or {@link OpenTelemetry#noop()}), spans are non-recording and attributes are skipped.
 *
 * <p>Thread-safe; share one instance across pipelines and interceptors.
 */
public final class TracingCallObserver implements CallObserver {

    /** The instrumentation scope name of aip's spans. */
    public static final String INSTRUMENTATION_NAME = "dev.aip.opentelemetry";

    /** The event that marks the first content of a stream. */
    public static final String FIRST_TOKEN_EVENT = "aip.first_token";

    static final AttributeKey<String> OPERATION_NAME = AttributeKey.stringKey("gen_ai.operation.name");
    static final AttributeKey<String> PROVIDER_NAME = AttributeKey.stringKey("gen_ai.provider.name");
    static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
    static final AttributeKey<Long> REQUEST_MAX_TOKENS = AttributeKey.longKey("gen_ai.request.max_tokens");
    static final AttributeKey<Double> REQUEST_TEMPERATURE = AttributeKey.doubleKey("gen_ai.request.temperature");
    static final AttributeKey<Double> REQUEST_TOP_P = AttributeKey.doubleKey("gen_ai.request.top_p");
    static final AttributeKey<List<String>> REQUEST_STOP_SEQUENCES =
            AttributeKey.stringArrayKey("gen_ai.request.stop_sequences");
    static final AttributeKey<String> RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
    static final AttributeKey<List<String>> FINISH_REASONS =
            AttributeKey.stringArrayKey("gen_ai.response.finish_reasons");
    static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
    static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
    static final AttributeKey<Long> CACHE_READ_TOKENS = AttributeKey.longKey("gen_ai.usage.cache_read.input_tokens");
    static final AttributeKey<Long> CACHE_CREATION_TOKENS =
            AttributeKey.longKey("gen_ai.usage.cache_creation.input_tokens");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    static final AttributeKey<String> CLOUD_REGION = AttributeKey.stringKey("cloud.region");
    static final AttributeKey<String> AWS_REQUEST_ID = AttributeKey.stringKey("aws.request_id");
    static final AttributeKey<String> TENANT_ID = AttributeKey.stringKey("aip.tenant.id");
    static final AttributeKey<String> TENANT_TIER = AttributeKey.stringKey("aip.tenant.tier");
    static final AttributeKey<String> CALL_ID = AttributeKey.stringKey("aip.call.id");
    static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("aip.attempt");
    static final AttributeKey<Long> ATTEMPTS = AttributeKey.longKey("aip.attempts");
    static final AttributeKey<String> RECORD_ID = AttributeKey.stringKey("aip.record.id");
    static final AttributeKey<String> PROFILE_ARN = AttributeKey.stringKey("aip.profile.arn");
    static final AttributeKey<String> PROFILE_ID = AttributeKey.stringKey("aip.profile.id");
    static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("aip.outcome");
    static final AttributeKey<Double> COST_USD = AttributeKey.doubleKey("aip.cost_usd");

    /** The provider, as the conventions spell AWS Bedrock. */
    static final String AWS_BEDROCK = "aws.bedrock";

    private final Tracer tracer;
    private final Clock clock;

    private TracingCallObserver(Builder b) {
        this.tracer = b.openTelemetry.getTracer(INSTRUMENTATION_NAME);
        this.clock = b.clock != null ? b.clock : Clock.systemUTC();
    }

    /**
     * Starts a builder on the application's OpenTelemetry (its SDK, or {@code GlobalOpenTelemetry.get()} under the
     * Java agent).
     *
     * @param openTelemetry where spans go
     * @return the builder
     */
    public static Builder builder(OpenTelemetry openTelemetry) {
        return new Builder(Objects.requireNonNull(openTelemetry, "openTelemetry"));
    }

    /**
     * Opens the logical call's span under the current context of the calling thread, or under the covering call's
     * span.
     */
    @Override
    public ObservedCall callStarted(LogicalCall call, @Nullable ObservedCall cover) {
        Context parent = Context.current();
        if (cover instanceof CallSpan covering) {
            parent = parent.with(covering.span);
        }
        String model = call.request().model();
        String operation = operationName(call.operation(), model);
        SpanBuilder b = tracer.spanBuilder(operation + " " + model)
                .setSpanKind(SpanKind.CLIENT)
                .setParent(parent)
                .setAttribute(OPERATION_NAME, operation)
                .setAttribute(PROVIDER_NAME, AWS_BEDROCK)
                .setAttribute(REQUEST_MODEL, model)
                .setAttribute(TENANT_ID, call.tenant().id().value())
                .setAttribute(TENANT_TIER, call.tenant().tier().name())
                .setAttribute(CALL_ID, call.callId());
        return new CallSpan(b.startSpan(), operation);
    }

    /** The GenAI operation name of an aip operation. */
    static String operationName(Operation operation, String model) {
        return switch (operation) {
            case CONVERSE, CONVERSE_STREAM -> "chat";
            case INVOKE_MODEL, INVOKE_MODEL_WITH_RESPONSE_STREAM ->
                    model.toLowerCase(Locale.ROOT).contains("embed") ? "embeddings" : "text_completion";
        };
    }

    /** The span of one logical call. Thread-safe: attempts start and end on transport threads. */
    private final class CallSpan implements ObservedCall {
        private final Span span;
        private final String operation;
        // Guarded by this.
        private int attempts;
        private boolean firstTokenMarked;
        private @Nullable List<String> finishReasons;

        CallSpan(Span span, String operation) {
            this.span = span;
            this.operation = operation;
        }

        @Override
        public ObservedAttempt attemptStarted(CallInfo attempt) {
            synchronized (this) {
                attempts++;
            }
            Instant started = clock.instant();
            SpanBuilder b = tracer.spanBuilder(operation + " " + attempt.requestedModel())
                    .setSpanKind(SpanKind.CLIENT)
                    .setParent(Context.root().with(span))
                    .setStartTimestamp(started)
                    .setAttribute(OPERATION_NAME, operation)
                    .setAttribute(PROVIDER_NAME, AWS_BEDROCK)
                    .setAttribute(REQUEST_MODEL, attempt.requestedModel())
                    .setAttribute(TENANT_ID, attempt.tenant().id().value())
                    .setAttribute(TENANT_TIER, attempt.tenant().tier().name())
                    .setAttribute(CALL_ID, attempt.callId())
                    .setAttribute(ATTEMPT, (long) attempt.attempt());
            if (attempt.profileArn() != null) {
                b.setAttribute(PROFILE_ARN, attempt.profileArn());
            }
            if (attempt.profileId() != null) {
                b.setAttribute(PROFILE_ID, attempt.profileId());
            }
            if (attempt.region() != null) {
                b.setAttribute(CLOUD_REGION, attempt.region());
                b.setAttribute(SERVER_ADDRESS, "bedrock-runtime." + attempt.region() + ".amazonaws.com");
            }
            return new AttemptSpan(this, b.startSpan(), started);
        }

        @Override
        public void finishReason(String reason) {
            synchronized (this) {
                if (finishReasons == null) {
                    finishReasons = new ArrayList<>(1);
                }
                finishReasons.add(reason);
            }
        }

        /** Marks the call's first token once, at the first attempt that saw one. */
        void firstToken(Instant at) {
            synchronized (this) {
                if (firstTokenMarked) {
                    return;
                }
                firstTokenMarked = true;
            }
            span.addEvent(FIRST_TOKEN_EVENT, at);
        }

        @Override
        public void callEnded(LogicalCall call, @Nullable Throwable failure) {
            int sent;
            List<String> reasons;
            synchronized (this) {
                sent = attempts;
                reasons = finishReasons == null ? null : List.copyOf(finishReasons);
            }
            if (span.isRecording()) {
                settings(call.request().settings());
                span.setAttribute(ATTEMPTS, (long) sent);
                if (reasons != null) {
                    span.setAttribute(FINISH_REASONS, reasons);
                }
                List<UsageRecord> records = call.records();
                if (!records.isEmpty()) {
                    TokenUsage total = TokenUsage.ZERO;
                    BigDecimal cost = null;
                    for (UsageRecord r : records) {
                        total = total.plus(r.usage());
                        BigDecimal c = r.cost().amount().orElse(null);
                        if (c != null) {
                            cost = cost == null ? c : cost.add(c);
                        }
                    }
                    usage(span, total);
                    if (cost != null) {
                        span.setAttribute(COST_USD, cost.doubleValue());
                    }
                    UsageRecord last = records.get(records.size() - 1);
                    target(span, last);
                    outcome(span, last);
                }
            }
            if (failure != null) {
                span.setAttribute(ERROR_TYPE, failure.getClass().getName());
                span.setStatus(StatusCode.ERROR, String.valueOf(failure.getMessage()));
                span.recordException(failure);
            }
            span.end();
        }

        private void settings(InferenceSettings s) {
            if (s.maxTokens() != null) {
                span.setAttribute(REQUEST_MAX_TOKENS, s.maxTokens().longValue());
            }
            if (s.temperature() != null) {
                span.setAttribute(REQUEST_TEMPERATURE, s.temperature().doubleValue());
            }
            if (s.topP() != null) {
                span.setAttribute(REQUEST_TOP_P, s.topP().doubleValue());
            }
            if (!s.stopSequences().isEmpty()) {
                span.setAttribute(REQUEST_STOP_SEQUENCES, s.stopSequences());
            }
        }
    }

    /** The span of one attempt; ended once, by the engine's one {@code attemptEnded} per attempt. */
    private static final class AttemptSpan implements ObservedAttempt {
        private final CallSpan call;
        private final Span span;
        private final Instant started;

        AttemptSpan(CallSpan call, Span span, Instant started) {
            this.call = call;
            this.span = span;
            this.started = started;
        }

        @Override
        public void attemptEnded(@Nullable UsageRecord record) {
            if (record != null) {
                Duration ttft = record.timeToFirstToken();
                if (ttft != null) {
                    Instant at = started.plus(ttft);
                    span.addEvent(FIRST_TOKEN_EVENT, at);
                    call.firstToken(at);
                }
                if (span.isRecording()) {
                    usage(span, record.usage());
                    record.cost().amount().ifPresent(c -> span.setAttribute(COST_USD, c.doubleValue()));
                    span.setAttribute(RECORD_ID, record.recordId());
                    if (record.awsRequestId() != null) {
                        span.setAttribute(AWS_REQUEST_ID, record.awsRequestId());
                    }
                    target(span, record);
                }
                outcome(span, record);
            }
            span.end();
        }
    }

    private static void usage(Span span, TokenUsage u) {
        span.setAttribute(INPUT_TOKENS, u.totalInputTokens());
        span.setAttribute(OUTPUT_TOKENS, u.outputTokens());
        span.setAttribute(CACHE_READ_TOKENS, u.cacheReadInputTokens());
        span.setAttribute(CACHE_CREATION_TOKENS, u.cacheWriteInputTokens());
    }

    private static void target(Span span, UsageRecord r) {
        if (r.sourceModelId() != null) {
            span.setAttribute(RESPONSE_MODEL, r.sourceModelId());
        }
        if (r.profileArn() != null) {
            span.setAttribute(PROFILE_ARN, r.profileArn());
        }
        if (r.profileId() != null) {
            span.setAttribute(PROFILE_ID, r.profileId());
        }
    }

    /** {@code aip.outcome}; for a failure also {@code error.type} and the {@code ERROR} status. */
    private static void outcome(Span span, UsageRecord r) {
        Outcome o = r.outcome();
        String name = o.name().toLowerCase(Locale.ROOT);
        span.setAttribute(OUTCOME, name);
        if (o != Outcome.SUCCESS && o != Outcome.CANCELLED) {
            String type = r.errorCode() != null ? r.errorCode() : name;
            span.setAttribute(ERROR_TYPE, type);
            span.setStatus(StatusCode.ERROR, type);
        }
    }

    /**
     * Builds a {@link TracingCallObserver}. Each setting may be set once. Not thread-safe; confine to one thread.
     */
    public static final class Builder {
        private final Map<String, Object> given = new HashMap<>();
        private final OpenTelemetry openTelemetry;
        private @Nullable Clock clock;

        private Builder(OpenTelemetry openTelemetry) {
            this.openTelemetry = openTelemetry;
        }

        /**
         * Sets the clock that stamps the start of attempt spans and the {@value TracingCallObserver#FIRST_TOKEN_EVENT} events (the
         * attempt's start plus the usage record's time to first token); default the system UTC clock.
         *
         * @param value the clock
         * @return this builder
         */
        public Builder clock(Clock value) {
            ConfigurationException.requireFirstSet(given, "TracingCallObserver.clock", value);
            clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        /**
         * Builds the observer.
         *
         * @return the observer
         */
        public TracingCallObserver build() {
            return new TracingCallObserver(this);
        }
    }
}
