package dev.aip.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aip.core.bedrock.CountTokensRequests;
import dev.aip.core.chat.ChatClient;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.ChatResponse;
import dev.aip.core.governance.PolicyStore;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.TenantProfileResolver;
import dev.aip.core.tenant.TenantContext;
import dev.aip.spring.TenantDirectory;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.model.CountTokensResponse;

/**
 * Anthropic's Messages API: {@code POST /v1/messages} (a whole message, or {@code stream: true} as server-sent
 * events) and {@code POST /v1/messages/count_tokens}, on the same non-blocking engine as the OpenAI endpoint: the
 * gateway's {@link ChatClient} pipeline (governance, timeouts, retries, fallbacks, metering), the
 * {@link InFlightLimits} caps, the same API keys and tenants.
 *
 * <p><b>Headers.</b> The key in {@code x-api-key} (as Anthropic's SDKs send it) or {@code Authorization: Bearer};
 * {@code anthropic-version} is required and may be any dated version ({@code 2023-06-01} or later dates that newer
 * clients send: the gateway serves one behaviour for all); {@code anthropic-beta} is ignored (a beta feature's
 * fields are refused as unsupported fields). Every answer carries {@code request-id}; a whole message carries the
 * gateway's {@code x-aip-*} usage headers (tokens per Bedrock bucket, cost, usage record id), and its {@code id} is
 * {@code msg_} followed by the usage record id.
 *
 * <p><b>Order of checks</b>, each answered in Anthropic's error shape ({@link AnthropicError}): the API key (401), the
 * {@code anthropic-version} header (400), the body size (413), the JSON and its fields ({@link AnthropicRequests},
 * 400), the model (404 if the gateway does not serve it, 403 if the tenant's policy does not allow it), the capacity
 * caps (429 over the tenant's, 529 over the gateway's), then the call, whose refusals and failures are mapped from
 * {@link dev.aip.spring.AipErrors}.
 *
 * <p><b>Streams</b> are bridged from {@link ChatClient#stream} as on the OpenAI endpoint: a refusal before the first
 * event is an error answer with its status; at most {@link GatewayProperties#getStreamBufferEvents()} events wait
 * for a slow client, beyond that the stream fails and the call is cancelled; a client that goes away cancels the
 * call, which is settled once, as cancelled. The events are those of {@link AnthropicEvents}.
 *
 * <p><b>Token counting</b> asks Bedrock's CountTokens for the foundation model behind the tenant's profile for the
 * model (CountTokens takes foundation model ids only). It is free on Bedrock, consumes no model capacity and costs
 * nothing, so it writes no usage record and is not governed (a record would count as a request against the tenant's
 * requests-per-minute and show as a zero-cost model call in reports); it is counted, per tenant and model, in the
 * {@code aip.gateway.count-tokens} meter, and holds an in-flight permit while Bedrock answers.
 *
 * <p>Thread-safe.
 */
@RestController
class MessagesController {

    private final ApiKeys keys;
    private final TenantDirectory tenants;
    private final GatewayConfiguration.GatewayModels models;
    private final GatewayProperties properties;
    private final PolicyStore policies;
    private final RecentRecords records;
    private final InFlightLimits limits;
    private final MeterRegistry registry;
    private final TenantProfileResolver resolver;
    private final GatewayCalls calls;
    private final BedrockRuntimeAsyncClient bedrock;
    private final ObjectMapper json = new ObjectMapper();

    MessagesController(ApiKeys keys, TenantDirectory tenants,
                       GatewayConfiguration.GatewayModels models, GatewayProperties properties,
                       ObjectProvider<PolicyStore> policies, RecentRecords records, InFlightLimits limits,
                       ObjectProvider<MeterRegistry> registry, TenantProfileResolver resolver, GatewayCalls calls,
                       @Qualifier("gatewayBedrockAsyncClient") BedrockRuntimeAsyncClient bedrock) {
        this.keys = keys;
        this.tenants = tenants;
        this.models = models;
        this.properties = properties;
        this.policies = policies.getIfAvailable();
        this.records = records;
        this.limits = limits;
        this.registry = registry.getIfAvailable();
        this.resolver = resolver;
        this.calls = calls;
        this.bedrock = bedrock;
    }

    /** What one request was, for the gateway's meters. */
    private static final class Observed {
        final long started = System.nanoTime();
        final String requestId = "req_" + UsageRecord.newId().replace("-", "");
        volatile String tenant = "none";
        volatile String model = "none";
        volatile boolean stream;
        volatile int status = 500;
    }

    @PostMapping("/v1/messages")
    Mono<Void> messages(ServerWebExchange exchange) {
        ServerHttpResponse response = exchange.getResponse();
        return serve(exchange, this::meter, (tenant, body, outcome) -> {
                    AnthropicRequests.Parsed parsed = AnthropicRequests.parseMessages(json, body);
                    outcome.stream = parsed.stream();
                    outcome.model = checkModel(tenant, parsed.request().model());
                    InFlightLimits.Permit permit = limits.acquire(tenant.id());
                    Scheduler start = calls.startOn(tenant, outcome.model);
                    return parsed.stream() ? stream(tenant, parsed.request(), permit, response, outcome, start)
                            : complete(tenant, parsed.request(), permit, response, outcome, start);
                });
    }

