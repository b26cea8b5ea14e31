package dev.aip.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PageTokenTest {

    @Test
    void decode_ofEncode_roundTrips() {
        PageToken token = new PageToken("APPLICATION", 1234567);
        assertThat(PageToken.decode(token.encode(42), 42)).isEqualTo(token);
    }

    @Test
    void decode_withAnotherKey_isNull() {
        assertThat(PageToken.decode(new PageToken("SYSTEM_DEFINED", 3).encode(42), 43)).isNull();
    }

    @Test
    void decode_tamperedPosition_isNull() {
        String forged = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                new String(java.util.Base64.getUrlDecoder().decode(new PageToken("APPLICATION", 3).encode(42)))
                        .replace("APPLICATION:3:", "APPLICATION:4:").getBytes());
        assertThat(PageToken.decode(forged, 42)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "%%%", "YQ", "QVBQTElDQVRJT04", "QVBQTElDQVRJT046LTE6MA"})
    void decode_garbage_isNull(String text) {
        assertThat(PageToken.decode(text, 42)).isNull();
    }
}
