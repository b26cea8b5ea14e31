package dev.aip.cli.report;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The formats a {@link UsageReport} renders to, with {@link ReportRenderer#render}. */
public enum ReportFormat {
    /** Aligned monospace columns with a totals row, for a terminal. */
    TABLE,
    /** RFC 4180 CSV, one row per tenant, exact costs. */
    CSV,
    /** One JSON document with stable field names, exact costs as strings, durations in milliseconds. */
    JSON,
    /** One self-contained HTML page with charts (inline CSS and SVG; no external resources). */
    HTML;

    /**
     * Parses a format name, ignoring case and surrounding blanks.
     *
     * @param text e.g. {@code html}
     * @return the format
     * @throws IllegalArgumentException if {@code text} is {@code null} or names no format; the message lists them
     */
    public static ReportFormat parse(String text) {
        String allowed = Arrays.stream(values()).map(f -> f.name().toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", "));
        if (text == null) {
            throw new IllegalArgumentException("No report format given; use one of " + allowed);
        }
        String name = text.strip().toUpperCase(Locale.ROOT);
        for (ReportFormat f : values()) {
            if (f.name().equals(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException("Unknown report format \"" + text + "\"; use one of " + allowed);
    }

    /**
     * Returns the usual file name extension.
     *
     * @return e.g. {@code html}; {@code txt} for {@link #TABLE}
     */
    public String fileExtension() {
        return this == TABLE ? "txt" : name().toLowerCase(Locale.ROOT);
    }
}
