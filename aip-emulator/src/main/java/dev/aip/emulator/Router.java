package dev.aip.emulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps a request to an operation and turns every outcome into a response AWS clients understand.
 *
 * <p>Routing follows the services' REST bindings: the raw path is split on {@code /} first and each segment is
 * percent-decoded afterwards, so ARNs (with {@code %3A} and {@code %2F}) stay one segment. Every response carries a
 * fresh {@code x-amzn-RequestId}; every error is {@code x-amzn-ErrorType: Code} with a JSON {@code {"message"}} body.
 * Thread-safe.
 */
final class Router implements RequestHandler {

    private static final Logger LOG = LoggerFactory.getLogger(Router.class);
    static final String REQUEST_ID = "x-amzn-RequestId";
    static final String ERROR_TYPE = "x-amzn-ErrorType";
    static final String JSON = "application/json";

    private final ControlPlane controlPlane;
    private final RuntimeApi runtime;

    Router(ControlPlane controlPlane, RuntimeApi runtime) {
        this.controlPlane = controlPlane;
        this.runtime = runtime;
    }

    @Override
    public void handle(EmulatorRequest request, Responder raw) {
        String requestId = UUID.randomUUID().toString();
        OnceResponder responder = new OnceResponder(raw, requestId);
        try {
            route(request, requestId, responder);
        } catch (ApiError e) {
            if (!responder.answered()) {
                sendError(responder, e);
            }
        } catch (RuntimeException e) {
            LOG.warn("request {} {} failed", request.method(), request.rawPath(), e);
            if (!responder.answered()) {
                sendError(responder, ApiError.internal("The emulator failed to process the request: " + e));
            }
        }
    }

    private void route(EmulatorRequest request, String requestId, Responder responder) {
        List<String> segments = segments(request.rawPath());
        String method = request.method();
        if (segments.isEmpty()) {
            throw ApiError.unknownOperation(method, request.rawPath());
        }
        switch (segments.get(0)) {
            case "model" -> {
                if (segments.size() != 3 || !method.equals("POST")) {
                    throw ApiError.unknownOperation(method, request.rawPath());
                }
                RuntimeOperation op = RuntimeOperation.fromPathSuffix(segments.get(2));
                if (op == null) {
                    throw ApiError.unknownOperation(method, request.rawPath());
                }
                runtime.handle(op, segments.get(1), request, requestId, responder);
            }
            case "inference-profiles" -> {
                if (segments.size() == 1 && method.equals("POST")) {
                    requireJson(request);
                    json(responder, 201, controlPlane.createInferenceProfile(Json.parseObject(request.body())));
                } else if (segments.size() == 1 && method.equals("GET")) {
                    json(responder, 200, controlPlane.listInferenceProfiles(query(request.rawQuery())));
                } else if (segments.size() == 2 && method.equals("GET")) {
                    json(responder, 200, controlPlane.getInferenceProfile(segments.get(1)));
                } else if (segments.size() == 2 && method.equals("DELETE")) {
                    controlPlane.deleteInferenceProfile(segments.get(1));
                    json(responder, 200, Json.MAPPER.createObjectNode());
                } else {
                    throw ApiError.unknownOperation(method, request.rawPath());
                }
            }
            case "foundation-models" -> {
                if (segments.size() == 1 && method.equals("GET")) {
                    json(responder, 200, controlPlane.listFoundationModels(query(request.rawQuery())));
                } else if (segments.size() == 2 && method.equals("GET")) {
                    json(responder, 200, controlPlane.getFoundationModel(segments.get(1)));
                } else {
                    throw ApiError.unknownOperation(method, request.rawPath());
                }
            }
            case "tagResource", "untagResource", "listTagsForResource" -> {
                if (segments.size() != 1 || !method.equals("POST")) {
                    throw ApiError.unknownOperation(method, request.rawPath());
                }
                requireJson(request);
                ObjectNode body = Json.parseObject(request.body());
                switch (segments.get(0)) {
                    case "tagResource" -> {
                        controlPlane.tagResource(body);
                        json(responder, 200, Json.MAPPER.createObjectNode());
                    }
                    case "untagResource" -> {
                        controlPlane.untagResource(body);
                        json(responder, 200, Json.MAPPER.createObjectNode());
                    }
                    default -> json(responder, 200, controlPlane.listTagsForResource(body));
                }
            }
            case "_emulator" -> {
                if (segments.size() != 2 || !method.equals("GET")) {
                    throw ApiError.unknownOperation(method, request.rawPath());
                }
                switch (segments.get(1)) {
                    case "health" -> json(responder, 200, Json.MAPPER.createObjectNode().put("status", "UP"));
                    case "metrics" -> json(responder, 200, runtime.metricsJson());
                    case "invocations" -> json(responder, 200, runtime.invocationsJson(query(request.rawQuery())));
                    default -> throw ApiError.unknownOperation(method, request.rawPath());
                }
            }
            default -> throw ApiError.unknownOperation(method, request.rawPath());
        }
    }

