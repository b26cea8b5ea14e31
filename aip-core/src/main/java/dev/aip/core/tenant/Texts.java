package dev.aip.core.tenant;

/** Message helpers: show rejected input without letting it forge log lines. */
final class Texts {

    private static final int MAX_SHOWN = 80;

    private Texts() {}

    /** Escapes control characters, quotes and backslashes, and shortens long values. */
    static String escape(String value) {
        StringBuilder out = new StringBuilder(Math.min(value.length(), MAX_SHOWN) + 8);
        for (int i = 0; i < value.length() && i < MAX_SHOWN; i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f || (c >= 0x80 && Character.isISOControl(c))) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        if (value.length() > MAX_SHOWN) {
            out.append("...");
        }
        return out.toString();
    }

    /** Names a character for a message: {@code '/' (U+002F)}. */
    static String describe(char c) {
        String shown = Character.isISOControl(c) || Character.isWhitespace(c) ? "" : "'" + c + "' ";
        return shown + String.format("(U+%04X)", (int) c);
    }
}
