package dev.aip.emulator;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP/2 stream (a child channel of the connection): assembles the request from HEADERS and DATA frames,
 * enforces the body limit as DATA arrives, and hands the complete request to the transport. Flow control is
 * Netty's: the window is returned as frames are read here, and the stream's writability gates the response.
 *
 * <p>Confined to the connection's event loop.
 */
final class Http2StreamHandler extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(Http2StreamHandler.class);

    private final NettyTransport transport;
    private final int maxBodyBytes;
    private Http2Headers head;
    private CompositeByteBuf body;
    private long bodyBytes;
    private Http2Exchange exchange;

    Http2StreamHandler(NettyTransport transport, int maxBodyBytes) {
        this.transport = transport;
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (exchange != null) {
                return;
            }
            if (msg instanceof Http2HeadersFrame frame) {
                if (head == null) {
                    head = frame.headers();
                    CharSequence length = head.get("content-length");
                    if (length != null && parseLength(length) > maxBodyBytes) {
                        reject(ctx, frame.isEndStream(), 413, tooLarge());
                        return;
                    }
                }
                if (frame.isEndStream()) {
                    dispatch(ctx);
                }
            } else if (msg instanceof Http2DataFrame frame) {
                ByteBuf data = frame.content();
                if (head == null) {
                    return;
                }
                if (data.isReadable()) {
                    bodyBytes += data.readableBytes();
                    if (bodyBytes > maxBodyBytes) {
                        reject(ctx, frame.isEndStream(), 413, tooLarge());
                        return;
                    }
                    if (body == null) {
                        body = ctx.alloc().compositeBuffer(Integer.MAX_VALUE);
                    }
                    body.addComponent(true, data.retain());
                }
                if (frame.isEndStream()) {
                    dispatch(ctx);
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private static long parseLength(CharSequence value) {
        try {
            return Long.parseLong(value.toString().trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private String tooLarge() {
        return "The request body is larger than " + maxBodyBytes + " bytes";
    }

    private void dispatch(ChannelHandlerContext ctx) {
        byte[] bytes = body == null ? new byte[0] : ByteBufUtil.getBytes(body);
        releaseBody();
        EmulatorRequest request = toRequest(head, bytes);
        exchange = new Http2Exchange(ctx.channel(), false);
        transport.dispatch(request, exchange);
    }

    /** Answers the refusal and, if the client is still sending, tells it to stop with RST_STREAM(NO_ERROR). */
    private void reject(ChannelHandlerContext ctx, boolean requestEnded, int status, String message) {
        releaseBody();
        exchange = new Http2Exchange(ctx.channel(), !requestEnded);
        exchange.sendError(status, "ValidationException", message);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseBody();
        if (exchange != null) {
            exchange.signal();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        // Http2ResetFrame from the client arrives here; the stream channel closes right after, which is what counts.
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            LOG.debug("HTTP/2 stream {} failed: {}", ctx.channel(), cause.toString());
        } else {
            LOG.warn("HTTP/2 stream {} failed", ctx.channel(), cause);
        }
        ctx.close();
    }

    private void releaseBody() {
        if (body != null) {
            body.release();
            body = null;
        }
    }

    private static EmulatorRequest toRequest(Http2Headers head, byte[] body) {
        String target = head.path() == null ? "/" : head.path().toString();
        int q = target.indexOf('?');
        String path = q < 0 ? target : target.substring(0, q);
        String query = q < 0 ? "" : target.substring(q + 1);
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (Map.Entry<CharSequence, CharSequence> h : head) {
            String name = h.getKey().toString();
            if (name.startsWith(":")) {
                continue;
            }
            // RFC 9113 8.2.3: split cookie crumbs are rejoined with "; ", everything else with ", ".
            String separator = name.equals("cookie") ? "; " : ", ";
            headers.merge(name, h.getValue().toString(), (a, b) -> a + separator + b);
        }
        if (head.authority() != null) {
            headers.putIfAbsent("host", head.authority().toString());
        }
        String method = head.method() == null ? "GET" : head.method().toString();
        return new EmulatorRequest(method, path, query, headers, body, "HTTP/2");
    }

    /** The answer to one HTTP/2 stream. Thread-safe; its sink is used by one thread at a time (the handler, then its steps). */
    static final class Http2Exchange extends Exchange {
        private final boolean resetAfterResponse;

        Http2Exchange(Channel stream, boolean resetAfterResponse) {
            super(stream);
            this.resetAfterResponse = resetAfterResponse;
        }

        @Override
        public void respond(int status, Map<String, String> headers, byte[] body) {
            Http2Headers h = headers(status, headers);
            h.setLong("content-length", body.length);
            claim(false);
            if (serverGone()) {
                return;
            }
            ChannelFuture last;
            if (body.length == 0) {
                last = channel.writeAndFlush(new DefaultHttp2HeadersFrame(h, true));
            } else {
                channel.write(new DefaultHttp2HeadersFrame(h, false));
                last = channel.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(body), true));
            }
            if (resetAfterResponse) {
                last.addListener((ChannelFutureListener) f -> {
                    if (f.channel().isActive()) {
                        f.channel().writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.NO_ERROR));
                    }
                });
            }
        }

        @Override
        public StreamSink openStream(int status, Map<String, String> headers) {
            Http2Headers h = headers(status, headers);
            claim(true);
            StreamSink sink = newSink();
            channel.writeAndFlush(new DefaultHttp2HeadersFrame(h, false));
            return sink;
        }

        private static Http2Headers headers(int status, Map<String, String> from) {
            if (status < 100 || status > 999) {
                throw new IllegalArgumentException("HTTP status out of range: " + status);
            }
            Http2Headers h = new DefaultHttp2Headers();
            h.status(Integer.toString(status));
            for (Map.Entry<String, String> e : from.entrySet()) {
                if (!transportOwned(e.getKey())) {
                    // HTTP/2 requires lower-case field names; HTTP/1.1-style names from handlers are folded.
                    h.set(e.getKey().toLowerCase(Locale.ROOT), e.getValue());
                }
            }
            return h;
        }

        @Override
        ChannelFuture writeBody(ByteBuf data, boolean last) {
            return channel.writeAndFlush(new DefaultHttp2DataFrame(data, last));
        }

        @Override
        void cut() {
            channel.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.INTERNAL_ERROR));
        }
    }
}