    @PostMapping("/v1/messages/count_tokens")
    Mono<Void> countTokens(ServerWebExchange exchange) {
        ServerHttpResponse response = exchange.getResponse();
        return serve(exchange, this::meterCount, (tenant, body, outcome) -> {
                    ChatRequest parsed = AnthropicRequests.parseCountTokens(json, body);
                    outcome.model = checkModel(tenant, parsed.model());
                    InFlightLimits.Permit permit = limits.acquire(tenant.id());
                    return Mono.defer(() -> {
                                // The tenant's profile for the model names its foundation model; a profile not yet
                                // in memory is found (or created) on a thread that may wait.
                                String foundationModel = resolver.resolve(tenant, parsed.model()).sourceModelId();
                                CompletableFuture<CountTokensResponse> call = bedrock.countTokens(
                                        CountTokensRequests.of(foundationModel, parsed));
                                permit.onAbort(() -> call.cancel(false));
                                return Mono.fromFuture(call, false);
                            })
                            .subscribeOn(calls.startOn(tenant, outcome.model))
                            .timeout(properties.getTimeout(), Mono.error(() -> new AnthropicError(504, "api_error",
                                    "Counting tokens did not finish within the gateway's timeout.")))
                            .flatMap(counted -> {
                                outcome.status = 200;
                                ObjectNode out = json.createObjectNode();
                                out.put("input_tokens", counted.inputTokens() == null ? 0 : counted.inputTokens());
                                return writeJson(response, 200, out);
                            })
                            .doFinally(s -> permit.release());
                });
    }

    /** What an endpoint does with a request once its key is known and its body read. */
    @FunctionalInterface
    private interface Work {
        Mono<Void> apply(TenantContext tenant, byte[] body, Observed outcome);
    }

    /**
     * Every Messages API request alike: a {@code request-id}, the key (401 in Anthropic's shape), the body within its
     * limit, then {@code work}; any failure answered in Anthropic's shape, and the request metered once.
     */
    private Mono<Void> serve(ServerWebExchange exchange, Consumer<Observed> meter, Work work) {
        ServerHttpRequest request = exchange.getRequest();
        ServerHttpResponse response = exchange.getResponse();
        Observed outcome = new Observed();
        response.getHeaders().set("request-id", outcome.requestId);
        TenantContext tenant;
        try {
            tenant = authenticate(request);
            outcome.tenant = tenant.id().value();
        } catch (AnthropicError e) {
            outcome.status = e.status;
            return writeError(response, outcome, e).doFinally(s -> meter.accept(outcome));
        }
        return calls.readBody(request, MessagesController::tooLarge)
                .flatMap(body -> work.apply(tenant, body, outcome))
                .onErrorResume(e -> {
                    AnthropicError error = AnthropicError.of(shutdown(e));
                    outcome.status = error.status;
                    return writeError(response, outcome, error);
                })
                .doFinally(s -> meter.accept(outcome));
    }

    /** Aborted at the end of the shutdown grace period before an answer was sent: 529, retry shortly. */
    private static Throwable shutdown(Throwable e) {
        return e instanceof CancellationException
                ? new AnthropicError(529, "overloaded_error", "The gateway is shutting down; retry shortly.",
                        InFlightLimits.RETRY_AFTER_SECONDS, false)
                : e;
    }

    private void meter(Observed o) {
        calls.meterRequest(o.tenant, o.model, o.stream, o.status, o.started);
    }

    private void meterCount(Observed o) {
        if (registry != null) {
            Counter.builder("aip.gateway.count-tokens")
                    .description("Token counting requests (Bedrock CountTokens: free, no usage record)")
                    .tag("aip.tenant", o.tenant).tag("gen_ai.request.model", o.model)
                    .tag("http.status", Integer.toString(o.status)).register(registry).increment();
        }
    }

    /** The tenant of the key in {@code x-api-key} or {@code Authorization: Bearer}; then the version header. */
    private TenantContext authenticate(ServerHttpRequest request) {
        HttpHeaders headers = request.getHeaders();
        String key = headers.getFirst("x-api-key");
        if (key == null || key.isBlank()) {
            String auth = headers.getFirst(HttpHeaders.AUTHORIZATION);
            key = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim() : null;
        }
        ApiKeys.Verdict verdict = keys.authenticate(key == null ? null : key.trim());
        if (verdict.refusal() == ApiKeys.Refusal.KEY_LIMIT) {
            throw new AnthropicError(429, "rate_limit_error", verdict.message(),
                    Long.toString(verdict.retryAfterSeconds()), false);
        }
        if (!verdict.accepted()) {
            throw new AnthropicError(401, "authentication_error", key == null || key.isBlank()
                    ? "Missing API key: send it in the x-api-key header (or Authorization: Bearer)."
                    : verdict.message());
        }
        String version = headers.getFirst("anthropic-version");
        if (version == null || version.isBlank()) {
            throw AnthropicError.invalid("anthropic-version: header is required (e.g. 2023-06-01).");
        }
        try {
            LocalDate.parse(version.trim());
        } catch (DateTimeException e) {
            throw AnthropicError.invalid("anthropic-version: '" + version + "' is not a version; send a dated"
                    + " version such as 2023-06-01.");
        }
        return ChatCompletionsController.contextOf(verdict, tenants);
    }

