package dev.aip.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * A clock and a nanosecond ticker that move only when the test tells them to, so tests of time never sleep.
 *
 * <p>aip takes time in two forms: a {@link Clock} for wall time (when a call started, which budget period it falls
 * in) and a nanosecond {@link LongSupplier} ticker for elapsed time (latency, rate-limit refill, pauses). A
 * {@code ManualClock} is both, moving together:
 *
 * <pre>{@code
 * ManualClock time = ManualClock.at(Instant.parse("2026-03-14T09:00:00Z"));
 * UsageMeter meter = UsageMeter.builder().sink(records::add).clock(time).ticker(time.ticker()).build();
 * Governance governance = Governance.builder().policies(policies).clock(time).ticker(time.ticker()).build();
 *
 * time.advance(Duration.ofSeconds(30));   // wall time and ticker both move 30 s
 * time.set(Instant.parse("2026-04-01T00:00:00Z"));   // wall time jumps (a new budget month); the ticker does not
 * }</pre>
 *
 * <p>The ticker starts at an arbitrary positive value (as {@link System#nanoTime()} does) and never goes back.
 *
 * <p>Thread-safe: any thread may read or move it; a reader sees each move whole (wall time and ticker together).
 */
public final class ManualClock extends Clock {

    /** The instant {@link #start()} begins at. */
    public static final Instant DEFAULT_START = Instant.parse("2026-01-01T00:00:00Z");

    private static final long TICKER_ORIGIN = 1_000_000_000L;

    /** Wall time and ticker, replaced together so that readers never see half a move. */
    private record Now(Instant instant, long nanos) {
    }

    private final Object lock = new Object();
    private volatile Now now;
    private final ZoneId zone;
    private final ManualClock source;

    private ManualClock(Instant start) {
        now = new Now(start, TICKER_ORIGIN);
        zone = ZoneOffset.UTC;
        source = this;
    }

    private ManualClock(ManualClock source, ZoneId zone) {
        this.source = source;
        this.zone = zone;
    }

    /**
     * Returns a clock at {@link #DEFAULT_START}, in UTC.
     *
     * @return a new clock
     */
    public static ManualClock start() {
        return at(DEFAULT_START);
    }

    /**
     * Returns a clock at an instant, in UTC.
     *
     * @param start the first instant it reads
     * @return a new clock
     */
    public static ManualClock at(Instant start) {
        return new ManualClock(Objects.requireNonNull(start, "start"));
    }

    /**
     * Moves wall time and ticker forward together.
     *
     * @param elapsed how far, zero or more
     * @return this clock
     * @throws IllegalArgumentException if {@code elapsed} is negative: elapsed time never goes back (use
     *     {@link #set} for a wall-clock step)
     */
    public ManualClock advance(Duration elapsed) {
        Objects.requireNonNull(elapsed, "elapsed");
        if (elapsed.isNegative()) {
            throw new IllegalArgumentException("Cannot advance by " + elapsed + ": elapsed time never goes back;"
                    + " use set(Instant) to step the wall clock");
        }
        synchronized (source.lock) {
            Now n = source.now;
            source.now = new Now(n.instant().plus(elapsed), Math.addExact(n.nanos(), elapsed.toNanos()));
        }
        return this;
    }

    /**
     * Sets the wall time, forward or back, like a clock adjusted by NTP; the ticker does not move.
     *
     * @param instant the new wall time
     * @return this clock
     */
    public ManualClock set(Instant instant) {
        Objects.requireNonNull(instant, "instant");
        synchronized (source.lock) {
            source.now = new Now(instant, source.now.nanos());
        }
        return this;
    }

    /**
     * Returns the ticker's current value, in nanoseconds from an arbitrary origin.
     *
     * @return the nanoseconds
     */
    public long nanoTime() {
        return source.now.nanos();
    }

    /**
     * Returns this clock's ticker, for the {@code ticker(LongSupplier)} settings of aip's builders.
     *
     * @return a view of {@link #nanoTime()}
     */
    public LongSupplier ticker() {
        return this::nanoTime;
    }

    @Override
    public Instant instant() {
        return source.now.instant();
    }

    @Override
    public ZoneId getZone() {
        return zone;
    }

    /** Returns a view in another zone that reads, and moves, the same time. */
    @Override
    public ManualClock withZone(ZoneId zone) {
        Objects.requireNonNull(zone, "zone");
        return zone.equals(this.zone) ? this : new ManualClock(source, zone);
    }

    @Override
    public String toString() {
        Now n = source.now;
        return "ManualClock[" + n.instant() + ", ticker " + n.nanos() + " ns, " + zone + "]";
    }
}
