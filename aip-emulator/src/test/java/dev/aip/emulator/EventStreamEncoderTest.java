package dev.aip.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.eventstream.HeaderValue;
import software.amazon.awssdk.eventstream.Message;
import software.amazon.awssdk.eventstream.MessageDecoder;

class EventStreamEncoderTest {

    /** The verified 122-byte messageStop frame from the wire reference, section 3.2. */
    private static final String GOLDEN_MESSAGE_STOP = "0000007a00000051ca2c46650b3a6576656e742d7479706507000b6d6573"
            + "7361676553746f700d3a636f6e74656e742d747970650700106170706c69636174696f6e2f6a736f6e0d3a6d6573736167"
            + "652d747970650700056576656e747b2273746f70526561736f6e223a22656e645f7475726e227d5fbf09fc";

    @Test
    void event_messageStopEndTurn_matchesGoldenFrameByteForByte() {
        byte[] frame = EventStreamEncoder.event("messageStop", utf8("{\"stopReason\":\"end_turn\"}"));

        assertThat(frame).hasSize(122);
        assertThat(HexFormat.of().formatHex(frame)).isEqualTo(GOLDEN_MESSAGE_STOP);
    }

    @Test
    void crc32_standardCheckString_isCbf43926() {
        CRC32 crc = new CRC32();
        crc.update(utf8("123456789"));

        assertThat(crc.getValue()).isEqualTo(0xCBF43926L);
    }

    @Test
    void encode_anyFrame_preludeAndMessageCrcCoverWhatTheReferenceSays() {
        byte[] frame = EventStreamEncoder.event("contentBlockDelta", utf8("{\"delta\":{\"text\":\"hi\"}}"));
        ByteBuffer buf = ByteBuffer.wrap(frame);

        assertThat(buf.getInt(0)).isEqualTo(frame.length);
        assertThat(buf.getInt(8)).isEqualTo(crc(frame, 0, 8));
        assertThat(buf.getInt(frame.length - 4)).isEqualTo(crc(frame, 0, frame.length - 4));
    }

    @Test
    void event_decodedBySdk_hasEventHeadersInOrderAndPayload() {
        byte[] payload = utf8("{\"contentBlockIndex\":0,\"delta\":{\"text\":\"héllo ✓\"}}");

        Message message = decodeOne(EventStreamEncoder.event("contentBlockDelta", payload));

        assertThat(strings(message.getHeaders())).containsExactly(
                Map.entry(":event-type", "contentBlockDelta"),
                Map.entry(":content-type", "application/json"),
                Map.entry(":message-type", "event"));
        assertThat(message.getPayload()).isEqualTo(payload);
    }

    @Test
    void exception_decodedBySdk_hasExceptionHeadersAndPayload() {
        byte[] payload = utf8("{\"message\":\"stream broke\",\"originalStatusCode\":500}");

        Message message = decodeOne(EventStreamEncoder.exception("modelStreamErrorException", payload));

        assertThat(strings(message.getHeaders())).containsExactly(
                Map.entry(":exception-type", "modelStreamErrorException"),
                Map.entry(":content-type", "application/json"),
                Map.entry(":message-type", "exception"));
        assertThat(message.getPayload()).isEqualTo(payload);
    }

    @Test
    void error_decodedBySdk_hasErrorHeadersAndEmptyPayload() {
        Message message = decodeOne(EventStreamEncoder.error("InternalFailure", "Something broke: ünïcode"));

        assertThat(strings(message.getHeaders())).containsExactly(
                Map.entry(":error-code", "InternalFailure"),
                Map.entry(":error-message", "Something broke: ünïcode"),
                Map.entry(":message-type", "error"));
        assertThat(message.getPayload()).isEmpty();
    }

    @Test
    void encode_sameMessageAsSdkEncoder_producesIdenticalBytes() {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(":event-type", "metadata");
        headers.put("x-custom", "ß∂ƒ");
        byte[] payload = utf8("{\"usage\":{\"inputTokens\":3}}");
        Map<String, HeaderValue> sdkHeaders = new LinkedHashMap<>();
        headers.forEach((k, v) -> sdkHeaders.put(k, HeaderValue.fromString(v)));

        byte[] ours = EventStreamEncoder.encode(headers, payload);

        assertThat(ours).isEqualTo(toArray(new Message(sdkHeaders, payload).toByteBuffer()));
    }

    @Test
    void encode_framesFedInOddSlices_decodeInOrder() {
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        for (int i = 0; i < 50; i++) {
            stream.writeBytes(EventStreamEncoder.event("e" + i, utf8("{\"i\":" + i + "}")));
        }
        byte[] all = stream.toByteArray();
        List<Message> decoded = new ArrayList<>();
        MessageDecoder decoder = new MessageDecoder(decoded::add);

        for (int off = 0; off < all.length; off += 7) {
            decoder.feed(all, off, Math.min(7, all.length - off));
        }

        assertThat(decoded).hasSize(50);
        assertThat(decoded.get(49).getHeaders().get(":event-type").getString()).isEqualTo("e49");
        assertThat(new String(decoded.get(49).getPayload(), StandardCharsets.UTF_8)).isEqualTo("{\"i\":49}");
    }

    @Test
    void encode_headerNameOver255Bytes_isRejected() {
        Map<String, String> headers = Map.of("n".repeat(256), "v");

        assertThatThrownBy(() -> EventStreamEncoder.encode(headers, new byte[0]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("header name");
    }

    @Test
    void encode_headerValueOver65535Bytes_isRejected() {
        Map<String, String> headers = Map.of("n", "v".repeat(65_536));

        assertThatThrownBy(() -> EventStreamEncoder.encode(headers, new byte[0]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("65535");
    }

    private static Message decodeOne(byte[] frame) {
        List<Message> out = new ArrayList<>();
        new MessageDecoder(out::add).feed(frame);
        assertThat(out).hasSize(1);
        return out.get(0);
    }

    private static List<Map.Entry<String, String>> strings(Map<String, HeaderValue> headers) {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        headers.forEach((k, v) -> out.add(Map.entry(k, v.getString())));
        return out;
    }

    private static int crc(byte[] bytes, int off, int len) {
        CRC32 crc = new CRC32();
        crc.update(bytes, off, len);
        return (int) crc.getValue();
    }

    private static byte[] toArray(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
