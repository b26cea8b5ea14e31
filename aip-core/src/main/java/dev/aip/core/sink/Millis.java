package dev.aip.core.sink;

import java.math.BigDecimal;
import java.time.Duration;

/**
 * Durations as decimal milliseconds with up to six fractional digits: readable ({@code 412.5}) and exact to the
 * nanosecond, so a duration written and read back is the same {@link Duration}.
 */
final class Millis {

    private Millis() {}

    static BigDecimal of(Duration duration) {
        BigDecimal ms = BigDecimal.valueOf(duration.getSeconds()).movePointRight(3)
                .add(BigDecimal.valueOf(duration.getNano(), 6));
        BigDecimal stripped = ms.stripTrailingZeros();
        return stripped.scale() < 0 ? stripped.setScale(0) : stripped;
    }

    static Duration parse(BigDecimal millis) {
        BigDecimal nanos = millis.movePointRight(6);
        BigDecimal[] secondsAndNanos = nanos.divideAndRemainder(BigDecimal.valueOf(1_000_000_000L));
        return Duration.ofSeconds(secondsAndNanos[0].longValueExact(), secondsAndNanos[1].longValueExact());
    }
}
