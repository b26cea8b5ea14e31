package dev.aip.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aip.core.chat.ChatClient;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.ChatResponse;
import dev.aip.core.chat.ContentPart;
import dev.aip.core.chat.StopReason;
import dev.aip.core.governance.PolicyStore;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.TenantProfileResolver;
import dev.aip.core.tenant.TenantContext;
import dev.aip.spring.AipErrors;
import dev.aip.spring.TenantDirectory;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The OpenAI-compatible endpoints: {@code POST /v1/chat/completions} (sync, or {@code stream: true} as server-sent
 * events), {@code GET /v1/models} and {@code GET /v1/models/{model}}, on Spring WebFlux: no thread waits for Bedrock.
 * Requests are read by {@link OpenAiRequests}; routes and methods not served here are answered by
 * {@link OpenAiErrorHandler}; every answer gets an {@code x-request-id} ({@link RequestIds}).
 *
 * <p><b>Order of checks</b>, each answered in OpenAI's error shape: the API key (401, no detail), the body size
 * (413), the JSON and its fields (400), the model (404 if the gateway does not serve it, 403 if the tenant's policy
 * does not allow it, 400 for structured output it does not take), the capacity caps ({@link InFlightLimits}: 503
 * over the gateway's, 429 over the tenant's, both at once with {@code Retry-After}); then the call goes through aip's pipeline, whose refusals and Bedrock's failures
 * are mapped by {@link AipErrors} (429 with {@code Retry-After} for rate limits and budgets, 502/503/504 upstream).
 *
 * <p><b>Answers</b> come from {@link ChatClient#chatAsync} as a {@link Mono}; a client that goes away cancels the
 * call's future, which abandons the call. They carry the usage in OpenAI's shape ({@code prompt_tokens} includes
 * cached tokens, as OpenAI counts them; {@code prompt_tokens_details.cached_tokens} are the cache reads) and in
 * {@code x-aip-*} headers (tokens per Bedrock bucket, cost, usage record id). Tool use is answered as
 * {@code message.tool_calls} with {@code finish_reason: "tool_calls"}; in JSON mode the forced tool's input is the
 * {@code content}. Structured output is refused for a model not in
 * {@link GatewayConfiguration.GatewayModels#structuredOutput()} before admission: Bedrock would refuse the call.
 *
 * <p><b>Streams</b> come from {@link ChatClient#stream}, bridged to a {@link Flux} with {@link Flux#create}: the
 * listener pushes events (on the transport's thread), the status is chosen on the first event (a refusal before any
 * text is an error answer with its status, as for a whole answer), and each event is written and flushed as one SSE
 * frame. Back-pressure: at most {@link GatewayProperties#getStreamBufferEvents()} events wait for a slow client;
 * beyond that the stream fails and the call is cancelled (Bedrock cannot be paused, so the gateway does not buffer
 * without bound). A client that goes away cancels the subscription, which cancels the call: the attempt is settled
 * once, as cancelled. A stream sends a role chunk, one chunk per text delta, two chunks per tool call (its index,
 * id, type and name with empty arguments, then the arguments: aip delivers a tool call once its input is complete),
 * a chunk with the finish reason, with {@code stream_options.include_usage} a last chunk with {@code usage} (and
 * aip's cost; every chunk before it says {@code usage: null}), then {@code data: [DONE]}.
 * Frames are written as {@code data: <json>} (with the space, as OpenAI writes them), which is why they are framed
 * here rather than by Spring's SSE writer.
 *
 * <p><b>Threads.</b> A call starts on the server's I/O thread when the tenant's profile is in memory
 * ({@link TenantProfileResolver#resolvesWithoutBlocking}); otherwise (a tenant's first call, when the profile is
 * found or created at Bedrock) it starts on Reactor's bounded elastic scheduler, so no I/O thread waits for the
 * control plane.
 *
 * <p>Each call holds an {@link InFlightLimits} permit until it is settled. Thread-safe.
 */
@RestController
class ChatCompletionsController {

    private final ApiKeys keys;
    private final TenantDirectory tenants;
    private final GatewayConfiguration.GatewayModels models;
    private final PolicyStore policies;
    private final RecentRecords records;
    private final InFlightLimits limits;
    private final GatewayCalls calls;
    private final ObjectMapper json = new ObjectMapper();

    ChatCompletionsController(ApiKeys keys, TenantDirectory tenants, GatewayConfiguration.GatewayModels models,
                              ObjectProvider<PolicyStore> policies, RecentRecords records, InFlightLimits limits,
                              GatewayCalls calls) {
        this.keys = keys;
        this.tenants = tenants;
        this.models = models;
        this.policies = policies.getIfAvailable();
        this.records = records;
        this.limits = limits;
        this.calls = calls;
    }

    @GetMapping("/v1/models")
    Mono<Void> listModels(ServerWebExchange exchange) {
        TenantContext tenant;
        try {
            tenant = authenticate(exchange.getRequest(), keys, tenants);
        } catch (GatewayError e) {
            return writeError(exchange.getResponse(), e);
        }
        ObjectNode out = json.createObjectNode().put("object", "list");
        ArrayNode data = out.putArray("data");
        for (String model : models.names()) {
            if (allowed(tenant, model)) {
                data.addObject().put("id", model).put("object", "model").put("created", 0).put("owned_by", "aip");
            }
        }
        return writeJson(exchange.getResponse(), 200, out);
    }

    @GetMapping("/v1/models/{id}")
    Mono<Void> retrieveModel(ServerWebExchange exchange, @PathVariable("id") String id) {
        TenantContext tenant;
        try {
            tenant = authenticate(exchange.getRequest(), keys, tenants);
        } catch (GatewayError e) {
            return writeError(exchange.getResponse(), e);
        }
        if (!models.names().contains(id) || !allowed(tenant, id)) {
            // As OpenAI answers: a model the key may not use is as unknown as one that does not exist.
            return writeError(exchange.getResponse(), new GatewayError(404, "invalid_request_error",
                    "model_not_found", "model", "The model '" + id + "' does not exist or this key may not use"
                    + " it; see GET /v1/models."));
        }
        return writeJson(exchange.getResponse(), 200, json.createObjectNode().put("id", id).put("object", "model")
                .put("created", 0).put("owned_by", "aip"));
    }

    /** What one request was, for the gateway's meters. */
    private static final class Observed {
        final long started = System.nanoTime();
        volatile String tenant = "none";
        volatile String model = "none";
        volatile boolean stream;
        volatile boolean structured;
        volatile int status = 500;
    }

    @PostMapping("/v1/chat/completions")
    Mono<Void> chatCompletions(ServerWebExchange exchange) {
        ServerHttpRequest request = exchange.getRequest();
        ServerHttpResponse response = exchange.getResponse();
        Observed outcome = new Observed();
        TenantContext tenant;
        try {
            tenant = authenticate(request, keys, tenants);
            outcome.tenant = tenant.id().value();
        } catch (GatewayError e) {
            outcome.status = e.status;
            return writeError(response, e).doFinally(s -> meter(outcome));
        }
        return calls.readBody(request, ChatCompletionsController::tooLarge)
                .flatMap(body -> {
                    OpenAiRequests.Parsed parsed = OpenAiRequests.parse(json, body);
                    outcome.stream = parsed.stream();
                    outcome.structured = parsed.request().structuredOutput() != null;
                    outcome.model = checkModel(tenant, parsed.request().model());
                    checkStructuredOutput(parsed.request());
                    InFlightLimits.Permit permit = limits.acquire(tenant.id());
                    // A profile not yet in memory (a tenant's first call: found or created at Bedrock) is resolved
                    // on a thread that may wait, never on the server's I/O thread.
                    Scheduler start = calls.startOn(tenant, outcome.model);
                    return parsed.stream() ? stream(tenant, parsed, permit, response, outcome, start)
                            : complete(tenant, parsed, permit, response, outcome, start);
                })
                // Aborted at the end of the shutdown grace period before an answer was sent.
                .onErrorMap(CancellationException.class, e -> new GatewayError(503, "api_error",
                        "gateway_shutting_down", null, "The gateway is shutting down; retry shortly.",
                        InFlightLimits.RETRY_AFTER_SECONDS))
                .onErrorResume(GatewayError.class, e -> {
                    outcome.status = e.status;
                    return writeError(response, e);
                })
                .onErrorResume(e -> !(e instanceof GatewayError), e -> {
                    AipErrors.Answer answer = AipErrors.map(e);
                    outcome.status = answer.status();
                    return writeError(response, answer, outcome.structured);
                })
                .doFinally(s -> meter(outcome));
    }

    private void meter(Observed o) {
        calls.meterRequest(o.tenant, o.model, o.stream, o.status, o.started);
    }

    /**
     * The tenant of the API key in {@code Authorization: Bearer}; 401 in OpenAI's shape for none, an unknown, an
     * expired or a revoked one, 429 with {@code Retry-After} over the key's own limits.
     */
    static TenantContext authenticate(ServerHttpRequest request, ApiKeys keys, TenantDirectory tenants) {
        String auth = request.getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
        String key = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim() : null;
        ApiKeys.Verdict verdict = keys.authenticate(key);
        if (verdict.refusal() == ApiKeys.Refusal.KEY_LIMIT) {
            throw new GatewayError(429, "rate_limit_exceeded", "key_rate_limit_exceeded", null, verdict.message(),
                    Long.toString(verdict.retryAfterSeconds()));
        }
        if (!verdict.accepted()) {
            throw new GatewayError(401, "invalid_request_error", "invalid_api_key", null,
                    verdict.refusal() == ApiKeys.Refusal.MISSING ? "Invalid API key." : verdict.message());
        }
        return contextOf(verdict, tenants);
    }

    /** The tenant's context; for a store key, with the key's id as the {@code aip.key} attribute of its records. */
    static TenantContext contextOf(ApiKeys.Verdict verdict, TenantDirectory tenants) {
        TenantContext tenant = tenants.contextOf(verdict.tenant());
        if (verdict.keyId() != null && tenant.attributes().size() < TenantContext.MAX_ATTRIBUTES) {
            tenant = tenant.withAttribute(ApiKeys.KEY_ATTRIBUTE, verdict.keyId());
        }
        return tenant;
    }

    /** 413 in OpenAI's shape for a body over {@code max} bytes. */
    static GatewayError tooLarge(int max) {
        return new GatewayError(413, "invalid_request_error", "request_too_large", null,
                "The request body is larger than " + max + " bytes.");
    }

    private String checkModel(TenantContext tenant, String model) {
        if (!models.names().contains(model)) {
            throw new GatewayError(404, "invalid_request_error", "model_not_found", "model",
                    "The model '" + model + "' does not exist; see GET /v1/models.");
        }
        if (!allowed(tenant, model)) {
            throw new GatewayError(403, "invalid_request_error", "model_not_allowed", "model",
                    "This key may not use the model '" + model + "'.");
        }
        return model;
    }

    /** Structured output only where the model takes it: Bedrock would refuse the call after admission. */
    private void checkStructuredOutput(ChatRequest request) {
        if (request.structuredOutput() != null && !models.structuredOutput().contains(request.model())) {
            throw GatewayError.badRequest("response_format", "The model '" + request.model() + "' does not take"
                    + " structured output (response_format json_schema) on Bedrock; use a model that does ("
                    + (models.structuredOutput().isEmpty() ? "none is configured; see"
                    + " aip.gateway.structured-output-models" : String.join(", ", models.structuredOutput().stream()
                    .sorted().toList())) + "), or json_object.");
        }
    }

    private boolean allowed(TenantContext tenant, String model) {
        return policies == null || policies.current().policyFor(tenant).allowsModel(model);
    }

    private Mono<Void> complete(TenantContext tenant, OpenAiRequests.Parsed parsed, InFlightLimits.Permit permit,
                                ServerHttpResponse response, Observed outcome, Scheduler start) {
        ChatRequest request = parsed.request();
        return calls.whole(tenant, request, permit, start)
                .flatMap(answer -> {
                    UsageRecord record = records.take(answer.usageRecordId()).orElse(null);
                    ObjectNode out = json.createObjectNode();
                    out.put("id", "chatcmpl-" + answer.usageRecordId());
                    out.put("object", "chat.completion");
                    out.put("created", Instant.now().getEpochSecond());
                    out.put("model", request.model());
                    ObjectNode choice = out.putArray("choices").addObject();
                    choice.put("index", 0);
                    message(choice.putObject("message"), answer, parsed.jsonObject());
                    choice.putNull("logprobs");
                    choice.put("finish_reason", finishReason(answer.stopReason(), parsed.jsonObject()));
                    usage(out, answer.usage(), record);
                    GatewayCalls.usageHeaders(response, answer.usage(), record, answer.usageRecordId());
                    outcome.status = 200;
                    return writeJson(response, 200, out);
                });
    }

    private Mono<Void> stream(TenantContext tenant, OpenAiRequests.Parsed parsed, InFlightLimits.Permit permit,
                              ServerHttpResponse response, Observed outcome, Scheduler start) {
        Flux<Object> events = calls.stream(tenant, parsed.request(), permit, start);
        return events.switchOnFirst((first, all) -> {
            if (first.hasValue() && first.get() instanceof Throwable error) {
                // Refused before any text: an error answer with its status, as for a whole answer.
                AipErrors.Answer answer = AipErrors.map(error);
                outcome.status = answer.status();
                return all.then(writeError(response, answer, parsed.request().structuredOutput() != null));
            }
            if (!first.hasValue()) {
                return all.then();
            }
            outcome.status = 200;
            String id = "chatcmpl-" + UsageRecord.newId();
            long created = Instant.now().getEpochSecond();
            String model = parsed.request().model();
            response.setStatusCode(HttpStatus.OK);
            HttpHeaders headers = response.getHeaders();
            headers.setContentType(new MediaType("text", "event-stream", StandardCharsets.UTF_8));
            headers.setCacheControl("no-cache");
            headers.set("X-Accel-Buffering", "no");
            // The index of the next tool call in this answer (events of one stream come one at a time).
            int[] toolCalls = {0};
            ObjectNode role = chunk(id, created, model, parsed.includeUsage());
            ((ObjectNode) role.withArray("choices").get(0)).putObject("delta").put("role", "assistant")
                    .put("content", "");
            Flux<ServerSentEvent<String>> sse = Flux.concat(
                    Mono.just(event(role)),
                    all.concatMapIterable(e -> toEvents(e, id, created, model, parsed, toolCalls)),
                    Mono.just(ServerSentEvent.builder("[DONE]").build()));
            // One SSE frame per group: written and flushed on its own.
            return response.writeAndFlushWith(sse.map(e -> Mono.just(frame(response, e))));
        }).then().doFinally(s -> permit.release());
    }

    private List<ServerSentEvent<String>> toEvents(Object event, String id, long created, String model,
                                                   OpenAiRequests.Parsed parsed, int[] toolCalls) {
        List<ServerSentEvent<String>> out = new ArrayList<>(2);
        boolean includeUsage = parsed.includeUsage();
        if (parsed.jsonObject()) {
            if (event instanceof String) {
                // JSON mode: only the JSON tool's input is the answer.
                return out;
            }
            if (event instanceof ContentPart.ToolUse use) {
                event = use.inputJson();
            }
        }
        if (event instanceof String text) {
            ObjectNode c = chunk(id, created, model, includeUsage);
            ((ObjectNode) c.withArray("choices").get(0)).putObject("delta").put("content", text);
            out.add(event(c));
        } else if (event instanceof ContentPart.ToolUse use) {
            // As OpenAI streams a tool call: its id, type and name with empty arguments, then the arguments.
            int index = toolCalls[0]++;
            ObjectNode head = chunk(id, created, model, includeUsage);
            ObjectNode call = ((ObjectNode) head.withArray("choices").get(0)).putObject("delta")
                    .putArray("tool_calls").addObject();
            call.put("index", index).put("id", use.id()).put("type", "function");
            call.putObject("function").put("name", use.name()).put("arguments", "");
            out.add(event(head));
            ObjectNode arguments = chunk(id, created, model, includeUsage);
            ((ObjectNode) arguments.withArray("choices").get(0)).putObject("delta").putArray("tool_calls")
                    .addObject().put("index", index).putObject("function").put("arguments", use.inputJson());
            out.add(event(arguments));
        } else if (event instanceof ChatResponse done) {
            ObjectNode c = chunk(id, created, model, includeUsage);
            ObjectNode choice = (ObjectNode) c.withArray("choices").get(0);
            choice.putObject("delta");
            choice.put("finish_reason", finishReason(done.stopReason(), parsed.jsonObject()));
            out.add(event(c));
            UsageRecord record = records.take(done.usageRecordId()).orElse(null);
            if (includeUsage) {
                ObjectNode u = json.createObjectNode().put("id", id).put("object", "chat.completion.chunk")
                        .put("created", created).put("model", model);
                u.putArray("choices");
                usage(u, done.usage(), record);
                out.add(event(u));
            }
        } else if (event instanceof Throwable error) {
            AipErrors.Answer answer = AipErrors.map(error);
            ObjectNode e = json.createObjectNode();
            e.putObject("error").put("message", answer.message()).put("type", openAiType(answer))
                    .putNull("param").put("code", openAiCode(answer));
            out.add(event(e));
        }
        return out;
    }

    private ServerSentEvent<String> event(ObjectNode data) {
        try {
            return ServerSentEvent.builder(json.writeValueAsString(data)).build();
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code data: <data>} and a blank line, as OpenAI frames its events (the data is one line of JSON). */
    private static DataBuffer frame(ServerHttpResponse response, ServerSentEvent<String> event) {
        return response.bufferFactory().wrap(("data: " + event.data() + "\n\n").getBytes(StandardCharsets.UTF_8));
    }

    /** A chunk with one choice; {@code usage: null} when the stream ends with a usage chunk, as OpenAI sends it. */
    private ObjectNode chunk(String id, long created, String model, boolean includeUsage) {
        ObjectNode c = json.createObjectNode().put("id", id).put("object", "chat.completion.chunk")
                .put("created", created).put("model", model);
        ObjectNode choice = c.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putNull("logprobs");
        choice.putNull("finish_reason");
        if (includeUsage) {
            c.putNull("usage");
        }
        return c;
    }

    /**
     * The assistant message of an answer in OpenAI's shape: {@code content} is the text, or {@code null} when the
     * model only asks for tools; {@code tool_calls} carry each tool use's id, name and input (a JSON string), in
     * the model's order (several when it calls tools in parallel). In JSON mode the JSON tool's input is the content.
     */
    static void message(ObjectNode message, ChatResponse answer, boolean jsonObject) {
        message.put("role", "assistant");
        List<ContentPart.ToolUse> uses = answer.message().toolUses();
        String text = answer.text();
        if (jsonObject) {
            // JSON mode: the answer is the input of the JSON tool (any text around it is the model's aside).
            text = uses.stream().filter(u -> u.name().equals(OpenAiRequests.JSON_OBJECT_TOOL))
                    .map(ContentPart.ToolUse::inputJson).findFirst().orElse(text);
            uses = List.of();
        }
        if (text.isEmpty() && !uses.isEmpty()) {
            message.putNull("content");
        } else {
            message.put("content", text);
        }
        message.putNull("refusal");
        if (!uses.isEmpty()) {
            ArrayNode calls = message.putArray("tool_calls");
            for (ContentPart.ToolUse use : uses) {
                ObjectNode call = calls.addObject().put("id", use.id()).put("type", "function");
                call.putObject("function").put("name", use.name()).put("arguments", use.inputJson());
            }
        }
    }

    private static void usage(ObjectNode out, TokenUsage usage, UsageRecord record) {
        ObjectNode u = out.putObject("usage");
        long prompt = usage.totalInputTokens();
        u.put("prompt_tokens", prompt);
        u.put("completion_tokens", usage.outputTokens());
        u.put("total_tokens", prompt + usage.outputTokens());
        u.putObject("prompt_tokens_details").put("cached_tokens", usage.cacheReadInputTokens());
        if (record != null) {
            ObjectNode aip = out.putObject("aip");
            aip.put("record_id", record.recordId());
            aip.put("cache_write_tokens", usage.cacheWriteInputTokens());
            record.cost().amount().ifPresent(c -> aip.put("cost_usd", c.toPlainString()));
        }
    }

    private static String finishReason(StopReason reason, boolean jsonObject) {
        if (jsonObject && reason == StopReason.TOOL_USE) {
            return "stop";
        }
        return switch (reason) {
            case MAX_TOKENS -> "length";
            case TOOL_USE -> "tool_calls";
            case CONTENT_FILTERED, GUARDRAIL_INTERVENED -> "content_filter";
            default -> "stop";
        };
    }

    /** OpenAI's code for an exhausted budget ({@code insufficient_quota}), else aip's error type. */
    private static String openAiCode(AipErrors.Answer answer) {
        return "budget_exceeded".equals(answer.type()) ? "insufficient_quota" : answer.type();
    }

    private static String openAiType(AipErrors.Answer answer) {
        return switch (answer.status()) {
            case 429 -> "budget_exceeded".equals(answer.type()) ? "insufficient_quota" : "rate_limit_exceeded";
            case 400, 403, 404, 413 -> "invalid_request_error";
            default -> "api_error";
        };
    }

    private Mono<Void> writeJson(ServerHttpResponse response, int status, ObjectNode body) {
        return GatewayError.writeJson(response, json, status, body);
    }

    private Mono<Void> writeError(ServerHttpResponse response, GatewayError e) {
        return GatewayError.write(response, json, e.status, e.type, e.code, e.param, e.getMessage(), e.retryAfter);
    }

    private Mono<Void> writeError(ServerHttpResponse response, AipErrors.Answer answer, boolean structured) {
        return GatewayError.write(response, json, answer.status(), openAiType(answer), openAiCode(answer),
                param(answer, structured), answer.message(), answer.retryAfterHeader().orElse(null));
    }

    /**
     * The request field a Bedrock refusal is about, where the gateway can tell: Bedrock refuses a structured-output
     * schema it does not support (a keyword outside its JSON Schema subset, such as {@code minimum}, or an object
     * without {@code additionalProperties: false}) with a 400 whose message names the keyword and mentions the
     * schema; that schema is the caller's {@code response_format.json_schema.schema}, passed through unchanged.
     */
    private static String param(AipErrors.Answer answer, boolean structured) {
        return structured && answer.status() == 400 && answer.message() != null
                && answer.message().toLowerCase(java.util.Locale.ROOT).contains("schema")
                ? "response_format.json_schema.schema" : null;
    }
}
