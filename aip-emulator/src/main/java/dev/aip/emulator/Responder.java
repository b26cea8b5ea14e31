package dev.aip.emulator;

import java.util.Map;

/**
 * Where a handler sends its answer. Exactly one of {@link #respond} or {@link #openStream} is called once per
 * request; a second call throws {@link IllegalStateException}. Implementations are provided by the transport and are
 * safe to call from any thread. Header names are case-insensitive (HTTP/2 sends them lower-cased); the transport owns
 * {@code content-length}, {@code transfer-encoding} and {@code connection} and ignores a handler's values for them.
 */
interface Responder {

    /** Sends a complete response. {@code headers} must not contain {@code content-length}; the transport sets it. */
    void respond(int status, Map<String, String> headers, byte[] body);

    /**
     * Starts a streamed response (chunked on HTTP/1.1, DATA frames on HTTP/2) and returns the sink its body is
     * written to.
     */
    StreamSink openStream(int status, Map<String, String> headers);
}
