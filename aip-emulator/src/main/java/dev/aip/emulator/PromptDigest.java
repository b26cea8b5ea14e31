package dev.aip.emulator;

import java.util.ArrayList;
import java.util.List;

/**
 * Counts the input tokens of a request and hashes its content in one pass, recording a cache breakpoint wherever
 * the request places a cache point. Both wire formats (Converse and the model-native InvokeModel bodies) feed the
 * same calls for the same content, so equivalent requests get equal counts and equal hashes. Confined to one call.
 *
 * <p>The token rules (also documented on {@link BedrockEmulator}):
 * <ul>
 *   <li>text: one token per started 4 bytes of UTF-8, so {@code ceil(utf8Length / 4)}; empty text is 0</li>
 *   <li>each message: {@value #MESSAGE_OVERHEAD} tokens for the turn; a non-empty system prompt: the same once</li>
 *   <li>each tool definition: {@value #TOOL_OVERHEAD} plus its name, description and compact JSON schema</li>
 *   <li>a toolUse block: {@value #BLOCK_OVERHEAD} plus its name and compact JSON input; a toolResult block:
 *       {@value #BLOCK_OVERHEAD} plus its content</li>
 *   <li>an image sent as bytes: {@link ImageTokens#tokens(int, int)} of its size, read from its header
 *       (Anthropic's documented {@code width * height / 750} after downscaling); an image in S3, a document,
 *       video or audio block: {@value #MEDIA_TOKENS} tokens, whatever its size</li>
 *   <li>a request counts at least 1 token</li>
 * </ul>
 */
final class PromptDigest {

    static final int MESSAGE_OVERHEAD = 3;
    static final int TOOL_OVERHEAD = 8;
    static final int BLOCK_OVERHEAD = 4;
    static final int MEDIA_TOKENS = 256;

    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    /** A point that ends a cacheable prefix: the tokens and the content hash before it, and its time to live. */
    record Breakpoint(long tokensBefore, long hashBefore, long ttlMillis) {
    }

    private long tokens;
    private long hash = FNV_OFFSET;
    private List<Breakpoint> breakpoints;

    /** Token count of a text under the rules above: {@code ceil(utf8Length / 4)}. */
    static long textTokens(CharSequence s) {
        long bytes = utf8Length(s);
        return (bytes + 3) / 4;
    }

    static long utf8Length(CharSequence s) {
        long n = 0;
        int len = s.length();
        for (int i = 0; i < len; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /** Adds a text's tokens and mixes it into the hash. */
    void text(String s) {
        mix('T');
        long bytes = 0;
        long h = hash;
        int len = s.length();
        for (int i = 0; i < len; i++) {
            char c = s.charAt(i);
            h = (h ^ c) * FNV_PRIME;
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 4;
                i++;
                h = (h ^ s.charAt(i)) * FNV_PRIME;
            } else {
                bytes += 3;
            }
        }
        hash = h;
        tokens += (bytes + 3) / 4;
    }

    /** Adds fixed tokens for structure (a turn, a tool, a block) and mixes a tag for it into the hash. */
    void overhead(char tag, int count) {
        mix(tag);
        tokens += count;
    }

    /** Adds a media block's tokens and mixes its bytes into the hash. */
    void media(char tag, long count, byte[] content) {
        mix(tag);
        long h = hash;
        for (byte b : content) {
            h = (h ^ (b & 0xFF)) * FNV_PRIME;
        }
        hash = h;
        tokens += count;
    }

    /** Marks the end of a cacheable prefix. */
    void cachePoint(long ttlMillis) {
        if (breakpoints == null) {
            breakpoints = new ArrayList<>(2);
        }
        breakpoints.add(new Breakpoint(tokens, hash, ttlMillis));
        mix('C');
    }

    private void mix(char tag) {
        hash = (hash ^ tag) * FNV_PRIME;
    }

    long tokens() {
        return Math.max(1, tokens);
    }

    long hash() {
        return hash;
    }

    List<Breakpoint> breakpoints() {
        return breakpoints == null ? List.of() : breakpoints;
    }
}
