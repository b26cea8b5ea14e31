package dev.aip.cli.report;

import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.CostCalculator;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/** Text forms shared by the renderers. Every number is formatted with {@link Locale#ROOT}, never the default. */
final class Formats {

    /** Costs are shown rounded to this many decimal places (half-even); CSV and JSON carry them exact. */
    static final int DISPLAY_SCALE = 6;

    static final String COST_NOTE = "Costs in USD, rounded half-even to " + DISPLAY_SCALE
            + " decimal places for display (exact in CSV and JSON). Calls whose model had no price are counted"
            + " as unpriced and not included in the cost.";

    private static final DateTimeFormatter MINUTES = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private Formats() {}

    /** The exact amount as a plain decimal, never in exponent form. */
    static String exact(BigDecimal amount) {
        return amount.stripTrailingZeros().toPlainString();
    }

    /** The amount rounded for display. */
    static String rounded(BigDecimal amount) {
        return CostCalculator.round(amount, DISPLAY_SCALE).toPlainString();
    }

    /**
     * The cost as a person should read it: rounded, and never a bare zero when prices were missing.
     *
     * @return e.g. {@code 1.234567}, {@code 1.234567 (+2 unpriced)}, or {@code unknown (5 unpriced)}
     */
    static String displayCost(BigDecimal amount, long pricedCalls, long unpricedCalls) {
        if (unpricedCalls == 0) {
            return rounded(amount);
        }
        if (pricedCalls == 0) {
            return "unknown (" + unpricedCalls + " unpriced)";
        }
        return rounded(amount) + " (+" + unpricedCalls + " unpriced)";
    }

    /** Milliseconds, exact, as a plain decimal (e.g. {@code 412}, {@code 412.5}); empty string for null. */
    static String millisExact(Duration d) {
        if (d == null) {
            return "";
        }
        return millisDecimal(d).toPlainString();
    }

    static BigDecimal millisDecimal(Duration d) {
        BigDecimal ms = BigDecimal.valueOf(d.getSeconds()).movePointRight(3)
                .add(BigDecimal.valueOf(d.getNano()).movePointLeft(6));
        BigDecimal stripped = ms.stripTrailingZeros();
        return stripped.scale() < 0 ? stripped.setScale(0) : stripped;
    }

    /** Milliseconds for display: whole from 10 ms on, one decimal below; a dash for null. */
    static String millis(Duration d) {
        if (d == null) {
            return "-";
        }
        BigDecimal ms = millisDecimal(d);
        int scale = ms.compareTo(BigDecimal.TEN) >= 0 ? 0 : 1;
        return ms.setScale(scale, RoundingMode.HALF_EVEN).toPlainString();
    }

    /** A share as a percentage with one decimal, e.g. {@code 97.5}; a dash when absent. */
    static String percent(java.util.OptionalDouble share) {
        return share.isPresent() ? String.format(Locale.ROOT, "%.1f", share.getAsDouble() * 100) : "-";
    }

    /** A count with thousands separators, e.g. {@code 1,234,567}. */
    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** A short human name of an outcome, for error breakdowns. */
    static String shortName(Outcome outcome) {
        return switch (outcome) {
            case SUCCESS -> "ok";
            case THROTTLED -> "throttled";
            case CLIENT_ERROR -> "client";
            case SERVER_ERROR -> "server";
            case TIMEOUT -> "timeout";
            case CANCELLED -> "cancelled";
            case STREAM_INTERRUPTED -> "interrupted";
            case REJECTED_BY_POLICY -> "rejected";
        };
    }

    /** An outcome as a column title, e.g. {@code Rejected by policy}. */
    static String title(Outcome outcome) {
        String words = outcome.name().toLowerCase(Locale.ROOT).replace('_', ' ');
        return Character.toUpperCase(words.charAt(0)) + words.substring(1);
    }

    /** The failed calls and their kinds, e.g. {@code 3 (throttled 2, server 1)}, or {@code 0}. */
    static String failures(UsageReport.TenantRow row) {
        if (row.failedCalls() == 0) {
            return "0";
        }
        StringJoiner kinds = new StringJoiner(", ", " (", ")");
        for (Map.Entry<Outcome, Long> e : row.callsByOutcome().entrySet()) {
            if (e.getKey() != Outcome.SUCCESS) {
                kinds.add(shortName(e.getKey()) + " " + e.getValue());
            }
        }
        return count(row.failedCalls()) + kinds;
    }

    static String instant(Instant t) {
        return t == null ? "-" : (t.getNano() == 0 && t.getEpochSecond() % 60 == 0 ? MINUTES : SECONDS).format(t)
                + " UTC";
    }

    static String window(UsageReport report) {
        if (report.from() == null && report.to() == null) {
            return "no records";
        }
        return instant(report.from()) + " to " + instant(report.to());
    }

    /** A duration as people say it: {@code 2 s}, {@code 1.5 s}, {@code 500 ms}, {@code 5 min}, {@code 1 h}. */
    static String human(Duration d) {
        if (d == null) {
            return "-";
        }
        long seconds = d.getSeconds();
        if (d.getNano() == 0 && seconds >= 60) {
            if (seconds % 604800 == 0) {
                return seconds / 604800 + " wk";
            }
            if (seconds % 86400 == 0) {
                return seconds / 86400 + " d";
            }
            if (seconds % 3600 == 0) {
                return seconds / 3600 + " h";
            }
            if (seconds % 60 == 0) {
                return seconds / 60 + " min";
            }
        }
        if (seconds >= 1) {
            return millisDecimal(d).movePointLeft(3).stripTrailingZeros().toPlainString() + " s";
        }
        return millis(d) + " ms";
    }
}
