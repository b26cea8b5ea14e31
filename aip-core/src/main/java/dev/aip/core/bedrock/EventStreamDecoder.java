package dev.aip.core.bedrock;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.CRC32;

/**
 * Decodes {@code application/vnd.amazon.eventstream} frames from bytes arriving in arbitrary pieces:
 * {@code total_length(4) headers_length(4) prelude_crc(4) headers payload message_crc(4)}, big-endian, CRC-32 over
 * everything before each CRC. Only string headers are kept (Bedrock sends no others); the rest are skipped.
 *
 * <p>Confined: one decoder per stream, fed in order.
 */
final class EventStreamDecoder {

    /** One decoded message. */
    record Frame(Map<String, String> headers, byte[] payload) {
        String header(String name) {
            return headers.get(name);
        }
    }

    private static final int PRELUDE = 12;
    private static final int MAX_FRAME = 16 * 1024 * 1024 + 128 * 1024 + 16;

    private final Consumer<Frame> sink;
    private ByteBuffer pending = ByteBuffer.allocate(0);

    EventStreamDecoder(Consumer<Frame> sink) {
        this.sink = sink;
    }

    void feed(ByteBuffer bytes) {
        ByteBuffer in = bytes.duplicate();
        if (pending.hasRemaining()) {
            ByteBuffer joined = ByteBuffer.allocate(pending.remaining() + in.remaining());
            joined.put(pending).put(in).flip();
            in = joined;
        }
        while (in.remaining() >= PRELUDE) {
            int start = in.position();
            int total = in.getInt(start);
            int headersLength = in.getInt(start + 4);
            if (total < 16 || total > MAX_FRAME || headersLength < 0 || headersLength > total - 16) {
                throw new IllegalStateException("Malformed event-stream prelude: total " + total + ", headers "
                        + headersLength);
            }
            if (in.remaining() < total) {
                break;
            }
            byte[] frame = new byte[total];
            in.get(frame);
            sink.accept(decode(frame, headersLength));
        }
        if (in.hasRemaining()) {
            ByteBuffer rest = ByteBuffer.allocate(in.remaining());
            rest.put(in).flip();
            pending = rest;
        } else {
            pending = ByteBuffer.allocate(0);
        }
    }

    private static Frame decode(byte[] frame, int headersLength) {
        ByteBuffer b = ByteBuffer.wrap(frame);
        CRC32 crc = new CRC32();
        crc.update(frame, 0, 8);
        if ((int) crc.getValue() != b.getInt(8)) {
            throw new IllegalStateException("Event-stream prelude CRC mismatch");
        }
        crc.reset();
        crc.update(frame, 0, frame.length - 4);
        if ((int) crc.getValue() != b.getInt(frame.length - 4)) {
            throw new IllegalStateException("Event-stream message CRC mismatch");
        }
        Map<String, String> headers = new HashMap<>();
        int p = PRELUDE;
        int end = PRELUDE + headersLength;
        while (p < end) {
            int nameLength = frame[p++] & 0xFF;
            String name = new String(frame, p, nameLength, StandardCharsets.UTF_8);
            p += nameLength;
            int type = frame[p++] & 0xFF;
            switch (type) {
                case 0, 1 -> { }
                case 2 -> p += 1;
                case 3 -> p += 2;
                case 4 -> p += 4;
                case 5, 8 -> p += 8;
                case 9 -> p += 16;
                case 6, 7 -> {
                    int len = ((frame[p] & 0xFF) << 8) | (frame[p + 1] & 0xFF);
                    p += 2;
                    if (type == 7) {
                        headers.put(name, new String(frame, p, len, StandardCharsets.UTF_8));
                    }
                    p += len;
                }
                default -> throw new IllegalStateException("Unknown event-stream header type " + type);
            }
        }
        byte[] payload = new byte[frame.length - end - 4];
        System.arraycopy(frame, end, payload, 0, payload.length);
        return new Frame(headers, payload);
    }
}
