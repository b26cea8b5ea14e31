package dev.aip.emulator;

import java.util.Base64;

/**
 * Reads an image's width and height from its header and counts its input tokens the way Anthropic documents for
 * Claude's vision (<a href="https://docs.claude.com/en/docs/vision">Images and vision</a>): an image whose long
 * edge exceeds {@value #MAX_LONG_EDGE} px, or that would cost more than about 1,600 tokens, is first scaled down
 * with its aspect ratio kept; it then costs {@code ceil(width * height / 750)} tokens. The emulator applies this
 * rule to every model that takes images. Stateless.
 *
 * <p>Only the header is read (PNG {@code IHDR}, GIF logical screen, JPEG start-of-frame, WebP {@code VP8 },
 * {@code VP8L} or {@code VP8X}); pixel data is never decoded. An image whose bytes are not of the declared format,
 * whose header cannot be read, which is larger than {@value #MAX_EDGE} px on an edge or {@value #MAX_BYTES} bytes
 * (Bedrock's documented image limits) is refused with a {@code ValidationException}.
 */
final class ImageTokens {

    static final int MAX_LONG_EDGE = 1568;
    /** 1,600 tokens at 750 pixels each: the area above which Claude scales an image down. */
    static final long MAX_PIXELS = 1_200_000L;
    static final int PIXELS_PER_TOKEN = 750;
    static final int MAX_EDGE = 8000;
    /** 3.75 MB. */
    static final int MAX_BYTES = 3_932_160;

    /** Width and height in pixels, both positive. */
    record Size(int width, int height) {
    }

    private ImageTokens() {
    }

    /** Tokens of an image of {@code width} × {@code height} pixels, after Claude's downscaling. */
    static long tokens(int width, int height) {
        double w = width;
        double h = height;
        double longEdge = Math.max(w, h);
        if (longEdge > MAX_LONG_EDGE) {
            double scale = MAX_LONG_EDGE / longEdge;
            w = Math.floor(w * scale);
            h = Math.floor(h * scale);
        }
        if (w * h > MAX_PIXELS) {
            double scale = Math.sqrt(MAX_PIXELS / (w * h));
            w = Math.floor(w * scale);
            h = Math.floor(h * scale);
        }
        long pixels = Math.max(1L, (long) w) * Math.max(1L, (long) h);
        return (pixels + PIXELS_PER_TOKEN - 1) / PIXELS_PER_TOKEN;
    }

