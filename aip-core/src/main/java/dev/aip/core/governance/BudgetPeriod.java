package dev.aip.core.governance;

import dev.aip.core.tenant.TenantId;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How a budget's spend is grouped in time: calendar days or calendar months in a time zone, or consecutive windows
 * of a fixed length.
 *
 * <p>Calendar periods start at local midnight in their zone ({@link java.time.LocalDate#atStartOfDay(ZoneId)}), so a
 * day with a daylight-saving change lasts 23 or 25 hours, and a month ends when the next one starts, whatever its
 * length. Fixed windows are {@code length} long and aligned to the epoch (1970-01-01T00:00Z): a 7-day window always
 * starts on a Thursday at 00:00 UTC; a 1-hour window on the hour.
 *
 * <p>A call's spend belongs to the period in which it was <b>admitted</b>, even if it ends in the next one, so that
 * its reservation and its settlement meet in the same account.
 *
 * <p>Immutable.
 *
 * @param kind the kind of period
 * @param zone the time zone of calendar periods; UTC for windows
 * @param length the window length for {@link Kind#FIXED_WINDOW}; {@code null} for calendar periods
 */
public record BudgetPeriod(Kind kind, ZoneId zone, @Nullable Duration length) {

    /** Kinds of period. */
    public enum Kind {
        /** A calendar day in the period's zone. */
        CALENDAR_DAY,
        /** A calendar month in the period's zone. */
        CALENDAR_MONTH,
        /** Consecutive windows of a fixed length, aligned to the epoch. */
        FIXED_WINDOW
    }

    /**
     * Validates.
     *
     * @throws NullPointerException if the kind or zone is missing, or the length of a window
     * @throws IllegalArgumentException if a window is shorter than one second, or a calendar period has a length
     */
    public BudgetPeriod {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(zone, "zone");
        if (kind == Kind.FIXED_WINDOW) {
            Objects.requireNonNull(length, "length of a fixed window");
            if (length.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("A budget window must last at least one second, was " + length);
            }
        } else if (length != null) {
            throw new IllegalArgumentException("A calendar budget period has no length; use BudgetPeriod.every");
        }
    }

    /**
     * Calendar days in a zone.
     *
     * @param zone the zone whose midnight starts each day
     * @return the period
     */
    public static BudgetPeriod daily(ZoneId zone) {
        return new BudgetPeriod(Kind.CALENDAR_DAY, zone, null);
    }

    /**
     * Calendar months in a zone.
     *
     * @param zone the zone whose midnight of the 1st starts each month
     * @return the period
     */
    public static BudgetPeriod monthly(ZoneId zone) {
        return new BudgetPeriod(Kind.CALENDAR_MONTH, zone, null);
    }

    /**
     * Consecutive windows of a fixed length, aligned to the epoch.
     *
     * @param length at least one second
     * @return the period
     */
    public static BudgetPeriod every(Duration length) {
        return new BudgetPeriod(Kind.FIXED_WINDOW, ZoneOffset.UTC, length);
    }

    /**
     * Returns the budget account of a tenant for the period that contains an instant.
     *
     * @param tenant the tenant
     * @param at the instant
     * @return the key: the period's name, start (inclusive) and end (exclusive)
     */
    public BudgetKey keyAt(TenantId tenant, Instant at) {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(at, "at");
        switch (kind) {
            case CALENDAR_DAY -> {
                LocalDate day = LocalDate.ofInstant(at, zone);
                return new BudgetKey(tenant, day.toString(), day.atStartOfDay(zone).toInstant(),
                        day.plusDays(1).atStartOfDay(zone).toInstant());
            }
            case CALENDAR_MONTH -> {
                LocalDate first = LocalDate.ofInstant(at, zone).withDayOfMonth(1);
                return new BudgetKey(tenant, first.toString().substring(0, 7), first.atStartOfDay(zone).toInstant(),
                        first.plusMonths(1).atStartOfDay(zone).toInstant());
            }
            default -> {
                long lengthMillis = length.toMillis();
                long startMillis = Math.floorDiv(at.toEpochMilli(), lengthMillis) * lengthMillis;
                Instant start = Instant.ofEpochMilli(startMillis);
                return new BudgetKey(tenant, start.toString() + "/" + length, start, start.plus(length));
            }
        }
    }

    /** Returns {@code daily(zone)}, {@code monthly(zone)} or {@code every(length)}. */
    @Override
    public String toString() {
        return switch (kind) {
            case CALENDAR_DAY -> "daily(" + zone + ")";
            case CALENDAR_MONTH -> "monthly(" + zone + ")";
            case FIXED_WINDOW -> "every(" + length + ")";
        };
    }
}
