package dev.aip.emulator;

import java.time.Duration;
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

    /**
     * Runs {@code step}, the rest of the answer, once {@code delay} has passed, without holding the calling thread
     * meanwhile: the caller returns at once and the step runs later on another thread (the transport arms a timer on
     * the connection's event loop and, when it fires, hands the step to a worker). A handler that schedules a step
     * has not finished answering when it returns; the step answers, or schedules the next step. The steps of one
     * request run one after another, never concurrently, each seeing everything the previous one did.
     *
     * <p>If the client goes away while a step waits, the step runs right away instead of at the end of its delay,
     * so it can record the call and stop (a write then returns {@code false}); nothing stays armed for a gone
     * client. A step that throws is handled like a handler that throws.
     */
    void schedule(Duration delay, Runnable step);
}
