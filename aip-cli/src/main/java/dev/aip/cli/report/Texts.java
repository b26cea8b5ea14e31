package dev.aip.cli.report;

/** Makes user-provided strings safe for each output: HTML text and attributes, CSV fields, one-line text. */
final class Texts {

    private Texts() {}

    /**
     * Escapes text for HTML element content and double- or single-quoted attribute values (also inside inline SVG).
     * Control characters other than tab and newline are replaced, as HTML forbids them.
     */
    static String html(String s) {
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> {
                    if (Character.isISOControl(c) && c != '\t' && c != '\n') {
                        out.append('\uFFFD');
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }

    /** Quotes a CSV field as RFC 4180 asks: when it holds a comma, a quote, CR or LF; quotes are doubled. */
    static String csv(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\r') < 0 && s.indexOf('\n') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }

    /** One line of plain text: line breaks and other control characters become spaces, so a table keeps shape. */
    static String singleLine(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            out.append(Character.isISOControl(c) ? ' ' : c);
        }
        return out.toString();
    }
}
