package dev.aip.emulator;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.zip.CRC32;

/**
 * Encodes one {@code application/vnd.amazon.eventstream} message: a 12-byte prelude (total length, headers length,
 * CRC32 of the first 8 bytes), string headers, the payload and a CRC32 of everything before it. All integers are
 * big-endian. Only string headers (type 7) are written, the only kind Bedrock streams use.
 *
 * <p>Stateless and thread-safe.
 */
final class EventStreamEncoder {

    static final String CONTENT_TYPE = "application/vnd.amazon.eventstream";

    private static final int PRELUDE_BYTES = 12;
    private static final int CRC_BYTES = 4;
    private static final byte STRING_TYPE = 7;
    // Decoder limits of the SDK's Prelude: a bigger message would be refused by every client.
    private static final int MAX_HEADERS_BYTES = 128 * 1024;
    private static final int MAX_PAYLOAD_BYTES = 24 * 1024 * 1024;

    private EventStreamEncoder() {
    }

    /**
     * A modelled event: {@code :event-type}, {@code :content-type = application/json}, {@code :message-type = event}.
     */
    static byte[] event(String eventType, byte[] jsonPayload) {
        Map<String, String> headers = new LinkedHashMap<>(4);
        headers.put(":event-type", eventType);
        headers.put(":content-type", "application/json");
        headers.put(":message-type", "event");
        return encode(headers, jsonPayload);
    }

    /**
     * A modelled in-stream error. {@code lowerCamelExceptionType} is the union member name (for example
     * {@code modelStreamErrorException}); the SDK does not recognise the capitalised class name.
     */
    static byte[] exception(String lowerCamelExceptionType, byte[] jsonPayload) {
        Map<String, String> headers = new LinkedHashMap<>(4);
        headers.put(":exception-type", lowerCamelExceptionType);
        headers.put(":content-type", "application/json");
        headers.put(":message-type", "exception");
        return encode(headers, jsonPayload);
    }

    /** An unmodelled error: {@code :error-code}, {@code :error-message}, {@code :message-type = error}, no payload. */
    static byte[] error(String code, String message) {
        Map<String, String> headers = new LinkedHashMap<>(4);
        headers.put(":error-code", code);
        headers.put(":error-message", message);
        headers.put(":message-type", "error");
        return encode(headers, new byte[0]);
    }

    /**
     * Encodes a message with string headers written in the map's iteration order.
     *
     * @throws IllegalArgumentException if a header name is empty or longer than 255 UTF-8 bytes, a value is longer
     *     than 65,535 UTF-8 bytes, or the headers or payload exceed what the SDK decoder accepts
     */
    static byte[] encode(Map<String, String> headers, byte[] payload) {
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(payload, "payload");
        int count = headers.size();
        byte[][] names = new byte[count][];
        byte[][] values = new byte[count][];
        int headersLength = 0;
        int i = 0;
        for (Map.Entry<String, String> h : headers.entrySet()) {
            names[i] = h.getKey().getBytes(StandardCharsets.UTF_8);
            values[i] = Objects.requireNonNull(h.getValue(), h.getKey()).getBytes(StandardCharsets.UTF_8);
            if (names[i].length == 0 || names[i].length > 255) {
                throw new IllegalArgumentException("header name must be 1..255 UTF-8 bytes: " + h.getKey());
            }
            if (values[i].length > 0xFFFF) {
                throw new IllegalArgumentException("header value longer than 65535 bytes: " + h.getKey());
            }
            headersLength += 1 + names[i].length + 1 + 2 + values[i].length;
            i++;
        }
        if (headersLength > MAX_HEADERS_BYTES) {
            throw new IllegalArgumentException("headers take " + headersLength + " bytes, limit " + MAX_HEADERS_BYTES);
        }
        if (payload.length > MAX_PAYLOAD_BYTES) {
            throw new IllegalArgumentException("payload of " + payload.length + " bytes, limit " + MAX_PAYLOAD_BYTES);
        }
        int total = PRELUDE_BYTES + headersLength + payload.length + CRC_BYTES;
        ByteBuffer out = ByteBuffer.allocate(total);
        out.putInt(total).putInt(headersLength);
        out.putInt(crc(out.array(), 8));
        for (int h = 0; h < count; h++) {
            out.put((byte) names[h].length).put(names[h]).put(STRING_TYPE);
            out.putShort((short) values[h].length).put(values[h]);
        }
        out.put(payload);
        out.putInt(crc(out.array(), total - CRC_BYTES));
        return out.array();
    }

    private static int crc(byte[] bytes, int length) {
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, length);
        return (int) crc.getValue();
    }
}