    private static void requireJson(EmulatorRequest request) {
        String type = request.header("content-type");
        if (request.body().length > 0 && (type == null || !type.toLowerCase().startsWith(JSON))) {
            throw new ApiError(415, "UnsupportedMediaTypeException",
                    "Content-Type must be application/json, was " + (type == null ? "absent" : type));
        }
    }

    static void json(Responder responder, int status, Object body) {
        responder.respond(status, Map.of("Content-Type", JSON), Json.write(body));
    }

    /** Renders an error the way Bedrock does: typed header, JSON message body. */
    static void sendError(Responder responder, ApiError error) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", JSON);
        headers.put(ERROR_TYPE, error.code());
        responder.respond(error.status(), headers, Json.write(error.body()));
    }

    /** Splits the raw path on '/' and then percent-decodes each segment. */
    static List<String> segments(String rawPath) {
        List<String> out = new ArrayList<>();
        int start = 0;
        String path = rawPath.startsWith("/") ? rawPath.substring(1) : rawPath;
        if (path.isEmpty()) {
            return out;
        }
        while (true) {
            int slash = path.indexOf('/', start);
            String seg = slash < 0 ? path.substring(start) : path.substring(start, slash);
            if (seg.isEmpty() && slash >= 0) {
                throw ApiError.validation("Empty path segment in " + rawPath);
            }
            if (!seg.isEmpty()) {
                out.add(percentDecode(seg));
            }
            if (slash < 0) {
                return out;
            }
            start = slash + 1;
        }
    }

    /** Strict RFC 3986 percent-decoding to UTF-8; '+' stays '+'. A broken escape is a 400. */
    static String percentDecode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) {
                    throw ApiError.validation("Malformed percent-encoding in the request path");
                }
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw ApiError.validation("Malformed percent-encoding in the request path");
                }
                out.write((hi << 4) | lo);
                i += 2;
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Parses a query string; names and values are percent-decoded ('+' is a space, as in forms). */
    static Map<String, List<String>> query(String rawQuery) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return out;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = percentDecode((eq < 0 ? pair : pair.substring(0, eq)).replace('+', ' '));
            String value = eq < 0 ? "" : percentDecode(pair.substring(eq + 1).replace('+', ' '));
            out.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        return out;
    }

    /** Adds the request id to every answer and makes a second answer a programming error, not a corrupt stream. */
    private static final class OnceResponder implements Responder {
        private final Responder delegate;
        private final String requestId;
        private final AtomicBoolean answered = new AtomicBoolean();

        OnceResponder(Responder delegate, String requestId) {
            this.delegate = delegate;
            this.requestId = requestId;
        }

        boolean answered() {
            return answered.get();
        }

        @Override
        public void respond(int status, Map<String, String> headers, byte[] body) {
            claim();
            delegate.respond(status, withId(headers), body);
        }

        @Override
        public StreamSink openStream(int status, Map<String, String> headers) {
            claim();
            return delegate.openStream(status, withId(headers));
        }

        @Override
        public void schedule(Duration delay, Runnable step) {
            delegate.schedule(delay, step);
        }

        private void claim() {
            if (!answered.compareAndSet(false, true)) {
                throw new IllegalStateException("request answered twice");
            }
        }

        private Map<String, String> withId(Map<String, String> headers) {
            Map<String, String> h = new LinkedHashMap<>(headers);
            h.put(REQUEST_ID, requestId);
            return h;
        }
    }
}