    /** Decodes base64 image bytes sent in a JSON body; refuses what is not base64. */
    static byte[] decode(String base64, String path) {
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw Check.invalid(path, "Member must be base64-encoded");
        }
    }

    /**
     * Tokens of an image sent as bytes with its declared format ({@code png}, {@code jpeg}, {@code gif},
     * {@code webp}).
     *
     * @param path where the image is in the request, for the error message
     */
    static long tokens(byte[] bytes, String format, String path) {
        Size size = size(bytes, format, path);
        return tokens(size.width(), size.height());
    }

    static Size size(byte[] bytes, String format, String path) {
        if (bytes.length == 0) {
            throw unreadable(path, format, "the image is empty");
        }
        if (bytes.length > MAX_BYTES) {
            throw ApiError.validation("The image at " + path + " is " + bytes.length + " bytes; an image can be at "
                    + "most 3.75 MB. Resize or compress the image and try again.");
        }
        Size size = switch (format) {
            case "png" -> png(bytes, path);
            case "gif" -> gif(bytes, path);
            case "jpeg" -> jpeg(bytes, path);
            case "webp" -> webp(bytes, path);
            default -> throw unreadable(path, format, "the format is not one of png, jpeg, gif, webp");
        };
        if (size.width() <= 0 || size.height() <= 0) {
            throw unreadable(path, format, "its header gives a size of " + size.width() + "x" + size.height());
        }
        if (size.width() > MAX_EDGE || size.height() > MAX_EDGE) {
            throw ApiError.validation("The image at " + path + " is " + size.width() + "x" + size.height()
                    + " pixels; an image can be at most " + MAX_EDGE + " pixels high and wide. Resize the image "
                    + "and try again.");
        }
        return size;
    }

    private static ApiError unreadable(String path, String format, String why) {
        return ApiError.validation("Unable to process the image at " + path + " as " + format + ": " + why
                + ". Send the bytes of a valid PNG, JPEG, GIF or WebP image whose format matches the format field, "
                + "and try again.");
    }

    private static Size png(byte[] b, String path) {
        byte[] signature = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
        if (b.length < 24 || !startsWith(b, 0, signature) || !startsWith(b, 12, new byte[] {'I', 'H', 'D', 'R'})) {
            throw unreadable(path, "png", "it does not start with a PNG signature and IHDR chunk");
        }
        return new Size(int32(b, 16), int32(b, 20));
    }

    private static Size gif(byte[] b, String path) {
        if (b.length < 10 || !(startsWith(b, 0, "GIF87a".getBytes()) || startsWith(b, 0, "GIF89a".getBytes()))) {
            throw unreadable(path, "gif", "it does not start with a GIF87a or GIF89a header");
        }
        return new Size(u16le(b, 6), u16le(b, 8));
    }

    private static Size jpeg(byte[] b, String path) {
        if (b.length < 4 || u8(b, 0) != 0xFF || u8(b, 1) != 0xD8) {
            throw unreadable(path, "jpeg", "it does not start with a JPEG start-of-image marker");
        }
        int i = 2;
        while (i + 1 < b.length) {
            if (u8(b, i) != 0xFF) {
                break;
            }
            int marker = u8(b, i + 1);
            if (marker == 0xFF) {
                i++;
                continue;
            }
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                i += 2;
                continue;
            }
            if (marker == 0xD9 || marker == 0xDA || i + 3 >= b.length) {
                break;
            }
            int length = u16be(b, i + 2);
            boolean startOfFrame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8
                    && marker != 0xCC;
            if (startOfFrame) {
                if (i + 8 >= b.length) {
                    break;
                }
                return new Size(u16be(b, i + 7), u16be(b, i + 5));
            }
            if (length < 2) {
                break;
            }
            i += 2 + length;
        }
        throw unreadable(path, "jpeg", "no start-of-frame segment gives its size");
    }

    private static Size webp(byte[] b, String path) {
        if (b.length < 30 || !startsWith(b, 0, "RIFF".getBytes()) || !startsWith(b, 8, "WEBP".getBytes())) {
            throw unreadable(path, "webp", "it does not start with a RIFF WEBP header");
        }
        if (startsWith(b, 12, "VP8 ".getBytes())) {
            if (u8(b, 23) != 0x9D || u8(b, 24) != 0x01 || u8(b, 25) != 0x2A) {
                throw unreadable(path, "webp", "its VP8 frame has no start code");
            }
            return new Size(u16le(b, 26) & 0x3FFF, u16le(b, 28) & 0x3FFF);
        }
        if (startsWith(b, 12, "VP8L".getBytes())) {
            if (u8(b, 20) != 0x2F) {
                throw unreadable(path, "webp", "its VP8L bitstream has no signature");
            }
            long bits = u8(b, 21) | (u8(b, 22) << 8) | ((long) u8(b, 23) << 16) | ((long) u8(b, 24) << 24);
            return new Size((int) (bits & 0x3FFF) + 1, (int) ((bits >> 14) & 0x3FFF) + 1);
        }
        if (startsWith(b, 12, "VP8X".getBytes())) {
            int width = 1 + (u8(b, 24) | (u8(b, 25) << 8) | (u8(b, 26) << 16));
            int height = 1 + (u8(b, 27) | (u8(b, 28) << 8) | (u8(b, 29) << 16));
            return new Size(width, height);
        }
        throw unreadable(path, "webp", "its first chunk is not VP8, VP8L or VP8X");
    }

    private static boolean startsWith(byte[] b, int offset, byte[] prefix) {
        if (b.length < offset + prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (b[offset + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static int u8(byte[] b, int i) {
        return b[i] & 0xFF;
    }

    private static int u16le(byte[] b, int i) {
        return u8(b, i) | (u8(b, i + 1) << 8);
    }

    private static int u16be(byte[] b, int i) {
        return (u8(b, i) << 8) | u8(b, i + 1);
    }

    private static int int32(byte[] b, int i) {
        long v = ((long) u8(b, i) << 24) | (u8(b, i + 1) << 16) | (u8(b, i + 2) << 8) | u8(b, i + 3);
        return v > Integer.MAX_VALUE ? -1 : (int) v;
    }
}
