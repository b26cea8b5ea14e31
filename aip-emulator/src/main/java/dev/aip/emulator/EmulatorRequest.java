package dev.aip.emulator;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One HTTP request as the emulator's handlers see it, after the transport has read the whole body.
 *
 * <p>{@code rawPath} is the path exactly as it came on the wire, still percent-encoded: routing splits it on
 * {@code /} before decoding, so an ARN's {@code %2F} is never taken for a separator. Header names are
 * case-insensitive. Immutable apart from the body array, which handlers must not modify.
 */
record EmulatorRequest(String method, String rawPath, String rawQuery, Map<String, String> headers, byte[] body,
                       String protocol) {

    EmulatorRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(rawPath, "rawPath");
        rawQuery = rawQuery == null ? "" : rawQuery;
        TreeMap<String, String> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        if (headers != null) {
            copy.putAll(headers);
        }
        headers = Collections.unmodifiableMap(copy);
        body = body == null ? new byte[0] : body;
        protocol = protocol == null ? "HTTP/1.1" : protocol;
    }

    /** The header's value, or {@code null}; the name is case-insensitive. */
    String header(String name) {
        return headers.get(name);
    }
}
