package dev.aip.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;

/**
 * A loopback HTTP server speaking an AWS JSON 1.1 API: every request is recorded and answered by a handler, or by a
 * fixed answer once {@link #answerAlways} is set. The fixtures of the APIs aip calls without an SDK module are built
 * on it.
 *
 * <p>Thread-safe.
 */
final class AwsJsonFixture implements AutoCloseable {

    /** What one request carried. */
    record Request(String method, String target, String contentType, String authorization, JsonNode body) {
    }

    /** One answer: an HTTP status and a JSON body. */
    record Answer(int status, String body) {

        /** A JSON 1.1 error. */
        static Answer error(int status, String type, String message) {
            return new Answer(status, "{\"__type\":\"" + type + "\",\"message\":\"" + message + "\"}");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final Function<Request, Answer> handler;
    private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
    private volatile Answer fixed;

    private AwsJsonFixture(Function<Request, Answer> handler) throws IOException {
        this.handler = handler;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    static AwsJsonFixture start(Function<Request, Answer> handler) {
        try {
            return new AwsJsonFixture(handler);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Answers every request with this status and body, whatever it asks; null to go back to the handler. */
    void answerAlways(Answer answer) {
        fixed = answer;
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        var headers = exchange.getRequestHeaders();
        Request request = new Request(exchange.getRequestMethod(), headers.getFirst("X-Amz-Target"),
                headers.getFirst("Content-Type"), headers.getFirst("Authorization"),
                JSON.readTree(exchange.getRequestBody().readAllBytes()));
        requests.add(request);
        Answer answer = fixed != null ? fixed : handler.apply(request);
        byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
        exchange.getResponseHeaders().set("x-amzn-RequestId", "fixture");
        exchange.sendResponseHeaders(answer.status(), bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }
}
