package dev.aip.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code bedrock-runtime} operations, the deterministic model behind them, scripted behaviour, fault injection
 * and the server-side view (metrics and invocation log). Thread-safe.
 *
 * <p>A call goes through: resolve the model id, validate the body (a rejection is a {@code CLIENT_ERROR}), the
 * fault plan's throttle decision, the account quota of the model (its reservation is settled when the call is
 * recorded; a stream that does not fit is throttled inside the stream), the script, the fault plan's error decision (from here on the call is accepted),
 * latency, the model's reply and the prompt cache, then the answer. Every invocation is recorded exactly once, just
 * before the last of its answer leaves (the response, the end of the stream, the exception), so a client that has
 * its answer always finds the call counted; CountTokens is not an invocation and is not recorded.
 *
 * <p>Simulated time (a script rule's delay, the fault plan's latency, time to first token and chunk delay) never
 * holds a thread: the call is cut into steps at each wait and the next step is handed to
 * {@link Responder#schedule}; a zero wait runs the next step at once, inline. The order of the decisions, the bytes
 * sent and what is recorded are the same whichever way a step runs.
 */
final class RuntimeApi {

    private static final Logger LOG = LoggerFactory.getLogger(RuntimeApi.class);
    static final String EVENT_STREAM = "application/vnd.amazon.eventstream";
    static final String METADATA_HEADER = "X-Amzn-Bedrock-Request-Metadata";
    private static final Set<String> COUNT_INPUTS = Set.of("converse", "invokeModel");

    private final EmulatorConfig config;
    private final Function<String, RuntimeTarget> resolver;
    private final RuntimeSettings settings;
    private final DeterministicModel model;
    private final PromptCache cache = new PromptCache();
    private final Script script = new Script();
    private final Faults faults;
    private final ServerView view;
    private final AccountQuotas quotas;

    RuntimeApi(EmulatorConfig config, ControlPlane controlPlane) {
        this(config, controlPlane, RuntimeSettings.DEFAULTS);
    }

    RuntimeApi(EmulatorConfig config, ControlPlane controlPlane, RuntimeSettings settings) {
        this(config, controlPlane::resolveRuntimeTarget, settings);
    }

    RuntimeApi(EmulatorConfig config, Function<String, RuntimeTarget> resolver, RuntimeSettings settings) {
        this.config = config;
        this.resolver = resolver;
        this.settings = settings;
        this.model = new DeterministicModel(config.seed(), settings.minReplyTokens(), settings.maxReplyTokens());
        this.faults = new Faults(config.seed(), settings.globalFaults(), settings.faults());
        this.view = new ServerView(settings.invocationLogCapacity());
        this.quotas = new AccountQuotas(settings.capacities(), config.clock());
    }

    Script script() {
        return script;
    }

    Faults faults() {
        return faults;
    }

    ServerView view() {
        return view;
    }

    PromptCache promptCache() {
        return cache;
    }

    /**
     * The state of one invocation. Used by one thread at a time: the one that serves the request, then the ones that
     * run its scheduled steps in turn (each scheduling happens-before the step it schedules).
     */
    private static final class Call {
        final RuntimeOperation operation;
        final String modelId;
        final String requestId;
        final Instant timestamp;
        final long startNanos;
        RuntimeTarget target;
        Map<String, String> metadata = Map.of();
        boolean accepted;
        AccountQuotas.Reservation quota = AccountQuotas.Reservation.NONE;

        Call(RuntimeOperation operation, String modelId, String requestId, Instant timestamp, long startNanos) {
            this.operation = operation;
            this.modelId = modelId;
            this.requestId = requestId;
            this.timestamp = timestamp;
            this.startNanos = startNanos;
        }

        long elapsedMillis() {
            return (System.nanoTime() - startNanos) / 1_000_000L;
        }

        void record(ServerView view, Usage usage, Long ttft, InvocationRecord.Outcome outcome, String errorCode,
                    boolean delivered) {
            record(view, usage, elapsedMillis(), ttft, outcome, errorCode, delivered);
        }

        void record(ServerView view, Usage usage, long latencyMs, Long ttft, InvocationRecord.Outcome outcome,
                    String errorCode, boolean delivered) {
            RuntimeTarget t = target;
            quota.settle(usage.total());
            quota = AccountQuotas.Reservation.NONE;
            view.record(new InvocationRecord(requestId, timestamp, operation.wireName(), modelId,
                    t == null ? modelId : t.metricsModelId(), t == null ? null : t.profileArn(),
                    t == null ? null : t.profileId(), t == null ? null : t.foundationModelId(),
                    usage.input(), usage.output(), usage.cacheRead(), usage.cacheWrite(), latencyMs, ttft,
                    outcome, errorCode, accepted, delivered, metadata));
        }
    }

    private static final Usage NO_USAGE = new Usage(0, 0, 0, 0, 0, 0);

    /**
     * Serves one runtime call. {@code modelId} is already percent-decoded. May answer through {@code responder}
     * itself (streams) or throw {@link ApiError}, which the router renders; either way the call is recorded in the
     * server-side view first.
     */
    void handle(RuntimeOperation operation, String modelId, EmulatorRequest request, String requestId,
                Responder responder) {
        if (operation == RuntimeOperation.COUNT_TOKENS) {
            countTokens(modelId, request, responder);
            return;
        }
        Call call = new Call(operation, modelId, requestId, config.clock().instant(), System.nanoTime());
        try {
            invoke(call, request, responder);
        } catch (ApiError e) {
            call.record(view, NO_USAGE, null, outcomeOf(RuntimeErrors.category(e.code())), e.code(), false);
            throw e;
        } catch (RuntimeException e) {
            call.record(view, NO_USAGE, null, InvocationRecord.Outcome.SERVER_ERROR, "InternalServerException",
                    false);
            throw e;
        }
    }

    private static InvocationRecord.Outcome outcomeOf(RuntimeErrors.Category category) {
        return switch (category) {
            case THROTTLE -> InvocationRecord.Outcome.THROTTLED;
            case CLIENT -> InvocationRecord.Outcome.CLIENT_ERROR;
            case SERVER -> InvocationRecord.Outcome.SERVER_ERROR;
        };
    }

    private void invoke(Call call, EmulatorRequest request, Responder responder) {
        RuntimeTarget target = resolver.apply(call.modelId);
        call.target = target;
        requireJsonContent(request);
        boolean converse = call.operation == RuntimeOperation.CONVERSE
                || call.operation == RuntimeOperation.CONVERSE_STREAM;
        if (ModelCatalog.isEmbedding(target.foundationModelId())) {
            // An embedding model answers InvokeModel only, as Bedrock serves it.
            if (converse) {
                throw ApiError.validation("This action doesn't support the model that you provided. Try again with a"
                        + " supported text or chat model.");
            }
            if (call.operation.isStreaming()) {
                // Bedrock's wording for a model without response streaming.
                throw ApiError.validation("The model is unsupported for streaming.");
            }
        }
        ObjectNode body = Json.parseObject(request.body());
        InvokeCodec codec = null;
        Prompt prompt;
        if (converse) {
            prompt = ConverseParser.parseConverse(body);
            call.metadata = prompt.requestMetadata();
            if (prompt.outputSchema() != null && !ModelCatalog.supportsStructuredOutput(target.foundationModelId())) {
                throw ApiError.validation("The model " + target.foundationModelId() + " doesn't support structured "
                        + "outputs (outputConfig.textFormat). Remove outputConfig or use a model that supports "
                        + "them: " + String.join(", ", ModelCatalog.structuredOutputModels()) + ".");
            }
        } else {
            call.metadata = metadataHeader(request.header(METADATA_HEADER));
            codec = InvokeCodec.forModel(target.foundationModelId(), body);
            prompt = codec.parse(body);
        }

        Faults.Armed faultState = faults.planFor(target);
        if (faultState.throttleNow()) {
            throw RuntimeErrors.error("ThrottlingException", null, null);
        }
        long quotaTokens = prompt.inputTokens()
                + (prompt.maxTokens() != null ? prompt.maxTokens() : settings.maxReplyTokens());
        try {
            call.quota = quotas.reserve(target.foundationModelId(), quotaTokens);
        } catch (ApiError throttled) {
            if (call.operation.isStreaming()) {
                throttleInStream(call, responder, throttled);
                return;
            }
            throw throttled;
        }
        Script.Rule rule = script.match(target, prompt.lastUserText());
        Script.Action action = rule == null ? null : rule.action();
        InvokeCodec invokeCodec = codec;
        later(call, responder, rule == null ? Duration.ZERO : rule.delay(),
                () -> afterScriptDelay(call, responder, prompt, invokeCodec, faultState, action));
    }

    /** After the script rule's delay: the scripted failure, the fault plan's error, then the plan's latency. */
    private void afterScriptDelay(Call call, Responder responder, Prompt prompt, InvokeCodec codec,
                                  Faults.Armed faultState, Script.Action action) {
        RuntimeTarget target = call.target;
        FaultPlan plan = faultState.plan;
        String inStreamFailure = null;
        if (action instanceof Script.Action.Fail fail) {
            if (RuntimeErrors.category(fail.errorCode()) != RuntimeErrors.Category.SERVER) {
                throw RuntimeErrors.error(fail.errorCode(), fail.message(), resourceName(target));
            }
            call.accepted = true;
            if (call.operation == RuntimeOperation.CONVERSE_STREAM
                    && fail.errorCode().equals("ModelStreamErrorException")) {
                inStreamFailure = fail.errorCode();
            } else {
                throw RuntimeErrors.error(fail.errorCode(), fail.message(), resourceName(target));
            }
        }
        call.accepted = true;
        if (faultState.errorNow()) {
            throw RuntimeErrors.error(plan.errorCode(), null, resourceName(target));
        }
        String scriptedException = inStreamFailure;
        later(call, responder, plan.latency(),
                () -> answer(call, responder, prompt, codec, plan, action, scriptedException));
    }

    /** After the latency: the model's reply and the prompt cache, then the response or the stream. */
    private void answer(Call call, Responder responder, Prompt prompt, InvokeCodec codec, FaultPlan plan,
                        Script.Action action, String inStreamFailure) {
        RuntimeTarget target = call.target;
        boolean generates = codec == null || codec.generates();
        // An embedding model generates no reply and caches nothing: its usage is its input tokens.
        ModelReply reply = generates ? model.reply(prompt, target.foundationModelId(), action) : null;
        Usage usage = generates
                ? Usage.of(prompt, cache.apply(target.foundationModelId(), prompt, config.clock().millis()),
                        reply.outputTokens())
                : new Usage(prompt.inputTokens(), 0, 0, 0, 0, 0);
        boolean cacheUsed = !prompt.breakpoints().isEmpty();

        switch (call.operation) {
            case CONVERSE -> {
                long latency = call.elapsedMillis();
                byte[] out = ConverseRenderer.response(reply, usage, cacheUsed, latency);
                call.record(view, usage, latency, null, InvocationRecord.Outcome.SUCCESS, null, true);
                responder.respond(200, Map.of("Content-Type", Router.JSON), out);
            }
            case INVOKE_MODEL -> {
                long latency = call.elapsedMillis();
                byte[] out = codec.response(reply, usage, target.foundationModelId(), messageId());
                Map<String, String> headers = new LinkedHashMap<>();
                headers.put("Content-Type", Router.JSON);
                headers.put("X-Amzn-Bedrock-Input-Token-Count", Long.toString(usage.input()));
                if (generates) {
                    // Bedrock reports the input count on every InvokeModel answer; whether it sends an output count
                    // for an embedding is not documented: the emulator sends none (aip reads a missing one as 0).
                    headers.put("X-Amzn-Bedrock-Output-Token-Count", Long.toString(usage.output()));
                }
                headers.put("X-Amzn-Bedrock-Invocation-Latency", Long.toString(latency));
                if (usage.cacheRead() > 0) {
                    headers.put("X-Amzn-Bedrock-Cache-Read-Input-Token-Count", Long.toString(usage.cacheRead()));
                }
                if (usage.cacheWrite() > 0) {
                    headers.put("X-Amzn-Bedrock-Cache-Write-Input-Token-Count", Long.toString(usage.cacheWrite()));
                }
                call.record(view, usage, latency, null, InvocationRecord.Outcome.SUCCESS, null, true);
                responder.respond(200, headers, out);
            }
            case CONVERSE_STREAM -> stream(call, responder, Map.of("Content-Type", EVENT_STREAM),
                    ConverseRenderer.streamEvents(reply, usage, cacheUsed, settings.streamChunkTokens()), usage,
                    plan, inStreamFailure, target);
            default -> stream(call, responder, Map.of("Content-Type", EVENT_STREAM,
                            "X-Amzn-Bedrock-Content-Type", Router.JSON),
                    codec.streamEvents(reply, usage, target.foundationModelId(), messageId(),
                            settings.streamChunkTokens()), usage, plan, null, target);
        }
    }

    /**
     * Runs {@code step} after {@code delay}: at once and inline when the delay is zero (its exceptions then reach
     * the caller), otherwise as a scheduled step that records and answers its own failures the way
     * {@link #handle} and the router do for the first step.
     */
    private void later(Call call, Responder responder, Duration delay, Runnable step) {
        if (delay.isZero()) {
            step.run();
            return;
        }
        responder.schedule(delay, () -> {
            try {
                step.run();
            } catch (ApiError e) {
                call.record(view, NO_USAGE, null, outcomeOf(RuntimeErrors.category(e.code())), e.code(), false);
                answerError(responder, e);
            } catch (RuntimeException e) {
                call.record(view, NO_USAGE, null, InvocationRecord.Outcome.SERVER_ERROR, "InternalServerException",
                        false);
                LOG.warn("{} on {} failed", call.operation.wireName(), call.modelId, e);
                answerError(responder, ApiError.internal("The emulator failed to process the request: " + e));
            }
        });
    }

    private static void answerError(Responder responder, ApiError error) {
        try {
            Router.sendError(responder, error);
        } catch (IllegalStateException answered) {
            // A stream was already open; the transport cuts it when the step returns.
        }
    }

    /**
     * Sends the events, applying the plan's stream faults, and records the call. Counting: a cut connection keeps
     * the whole reply (generation finished); an exception frame or a client that went away keeps the output tokens
     * of the content sent before it.
     */
    private void stream(Call call, Responder responder, Map<String, String> headers, List<StreamEvent> events,
                        Usage usage, FaultPlan plan, String scriptedException, RuntimeTarget target) {
        int exceptionAfter = scriptedException != null ? 0
                : plan.streamExceptionCode() != null ? plan.streamExceptionAfterEvents() : -1;
        String exceptionCode = scriptedException != null ? scriptedException : plan.streamExceptionCode();
        StreamSink sink = responder.openStream(200, headers);
        new StreamRun(call, responder, sink, events, usage, plan, exceptionAfter, exceptionCode, target).advance();
    }

    /**
     * One stream in progress: sends events until the next one is due later (time to first token before the first
     * content event, the chunk delay before every later event), then schedules itself to go on from that event.
     */
    private final class StreamRun {
        private final Call call;
        private final Responder responder;
        private final StreamSink sink;
        private final List<StreamEvent> events;
        private final Usage usage;
        private final FaultPlan plan;
        private final int exceptionAfter;
        private final String exceptionCode;
        private final RuntimeTarget target;
        private final boolean paced;
        private int next;
        private boolean waited;
        private int sent;
        private long outputSent;
        private Long ttft;
        private boolean delivered;
        private boolean firstContentDone;

        StreamRun(Call call, Responder responder, StreamSink sink, List<StreamEvent> events, Usage usage,
                  FaultPlan plan, int exceptionAfter, String exceptionCode, RuntimeTarget target) {
            this.call = call;
            this.responder = responder;
            this.sink = sink;
            this.events = events;
            this.usage = usage;
            this.plan = plan;
            this.exceptionAfter = exceptionAfter;
            this.exceptionCode = exceptionCode;
            this.target = target;
            this.paced = !plan.timeToFirstToken().isZero() || !plan.chunkDelay().isZero();
        }

        void advance() {
            while (next < events.size()) {
                StreamEvent event = events.get(next);
                if (!waited) {
                    if (plan.cutAfterEvents() == sent) {
                        cut(call, sink, usage, ttft, delivered);
                        return;
                    }
                    if (exceptionAfter == sent) {
                        fail(call, sink, exceptionCode, usage, outputSent, ttft, delivered, target);
                        return;
                    }
                    Duration wait = !paced ? Duration.ZERO
                            : event.content && !firstContentDone ? plan.timeToFirstToken()
                            : sent > 0 ? plan.chunkDelay() : Duration.ZERO;
                    if (!wait.isZero()) {
                        waited = true;
                        later(call, responder, wait, this::advance);
                        return;
                    }
                }
                waited = false;
                next++;
                long now = call.elapsedMillis();
                byte[] frame = event.frame(now, ttft != null ? ttft : now, plan.dropUsage());
                if (frame == null) {
                    continue;
                }
                if (!sink.write(frame)) {
                    call.record(view, partial(usage, outputSent), ttft,
                            InvocationRecord.Outcome.CANCELLED_BY_CLIENT, null, false);
                    sink.abort();
                    return;
                }
                sent++;
                if (event.content) {
                    outputSent = event.outputTokensAfter;
                    if (!firstContentDone) {
                        firstContentDone = true;
                        ttft = now;
                    }
                }
                if (event.carriesUsage() && !plan.dropUsage()) {
                    delivered = true;
                }
                if (paced) {
                    sink.flush();
                }
            }
            if (plan.cutAfterEvents() == sent) {
                cut(call, sink, usage, ttft, delivered);
                return;
            }
            if (exceptionAfter == sent) {
                fail(call, sink, exceptionCode, usage, usage.output(), ttft, delivered, target);
                return;
            }
            call.record(view, usage, ttft, InvocationRecord.Outcome.SUCCESS, null, delivered);
            sink.close();
        }
    }

    /**
     * The account quota ran out for a stream: Bedrock answers 200 and sends {@code throttlingException} as the
     * stream's only event (what SDKs surface as an event-stream error), not an HTTP 429.
     */
    private void throttleInStream(Call call, Responder responder, ApiError throttled) {
        Map<String, String> headers = call.operation == RuntimeOperation.CONVERSE_STREAM
                ? Map.of("Content-Type", EVENT_STREAM)
                : Map.of("Content-Type", EVENT_STREAM, "X-Amzn-Bedrock-Content-Type", Router.JSON);
        StreamSink sink = responder.openStream(200, headers);
        call.record(view, NO_USAGE, null, InvocationRecord.Outcome.THROTTLED, throttled.code(), false);
        sink.write(EventStreamEncoder.exception(RuntimeErrors.lowerCamel(throttled.code()),
                Json.write(throttled.body())));
        sink.close();
    }

    private void cut(Call call, StreamSink sink, Usage usage, Long ttft, boolean delivered) {
        call.record(view, usage, ttft, InvocationRecord.Outcome.STREAM_CUT, null, delivered);
        sink.flush();
        sink.abort();
    }

    private void fail(Call call, StreamSink sink, String code, Usage usage, long outputSent, Long ttft,
                      boolean delivered, RuntimeTarget target) {
        ApiError error = RuntimeErrors.error(code, null, resourceName(target));
        call.record(view, partial(usage, outputSent), ttft, outcomeOf(RuntimeErrors.category(code)), code,
                delivered);
        sink.write(EventStreamEncoder.exception(RuntimeErrors.lowerCamel(code), Json.write(error.body())));
        sink.close();
    }

    private static Usage partial(Usage usage, long output) {
        return new Usage(usage.input(), output, usage.cacheRead(), usage.cacheWrite(), usage.write1h(),
                usage.write5m());
    }

    private String resourceName(RuntimeTarget target) {
        if (target == null) {
            return null;
        }
        return target.profileArn() != null ? target.profileArn()
                : "arn:aws:bedrock:" + config.region() + "::foundation-model/" + target.foundationModelId();
    }

    private static String messageId() {
        return "msg_bdrk_" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
    }

    private static void requireJsonContent(EmulatorRequest request) {
        String type = request.header("content-type");
        if (type != null && !type.regionMatches(true, 0, Router.JSON, 0, Router.JSON.length())) {
            throw ApiError.validation("The provided content type " + type + " is not supported. Send the body as "
                    + "application/json.");
        }
    }

    /** The {@code X-Amzn-Bedrock-Request-Metadata} header: a JSON object of at most 8500 characters. */
    static Map<String, String> metadataHeader(String header) {
        if (header == null || header.isEmpty()) {
            return Map.of();
        }
        if (header.length() > 8500) {
            throw Check.invalid("requestMetadata", "Member must have length less than or equal to 8500");
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(header);
        } catch (IOException e) {
            throw ApiError.validation("The " + METADATA_HEADER + " header must be a JSON object of string values.");
        }
        if (node == null || !node.isObject()) {
            throw ApiError.validation("The " + METADATA_HEADER + " header must be a JSON object of string values.");
        }
        return Check.requestMetadata(node, "requestMetadata", 0);
    }

    private void countTokens(String modelId, EmulatorRequest request, Responder responder) {
        if (modelId.isEmpty() || modelId.length() > 256 || !countTokensModelId(modelId)) {
            throw Check.invalid("modelId", "Member must satisfy regular expression pattern: [a-zA-Z_\\.\\-/0-9:]+ "
                    + "and have length between 1 and 256");
        }
        // AWS counts tokens for foundation models only, also for those invoked only through a profile; an
        // inference profile (system-defined or application) is refused.
        String foundationModelId = ModelCatalog.foundationModelId(modelId);
        if (foundationModelId == null) {
            RuntimeTarget target = resolver.apply(modelId);
            if (target.kind() != RuntimeTarget.Kind.FOUNDATION_MODEL) {
                throw ApiError.validation("The provided model doesn't support counting tokens.");
            }
            foundationModelId = target.foundationModelId();
        }
        if (ModelCatalog.isEmbedding(foundationModelId)) {
            throw ApiError.validation("The provided model doesn't support counting tokens.");
        }
        requireJsonContent(request);
        ObjectNode body = Json.parseObject(request.body());
        JsonNode input = body.get("input");
        if (input == null || input.isNull()) {
            throw Check.invalid("input", "Member must not be null");
        }
        String member = Check.union(input, "input", COUNT_INPUTS);
        Prompt prompt;
        if (member.equals("converse")) {
            prompt = ConverseParser.parseCountTokens(Check.object(input.get("converse"), "input.converse"));
        } else {
            ObjectNode invoke = Check.object(input.get("invokeModel"), "input.invokeModel");
            String encoded = Check.string(invoke.get("body"), "input.invokeModel.body");
            byte[] raw;
            try {
                raw = Base64.getDecoder().decode(encoded);
            } catch (IllegalArgumentException e) {
                throw Check.invalid("input.invokeModel.body", "Member must be base64-encoded");
            }
            ObjectNode modelBody = Json.parseObject(raw);
            prompt = InvokeCodec.forModel(foundationModelId, modelBody).parse(modelBody);
        }
        ObjectNode out = Json.MAPPER.createObjectNode().put("inputTokens", prompt.inputTokens());
        responder.respond(200, Map.of("Content-Type", Router.JSON), Json.write(out));
    }

    private static boolean countTokensModelId(String id) {
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
                    || c == '.' || c == '-' || c == '/' || c == ':';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** {@code GET /_emulator/metrics}: per {@code ModelId} counters, the AWS/Bedrock CloudWatch shape. */
    ObjectNode metricsJson() {
        return view.metricsJson();
    }

    /** {@code GET /_emulator/invocations}: the invocation log, optionally filtered by query parameters. */
    ObjectNode invocationsJson(Map<String, List<String>> query) {
        return view.invocationsJson(query);
    }
}
