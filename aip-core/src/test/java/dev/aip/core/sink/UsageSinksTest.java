package dev.aip.core.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.aip.core.metering.UsageRecord;
import org.junit.jupiter.api.Test;

class UsageSinksTest {

    @Test
    void fanOut_whenOneSinkThrows_othersStillReceiveAndFailureIsCountedNotPropagated() {
        InMemoryUsageAggregates before = new InMemoryUsageAggregates();
        InMemoryUsageAggregates after = new InMemoryUsageAggregates();
        UsageSink broken = new UsageSink() {
            @Override
            public void accept(UsageRecord record) {
                throw new IllegalStateException("broken sink");
            }

            @Override
            public void flush() {
                throw new IllegalStateException("broken flush");
            }
        };
        UsageSinks.FanOut fanOut = UsageSinks.fanOut(before, broken, after);

        for (int i = 0; i < 3; i++) {
            assertThatCode(() -> fanOut.accept(Records.record("acme"))).doesNotThrowAnyException();
        }
        assertThatCode(fanOut::flush).doesNotThrowAnyException();

        assertThat(before.total().calls()).isEqualTo(3);
        assertThat(after.total().calls()).isEqualTo(3);
        assertThat(fanOut.failures(1)).isEqualTo(4);
        assertThat(fanOut.failures(0)).isZero();
        assertThat(fanOut.failures()).isEqualTo(4);
    }

    @Test
    void logEvery_logsFirstAndEveryThousandth() {
        assertThat(LogEvery.shouldLog(1)).isTrue();
        assertThat(LogEvery.shouldLog(2)).isFalse();
        assertThat(LogEvery.shouldLog(999)).isFalse();
        assertThat(LogEvery.shouldLog(1000)).isTrue();
        assertThat(LogEvery.shouldLog(2000)).isTrue();
    }

    @Test
    void noop_acceptsEverything() {
        assertThatCode(() -> UsageSinks.noop().accept(Records.record("acme"))).doesNotThrowAnyException();
    }
}
