package dev.aip.emulator;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * Encodes AWS event-stream frames ({@code application/vnd.amazon.eventstream}): prelude, prelude CRC, string
 * headers, payload, message CRC. Stateless and thread-safe.
 */
final class EventStreamEncoder {

    private static final byte STRING = 7;

    private EventStreamEncoder() {
    }

    /** An {@code event} frame with a JSON payload. */
    static byte[] event(String eventType, byte[] json) {
        return frame(json, ":event-type", eventType, ":content-type", "application/json", ":message-type", "event");
    }

    /** A modelled {@code exception} frame; {@code lowerCamelType} is the union member name, e.g. {@code throttlingException}. */
    static byte[] exception(String lowerCamelType, byte[] json) {
        return frame(json, ":exception-type", lowerCamelType, ":content-type", "application/json",
                ":message-type", "exception");
    }

    /** An unmodelled {@code error} frame with an empty payload. */
    static byte[] error(String code, String message) {
        return frame(new byte[0], ":error-code", code, ":error-message", message, ":message-type", "error");
    }

    private static byte[] frame(byte[] payload, String... headerPairs) {
        ByteArrayOutputStream headers = new ByteArrayOutputStream();
        for (int i = 0; i < headerPairs.length; i += 2) {
            byte[] name = headerPairs[i].getBytes(StandardCharsets.UTF_8);
            byte[] value = headerPairs[i + 1].getBytes(StandardCharsets.UTF_8);
            headers.write(name.length);
            headers.write(name, 0, name.length);
            headers.write(STRING);
            headers.write((value.length >>> 8) & 0xff);
            headers.write(value.length & 0xff);
            headers.write(value, 0, value.length);
        }
        byte[] h = headers.toByteArray();
        int total = 16 + h.length + payload.length;
        ByteBuffer buf = ByteBuffer.allocate(total);
        buf.putInt(total).putInt(h.length);
        CRC32 crc = new CRC32();
        crc.update(buf.array(), 0, 8);
        buf.putInt((int) crc.getValue());
        buf.put(h).put(payload);
        crc.reset();
        crc.update(buf.array(), 0, total - 4);
        buf.putInt((int) crc.getValue());
        return buf.array();
    }
}
