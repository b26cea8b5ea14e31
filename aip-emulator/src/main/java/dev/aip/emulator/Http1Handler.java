package dev.aip.emulator;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP/1.1 connection: assembles requests from the decoder's parts, enforces the body limit while the body
 * arrives, and hands each complete request to the transport.
 *
 * <p>Invariants: at most one request is in flight per connection. Whatever the decoder produces while one is in
 * flight (a pipelined request) waits in {@code backlog}, in order, and reading pauses until the response is written;
 * so responses leave in request order and a pipelining client cannot make the server buffer without bound. While
 * nothing is queued, reading stays on, which is how a client that hangs up mid-response is noticed at once.
 *
 * <p>A request the server refuses (malformed, head or body too large) gets its error and then a lingering close:
 * output is shut down, further input is discarded, and the connection is closed when the client closes or after
 * {@value #LINGER_SECONDS} s. Closing at once could turn unread input into a TCP reset that destroys the error
 * response before the client reads it.
 *
 * <p>Confined to the connection's event loop.
 */
final class Http1Handler extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(Http1Handler.class);
    private static final int LINGER_SECONDS = 2;

    private final NettyTransport transport;
    private final int maxBodyBytes;
    private final ArrayDeque<Object> backlog = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private HttpRequest head;
    private CompositeByteBuf body;
    private long bodyBytes;
    private boolean keepAlive;
    private Http1Exchange inFlight;
    private boolean closing;

    Http1Handler(NettyTransport transport, int maxBodyBytes) {
        this.transport = transport;
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            ReferenceCountUtil.release(msg);
        } else if (inFlight != null || !backlog.isEmpty()) {
            backlog.add(msg);
            ctx.channel().config().setAutoRead(false);
        } else {
            process(msg);
        }
    }

    private void process(Object msg) {
        try {
            if (msg instanceof HttpRequest request) {
                onHead(request);
            }
            if (msg instanceof HttpContent content && !closing) {
                onContent(content);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onHead(HttpRequest request) {
        DecoderResult result = request.decoderResult();
        if (result.isFailure()) {
            if (result.cause() instanceof TooLongFrameException) {
                reject(431, "The request head is larger than " + transport.maxHeaderBytes() + " bytes");
            } else {
                reject(400, "Malformed HTTP request: " + result.cause().getMessage());
            }
            return;
        }
        if (request.protocolVersion().majorVersion() != 1) {
            reject(505, "HTTP version " + request.protocolVersion() + " is not supported");
            return;
        }
        long length;
        try {
            length = HttpUtil.getContentLength(request, -1L);
        } catch (NumberFormatException e) {
            reject(400, "Malformed Content-Length header");
            return;
        }
        if (length > maxBodyBytes) {
            reject(413, tooLarge());
            return;
        }
        String expect = request.headers().get(HttpHeaderNames.EXPECT);
        if (expect != null && !HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(expect.trim())) {
            reject(417, "Only 'Expect: 100-continue' is supported");
            return;
        }
        if (HttpUtil.is100ContinueExpected(request)) {
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                    Unpooled.EMPTY_BUFFER));
        }
        head = request;
        keepAlive = HttpUtil.isKeepAlive(request);
        bodyBytes = 0;
    }

    private void onContent(HttpContent content) {
        if (head == null) {
            return;
        }
        if (content.decoderResult().isFailure()) {
            reject(400, "Malformed HTTP request body: " + content.decoderResult().cause().getMessage());
            return;
        }
        ByteBuf data = content.content();
        if (data.isReadable()) {
            bodyBytes += data.readableBytes();
            if (bodyBytes > maxBodyBytes) {
                reject(413, tooLarge());
                return;
            }
            if (body == null) {
                body = ctx.alloc().compositeBuffer(Integer.MAX_VALUE);
            }
            body.addComponent(true, data.retain());
        }
        if (content instanceof LastHttpContent) {
            byte[] bytes = body == null ? new byte[0] : ByteBufUtil.getBytes(body);
            releaseBody();
            EmulatorRequest request = toRequest(head, bytes);
            head = null;
            inFlight = new Http1Exchange(ctx.channel(), this, keepAlive);
            transport.dispatch(request, inFlight);
        }
    }

    private String tooLarge() {
        return "The request body is larger than " + maxBodyBytes + " bytes";
    }

    /** Answers {@code status} with a {@code ValidationException} and closes the connection (lingering). */
    void refuse(int status, String message) {
        reject(status, message);
    }

    private void reject(int status, String message) {
        releaseBody();
        head = null;
        closing = true;
        Http1Exchange exchange = new Http1Exchange(ctx.channel(), this, false);
        inFlight = exchange;
        exchange.sendError(status, "ValidationException", message);
    }

    /** On the event loop, once a response is fully written: start the next request or end the connection. */
    void responseWritten(Http1Exchange exchange, ChannelFuture future) {
        if (inFlight != exchange) {
            return;
        }
        inFlight = null;
        if (closing) {
            lingeringClose();
            return;
        }
        if (!exchange.keepAlive || !future.isSuccess()) {
            closing = true;
            ctx.close();
            return;
        }
        Object next;
        while (inFlight == null && !closing && (next = backlog.poll()) != null) {
            process(next);
        }
        if (inFlight == null && !closing) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    private void lingeringClose() {
        drainBacklog();
        Channel ch = ctx.channel();
        ch.config().setAutoRead(true);
        if (ch instanceof SocketChannel socket && socket.isActive()) {
            socket.shutdownOutput();
            ctx.executor().schedule(() -> ctx.close(), LINGER_SECONDS, TimeUnit.SECONDS);
        } else {
            ctx.close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseBody();
        drainBacklog();
        if (inFlight != null) {
            inFlight.signal();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && inFlight == null) {
            LOG.debug("Closing idle HTTP/1.1 connection {}", ctx.channel());
            closing = true;
            ctx.close();
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            LOG.debug("HTTP/1.1 connection {} failed: {}", ctx.channel(), cause.toString());
        } else {
            LOG.warn("HTTP/1.1 connection {} failed", ctx.channel(), cause);
        }
        closing = true;
        ctx.close();
    }

    private void releaseBody() {
        if (body != null) {
            body.release();
            body = null;
        }
    }

    private void drainBacklog() {
        Object msg;
        while ((msg = backlog.poll()) != null) {
            ReferenceCountUtil.release(msg);
        }
    }

    private static EmulatorRequest toRequest(HttpRequest head, byte[] body) {
        String uri = head.uri();
        // Absolute-form targets (proxies) carry scheme and authority; routing wants only the path.
        if (uri.startsWith("http://") || uri.startsWith("https://")) {
            int slash = uri.indexOf('/', uri.indexOf("//") + 2);
            uri = slash < 0 ? "/" : uri.substring(slash);
        }
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        String query = q < 0 ? "" : uri.substring(q + 1);
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (Map.Entry<String, String> h : head.headers()) {
            headers.merge(h.getKey(), h.getValue(), (a, b) -> a + ", " + b);
        }
        return new EmulatorRequest(head.method().name(), path, query, headers, body, head.protocolVersion().text());
    }

    /** The answer to one HTTP/1.1 request. Thread-safe; its sink is used by one thread at a time (the handler, then its steps). */
    static final class Http1Exchange extends Exchange {
        private final Http1Handler owner;
        final boolean keepAlive;

        Http1Exchange(Channel channel, Http1Handler owner, boolean keepAlive) {
            super(channel);
            this.owner = owner;
            this.keepAlive = keepAlive;
        }

        @Override
        public void respond(int status, Map<String, String> headers, byte[] body) {
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.valueOf(status), Unpooled.wrappedBuffer(body));
            try {
                copy(headers, response.headers());
                HttpUtil.setContentLength(response, body.length);
                claim(false);
            } catch (RuntimeException e) {
                response.release();
                throw e;
            }
            if (serverGone()) {
                response.release();
                return;
            }
            channel.writeAndFlush(response).addListener(f -> responseWritten((ChannelFuture) f));
        }

        @Override
        public StreamSink openStream(int status, Map<String, String> headers) {
            HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status));
            copy(headers, response.headers());
            HttpUtil.setTransferEncodingChunked(response, true);
            claim(true);
            StreamSink sink = newSink();
            channel.writeAndFlush(response);
            return sink;
        }

        private void copy(Map<String, String> from, HttpHeaders to) {
            for (Map.Entry<String, String> h : from.entrySet()) {
                if (!transportOwned(h.getKey())) {
                    to.set(h.getKey(), h.getValue());
                }
            }
            if (!keepAlive) {
                to.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
        }

        @Override
        ChannelFuture writeBody(ByteBuf data, boolean last) {
            return channel.writeAndFlush(last ? new DefaultLastHttpContent(data) : new DefaultHttpContent(data));
        }

        @Override
        void cut() {
            channel.close();
        }

        @Override
        void responseWritten(ChannelFuture future) {
            owner.responseWritten(this, future);
        }
    }
}
