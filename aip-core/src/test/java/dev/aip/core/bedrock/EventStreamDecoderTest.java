package dev.aip.core.bedrock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventStreamDecoderTest {

    /** A messageStop frame produced by the SDK's own encoder, with both CRCs checked independently. */
    static final byte[] GOLDEN = HexFormat.of().parseHex("0000007a00000051ca2c46650b3a6576656e742d7479706507000b6d65"
            + "737361676553746f700d3a636f6e74656e742d747970650700106170706c69636174696f6e2f6a736f6e0d3a6d657373616765"
            + "2d747970650700056576656e747b2273746f70526561736f6e223a22656e645f7475726e227d5fbf09fc");

    @Test
    void feed_goldenFrame_decodesHeadersAndPayload() {
        List<EventStreamDecoder.Frame> frames = new ArrayList<>();
        new EventStreamDecoder(frames::add).feed(ByteBuffer.wrap(GOLDEN));

        assertThat(frames).singleElement().satisfies(f -> {
            assertThat(f.header(":event-type")).isEqualTo("messageStop");
            assertThat(f.header(":message-type")).isEqualTo("event");
            assertThat(f.header(":content-type")).isEqualTo("application/json");
            assertThat(new String(f.payload(), StandardCharsets.UTF_8)).isEqualTo("{\"stopReason\":\"end_turn\"}");
        });
    }

    @Test
    void feed_framesSplitAtEveryByte_decodesThemAllInOrder() {
        byte[] two = new byte[GOLDEN.length * 2];
        System.arraycopy(GOLDEN, 0, two, 0, GOLDEN.length);
        System.arraycopy(GOLDEN, 0, two, GOLDEN.length, GOLDEN.length);
        List<EventStreamDecoder.Frame> frames = new ArrayList<>();
        EventStreamDecoder decoder = new EventStreamDecoder(frames::add);

        for (byte b : two) {
            decoder.feed(ByteBuffer.wrap(new byte[] {b}));
        }

        assertThat(frames).hasSize(2);
    }

    @Test
    void feed_corruptedFrame_isRefused() {
        byte[] bad = GOLDEN.clone();
        bad[bad.length - 10] ^= 0x01;
        assertThatThrownBy(() -> new EventStreamDecoder(f -> { }).feed(ByteBuffer.wrap(bad)))
                .hasMessageContaining("CRC");
    }
}
