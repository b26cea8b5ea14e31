package dev.aip.emulator;

/**
 * The body of a streamed response. Used by one thread at a time: the handler that opened it, then the steps it
 * {@linkplain Responder#schedule schedules}, one after another.
 *
 * <p>{@link #write} queues bytes without flushing so that a burst of frames leaves in one write; a handler that
 * paces its frames calls {@link #flush} after each one. Exactly one of {@link #close} or {@link #abort} ends the
 * stream.
 *
 * <p>{@link #write} and {@link #flush} may block while the client is not reading (backpressure, including HTTP/2
 * flow control); after 30 seconds without progress the transport aborts the stream and {@link #write} returns
 * {@code false}. A handler that returns with its stream still open has it aborted.
 */
interface StreamSink {

    /**
     * Queues bytes for the client.
     *
     * @return {@code false} once the client has gone away (connection closed or HTTP/2 stream reset); the handler
     *     should then stop producing and record the call as cancelled.
     */
    boolean write(byte[] bytes);

    /** Sends everything queued so far. */
    void flush();

    /** Flushes and ends the response normally (last chunk on HTTP/1.1, END_STREAM on HTTP/2). */
    void close();

    /**
     * Cuts the response without a proper end, the way a dropped connection looks to a client: the HTTP/1.1
     * connection is closed, the HTTP/2 stream is reset.
     */
    void abort();

    /** Whether the client is still there. */
    boolean isOpen();
}
