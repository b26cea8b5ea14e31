package dev.aip.core.sink;

/**
 * Rate limit for repetitive warnings: the first occurrence and every 1000th, so a failing sink or a full queue is
 * visible at once without flooding the log. Counts themselves are always exact.
 */
final class LogEvery {

    static final long PERIOD = 1000;

    private LogEvery() {}

    static boolean shouldLog(long occurrence) {
        return occurrence == 1 || occurrence % PERIOD == 0;
    }
}
