package dev.aip.gateway;

/**
 * A request the gateway refuses itself, answered in OpenAI's error shape
 * ({@code {"error":{"message","type","param","code"}}}).
 *
 * <p>Immutable.
 */
final class GatewayError extends RuntimeException {

    private static final long serialVersionUID = 1L;

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
}
