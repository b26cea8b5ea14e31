package dev.aip.emulator;

import static dev.aip.emulator.RuntimeFixture.HAIKU;
import static dev.aip.emulator.RuntimeOperation.CONVERSE;
import static dev.aip.emulator.RuntimeOperation.COUNT_TOKENS;
import static dev.aip.emulator.RuntimeOperation.INVOKE_MODEL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ImageTokensTest {

    private final RuntimeFixture f = new RuntimeFixture();

    @ParameterizedTest(name = "{0}x{1} -> {2}")
    @CsvSource({
        "1, 1, 1",
        "750, 1, 1",
        "751, 1, 2",
        "200, 200, 54",
        "1000, 1000, 1334",
        "1092, 1092, 1590",
        "1568, 300, 628",
        "3000, 2000, 1599",
        "2000, 3000, 1599",
        "8000, 8000, 1599"})
    void tokens_widthAndHeight_anthropicRuleAfterDownscaling(int width, int height, long tokens) {
        assertThat(ImageTokens.tokens(width, height)).isEqualTo(tokens);
    }

    @Test
    void tokens_neverAboveAboutSixteenHundred() {
        for (int w = 100; w <= 8000; w += 97) {
            for (int h = 100; h <= 8000; h += 389) {
                assertThat(ImageTokens.tokens(w, h)).isBetween(1L, 1600L);
            }
        }
    }

    @Test
    void size_webpLossyAndLossless_readFromTheirBitstreamHeaders() {
        byte[] vp8 = webp("VP8 ", new byte[] {0, 0, 0, (byte) 0x9D, 0x01, 0x2A, (byte) 0x80, 0x02, (byte) 0xE0,
            0x01});
        // VP8L: signature 0x2F, then 14 bits width-1 and 14 bits height-1, little-endian (1000x700 here).
        long bits = 999L | (699L << 14);
        byte[] vp8l = webp("VP8L", new byte[] {0x2F, (byte) bits, (byte) (bits >> 8), (byte) (bits >> 16),
            (byte) (bits >> 24), 0, 0, 0, 0, 0});

        assertThat(ImageTokens.size(vp8, "webp", "p")).isEqualTo(new ImageTokens.Size(640, 480));
        assertThat(ImageTokens.size(vp8l, "webp", "p")).isEqualTo(new ImageTokens.Size(1000, 700));
    }

    @Test
    void size_jpegWithFillBytesAndProgressiveFrame_found() {
        byte[] jpeg = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xFF, (byte) 0xE1, 0, 4, 1, 2,
            (byte) 0xFF, (byte) 0xC2, 0, 11, 8, 0x01, 0x2C, 0x01, (byte) 0x90, 1, 1, 0x11, 0};

        assertThat(ImageTokens.size(jpeg, "jpeg", "p")).isEqualTo(new ImageTokens.Size(400, 300));
    }

    @Test
    void size_tooLargeInBytes_validationExceptionNamingTheLimit() {
        byte[] huge = new byte[ImageTokens.MAX_BYTES + 1];
        System.arraycopy(RuntimeCapabilitiesSdkTest.png(10, 10), 0, huge, 0, 33);

        assertThatThrownBy(() -> ImageTokens.size(huge, "png", "messages.0.content.0.image"))
                .isInstanceOfSatisfying(ApiError.class, e -> {
                    assertThat(e.code()).isEqualTo("ValidationException");
                    assertThat(e.getMessage()).contains("3.75 MB");
                });
    }

    @Test
    void invokeModelAnthropicImage_countedAsConverseCountsIt() {
        String b64 = Base64.getEncoder().encodeToString(RuntimeCapabilitiesSdkTest.png(1000, 500));
        String converse = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"image\":{\"format\":\"png\",\"source\":"
                + "{\"bytes\":\"" + b64 + "\"}}},{\"text\":\"What is this?\"}]}]}";
        String anthropic = "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":100,\"messages\":[{\"role\":"
                + "\"user\",\"content\":[{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":"
                + "\"image/png\",\"data\":\"" + b64 + "\"}},{\"type\":\"text\",\"text\":\"What is this?\"}]}]}";
        String countInvoke = "{\"input\":{\"invokeModel\":{\"body\":\"" + Base64.getEncoder().encodeToString(
                anthropic.getBytes(StandardCharsets.UTF_8)) + "\"}}}";

        long viaConverse = f.call(CONVERSE, HAIKU, converse).json().at("/usage/inputTokens").asLong();
        long viaInvoke = f.call(INVOKE_MODEL, HAIKU, anthropic).json().at("/usage/input_tokens").asLong();
        long viaCount = f.call(COUNT_TOKENS, HAIKU, countInvoke).json().get("inputTokens").asLong();

        assertThat(viaConverse).isEqualTo(3 + 667 + 4);
        assertThat(viaInvoke).isEqualTo(viaConverse);
        assertThat(viaCount).isEqualTo(viaConverse);
    }

    @Test
    void converseImage_s3Location_countsFixedMediaTokens() {
        String converse = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"image\":{\"format\":\"png\",\"source\":"
                + "{\"s3Location\":{\"uri\":\"s3://bucket/cat.png\"}}}},{\"text\":\"What is this?\"}]}]}";

        long input = f.call(CONVERSE, HAIKU, converse).json().at("/usage/inputTokens").asLong();

        assertThat(input).isEqualTo(3 + PromptDigest.MEDIA_TOKENS + 4);
    }

    @Test
    void converseImage_differentPictures_differentReplies() {
        String a = imageRequest(RuntimeCapabilitiesSdkTest.png(100, 100));
        byte[] other = RuntimeCapabilitiesSdkTest.png(100, 100);
        other[other.length - 1] ^= 1;

        String first = f.call(CONVERSE, HAIKU, a).json().at("/output/message/content/0/text").asText();
        String second = f.call(CONVERSE, HAIKU, imageRequest(other)).json().at("/output/message/content/0/text")
                .asText();

        assertThat(second).isNotEqualTo(first);
    }

    private static String imageRequest(byte[] png) {
        return "{\"messages\":[{\"role\":\"user\",\"content\":[{\"image\":{\"format\":\"png\",\"source\":"
                + "{\"bytes\":\"" + Base64.getEncoder().encodeToString(png) + "\"}}},{\"text\":\"Describe\"}]}]}";
    }

    private static byte[] webp(String chunk, byte[] payload) {
        byte[] out = new byte[20 + payload.length];
        System.arraycopy("RIFF".getBytes(StandardCharsets.US_ASCII), 0, out, 0, 4);
        out[4] = (byte) (12 + payload.length);
        System.arraycopy("WEBP".getBytes(StandardCharsets.US_ASCII), 0, out, 8, 4);
        System.arraycopy(chunk.getBytes(StandardCharsets.US_ASCII), 0, out, 12, 4);
        out[16] = (byte) payload.length;
        System.arraycopy(payload, 0, out, 20, payload.length);
        return out;
    }
}
