package dev.aip.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aip.core.chat.ChatClient;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.ChatResponse;
import dev.aip.core.chat.ChatStream;
import dev.aip.core.chat.ChatStreamListener;
import dev.aip.core.chat.StopReason;
import dev.aip.core.governance.PolicyStore;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.spring.AipErrors;
import dev.aip.spring.TenantDirectory;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The OpenAI-compatible endpoints: {@code POST /v1/chat/completions} (sync, or {@code stream: true} as server-sent
 * events) and {@code GET /v1/models}.
 *
 * <p><b>Order of checks</b>, each answered in OpenAI's error shape: the API key (401, no detail), the body size
 * (413), the JSON and its fields (400), the model (404 if the gateway does not serve it, 403 if the tenant's policy
 * does not allow it); then the call goes through aip's pipeline, whose refusals and Bedrock's failures are mapped by
 * {@link AipErrors} (429 with {@code Retry-After} for rate limits and budgets, 502/503/504 upstream).
 *
 * <p><b>Answers</b> carry the usage in OpenAI's shape ({@code prompt_tokens} includes cached tokens, as OpenAI
 * counts them; {@code prompt_tokens_details.cached_tokens} are the cache reads) and in {@code x-aip-*} headers
 * (tokens per Bedrock bucket, cost, usage record id). A stream sends a role chunk, one chunk per text delta, a chunk
 * with the finish reason, with {@code stream_options.include_usage} a last chunk with {@code usage} (and aip's cost),
 * then {@code data: [DONE]}. A client that goes away mid-stream cancels the call: the attempt is settled once, as
 * cancelled.
 *
 * <p>Thread-safe. A streamed answer holds its request thread until it ends.
 */
@RestController
class ChatCompletionsController {

    private static final Object END = new Object();

    private final ChatClient pipeline;
    private final ApiKeys keys;
    private final TenantDirectory tenants;
    private final GatewayConfiguration.GatewayModels models;
    private final GatewayProperties properties;
    private final PolicyStore policies;
    private final RecentRecords records;
    private final MeterRegistry registry;
    private final ObjectMapper json = new ObjectMapper();

    ChatCompletionsController(ChatClient gatewayPipeline, ApiKeys keys, TenantDirectory tenants,
                              GatewayConfiguration.GatewayModels models, GatewayProperties properties,
                              ObjectProvider<PolicyStore> policies, RecentRecords records,
                              ObjectProvider<MeterRegistry> registry) {
        this.pipeline = gatewayPipeline;
        this.keys = keys;
        this.tenants = tenants;
        this.models = models;
        this.properties = properties;
        this.policies = policies.getIfAvailable();
        this.records = records;
        this.registry = registry.getIfAvailable();
    }

    @GetMapping("/v1/models")
    void listModels(HttpServletRequest request, HttpServletResponse response) throws IOException {
        TenantContext tenant;
        try {
            tenant = authenticate(request);
        } catch (GatewayError e) {
            writeError(response, e.status, e.type, e.code, e.param, e.getMessage(), null);
            return;
        }
        ObjectNode out = json.createObjectNode().put("object", "list");
        ArrayNode data = out.putArray("data");
        for (String model : models.names()) {
            if (allowed(tenant, model)) {
                data.addObject().put("id", model).put("object", "model").put("created", 0).put("owned_by", "aip");
            }
        }
        writeJson(response, 200, out);
    }

    @PostMapping("/v1/chat/completions")
    void chatCompletions(HttpServletRequest request, HttpServletResponse response) throws IOException {
        long started = System.nanoTime();
        String tenantTag = "none";
        String model = "none";
        boolean stream = false;
        int status;
        try {
            TenantContext tenant = authenticate(request);
            tenantTag = tenant.id().value();
            OpenAiRequests.Parsed parsed = OpenAiRequests.parse(json, readBody(request));
            stream = parsed.stream();
            model = checkModel(tenant, parsed.request().model());
            status = stream ? stream(tenant, parsed, response) : complete(tenant, parsed.request(), response);
        } catch (GatewayError e) {
            status = e.status;
            writeError(response, e.status, e.type, e.code, e.param, e.getMessage(), null);
        } catch (RuntimeException e) {
            AipErrors.Answer answer = AipErrors.map(e);
            status = answer.status();
            writeError(response, answer.status(), openAiType(answer), answer.type(), null, answer.message(),
                    answer.retryAfterHeader().orElse(null));
        }
        if (registry != null) {
            Counter.builder("aip.gateway.requests").tag("aip.tenant", tenantTag).tag("gen_ai.request.model", model)
                    .tag("http.status", Integer.toString(status)).tag("stream", Boolean.toString(stream))
                    .register(registry).increment();
            Timer.builder("aip.gateway.request.duration").tag("aip.tenant", tenantTag)
                    .tag("stream", Boolean.toString(stream)).register(registry)
                    .record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        }
    }

    private TenantContext authenticate(HttpServletRequest request) {
        String auth = request.getHeader("Authorization");
        String key = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim() : null;
        Optional<TenantId> tenant = keys.tenantOf(key);
        if (tenant.isEmpty()) {
            throw new GatewayError(401, "invalid_request_error", "invalid_api_key", null, "Invalid API key.");
        }
        return tenants.contextOf(tenant.get());
    }

    private byte[] readBody(HttpServletRequest request) throws IOException {
        int max = properties.getMaxBodyBytes();
        long declared = request.getContentLengthLong();
        if (declared > max) {
            throw tooLarge(max);
        }
        try (InputStream in = request.getInputStream()) {
            byte[] body = in.readNBytes(max + 1);
            if (body.length > max) {
                throw tooLarge(max);
            }
            return body;
        }
    }

    private static GatewayError tooLarge(int max) {
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

    private boolean allowed(TenantContext tenant, String model) {
        return policies == null || policies.current().policyFor(tenant).allowsModel(model);
    }

    private int complete(TenantContext tenant, ChatRequest request, HttpServletResponse response)
            throws IOException {
        ChatResponse answer = pipeline.chat(tenant, request);
        UsageRecord record = records.take(answer.usageRecordId()).orElse(null);
        ObjectNode out = json.createObjectNode();
        out.put("id", "chatcmpl-" + answer.usageRecordId());
        out.put("object", "chat.completion");
        out.put("created", Instant.now().getEpochSecond());
        out.put("model", request.model());
        ObjectNode choice = out.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putObject("message").put("role", "assistant").put("content", answer.text());
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason(answer.stopReason()));
        usage(out, answer.usage(), record);
        usageHeaders(response, answer.usage(), record, answer.usageRecordId());
        writeJson(response, 200, out);
        return 200;
    }

    private int stream(TenantContext tenant, OpenAiRequests.Parsed parsed, HttpServletResponse response)
            throws IOException {
        BlockingQueue<Object> events = new LinkedBlockingQueue<>();
        ChatStream call = pipeline.stream(tenant, parsed.request(), new ChatStreamListener() {
            @Override
            public void onText(String text) {
                events.add(text);
            }

            @Override
            public void onComplete(ChatResponse answer) {
                events.add(answer);
                events.add(END);
            }

            @Override
            public void onError(Throwable error) {
                events.add(error);
                events.add(END);
            }
        });
        Object first = take(events, call);
        if (first instanceof Throwable error) {
            throw error instanceof RuntimeException r ? r : new IllegalStateException(error);
        }
        String id = "chatcmpl-" + UsageRecord.newId();
        long created = Instant.now().getEpochSecond();
        String model = parsed.request().model();
        response.setStatus(200);
        response.setContentType("text/event-stream");
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-cache");
        response.setHeader("X-Accel-Buffering", "no");
        OutputStream out = response.getOutputStream();
        try {
            ObjectNode role = chunk(id, created, model);
            ((ObjectNode) role.withArray("choices").get(0)).putObject("delta").put("role", "assistant")
                    .put("content", "");
            send(out, role);
            for (Object event = first; event != END; event = take(events, call)) {
                if (event instanceof String text) {
                    ObjectNode c = chunk(id, created, model);
                    ((ObjectNode) c.withArray("choices").get(0)).putObject("delta").put("content", text);
                    send(out, c);
                } else if (event instanceof ChatResponse done) {
                    ObjectNode c = chunk(id, created, model);
                    ObjectNode choice = (ObjectNode) c.withArray("choices").get(0);
                    choice.putObject("delta");
                    choice.put("finish_reason", finishReason(done.stopReason()));
                    send(out, c);
                    UsageRecord record = records.take(done.usageRecordId()).orElse(null);
                    if (parsed.includeUsage()) {
                        ObjectNode u = json.createObjectNode().put("id", id).put("object", "chat.completion.chunk")
                                .put("created", created).put("model", model);
                        u.putArray("choices");
                        usage(u, done.usage(), record);
                        send(out, u);
                    }
                } else if (event instanceof Throwable error) {
                    AipErrors.Answer answer = AipErrors.map(error);
                    ObjectNode e = json.createObjectNode();
                    e.putObject("error").put("message", answer.message()).put("type", openAiType(answer))
                            .put("code", answer.type());
                    send(out, e);
                }
            }
            out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException gone) {
            // The client went away: stop the call; the pipeline settles its attempt once, as cancelled.
            call.cancel();
        }
        return 200;
    }

    private static Object take(BlockingQueue<Object> events, ChatStream call) {
        try {
            return events.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            call.cancel();
            return END;
        }
    }

    private ObjectNode chunk(String id, long created, String model) {
        ObjectNode c = json.createObjectNode().put("id", id).put("object", "chat.completion.chunk")
                .put("created", created).put("model", model);
        ObjectNode choice = c.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putNull("finish_reason");
        return c;
    }

    private void send(OutputStream out, ObjectNode event) throws IOException {
        out.write("data: ".getBytes(StandardCharsets.UTF_8));
        out.write(json.writeValueAsBytes(event));
        out.write("\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
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

    private static void usageHeaders(HttpServletResponse response, TokenUsage usage, UsageRecord record,
                                     String recordId) {
        response.setHeader("x-aip-input-tokens", Long.toString(usage.inputTokens()));
        response.setHeader("x-aip-output-tokens", Long.toString(usage.outputTokens()));
        response.setHeader("x-aip-cache-read-tokens", Long.toString(usage.cacheReadInputTokens()));
        response.setHeader("x-aip-cache-write-tokens", Long.toString(usage.cacheWriteInputTokens()));
        if (recordId != null) {
            response.setHeader("x-aip-record-id", recordId);
        }
        if (record != null) {
            record.cost().amount().ifPresent(c -> response.setHeader("x-aip-cost-usd", c.toPlainString()));
        }
    }

    private static String finishReason(StopReason reason) {
        return switch (reason) {
            case MAX_TOKENS -> "length";
            case TOOL_USE -> "tool_calls";
            case CONTENT_FILTERED, GUARDRAIL_INTERVENED -> "content_filter";
            default -> "stop";
        };
    }

    private static String openAiType(AipErrors.Answer answer) {
        return switch (answer.status()) {
            case 429 -> "budget_exceeded".equals(answer.type()) ? "insufficient_quota" : "rate_limit_exceeded";
            case 400, 403, 404, 413 -> "invalid_request_error";
            default -> "api_error";
        };
    }

    private void writeJson(HttpServletResponse response, int status, ObjectNode body) throws IOException {
        byte[] bytes = json.writeValueAsBytes(body);
        response.setStatus(status);
        response.setContentType("application/json");
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }

    private void writeError(HttpServletResponse response, int status, String type, String code, String param,
                            String message, String retryAfter) throws IOException {
        if (response.isCommitted()) {
            return;
        }
        response.reset();
        if (retryAfter != null) {
            response.setHeader("Retry-After", retryAfter);
        }
        ObjectNode out = json.createObjectNode();
        ObjectNode error = out.putObject("error");
        error.put("message", message);
        error.put("type", type);
        if (param == null) {
            error.putNull("param");
        } else {
            error.put("param", param);
        }
        error.put("code", code);
        writeJson(response, status, out);
    }
}
