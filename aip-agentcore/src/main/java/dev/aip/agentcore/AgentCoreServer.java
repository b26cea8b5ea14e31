package dev.aip.agentcore;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.aip.core.ConfigurationException;
import dev.aip.core.InvalidTenantIdException;
import dev.aip.core.UnknownTenantException;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.TenantScope;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves an agent under the Amazon Bedrock AgentCore Runtime HTTP protocol contract, on the JDK's
 * {@code com.sun.net.httpserver}, with every invocation run in the calling tenant's {@link TenantScope}.
 *
 * <pre>{@code
 * AgentCoreServer server = AgentCoreServer.builder()
 *     .identity(TenantIdentity.firstOf(TenantIdentity.jwtClaim(), TenantIdentity.header()))
 *     .handler(invocation -> Map.of("response", agent.chat(invocation.text("prompt").orElse(""))))
 *     .build()
 *     .start();                       // 0.0.0.0:8080, as the runtime expects
 * }</pre>
 *
 * <h2>The contract, and where each fact comes from</h2>
 * <ul>
 *   <li>Host {@code 0.0.0.0}, port {@code 8080}, an ARM64 container; {@code POST /invocations} takes JSON and
 *       answers JSON or server-sent events ({@code text/event-stream}); {@code GET /ping} answers the agent's health
 *       (AWS: "HTTP protocol contract", {@code runtime-http-protocol-contract}; "Understand the AgentCore Runtime
 *       service contract", {@code runtime-service-contract}).</li>
 *   <li>{@code /ping} answers 200 {@code {"status":"Healthy"|"HealthyBusy","time_of_last_update":<unix seconds>}};
 *       {@code HealthyBusy} asks the runtime not to reclaim the instance while work runs, and the timestamp changes
 *       only when the status does (the HTTP protocol contract page; the AgentCore Python SDK's {@code PingStatus}).
 *       Here: busy while any invocation or {@link BusyTracker} task runs.</li>
 *   <li>The session id arrives in {@value #SESSION_HEADER}, 33 to 256 characters ({@code InvokeAgentRuntime}'s
 *       {@code runtimeSessionId} length constraints); the runtime's request id in {@value #REQUEST_ID_HEADER}.</li>
 *   <li>Custom headers prefixed {@code X-Amzn-Bedrock-AgentCore-Runtime-Custom-} and other allow-listed headers are
 *       forwarded; {@code Authorization} only when allow-listed, which requires an inbound JWT authorizer
 *       ("Pass custom headers to Amazon Bedrock AgentCore Runtime", {@code runtime-header-allowlist}).</li>
 *   <li>Limits enforced by the runtime, not here: a payload of at most 100 MB, 15 minutes for a synchronous request,
 *       60 minutes for a stream ("Quotas for Amazon Bedrock AgentCore", {@code bedrock-agentcore-limits}, invocation
 *       limits). The server refuses a larger body itself ({@link Builder#maxPayloadBytes}, 100 MB by default).</li>
 * </ul>
 *
 * <h2>An invocation, step by step</h2>
 * <ol>
 *   <li>A body over the payload limit: 413.</li>
 *   <li>The tenant from {@link Builder#identity}: none, or a malformed credential, is 401 and nothing runs (so
 *       nothing is metered); a value that is not a valid tenant id is 400 naming the claim or header.</li>
 *   <li>A session header outside 33-256 characters, or with characters a usage-record attribute cannot hold, is
 *       400. Without the header (a local caller; the runtime always sends one) the invocation runs without a
 *       session.</li>
 *   <li>A body that is not one JSON document: 400 naming the problem.</li>
 *   <li>The handler runs in {@code TenantScope} of the tenant, whose attribute {@value #SESSION_ATTRIBUTE} is the
 *       session id, so every usage record of the agent's model calls carries it.</li>
 *   <li>The reply as JSON; or, when the request accepts {@code text/event-stream} and the handler is a
 *       {@link StreamingAgentHandler}, as server-sent events.</li>
 * </ol>
 *
 * <h2>Failures</h2>
 * Every error answer is JSON: {@code {"error":"<type>","message":"<what to do>"}} (with {@code "status"} in an SSE
 * error event). The handler's failure is looked up along its cause chain:
 * <table>
 *   <caption>Status of a failure</caption>
 *   <tr><th>Failure</th><th>Status</th></tr>
 *   <tr><td>rate limit, budget refusal</td><td>429 with {@code Retry-After}</td></tr>
 *   <tr><td>policy: model not allowed / other rule</td><td>403 / 400</td></tr>
 *   <tr><td>invalid tenant id; unknown tenant</td><td>400; 403 (401 without a tenant)</td></tr>
 *   <tr><td>governance state unavailable; profile not resolvable now</td><td>503 with {@code Retry-After}</td></tr>
 *   <tr><td>profile not permitted</td><td>403</td></tr>
 *   <tr><td>the tenant's call timeout, Bedrock or SDK timeouts</td><td>504</td></tr>
 *   <tr><td>Bedrock throttling or 503</td><td>503 with {@code Retry-After}</td></tr>
 *   <tr><td>Bedrock validation</td><td>400</td></tr>
 *   <tr><td>other Bedrock failures, an incomplete stream, an unreachable service</td><td>502</td></tr>
 *   <tr><td>anything else</td><td>500, with a generic message (the details are logged)</td></tr>
 * </table>
 *
 * <h2>Shutdown</h2>
 * {@link #close()} refuses new invocations (503), waits up to {@link Builder#shutdownTimeout} for the running ones
 * to answer, then closes the listener and every connection. An executor the server made is shut down; one given to
 * the builder is left to its owner.
 *
 * <p>Thread-safe: share one. {@link #start()} and {@link #close()} may be called once each.
 */
public final class AgentCoreServer implements AutoCloseable {

    /** The port the runtime calls. */
    public static final int DEFAULT_PORT = 8080;

    /** The address the runtime expects the container to listen on. */
    public static final String DEFAULT_BIND_ADDRESS = "0.0.0.0";

    /** The runtime's maximum request payload, 100 MB. */
    public static final int DEFAULT_MAX_PAYLOAD_BYTES = 100 * 1024 * 1024;

    /** The header that carries the runtime session id. */
    public static final String SESSION_HEADER = "X-Amzn-Bedrock-AgentCore-Runtime-Session-Id";

    /** The header that carries the runtime's request id. */
    public static final String REQUEST_ID_HEADER = "X-Amzn-Bedrock-AgentCore-Runtime-Request-Id";

    /**
     * The tenant attribute, and so usage-record attribute, that holds the session id. It is one of the tenant's
     * attributes ({@link TenantContext#MAX_ATTRIBUTES} at most) and is forwarded to Bedrock as
     * {@code requestMetadata} wherever aip forwards attributes.
     */
    public static final String SESSION_ATTRIBUTE = "agentcore.session";

    /** The shortest session id the runtime issues. */
    public static final int MIN_SESSION_ID_LENGTH = 33;

    /** The longest session id the runtime issues. */
    public static final int MAX_SESSION_ID_LENGTH = 256;

    private static final Logger LOG = LoggerFactory.getLogger(AgentCoreServer.class);
    private static final String EVENT_STREAM = "text/event-stream";

    private final int requestedPort;
    private final String bindAddress;
    private final int maxPayloadBytes;
    private final @Nullable ExecutorService givenExecutor;
    private final TenantIdentity identity;
    private final AgentHandler handler;
    private final Function<TenantId, TenantContext> tenants;
    private final Duration shutdownTimeout;
    private final BusyTracker busy;
    private final ObjectMapper json = new ObjectMapper();
    private final ObjectReader documents = json.readerFor(JsonNode.class)
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private final AtomicInteger running = new AtomicInteger();
    private final Object drained = new Object();

    private volatile boolean closing;
    private @Nullable HttpServer server;
    private @Nullable ExecutorService ownedExecutor;

    private AgentCoreServer(Builder b) {
        this.requestedPort = b.port;
        this.bindAddress = b.bindAddress;
        this.maxPayloadBytes = b.maxPayloadBytes;
        this.givenExecutor = b.executor;
        if (b.identity == null) {
            throw new ConfigurationException("AgentCoreServer.identity is not set; use TenantIdentity.jwtClaim(),"
                    + " TenantIdentity.header() or TenantIdentity.firstOf(...)");
        }
        if (b.handler == null) {
            throw new ConfigurationException("AgentCoreServer.handler is not set; give the agent that answers"
                    + " POST /invocations");
        }
        this.identity = b.identity;
        this.handler = b.handler;
        this.tenants = b.tenants;
        this.shutdownTimeout = b.shutdownTimeout;
        this.busy = new BusyTracker(b.clock);
    }

    /**
     * Returns a new builder.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds the port and starts serving.
     *
     * @return this server
     * @throws UncheckedIOException if the address cannot be bound
     * @throws IllegalStateException if already started
     */
    public synchronized AgentCoreServer start() {
        if (server != null || closing) {
            throw new IllegalStateException("The server was already started; build another one to serve again");
        }
        HttpServer http;
        try {
            http = HttpServer.create(new InetSocketAddress(bindAddress, requestedPort), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot listen on " + bindAddress + ":" + requestedPort + ": "
                    + e.getMessage() + ". Free the port or choose another with AgentCoreServer.builder().port(...)",
                    e);
        }
        if (givenExecutor != null) {
            http.setExecutor(givenExecutor);
        } else {
            AtomicInteger n = new AtomicInteger();
            ownedExecutor = Executors.newCachedThreadPool(task -> {
                Thread t = new Thread(task, "aip-agentcore-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            http.setExecutor(ownedExecutor);
        }
        http.createContext("/", this::route);
        http.start();
        server = http;
        return this;
    }

    /**
     * Returns the port the server listens on (the chosen one when the builder asked for port 0).
     *
     * @return the port
     * @throws IllegalStateException if not started
     */
    public synchronized int port() {
        if (server == null) {
            throw new IllegalStateException("The server is not started; call start() first");
        }
        return server.getAddress().getPort();
    }

    /**
     * Returns the tracker {@code /ping} reports from; begin a task on it for work that outlives an invocation.
     *
     * @return the tracker
     */
    public BusyTracker busy() {
        return busy;
    }

    /**
     * Refuses new invocations, waits up to the shutdown timeout for the running ones, then stops. Calling it again
     * does nothing.
     */
    @Override
    public void close() {
        HttpServer http;
        synchronized (this) {
            if (closing) {
                return;
            }
            closing = true;
            http = server;
        }
        long deadline = System.nanoTime() + shutdownTimeout.toNanos();
        synchronized (drained) {
            long left;
            while (running.get() > 0 && (left = deadline - System.nanoTime()) > 0) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(drained, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        if (http != null) {
            http.stop(0);
        }
        if (ownedExecutor != null) {
            ownedExecutor.shutdownNow();
        }
    }

    private void route(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            if ("/ping".equals(path)) {
                if ("GET".equals(method) || "HEAD".equals(method)) {
                    ping(exchange);
                } else {
                    notAllowed(exchange, "GET");
                }
            } else if ("/invocations".equals(path)) {
                if ("POST".equals(method)) {
                    invocation(exchange);
                } else {
                    notAllowed(exchange, "POST");
                }
            } else {
                error(exchange, 404, "not_found", "No route " + path + "; this container serves POST /invocations"
                        + " and GET /ping (AgentCore Runtime HTTP protocol contract)", null);
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("Answering {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
        }
    }

    private void ping(HttpExchange exchange) throws IOException {
        BusyTracker.State state = busy.state();
        ObjectNode body = json.createObjectNode();
        body.put("status", state.status().wireName());
        body.put("time_of_last_update", state.timeOfLastUpdate().getEpochSecond());
        send(exchange, 200, body);
    }

    private void notAllowed(HttpExchange exchange, String allow) throws IOException {
        exchange.getResponseHeaders().set("Allow", allow);
        error(exchange, 405, "method_not_allowed", exchange.getRequestURI().getPath() + " takes " + allow
                + ", not " + exchange.getRequestMethod(), null);
    }

    private void invocation(HttpExchange exchange) throws IOException {
        running.incrementAndGet();
        BusyTracker.Task task = busy.begin();
        try {
            if (closing) {
                error(exchange, 503, "shutting_down", "The container is shutting down; send the invocation again",
                        "1");
                return;
            }
            answer(exchange);
        } finally {
            task.close();
            if (running.decrementAndGet() == 0) {
                synchronized (drained) {
                    drained.notifyAll();
                }
            }
        }
    }

    private void answer(HttpExchange exchange) throws IOException {
        byte[] body = readBody(exchange);
        if (body == null) {
            error(exchange, 413, "payload_too_large", "The request body is larger than " + maxPayloadBytes
                    + " bytes, the most this agent accepts; send a smaller payload", null);
            return;
        }
        HttpHeaders headers = HttpHeaders.of(exchange.getRequestHeaders(), (name, value) -> true);
        TenantId tenantId;
        try {
            Optional<TenantId> found = identity.resolve(headers);
            if (found.isEmpty()) {
                error(exchange, 401, "tenant_required", "The request carries no tenant identity. Behind AgentCore"
                        + " Runtime, allow-list the Authorization header with an inbound JWT authorizer, or the "
                        + TenantIdentity.TENANT_HEADER + " header for SigV4 callers", null);
                return;
            }
            tenantId = found.get();
        } catch (InvalidTenantIdException e) {
            error(exchange, 400, "invalid_tenant_id", e.getMessage(), null);
            return;
        } catch (UnknownTenantException e) {
            error(exchange, 401, "tenant_required", e.getMessage(), null);
            return;
        }
        String session = headers.firstValue(SESSION_HEADER).orElse(null);
        if (session != null && (session.length() < MIN_SESSION_ID_LENGTH || session.length()
                > MAX_SESSION_ID_LENGTH)) {
            error(exchange, 400, "invalid_session_id", "The " + SESSION_HEADER + " header has " + session.length()
                    + " characters; AgentCore session ids have " + MIN_SESSION_ID_LENGTH + "-" + MAX_SESSION_ID_LENGTH,
                    null);
            return;
        }
        TenantContext tenant;
        try {
            tenant = Objects.requireNonNull(tenants.apply(tenantId), "the tenants function returned null");
            if (session != null) {
                tenant = tenant.withAttribute(SESSION_ATTRIBUTE, session);
            }
        } catch (IllegalArgumentException e) {
            error(exchange, 400, "invalid_session_id", "The " + SESSION_HEADER + " header cannot be put on usage"
                    + " records: " + e.getMessage(), null);
            return;
        } catch (RuntimeException e) {
            fail(exchange, null, e);
            return;
        }
        JsonNode payload;
        try {
            if (body.length == 0) {
                error(exchange, 400, "invalid_json", "The request body is empty; POST /invocations takes a JSON"
                        + " document, e.g. {\"prompt\": \"...\"}", null);
                return;
            }
            payload = documents.readValue(body);
        } catch (JsonProcessingException e) {
            error(exchange, 400, "invalid_json", "The request body is not valid JSON at line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ": "
                    + e.getOriginalMessage(), null);
            return;
        }
        Invocation invocation = new Invocation(tenant, session, headers.firstValue(REQUEST_ID_HEADER).orElse(null),
                payload, headers, busy);
        if (handler instanceof StreamingAgentHandler streaming && acceptsEventStream(headers)) {
            stream(exchange, streaming, invocation);
        } else {
            Object reply;
            try {
                reply = TenantScope.call(invocation.tenant(), () -> handler.invoke(invocation));
            } catch (Exception e) {
                fail(exchange, invocation, e);
                return;
            }
            send(exchange, 200, json.writeValueAsBytes(reply));
        }
    }

    private void stream(HttpExchange exchange, StreamingAgentHandler streaming, Invocation invocation)
            throws IOException {
        SseStream events = new SseStream(exchange, json);
        Object reply;
        try {
            reply = TenantScope.call(invocation.tenant(), () -> streaming.stream(invocation, events));
        } catch (Exception e) {
            if (events.endUncommitted()) {
                fail(exchange, invocation, e);
                return;
            }
            Failures.Answer a = answerOf(invocation, e);
            ObjectNode data = errorBody(a.type(), a.message());
            data.put("status", a.status());
            events.fail(data.toString());
            return;
        }
        events.finish(json.writeValueAsString(reply));
    }

    private static boolean acceptsEventStream(HttpHeaders headers) {
        for (String accept : headers.allValues("Accept")) {
            if (accept.toLowerCase(Locale.ROOT).contains(EVENT_STREAM)) {
                return true;
            }
        }
        return false;
    }

    private void fail(HttpExchange exchange, @Nullable Invocation invocation, Throwable failure) throws IOException {
        Failures.Answer a = answerOf(invocation, failure);
        error(exchange, a.status(), a.type(), a.message(), a.retryAfterSeconds());
    }

    private static Failures.Answer answerOf(@Nullable Invocation invocation, Throwable failure) {
        Failures.Answer a = Failures.answer(failure);
        if (a.status() >= 500) {
            LOG.warn("Invocation for tenant {} (session {}) failed: {} {}",
                    invocation == null ? "?" : invocation.tenant().id(),
                    invocation == null ? null : invocation.sessionId(), a.status(), a.type(), failure);
        }
        return a;
    }

    /** Reads the body, or returns {@code null} when it is longer than the limit. */
    private byte @Nullable [] readBody(HttpExchange exchange) throws IOException {
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            try {
                if (Long.parseLong(length.trim()) > maxPayloadBytes) {
                    return null;
                }
            } catch (NumberFormatException e) {
                // The server has already refused a malformed length; read and count instead.
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        long total = 0;
        try (InputStream in = exchange.getRequestBody()) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                total += n;
                if (total > maxPayloadBytes) {
                    return null;
                }
                out.write(buffer, 0, n);
            }
        }
        return out.toByteArray();
    }

    private ObjectNode errorBody(String type, String message) {
        ObjectNode body = json.createObjectNode();
        body.put("error", type);
        body.put("message", message);
        return body;
    }

    private void error(HttpExchange exchange, int status, String type, String message, @Nullable String retryAfter)
            throws IOException {
        if (retryAfter != null) {
            exchange.getResponseHeaders().set("Retry-After", retryAfter);
        }
        send(exchange, status, errorBody(type, message));
    }

    private void send(HttpExchange exchange, int status, JsonNode body) throws IOException {
        send(exchange, status, json.writeValueAsBytes(body));
    }

    private static void send(HttpExchange exchange, int status, byte[] bytes) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        if ("HEAD".equals(exchange.getRequestMethod())) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    /**
     * Builds an {@link AgentCoreServer}. Each setting may be set once; a second set is refused with both values
     * named.
     *
     * <p>Confined: use from one thread.
     */
    public static final class Builder {

        private final Map<String, Object> given = new HashMap<>();
        private int port = DEFAULT_PORT;
        private String bindAddress = DEFAULT_BIND_ADDRESS;
        private int maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES;
        private @Nullable ExecutorService executor;
        private @Nullable TenantIdentity identity;
        private @Nullable AgentHandler handler;
        private Function<TenantId, TenantContext> tenants = TenantContext::of;
        private Clock clock = Clock.systemUTC();
        private Duration shutdownTimeout = Duration.ofSeconds(30);

        private Builder() {
        }

        /**
         * The port; {@value AgentCoreServer#DEFAULT_PORT} by default, as the runtime expects. 0 picks a free port
         * (tests).
         *
         * @param value the port, 0-65535
         * @return this builder
         */
        public Builder port(int value) {
            ConfigurationException.requireFirstSet(given, "AgentCoreServer.port", value);
            if (value < 0 || value > 65535) {
                throw new ConfigurationException("AgentCoreServer.port is " + value + "; use 0-65535 (8080 under"
                        + " AgentCore Runtime, 0 for a free port)");
            }
            port = value;
            return this;
        }

        /**
         * The address to listen on; {@value #DEFAULT_BIND_ADDRESS} by default, as the runtime expects. Tests bind
         * {@code 127.0.0.1}.
         *
         * @param value a host name or literal address
         * @return this builder
         */
        public Builder bindAddress(String value) {
            ConfigurationException.requireFirstSet(given, "AgentCoreServer.bindAddress", value);
            bindAddress = Objects.requireNonNull(value, "bindAddress");
            return this;
        }

        /**
         * The largest request body accepted; larger ones are answered 413. 100 MB by default, the runtime's own
         * limit.
         *
         * @param value the limit in bytes, at least 1
         * @return this builder
         */
        public Builder maxPayloadBytes(int value) {
            ConfigurationException.requireFirstSet(given, "AgentCoreServer.maxPayloadBytes", value);
            if (value < 1) {
                throw new ConfigurationException("AgentCoreServer.maxPayloadBytes is " + value + "; use at least 1"
                        + " (the runtime allows up to " + DEFAULT_MAX_PAYLOAD_BYTES + ")");
            }
            maxPayloadBytes = value;
            return this;
        }

        /**
         * The executor that runs requests; by default a cached pool of daemon threads, shut down on close. A given
         * executor is not shut down. It needs more than one thread, or {@code /ping} waits behind invocations.
         *
         * @param value the executor
         * @return this builder
         */
        public Builder executor(ExecutorService value) {
            ConfigurationException.requireFirstSet(given, "AgentCoreServer.executor", value);
            executor = Objects.requireNonNull(value, "executor");
            return this;
        }

        /**
         * Where the tenant comes from. Required.
         *
         * @param value the identity, e.g. {@code TenantIdentity.jwtClaim()}
         * @return this builder
         */
        public Builder identity(TenantIdentity value) {
            ConfigurationException.requireFirstSet(given, "AgentCoreServer.identity", value);
            identity = Objects.requireNonNull(value, "identity");
            return this;
        }

        /**
         * The agent. Required. A {@link StreamingAgentHandler} also answers {@code text/event-stream} requests.
         *
         * @param value the handler
         * @return this builder
         */
        public Builder handler(AgentHandler value) {
            ConfigurationException.requireFirstSet(given, "AgentCoreServer.handler", value);
            handler = Objects.requireNonNull(value, "handler");
            return this;
        }

        /**
         * Makes the tenant context of an identified tenant (its tier, attributes such as the agent's name); by
         * default {@link TenantContext#of(TenantId)}. The session attribute is added after. A failure is answered
         * as the handler's would be (e.g. {@link UnknownTenantException} for a tenant not served: 403).
         *
         * @param value the function
         * @return this builder
         */
        public Builder tenants(Function<TenantId, TenantContext> value) {
            ConfigurationException.requireFirstSet(given, "AgentCoreServer.tenants", value);
            tenants = Objects.requireNonNull(value, "tenants");
            return this;
        }

        /**
         * The clock of {@code /ping}'s {@code time_of_last_update}; the system clock by default.
         *
         * @param value the clock
         * @return this builder
         */
        public Builder clock(Clock value) {
            ConfigurationException.requireFirstSet(given, "AgentCoreServer.clock", value);
            clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        /**
         * How long {@link AgentCoreServer#close()} waits for running invocations; 30 s by default.
         *
         * @param value the timeout, zero or more
         * @return this builder
         */
        public Builder shutdownTimeout(Duration value) {
            ConfigurationException.requireFirstSet(given, "AgentCoreServer.shutdownTimeout", value);
            if (value.isNegative()) {
                throw new ConfigurationException("AgentCoreServer.shutdownTimeout is " + value + "; use zero or"
                        + " more");
            }
            shutdownTimeout = value;
            return this;
        }

        /**
         * Builds the server (not yet listening: call {@link AgentCoreServer#start()}).
         *
         * @return the server
         * @throws ConfigurationException if the identity or the handler is not set
         */
        public AgentCoreServer build() {
            return new AgentCoreServer(this);
        }
    }

    @Override
    public String toString() {
        return "AgentCoreServer[" + bindAddress + ":" + requestedPort + "]";
    }
}
