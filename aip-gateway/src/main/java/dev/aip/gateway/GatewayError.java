package dev.aip.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import reactor.core.publisher.Mono;

/**
 * A request the gateway refuses itself, answered in OpenAI's error shape
 * ({@code {"error":{"message","type","param","code"}}}).
 *
 * <p>{@link #write} is the one writer of that shape, for the controller's refusals, aip's and Bedrock's failures
 * and the routes and methods the gateway does not serve ({@link OpenAiErrorHandler}).
 *
 * <p>Immutable.
 */
final class GatewayError extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * OpenAI's SDKs honour a {@code Retry-After} of at most this many seconds; a longer one they ignore and retry
     * within seconds anyway, unless told {@code x-should-retry: false}.
     */
    static final long LONGEST_RETRY_AFTER_CLIENTS_HONOUR = 60;

    final int status;
    final String type;
    final String code;
    final String param;
    /** Seconds for a {@code Retry-After} header, or {@code null}. */
    final String retryAfter;

    GatewayError(int status, String type, String code, String param, String message) {
        this(status, type, code, param, message, null);
    }

    GatewayError(int status, String type, String code, String param, String message, String retryAfter) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
        this.retryAfter = retryAfter;
    }

    static GatewayError badRequest(String param, String message) {
        return new GatewayError(400, "invalid_request_error", "invalid_request", param, message);
    }

    /**
     * Writes an error answer, unless the response is already committed (then nothing is written).
     *
     * <p>Headers a successful answer had set ({@code x-aip-*}) are dropped; {@code x-request-id} is set when the
     * response commits ({@link RequestIds}). A refusal whose wait is longer than clients honour, or that waiting
     * cannot lift soon (an exhausted budget, {@code insufficient_quota}), says {@code x-should-retry: false}, which
     * OpenAI's SDKs obey.
     */
    static Mono<Void> write(ServerHttpResponse response, ObjectMapper json, int status, String type, String code,
                            String param, String message, String retryAfter) {
        if (response.isCommitted()) {
            return Mono.empty();
        }
        response.getHeaders().clear();
        if (retryAfter != null) {
            response.getHeaders().set(HttpHeaders.RETRY_AFTER, retryAfter);
        }
        if ("insufficient_quota".equals(type) || (retryAfter != null
                && parseLong(retryAfter) > LONGEST_RETRY_AFTER_CLIENTS_HONOUR)) {
            response.getHeaders().set("x-should-retry", "false");
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
        if (code == null) {
            error.putNull("code");
        } else {
            error.put("code", code);
        }
        return writeJson(response, json, status, out);
    }

    /** Writes a JSON answer with its length. */
    static Mono<Void> writeJson(ServerHttpResponse response, ObjectMapper json, int status, ObjectNode body) {
        byte[] bytes;
        try {
            bytes = json.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            return Mono.error(new UncheckedIOException(e));
        }
        response.setStatusCode(HttpStatus.valueOf(status));
        response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
        response.getHeaders().setContentLength(bytes.length);
        return response.writeWith(Mono.just(response.bufferFactory().wrap(bytes)));
    }

    private static long parseLong(String seconds) {
        try {
            return Long.parseLong(seconds.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
