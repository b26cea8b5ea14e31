package dev.aip.emulator;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.util.concurrent.CompletableFuture;

/**
 * A bare HTTP/2 prior-knowledge client on Netty's frame codec, for asserting what goes over the wire per stream
 * (END_STREAM, RST_STREAM codes) where a full HTTP client would hide it. All streams share one connection.
 */
final class Http2FrameClient implements AutoCloseable {

    /** What one stream saw: status, body, whether it ended with END_STREAM, and the reset code if it was reset. */
    record Outcome(String status, byte[] body, boolean endStream, Long resetCode) {
    }

    private final EventLoopGroup group = new NioEventLoopGroup(1);
    private final Channel connection;

    Http2FrameClient(URI base) throws InterruptedException {
        connection = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().build(),
                                new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                    }
                })
                .connect(base.getHost(), base.getPort()).sync().channel();
    }

    /** Sends a GET without body on a new stream of the shared connection. */
    CompletableFuture<Outcome> get(String path) throws InterruptedException {
        Recorder recorder = new Recorder();
        Http2StreamChannel stream = new Http2StreamChannelBootstrap(connection).handler(recorder).open().sync()
                .getNow();
        stream.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers()
                .method("GET").path(path).scheme("http").authority("localhost"), true));
        return recorder.outcome;
    }

    @Override
    public void close() {
        connection.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.MILLISECONDS).awaitUninterruptibly();
    }

    private static final class Recorder extends ChannelInboundHandlerAdapter {
        final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private String status;
        private boolean endStream;
        private Long resetCode;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof Http2HeadersFrame headers) {
                    if (headers.headers().status() != null) {
                        status = headers.headers().status().toString();
                    }
                    endStream |= headers.isEndStream();
                } else if (msg instanceof Http2DataFrame data) {
                    byte[] bytes = new byte[data.content().readableBytes()];
                    data.content().readBytes(bytes);
                    body.writeBytes(bytes);
                    endStream |= data.isEndStream();
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof Http2ResetFrame reset) {
                resetCode = reset.errorCode();
            }
            ReferenceCountUtil.release(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            outcome.complete(new Outcome(status, body.toByteArray(), endStream, resetCode));
        }
    }
}
