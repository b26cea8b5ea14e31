package dev.aip.emulator;

/**
 * Answers one request. Called by the transport on a worker thread (never on a network event loop), so it may block
 * briefly (a stream's writes wait while the client is not reading). It must not wait out simulated time: latency
 * and stream pacing go through {@link Responder#schedule}, which frees the worker until the step is due. It must
 * answer through the responder exactly once, now or in a scheduled step; if it (or a step) throws, the transport
 * answers 500 {@code InternalServerException}.
 */
@FunctionalInterface
interface RequestHandler {
    void handle(EmulatorRequest request, Responder responder);
}
