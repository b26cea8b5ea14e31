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

/**
 * Cost Explorer's {@code GetCostAndUsage} on loopback: answers the first request with the first page it serves and a
 * request carrying {@code NextPageToken} {@code page-N} with page N (the tokens {@code BillingExport} writes). A
 * request with another target is refused as AWS refuses an unknown operation; errors are JSON 1.1 errors. It records
 * every request.
 */
final class CostExplorerFixture implements AutoCloseable {

    /** What one request carried. */
    record Request(String method, String target, String contentType, String authorization, JsonNode body) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
    private volatile List<String> pages = List.of();
    private volatile Integer fixedStatus;
    private volatile String fixedBody;

    private CostExplorerFixture() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    static CostExplorerFixture start() {
        try {
            return new CostExplorerFixture();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Serves these answer pages, chained by their {@code NextPageToken}s. */
    CostExplorerFixture serve(List<String> answerPages) {
        pages = List.copyOf(answerPages);
        fixedStatus = null;
        return this;
    }

    /** Answers every request with this status and body, whatever it asks. */
    CostExplorerFixture answerAlways(int status, String body) {
        fixedStatus = status;
        fixedBody = body;
        return this;
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
        JsonNode body = JSON.readTree(exchange.getRequestBody().readAllBytes());
        requests.add(new Request(exchange.getRequestMethod(), target,
                exchange.getRequestHeaders().getFirst("Content-Type"),
                exchange.getRequestHeaders().getFirst("Authorization"), body));
        if (fixedStatus != null) {
            send(exchange, fixedStatus, fixedBody);
            return;
        }
        if (!"POST".equals(exchange.getRequestMethod()) || !CostExplorerClient.TARGET.equals(target)) {
            send(exchange, 400, "{\"__type\":\"UnknownOperationException\",\"message\":\"unknown operation\"}");
            return;
        }
        int page = 1;
        if (body.hasNonNull("NextPageToken")) {
            String token = body.get("NextPageToken").asText();
            page = token.startsWith("page-") ? Integer.parseInt(token.substring(5)) : -1;
        }
        if (page < 1 || page > pages.size()) {
            send(exchange, 400, "{\"__type\":\"com.amazonaws.awsinsightsindexservice#InvalidNextTokenException\","
                    + "\"Message\":\"The NextPageToken is not valid\"}");
            return;
        }
        send(exchange, 200, pages.get(page - 1));
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }
}
