package dev.aip.emulator;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server: HTTP/1.1 and HTTP/2 cleartext with prior knowledge on one port, told apart by the first bytes
 * of each connection ({@link ProtocolDetector}). Hands each complete request to the {@link RequestHandler} on a
 * worker thread; event loops only parse and write.
 *
 * <p><b>Queueing.</b> A fixed pool of {@code config.workerThreads()} threads takes requests from one FIFO queue.
 * At most {@code workerThreads} plus {@link #DEFAULT_MAX_QUEUED_REQUESTS} new requests are admitted at once (running
 * their handler or waiting for a worker); beyond that a request is answered at once with 503
 * {@code ServiceUnavailableException} (which the SDK retries); nothing is dropped silently.
 *
 * <p><b>Simulated time.</b> Handlers wait out latency and pace streams with {@link Responder#schedule}: a timer on
 * the connection's event loop that, when due, queues the next step of the answer on the same pool. Steps of
 * admitted requests are never refused, and a response that is waiting holds no thread, so the number of slow calls
 * in flight is bounded by memory and connections, not by {@code workerThreads}. Event
 * loops never wait for workers, and workers wait for event loops only with a bound, so there is no deadlock. Per
 * connection, HTTP/1.1 runs one request at a time (pipelined requests wait, reading paused); HTTP/2 runs up to
 * {@link #MAX_CONCURRENT_STREAMS} streams at once.
 *
 * <p><b>Limits.</b> Request heads over {@code config.maxHeaderBytes()} (the request line and the header block each)
 * get 431; bodies over {@code config.maxRequestBodyBytes()} get 413 as soon as the {@code Content-Length} or the
 * running total says so, without buffering the rest; malformed HTTP/1.1 and bytes that are neither protocol get
 * 400. These errors carry {@code x-amzn-ErrorType: ValidationException}, {@code x-amzn-RequestId} and a JSON
 * {@code {"message"}}, and on HTTP/1.1 end the connection. Bad HTTP/2 frames get Netty's GOAWAY or RST_STREAM.
 * An HTTP/2 connection that receives more than {@code config.maxResetFrames()} RST_STREAM frames for open streams
 * within {@code config.resetWindow()}, or sends more than that many (Netty does not count the CANCEL and NO_ERROR
 * ones it sends), is closed with GOAWAY {@code ENHANCE_YOUR_CALM}: the guard against rapid-reset floods, set far
 * above what cancelling clients and stream-cut faults produce, since closing a connection ends every stream on it.
 * Connections with no traffic and no request in progress are closed after the idle timeout (5 minutes).
 *
 * <p>Thread-safe. {@link #start()} once; {@link #close()} is idempotent and releases all threads before returning.
 */
final class NettyTransport implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NettyTransport.class);
    static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(5);
    static final int DEFAULT_MAX_QUEUED_REQUESTS = 16_384;
    static final int MAX_CONCURRENT_STREAMS = 1_000;
    private static final int MAX_CHUNK_BYTES = 64 * 1024;
    private static final int HTTP2_WINDOW_BYTES = 1024 * 1024;

    private final EmulatorConfig config;
    private final RequestHandler handler;
    private final Duration idleTimeout;
    private final int maxQueuedRequests;
    private final Set<Channel> connections = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    // New requests running their handler or waiting for a worker; steps of admitted requests are not counted.
    private final AtomicInteger admitted = new AtomicInteger();
    private volatile EventLoopGroup eventLoops;
    private volatile ThreadPoolExecutor workers;
    private volatile Channel server;

    NettyTransport(EmulatorConfig config, RequestHandler handler) {
        this(config, handler, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_QUEUED_REQUESTS);
    }

    /**
     * @param idleTimeout how long a connection may stay silent with no request in progress
     * @param maxQueuedRequests new requests that may wait for a free worker; 0 means none may wait
     */
    NettyTransport(EmulatorConfig config, RequestHandler handler, Duration idleTimeout, int maxQueuedRequests) {
        if (maxQueuedRequests < 0) {
            throw new IllegalArgumentException("maxQueuedRequests must be >= 0, was " + maxQueuedRequests);
        }
        this.config = config;
        this.handler = handler;
        this.idleTimeout = idleTimeout;
        this.maxQueuedRequests = maxQueuedRequests;
    }

    /**
     * Binds and returns the bound address (the real port when the configured one is 0).
     *
     * @throws IllegalStateException if started before or already closed
     * @throws UncheckedIOException if the address cannot be bound
     */
    InetSocketAddress start() {
        if (closed.get() || !started.compareAndSet(false, true)) {
            throw new IllegalStateException("the transport was already started or closed");
        }
        int loops = Math.max(1, Runtime.getRuntime().availableProcessors());
        eventLoops = new NioEventLoopGroup(loops, new DefaultThreadFactory("aip-emulator-io", true));
        // Netty's thread factory makes FastThreadLocalThreads, so workers get pooled-buffer thread caches.
        // Unbounded: new requests are bounded by admission (dispatch), and a step due for an admitted request must
        // never be refused.
        workers = new ThreadPoolExecutor(config.workerThreads(), config.workerThreads(), 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), new DefaultThreadFactory("aip-emulator-worker", true));
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(eventLoops)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.add(ch);
                        ch.closeFuture().addListener(f -> connections.remove(ch));
                        ch.pipeline().addLast(
                                new IdleStateHandler(0, 0, idleTimeout.toMillis(), TimeUnit.MILLISECONDS),
                                new ProtocolDetector(NettyTransport.this));
                    }
                });
        try {
            server = bootstrap.bind(config.bindAddress(), config.port()).syncUninterruptibly().channel();
        } catch (Exception e) {
            close();
            if (e instanceof IOException io) {
                throw new UncheckedIOException("cannot bind " + config.bindAddress() + ":" + config.port(), io);
            }
            throw e;
        }
        InetSocketAddress bound = (InetSocketAddress) server.localAddress();
        LOG.debug("Emulator transport listening on {}", bound);
        return bound;
    }

    /** Stops accepting, closes every connection, interrupts running handlers and waits (briefly) for all threads. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        Channel s = server;
        if (s != null) {
            s.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        }
        for (Channel c : connections) {
            c.close();
        }
        ThreadPoolExecutor w = workers;
        if (w != null) {
            w.shutdownNow();
        }
        EventLoopGroup g = eventLoops;
        if (g != null) {
            g.shutdownGracefully(0, 200, TimeUnit.MILLISECONDS).awaitUninterruptibly(1, TimeUnit.SECONDS);
        }
        if (w != null) {
            try {
                w.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Connections currently open, for diagnostics and tests. */
    int openConnections() {
        return connections.size();
    }

    int maxHeaderBytes() {
        return config.maxHeaderBytes();
    }

    /** Called on an event loop with a complete request; never blocks. */
    void dispatch(EmulatorRequest request, Exchange exchange) {
        ThreadPoolExecutor w = workers;
        if (admitted.incrementAndGet() > config.workerThreads() + maxQueuedRequests) {
            admitted.decrementAndGet();
            exchange.sendError(503, "ServiceUnavailableException",
                    "The emulator has " + maxQueuedRequests + " requests waiting for a worker; retry later");
            return;
        }
        exchange.bind(this);
        try {
            w.execute(() -> {
                try {
                    run(exchange, () -> handler.handle(request, exchange), request);
                } finally {
                    admitted.decrementAndGet();
                }
            });
        } catch (RejectedExecutionException e) {
            admitted.decrementAndGet();
            exchange.sendError(503, "ServiceUnavailableException", "The emulator is shutting down");
        }
    }

    /**
     * Queues a scheduled step whose time has come (called by the exchange's timer, on the event loop). Only a
     * shutting-down pool refuses it; the connections are closing then and the step has nobody left to answer.
     */
    void resume(Exchange exchange, Runnable step) {
        try {
            workers.execute(() -> run(exchange, step, null));
        } catch (RejectedExecutionException e) {
            LOG.debug("Dropping a scheduled step of {}: the emulator is shutting down", exchange.channel);
        }
    }

    /** Runs the handler or one of its steps; unless it scheduled another step, makes sure the client gets an end. */
    private void run(Exchange exchange, Runnable body, EmulatorRequest request) {
        int scheduledBefore = exchange.scheduled();
        Throwable failure = null;
        try {
            body.run();
        } catch (RuntimeException | Error e) {
            failure = e;
            if (!closed.get()) {
                if (request != null) {
                    LOG.warn("Request handler failed for {} {}", request.method(), request.rawPath(), e);
                } else {
                    LOG.warn("A scheduled step of a request handler failed", e);
                }
            }
        }
        if (failure != null || exchange.scheduled() == scheduledBefore) {
            exchange.handlerReturned(failure);
        }
        if (failure instanceof VirtualMachineError fatal) {
            throw fatal;
        }
    }

    Http1Handler installHttp1(ChannelPipeline pipeline) {
        Http1Handler http1 = new Http1Handler(this, config.maxRequestBodyBytes());
        pipeline.addLast(
                new HttpServerCodec(new HttpDecoderConfig()
                        .setMaxInitialLineLength(config.maxHeaderBytes())
                        .setMaxHeaderSize(config.maxHeaderBytes())
                        .setMaxChunkSize(MAX_CHUNK_BYTES)),
                http1);
        return http1;
    }

    void installHttp2(ChannelPipeline pipeline) {
        int resetWindowSeconds = Math.toIntExact(config.resetWindow().toSeconds());
        Http2FrameCodec codec = Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings()
                        .maxConcurrentStreams(MAX_CONCURRENT_STREAMS)
                        .maxHeaderListSize(config.maxHeaderBytes())
                        .initialWindowSize(HTTP2_WINDOW_BYTES))
                // Netty's default (200 per 30 s each way) closes the connection of a client that merely cancels
                // streams, or whose streams a stream-cut fault resets; the SDK then re-sends the calls that were on it.
                .decoderEnforceMaxRstFramesPerWindow(config.maxResetFrames(), resetWindowSeconds)
                .encoderEnforceMaxRstFramesPerWindow(config.maxResetFrames(), resetWindowSeconds)
                .build();
        int maxBody = config.maxRequestBodyBytes();
        pipeline.addLast(codec,
                new Http2MultiplexHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel stream) {
                        stream.pipeline().addLast(new Http2StreamHandler(NettyTransport.this, maxBody));
                    }
                }),
                new Http2ConnectionTail(codec));
    }

    /** Closes an HTTP/2 connection that has been idle with no open stream; keeps stray events off the log. */
    private static final class Http2ConnectionTail extends ChannelInboundHandlerAdapter {
        private final Http2FrameCodec codec;

        Http2ConnectionTail(Http2FrameCodec codec) {
            this.codec = codec;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent && codec.connection().numActiveStreams() == 0) {
                LOG.debug("Closing idle HTTP/2 connection {}", ctx.channel());
                ctx.close();
            }
            ReferenceCountUtil.release(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("HTTP/2 connection {} failed: {}", ctx.channel(), cause.toString());
            // The codec answers its own connection errors with a GOAWAY carrying the reason (PROTOCOL_ERROR,
            // ENHANCE_YOUR_CALM, ...) and then closes; closing first would send GOAWAY(NO_ERROR) instead.
            if (!(cause instanceof Http2Exception)) {
                ctx.close();
            }
        }
    }
}
