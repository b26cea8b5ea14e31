package dev.aip.emulator;

import java.net.InetSocketAddress;

/**
 * The HTTP server: HTTP/1.1 and HTTP/2 cleartext with prior knowledge on one port. Hands each complete request to
 * the {@link RequestHandler} on a worker thread.
 */
final class NettyTransport implements AutoCloseable {

    NettyTransport(EmulatorConfig config, RequestHandler handler) {
    }

    /** Binds and returns the bound address (the real port when the configured one is 0). */
    InetSocketAddress start() {
        throw new UnsupportedOperationException("transport");
    }

    @Override
    public void close() {
    }
}
