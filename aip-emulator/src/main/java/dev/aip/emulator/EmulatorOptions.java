package dev.aip.emulator;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The syntax of the emulator's pacing options, shared by its own entry point and the {@code aip emulator} command:
 * durations ({@code --latency}, {@code --ttft}, {@code --chunk-delay}) and fractions ({@code --throttle}).
 * Stateless.
 */
public final class EmulatorOptions {

    private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|ms|s|m|h)");

    private EmulatorOptions() {
    }

    /**
     * Parses a duration: a number and a unit ({@code ns us ms s m h}: {@code 300ms}, {@code 1.5s}, {@code 2m}), an
     * ISO-8601 duration ({@code PT1S}) or {@code 0}.
     *
     * @param option the option's name, for the message
     * @param text what was given
     * @return the duration, never negative
     * @throws IllegalArgumentException naming the option and the value when it is not such a duration
     */
    public static Duration duration(String option, String text) {
        String value = text.trim();
        Duration parsed = null;
        if (value.equals("0")) {
            parsed = Duration.ZERO;
        } else if (value.startsWith("P") || value.startsWith("p")) {
            try {
                parsed = Duration.parse(value.toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                parsed = null;
            }
        } else {
            Matcher m = SIMPLE_DURATION.matcher(value.toLowerCase(Locale.ROOT));
            if (m.matches()) {
                long nanosPerUnit = switch (m.group(2)) {
                    case "ns" -> 1L;
                    case "us" -> 1_000L;
                    case "ms" -> 1_000_000L;
                    case "s" -> 1_000_000_000L;
                    case "m" -> 60_000_000_000L;
                    default -> 3_600_000_000_000L;
                };
                try {
                    parsed = Duration.ofNanos(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(nanosPerUnit))
                            .longValueExact());
                } catch (ArithmeticException tooLargeOrFractionalNanos) {
                    parsed = null;
                }
            }
        }
        if (parsed == null || parsed.isNegative()) {
            throw new IllegalArgumentException(option + " needs a duration such as 300ms, 1s, 1.5s, 2m or PT1S, got '"
                    + text + "'");
        }
        return parsed;
    }

    /**
     * Parses a fraction from 0 to 1 inclusive.
     *
     * @param option the option's name, for the message
     * @param text what was given
     * @return the fraction
     * @throws IllegalArgumentException naming the option and the value when it is not such a fraction
     */
    public static double fraction(String option, String text) {
        double value;
        try {
            value = Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
            value = Double.NaN;
        }
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException(option + " needs a fraction from 0 to 1 such as 0.1, got '" + text
                    + "'");
        }
        return value;
    }
}
