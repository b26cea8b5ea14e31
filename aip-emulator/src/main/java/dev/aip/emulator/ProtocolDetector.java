package dev.aip.emulator;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Looks at the first bytes of a connection and installs the matching protocol: the HTTP/2 connection preface means
 * HTTP/2 with prior knowledge; an HTTP method token followed by a space means HTTP/1.1; anything else is refused
 * with a 400 and the connection is closed. It reads at most a few dozen bytes before deciding, then removes itself;
 * the bytes it looked at are passed on untouched.
 *
 * <p>Confined to the connection's event loop.
 */
final class ProtocolDetector extends ByteToMessageDecoder {

    static final byte[] HTTP2_PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    // Longer than any registered method; a longer "token" is not HTTP.
    private static final int MAX_METHOD_LENGTH = 24;
    // RFC 9112 2.2 lets a server skip empty lines before the request line; a few are plenty.
    private static final int MAX_LEADING_EMPTY_LINES = 8;

    private enum Verdict { UNDECIDED, HTTP1, HTTP2, GARBAGE }

    private final NettyTransport transport;

    ProtocolDetector(NettyTransport transport) {
        this.transport = transport;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (verdict(in)) {
            case UNDECIDED -> {
            }
            case HTTP2 -> {
                transport.installHttp2(ctx.pipeline());
                ctx.pipeline().remove(this);
            }
            case HTTP1 -> {
                transport.installHttp1(ctx.pipeline());
                ctx.pipeline().remove(this);
            }
            case GARBAGE -> {
                in.skipBytes(in.readableBytes());
                Http1Handler http1 = transport.installHttp1(ctx.pipeline());
                ctx.pipeline().remove(this);
                http1.refuse(400, "The request is not HTTP/1.1 or HTTP/2");
            }
        }
    }

    private static Verdict verdict(ByteBuf in) {
        int start = in.readerIndex();
        int readable = in.readableBytes();
        int i = 0;
        while (i < readable && i < HTTP2_PREFACE.length && in.getByte(start + i) == HTTP2_PREFACE[i]) {
            i++;
        }
        if (i == HTTP2_PREFACE.length) {
            return Verdict.HTTP2;
        }
        if (i == readable) {
            return Verdict.UNDECIDED;
        }
        int pos = 0;
        while (pos < readable && pos < 2 * MAX_LEADING_EMPTY_LINES) {
            byte b = in.getByte(start + pos);
            if (b != '\r' && b != '\n') {
                break;
            }
            pos++;
        }
        int methodStart = pos;
        while (pos < readable) {
            byte b = in.getByte(start + pos);
            if (b == ' ') {
                return pos > methodStart ? Verdict.HTTP1 : Verdict.GARBAGE;
            }
            if (!isMethodChar(b) || pos - methodStart >= MAX_METHOD_LENGTH) {
                return Verdict.GARBAGE;
            }
            pos++;
        }
        return Verdict.UNDECIDED;
    }

    private static boolean isMethodChar(byte b) {
        return (b >= 'A' && b <= 'Z') || b == '-' || b == '_';
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            ReferenceCountUtil.release(evt);
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }
}