    private static AnthropicError tooLarge(int max) {
        return new AnthropicError(413, "request_too_large", "The request body is larger than " + max + " bytes.");
    }

    private String checkModel(TenantContext tenant, String model) {
        if (!models.names().contains(model)) {
            throw new AnthropicError(404, "not_found_error", "model: " + model + " is not served by this gateway;"
                    + " see GET /v1/models.");
        }
        if (policies != null && !policies.current().policyFor(tenant).allowsModel(model)) {
            throw new AnthropicError(403, "permission_error", "This key may not use the model '" + model + "'.");
        }
        return model;
    }

    private Mono<Void> complete(TenantContext tenant, ChatRequest request, InFlightLimits.Permit permit,
                                ServerHttpResponse response, Observed outcome, Scheduler start) {
        return calls.whole(tenant, request, permit, start)
                .flatMap(answer -> {
                    UsageRecord record = records.take(answer.usageRecordId()).orElse(null);
                    ObjectNode out = AnthropicEvents.message(json, "msg_" + answer.usageRecordId(), request, answer);
                    GatewayCalls.usageHeaders(response, answer.usage(), record, answer.usageRecordId());
                    outcome.status = 200;
                    return writeJson(response, 200, out);
                });
    }

    private Mono<Void> stream(TenantContext tenant, ChatRequest request, InFlightLimits.Permit permit,
                              ServerHttpResponse response, Observed outcome, Scheduler start) {
        Flux<Object> items = calls.stream(tenant, request, permit, start);
        return items.switchOnFirst((first, all) -> {
            if (first.hasValue() && first.get() instanceof Throwable error) {
                // Refused before any event: an error answer with its status, as for a whole message.
                AnthropicError e = AnthropicError.of(error);
                outcome.status = e.status;
                return all.then(writeError(response, outcome, e));
            }
            if (!first.hasValue()) {
                return all.then();
            }
            outcome.status = 200;
            AnthropicEvents.Stream events = new AnthropicEvents.Stream(json, "msg_" + UsageRecord.newId()
                    .replace("-", ""), request);
            response.setStatusCode(HttpStatusCode.valueOf(200));
            HttpHeaders headers = response.getHeaders();
            headers.setContentType(new MediaType("text", "event-stream", StandardCharsets.UTF_8));
            headers.setCacheControl("no-cache");
            headers.set("X-Accel-Buffering", "no");
            Flux<AnthropicEvents.Event> sse = Flux.concat(
                    Flux.fromIterable(events.start()),
                    all.concatMapIterable(item -> {
                        if (item instanceof ChatResponse done) {
                            records.take(done.usageRecordId());
                        }
                        return events.on(item instanceof Throwable t ? AnthropicError.of(t) : item);
                    }));
            // One SSE frame per event: written and flushed on its own.
            return response.writeAndFlushWith(sse.map(e -> Mono.just(frame(response, e))));
        }).then().doFinally(s -> permit.release());
    }

    /** {@code event: <name>}, {@code data: <json>} and a blank line. */
    private static DataBuffer frame(ServerHttpResponse response, AnthropicEvents.Event event) {
        return response.bufferFactory().wrap(("event: " + event.name() + "\ndata: " + event.data() + "\n\n")
                .getBytes(StandardCharsets.UTF_8));
    }

    private Mono<Void> writeJson(ServerHttpResponse response, int status, ObjectNode body) {
        byte[] bytes;
        try {
            bytes = json.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            return Mono.error(new UncheckedIOException(e));
        }
        response.setStatusCode(HttpStatusCode.valueOf(status));
        response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
        response.getHeaders().setContentLength(bytes.length);
        return response.writeWith(Mono.just(response.bufferFactory().wrap(bytes)));
    }

    private Mono<Void> writeError(ServerHttpResponse response, Observed outcome, AnthropicError e) {
        if (response.isCommitted()) {
            return Mono.empty();
        }
        // Drop whatever a successful answer had set (e.g. x-aip-* headers); keep the request id.
        HttpHeaders headers = response.getHeaders();
        headers.clear();
        headers.set("request-id", outcome.requestId);
        if (e.retryAfter != null) {
            headers.set(HttpHeaders.RETRY_AFTER, e.retryAfter);
        }
        if (e.doNotRetry) {
            headers.set("x-should-retry", "false");
        }
        return writeJson(response, e.status, AnthropicEvents.error(json, e, outcome.requestId));
    }
}
