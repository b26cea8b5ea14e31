package dev.aip.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.MethodNotAllowedException;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;

/**
 * Answers what no endpoint answers in OpenAI's error shape, as OpenAI does, rather than Spring's default body:
 * an unknown route is 404 ({@code unknown_url}), a known route with another method 405 ({@code method_not_allowed},
 * with {@code Allow}), any other status Spring raises keeps its status, and an unexpected failure is a 500
 * {@code api_error} that shows no detail (it is logged). OpenAI's SDKs read these as their typed exceptions.
 *
 * On the Messages API's paths ({@code /v1/messages...}) the same cases answer in Anthropic's shape instead.
 *
 * <p>Runs ahead of Spring Boot's error handler (order -2 against its -1); the actuator's paths are left to it.
 * Thread-safe: stateless.
 */
@Order(-2)
final class OpenAiErrorHandler implements WebExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(OpenAiErrorHandler.class);
    /** Anthropic's Messages API (served by {@link MessagesController}): its errors keep Anthropic's shape. */
    private static final String ANTHROPIC_PATHS = "/v1/messages";

    private final ObjectMapper json = new ObjectMapper();

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
        ServerHttpRequest request = exchange.getRequest();
        String path = request.getPath().pathWithinApplication().value();
        if (path.startsWith("/actuator") || exchange.getResponse().isCommitted()) {
            return Mono.error(ex);
        }
        String call = request.getMethod().name() + " " + path;
        if (path.startsWith(ANTHROPIC_PATHS)) {
            AnthropicError error = anthropic(ex, call);
            if (error.status >= 500) {
                LOG.error("Unexpected failure answering {} ({})", call, exchange.getAttribute(RequestIds.HEADER), ex);
            }
            return writeAnthropic(exchange, error);
        }
        if (ex instanceof MethodNotAllowedException e) {
            // Set at commit: the error writer starts from clean headers.
            exchange.getResponse().beforeCommit(() -> {
                exchange.getResponse().getHeaders().setAllow(e.getSupportedMethods());
                return Mono.empty();
            });
            String allowed = String.join(", ", e.getSupportedMethods().stream().map(HttpMethod::name).sorted()
                    .toList());
            return write(exchange, 405, "method_not_allowed", "Invalid method for URL (" + call + "); use "
                    + allowed + ".");
        }
        if (ex instanceof ResponseStatusException e) {
            int status = e.getStatusCode().value();
            if (status == 404) {
                return write(exchange, 404, "unknown_url", "Invalid URL (" + call + "): this gateway does not"
                        + " serve it. Check the base URL (it ends in /v1) and the path.");
            }
            return write(exchange, status, null, e.getReason() != null ? e.getReason()
                    : "The request cannot be served (" + call + ").");
        }
        LOG.error("Unexpected failure answering {} ({})", call, exchange.getAttribute(RequestIds.HEADER), ex);
        return GatewayError.write(exchange.getResponse(), json, 500, "api_error", "internal_error", null,
                "The gateway failed to answer; retry, or report the x-request-id of this answer.", null);
    }

    /** The same failures on the Messages API's paths, in Anthropic's shape (its SDKs read those). */
    private static AnthropicError anthropic(Throwable ex, String call) {
        if (ex instanceof MethodNotAllowedException e) {
            String allowed = String.join(", ", e.getSupportedMethods().stream().map(HttpMethod::name).sorted()
                    .toList());
            return new AnthropicError(405, "invalid_request_error", "Invalid method for URL (" + call + "); use "
                    + allowed + ".");
        }
        if (ex instanceof ResponseStatusException e && e.getStatusCode().value() == 404) {
            return new AnthropicError(404, "not_found_error", "Invalid URL (" + call + "): this gateway does not"
                    + " serve it.");
        }
        if (ex instanceof ResponseStatusException e && e.getStatusCode().value() < 500) {
            int status = e.getStatusCode().value();
            return new AnthropicError(status, "invalid_request_error", e.getReason() != null ? e.getReason()
                    : "The request cannot be served (" + call + ").");
        }
        return new AnthropicError(500, "api_error", "The gateway failed to answer; retry, or report the request-id"
                + " of this answer.");
    }

    private Mono<Void> writeAnthropic(ServerWebExchange exchange, AnthropicError error) {
        String requestId = exchange.getAttribute(RequestIds.HEADER);
        exchange.getResponse().getHeaders().set("request-id", requestId);
        byte[] body;
        try {
            body = json.writeValueAsBytes(AnthropicEvents.error(json, error, requestId));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return Mono.error(e);
        }
        exchange.getResponse().setStatusCode(org.springframework.http.HttpStatusCode.valueOf(error.status));
        exchange.getResponse().getHeaders().setContentType(org.springframework.http.MediaType.APPLICATION_JSON);
        return exchange.getResponse().writeWith(Mono.just(exchange.getResponse().bufferFactory().wrap(body)));
    }

    private Mono<Void> write(ServerWebExchange exchange, int status, String code, String message) {
        return GatewayError.write(exchange.getResponse(), json, status,
                status >= 500 ? "api_error" : "invalid_request_error", code, null, message, null);
    }
}
