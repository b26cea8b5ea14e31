package dev.aip.emulator;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * An error answer in Bedrock's restJson1 shape: HTTP status, the {@code x-amzn-ErrorType} code the SDK maps to its
 * typed exception, a message, and optional extra body members (e.g. {@code originalStatusCode}).
 */
final class ApiError extends RuntimeException {

    private final int status;
    private final String code;
    private final Map<String, Object> extra;

    ApiError(int status, String code, String message) {
        this(status, code, message, Map.of());
    }

    ApiError(int status, String code, String message, Map<String, Object> extra) {
        super(message, null, false, false);
        this.status = status;
        this.code = Objects.requireNonNull(code, "code");
        this.extra = Map.copyOf(extra);
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }

    Map<String, Object> extra() {
        return extra;
    }

    /** The JSON body members: {@code message} plus extras. */
    Map<String, Object> body() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("message", getMessage());
        body.putAll(extra);
        return body;
    }

    /** Whether this is a server fault (5xx), as opposed to the caller's fault. */
    boolean serverFault() {
        return status >= 500;
    }

    static ApiError validation(String message) {
        return new ApiError(400, "ValidationException", message);
    }

    static ApiError notFound(String message) {
        return new ApiError(404, "ResourceNotFoundException", message);
    }

    static ApiError conflict(String message) {
        return new ApiError(400, "ConflictException", message);
    }

    static ApiError throttling(String message) {
        return new ApiError(429, "ThrottlingException", message);
    }

    static ApiError internal(String message) {
        return new ApiError(500, "InternalServerException", message);
    }

    static ApiError serviceUnavailable(String message) {
        return new ApiError(503, "ServiceUnavailableException", message);
    }

    static ApiError unknownOperation(String method, String path) {
        return new ApiError(404, "UnknownOperationException", "No operation matches " + method + " " + path);
    }
}
