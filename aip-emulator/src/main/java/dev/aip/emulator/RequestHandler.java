package dev.aip.emulator;

/**
 * Answers one request. Called by the transport on a worker thread (never on a network event loop), so it may
 * block, sleep to simulate latency and pace a stream. It must answer through the responder exactly once; if it
 * throws, the transport answers 500 {@code InternalServerException}.
 */
@FunctionalInterface
interface RequestHandler {
    void handle(EmulatorRequest request, Responder responder);
}
