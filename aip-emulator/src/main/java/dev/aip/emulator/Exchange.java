package dev.aip.emulator;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request's answer, common to HTTP/1.1 and HTTP/2: enforces "answer once", turns a handler that failed or
 * forgot to answer into a 500, and implements the streamed body.
 *
 * <p>The streamed body is buffered on the handler's side in one pooled buffer and handed to the channel on
 * {@link StreamSink#flush()} (or once {@value #AUTO_FLUSH_BYTES} bytes pile up), so a burst of frames leaves as one
 * chunk / DATA frame and costs one event-loop task. At most one body write per response is in flight: bytes flushed
 * while it is leave together when it completes, so a handler flushing every frame costs one task and one syscall per
 * socket write, not per frame, and nothing waits when the pipe is idle. That in-flight write is also the
 * backpressure signal: it completes only once the socket (and, on HTTP/2, the stream's flow-control window) took
 * it, so a handler whose buffer is full waits for it instead of growing memory; after
 * {@value #BACKPRESSURE_TIMEOUT_SECONDS} seconds without progress the stream is aborted. Memory per stream is thus
 * bounded by about twice {@value #AUTO_FLUSH_BYTES} bytes.
 *
 * <p>Simulated time ({@link #schedule}) is a timer on the channel's event loop: when it fires, the next step is
 * handed to a worker, so a waiting response holds no thread. At most one step waits at a time; when the channel
 * goes away ({@link #signal()}) the waiting step is disarmed and run at once, so a gone client leaves no timer
 * behind and its call is still recorded by the step that finds the stream closed.
 *
 * <p>Thread-safe as a {@link Responder}; the {@link StreamSink} it hands out is used by one thread at a time (the
 * handler, then its scheduled steps in turn).
 */
abstract class Exchange implements Responder {

    private static final Logger LOG = LoggerFactory.getLogger(Exchange.class);
    static final int AUTO_FLUSH_BYTES = 64 * 1024;
    static final int BACKPRESSURE_TIMEOUT_SECONDS = 30;
    private static final long BACKPRESSURE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(BACKPRESSURE_TIMEOUT_SECONDS);
    // Caps each wait so that a wake-up lost to a race costs at most this long, never the whole timeout.
    private static final long WAIT_SLICE_MILLIS = 50;

    private static final int NEW = 0;
    private static final int FULL = 1;
    private static final int STREAMING = 2;
    private static final int ENDED = 3;

    final Channel channel;
    private final AtomicInteger state = new AtomicInteger(NEW);
    private final Object lock = new Object();
    private volatile Sink sink;
    private volatile NettyTransport transport;
    private volatile Timer timer;
    private final AtomicInteger schedules = new AtomicInteger();

    Exchange(Channel channel) {
        this.channel = channel;
    }

    /** Writes {@code data} as body bytes (a chunk or a DATA frame), the last one if {@code last}, and flushes. */
    abstract ChannelFuture writeBody(ByteBuf data, boolean last);

    /** Cuts the response: closes the HTTP/1.1 connection or resets the HTTP/2 stream. */
    abstract void cut();

    /** Called on the event loop once the last byte of the response has been written (or failed to be). */
    void responseWritten(ChannelFuture future) {
    }

    /**
     * Claims the single answer. Subclasses build (and so validate) their response first and claim second, so that a
     * response rejected for bad headers still leaves room for the 500 fallback.
     */
    final void claim(boolean streaming) {
        if (!state.compareAndSet(NEW, streaming ? STREAMING : FULL)) {
            throw new IllegalStateException("the request was already answered");
        }
    }

    final StreamSink newSink() {
        Sink s = new Sink();
        sink = s;
        return s;
    }

    /** Set by the transport before the handler runs: where scheduled steps are run. */
    final void bind(NettyTransport owner) {
        transport = owner;
    }

    /** How many steps were scheduled so far; the transport compares it around a run to tell "answer pending". */
    final int scheduled() {
        return schedules.get();
    }

    @Override
    public final void schedule(Duration delay, Runnable step) {
        NettyTransport owner = transport;
        if (owner == null) {
            throw new IllegalStateException("the exchange was not dispatched to a handler");
        }
        Timer t = new Timer(owner, step);
        schedules.incrementAndGet();
        timer = t;
        try {
            t.future = channel.eventLoop().schedule(t::fire, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException shuttingDown) {
            t.fire();
            return;
        }
        if (!channel.isActive()) {
            // Gone before the timer was armed: signal() may already have run and missed it.
            t.fireNow();
        }
    }

    /**
     * Wakes a writer waiting for its previous write and runs a waiting step now; called on the event loop when the
     * channel goes away.
     */
    final void signal() {
        synchronized (lock) {
            lock.notifyAll();
        }
        Timer t = timer;
        if (t != null) {
            t.fireNow();
        }
    }

    /** One armed step: runs exactly once, when its delay is up or when the channel goes away, whichever is first. */
    private final class Timer {
        private final NettyTransport owner;
        private final Runnable step;
        private final AtomicBoolean fired = new AtomicBoolean();
        volatile ScheduledFuture<?> future;

        Timer(NettyTransport owner, Runnable step) {
            this.owner = owner;
            this.step = step;
        }

        void fireNow() {
            ScheduledFuture<?> f = future;
            if (f != null) {
                f.cancel(false);
            }
            fire();
        }

        void fire() {
            if (!fired.compareAndSet(false, true)) {
                return;
            }
            if (timer == this) {
                timer = null;
            }
            owner.resume(Exchange.this, step);
        }
    }

    /**
     * Answers with a transport- or fallback-generated error in Bedrock's shape: {@code x-amzn-ErrorType}, a fresh
     * {@code x-amzn-RequestId}, {@code Content-Type: application/json} and {@code {"message": ...}}.
     */
    final void sendError(int status, String code, String message) {
        Map<String, String> headers = new LinkedHashMap<>(4);
        headers.put("Content-Type", Router.JSON);
        headers.put(Router.ERROR_TYPE, code);
        headers.put(Router.REQUEST_ID, UUID.randomUUID().toString());
        respond(status, headers, Json.write(Map.of("message", message)));
    }

    /**
     * Runs on the worker after the handler (or its last scheduled step) returned or threw without scheduling
     * another step; makes sure the client gets an end.
     */
    final void handlerReturned(Throwable failure) {
        int s = state.get();
        if (s == NEW) {
            String message = failure == null
                    ? "The emulator's request handler returned without answering"
                    : "The emulator failed to process the request: " + failure;
            try {
                sendError(500, "InternalServerException", message);
            } catch (IllegalStateException raced) {
                // Answered concurrently from another thread after all.
            }
        } else if (s == STREAMING) {
            // A handler that stops because the client left (write returned false) is doing the right thing.
            if (failure == null && sink.isOpen()) {
                LOG.warn("A request handler returned with its stream still open; cutting the stream");
            }
            sink.abort();
        }
    }

    /** Whether the server is shutting down under this exchange; writes are then pointless and only make noise. */
    final boolean serverGone() {
        return channel.eventLoop().isShuttingDown();
    }

    /** Whether the transport header is one the transport sets itself, so a handler's value is ignored. */
    static boolean transportOwned(String name) {
        return name.equalsIgnoreCase("content-length") || name.equalsIgnoreCase("transfer-encoding")
                || name.equalsIgnoreCase("connection") || name.equalsIgnoreCase("keep-alive")
                || name.equalsIgnoreCase("upgrade") || name.equalsIgnoreCase("proxy-connection")
                || name.equalsIgnoreCase("te");
    }

    /**
     * The streamed body. Used by one thread at a time (the handler, then its steps), apart from {@link #isOpen()} and
     * write completions.
     */
    private final class Sink implements StreamSink {
        // Guarded by lock: the handler thread appends and hands off; the event loop, when a write completes, hands
        // off whatever piled up meanwhile.
        private ByteBuf pending;
        private boolean writing;
        private boolean flushWanted;
        private boolean endWanted;

        @Override
        public boolean write(byte[] bytes) {
            if (!isOpen()) {
                discard();
                return false;
            }
            boolean full;
            synchronized (lock) {
                if (pending == null) {
                    pending = channel.alloc().ioBuffer(Math.max(bytes.length, 1024));
                }
                pending.writeBytes(bytes);
                full = pending.readableBytes() >= AUTO_FLUSH_BYTES;
            }
            if (full) {
                flush();
            }
            return isOpen();
        }

        @Override
        public void flush() {
            ByteBuf data = null;
            boolean mustWait = false;
            synchronized (lock) {
                if (pending == null || !pending.isReadable()) {
                    return;
                }
                if (!isOpen()) {
                    releasePending();
                    return;
                }
                if (writing) {
                    flushWanted = true;
                    mustWait = pending.readableBytes() >= AUTO_FLUSH_BYTES;
                } else {
                    data = takePending();
                    writing = true;
                }
            }
            if (data != null) {
                send(data, false);
            } else if (mustWait && !awaitHandOff()) {
                abort();
            }
        }

        @Override
        public void close() {
            if (!state.compareAndSet(STREAMING, ENDED)) {
                discard();
                return;
            }
            ByteBuf data;
            synchronized (lock) {
                if (!channel.isActive() || serverGone()) {
                    releasePending();
                    return;
                }
                if (writing) {
                    endWanted = true;
                    return;
                }
                data = pending == null ? Unpooled.EMPTY_BUFFER : takePending();
                writing = true;
            }
            send(data, true);
        }

        @Override
        public void abort() {
            discard();
            if (state.compareAndSet(STREAMING, ENDED) && !serverGone()) {
                cut();
            }
        }

        @Override
        public boolean isOpen() {
            return state.get() == STREAMING && channel.isActive() && !serverGone();
        }

        private void send(ByteBuf data, boolean last) {
            ChannelFuture written = writeBody(data, last);
            if (last) {
                written.addListener(f -> responseWritten((ChannelFuture) f));
            } else {
                written.addListener(f -> written((ChannelFuture) f));
            }
        }

        /** On the event loop: the write in flight is done; send what piled up meanwhile, or wake a waiting writer. */
        private void written(ChannelFuture future) {
            ByteBuf data = null;
            boolean last = false;
            synchronized (lock) {
                writing = false;
                boolean alive = future.isSuccess() && channel.isActive();
                if (alive && endWanted) {
                    data = pending == null ? Unpooled.EMPTY_BUFFER : takePending();
                    last = true;
                    writing = true;
                } else if (alive && state.get() == STREAMING && flushWanted && pending != null) {
                    data = takePending();
                    writing = true;
                } else if (!alive) {
                    releasePending();
                }
                flushWanted = false;
                lock.notifyAll();
            }
            if (data != null) {
                send(data, last);
            }
        }

        /**
         * Waits while a full buffer sits behind a write that has not completed: the client (or, on HTTP/2, the
         * stream's flow-control window) is not keeping up. False if the client left, the wait timed out or the
         * thread was interrupted.
         */
        private boolean awaitHandOff() {
            long deadline = System.nanoTime() + BACKPRESSURE_TIMEOUT_NANOS;
            synchronized (lock) {
                while (writing && pending != null && pending.readableBytes() >= AUTO_FLUSH_BYTES) {
                    if (!channel.isActive()) {
                        return false;
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        LOG.debug("Client of {} not reading for {} s; aborting the stream", channel,
                                BACKPRESSURE_TIMEOUT_SECONDS);
                        return false;
                    }
                    try {
                        lock.wait(Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, WAIT_SLICE_MILLIS));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return false;
                    }
                }
            }
            return channel.isActive();
        }

        private void discard() {
            synchronized (lock) {
                releasePending();
            }
        }

        private ByteBuf takePending() {
            ByteBuf data = pending;
            pending = null;
            return data;
        }

        private void releasePending() {
            if (pending != null) {
                pending.release();
                pending = null;
            }
        }
    }
}
