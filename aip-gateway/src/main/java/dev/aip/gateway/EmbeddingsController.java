package dev.aip.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aip.core.bedrock.TenantRoutingInterceptor;
import dev.aip.core.chat.CallTimeouts;
import dev.aip.core.governance.PolicyStore;
import dev.aip.core.tenant.TenantContext;
import dev.aip.spring.AipErrors;
import dev.aip.spring.AipProperties;
import dev.aip.spring.TenantDirectory;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CancellationException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelRequest;

/**
 * OpenAI's embeddings endpoint, {@code POST /v1/embeddings}, served by an embedding model through each tenant's
 * application inference profile. Requests are read by {@link OpenAiEmbeddings}.
 *
 * <p><b>Models.</b> A logical model is an embedding model when its route ({@code aip.profiles.routes}) has Titan
 * Text Embeddings V2 ({@code amazon.titan-embed-text-v2:0}) as its source; the tenant's profile for it is resolved
 * as for chat (an application profile copied from the model's ARN: the model has no cross-Region profile). The route
 * says which body format to send, since a profile ARN does not name its model. A model the gateway serves for chat
 * is a 400 here; an unknown model a 404; one the tenant's policy does not allow a 403.
 *
 * <p><b>Calls.</b> Titan embeds one text per call, so each input string is one InvokeModel call, made one after the
 * other, in order, through aip's Bedrock client, whose interceptor routes, admits (rate limits and budgets apply as
 * to a chat call that generates nothing) and meters it: one usage record per input, with its input tokens and cost
 * and no output tokens. The tier's call timeout ({@code aip.gateway.timeout}, {@code aip.gateway.tier-timeouts})
 * bounds each call and is recorded as a timeout. If a call fails, the answer is that call's error; the inputs
 * embedded before it were billed and are recorded, the ones after it are not sent. A client that goes away stops
 * the inputs not yet sent; the call in flight finishes and is recorded.
 *
 * <p><b>Threads.</b> The calls run on the synchronous client, on Reactor's bounded elastic scheduler, never on the
 * server's I/O threads: the interceptor resolves the tenant's profile and asks the admission on the calling thread,
 * and on the synchronous client a call timeout reaches the interceptor and is settled (the asynchronous client's
 * call timeout completes its future without telling the interceptor, which would leave the call unrecorded).
 *
 * <p><b>Order of checks</b>, each answered in OpenAI's error shape: the API key (401), the body size (413), the JSON
 * and its fields (400), the model (404 / 403 / 400), the capacity caps ({@link InFlightLimits}: one permit for the
 * whole request); then the calls, whose refusals and failures are mapped by {@link AipErrors}.
 *
 * <p>Thread-safe.
 */
@RestController
class EmbeddingsController {

    private final BedrockRuntimeClient bedrock;
    private final ApiKeys keys;
    private final TenantDirectory tenants;
    private final GatewayConfiguration.GatewayModels models;
    private final PolicyStore policies;
    private final InFlightLimits limits;
    private final CallTimeouts timeouts;
    private final Set<String> embeddingModels;
    private final GatewayCalls calls;
    private final ObjectMapper json = new ObjectMapper();

    EmbeddingsController(BedrockRuntimeClient bedrock, ApiKeys keys, TenantDirectory tenants,
                         GatewayConfiguration.GatewayModels models, GatewayProperties properties, AipProperties aip,
                         ObjectProvider<PolicyStore> policies, InFlightLimits limits, GatewayCalls calls) {
        this.bedrock = bedrock;
        this.keys = keys;
        this.tenants = tenants;
        this.models = models;
        this.policies = policies.getIfAvailable();
        this.limits = limits;
        this.calls = calls;
        this.timeouts = GatewayConfiguration.timeouts(properties);
        Set<String> embedding = new TreeSet<>();
        aip.getProfiles().getRoutes().forEach((model, source) -> {
            if (OpenAiEmbeddings.isTitanEmbedding(source) && models.names().contains(model)) {
                embedding.add(model);
            }
        });
        this.embeddingModels = Set.copyOf(embedding);
    }

    @PostMapping("/v1/embeddings")
    Mono<Void> embeddings(ServerWebExchange exchange) {
        ServerHttpRequest request = exchange.getRequest();
        ServerHttpResponse response = exchange.getResponse();
        TenantContext tenant;
        try {
            tenant = ChatCompletionsController.authenticate(request, keys, tenants);
        } catch (GatewayError e) {
            return writeError(response, e);
        }
        return calls.readBody(request, ChatCompletionsController::tooLarge)
                .flatMap(body -> {
                    OpenAiEmbeddings.Parsed parsed = OpenAiEmbeddings.parse(json, body);
                    checkModel(tenant, parsed.model());
                    InFlightLimits.Permit permit = limits.acquire(tenant.id());
                    return Flux.fromIterable(parsed.inputs())
                            .concatMap(text -> embed(tenant, parsed, text))
                            .collectList()
                            .flatMap(vectors -> GatewayError.writeJson(response, json, 200,
                                    OpenAiEmbeddings.answer(json, parsed, vectors)))
                            .doFinally(s -> permit.release());
                })
                .onErrorMap(CancellationException.class, e -> new GatewayError(503, "api_error",
                        "gateway_shutting_down", null, "The gateway is shutting down; retry shortly.",
                        InFlightLimits.RETRY_AFTER_SECONDS))
                .onErrorResume(GatewayError.class, e -> writeError(response, e))
                .onErrorResume(e -> !(e instanceof GatewayError), e -> writeError(response, AipErrors.map(e)));
    }

    /** One text, one InvokeModel call: routed, admitted and metered by the client's aip interceptor. */
    private Mono<OpenAiEmbeddings.Embedding> embed(TenantContext tenant, OpenAiEmbeddings.Parsed parsed,
                                                   String text) {
        Duration timeout = timeouts.timeoutOf(tenant);
        InvokeModelRequest call = InvokeModelRequest.builder()
                .modelId(parsed.model())
                .contentType("application/json")
                .accept("application/json")
                .body(SdkBytes.fromByteArrayUnsafe(OpenAiEmbeddings.titanBody(json, text, parsed.dimensions())))
                .overrideConfiguration(o -> {
                    o.putExecutionAttribute(TenantRoutingInterceptor.TENANT, tenant);
                    o.putExecutionAttribute(TenantRoutingInterceptor.RECORD_ATTRIBUTES,
                            OpenAiEmbeddings.recordAttributes(parsed));
                    if (timeout != null) {
                        o.apiCallTimeout(timeout);
                    }
                })
                .build();
        // Under the caller's trace, when tracing is on: the interceptor begins the call on this thread.
        return Mono.deferContextual(context -> Mono.fromCallable(() -> {
                    try (CallParent.Entered traced = CallParent.enter(context)) {
                        return bedrock.invokeModel(call);
                    }
                }))
                .subscribeOn(Schedulers.boundedElastic())
                .map(r -> OpenAiEmbeddings.titanAnswer(json, r.body().asByteArrayUnsafe()));
    }

    private void checkModel(TenantContext tenant, String model) {
        if (!models.names().contains(model)) {
            throw new GatewayError(404, "invalid_request_error", "model_not_found", "model",
                    "The model '" + model + "' does not exist; see GET /v1/models.");
        }
        if (policies != null && !policies.current().policyFor(tenant).allowsModel(model)) {
            throw new GatewayError(403, "invalid_request_error", "model_not_allowed", "model",
                    "This key may not use the model '" + model + "'.");
        }
        if (!embeddingModels.contains(model)) {
            throw GatewayError.badRequest("model", "The model '" + model + "' is not an embedding model; use one"
                    + " routed to Titan Text Embeddings V2 (" + (embeddingModels.isEmpty()
                    ? "none is configured; add one to aip.profiles.routes, e.g. titan-embed:"
                    + " amazon.titan-embed-text-v2:0" : String.join(", ", embeddingModels)) + ").");
        }
    }

    private Mono<Void> writeError(ServerHttpResponse response, GatewayError e) {
        return GatewayError.write(response, json, e.status, e.type, e.code, e.param, e.getMessage(), e.retryAfter);
    }

    /** As the chat endpoint answers aip's refusals: OpenAI's types, {@code insufficient_quota} for budgets. */
    private Mono<Void> writeError(ServerHttpResponse response, AipErrors.Answer answer) {
        boolean budget = "budget_exceeded".equals(answer.type());
        String type = switch (answer.status()) {
            case 429 -> budget ? "insufficient_quota" : "rate_limit_exceeded";
            case 400, 403, 404, 413 -> "invalid_request_error";
            default -> "api_error";
        };
        return GatewayError.write(response, json, answer.status(), type, budget ? "insufficient_quota"
                : answer.type(), null, answer.message(), answer.retryAfterHeader().orElse(null));
    }
}
