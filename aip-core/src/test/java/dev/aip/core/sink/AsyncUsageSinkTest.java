package dev.aip.core.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.metering.UsageRecord;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AsyncUsageSinkTest {

    /** A sink that holds the worker inside accept() until released, to fill the queue deterministically. */
    static final class GateSink implements UsageSink {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final List<UsageRecord> received = new CopyOnWriteArrayList<>();
        final AtomicInteger flushes = new AtomicInteger();
        volatile boolean closed;

        @Override
        public void accept(UsageRecord record) {
            entered.countDown();
            await(release);
            received.add(record);
        }

        @Override
        public void flush() {
            flushes.incrementAndGet();
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @Test
    void accept_whenQueueFullWithDropNewest_dropsAndCountsExactlyTheOverflow() {
        GateSink slow = new GateSink();
        AsyncUsageSink sink = AsyncUsageSink.builder(slow).capacity(2)
                .overflowPolicy(AsyncUsageSink.OverflowPolicy.DROP_NEWEST).build();
        UsageRecord first = Records.record("acme");
        sink.accept(first);
        await(slow.entered); // the worker holds `first`; the queue is empty again
        UsageRecord second = Records.record("acme");
        UsageRecord third = Records.record("acme");
        sink.accept(second);
        sink.accept(third); // queue full now
        for (int i = 0; i < 5; i++) {
            sink.accept(Records.record("acme"));
        }
        assertThat(sink.droppedRecords()).isEqualTo(5);

        slow.release.countDown();
        sink.close();
        assertThat(slow.received).containsExactly(first, second, third);
        assertThat(slow.closed).isTrue();
        assertThat(sink.droppedRecords()).isEqualTo(5);
    }

    @Test
    void accept_whenQueueFullWithBlockAndTimeout_dropsAfterWaitingAndCounts() {
        GateSink slow = new GateSink();
        AsyncUsageSink sink = AsyncUsageSink.builder(slow).capacity(1)
                .overflowPolicy(AsyncUsageSink.OverflowPolicy.BLOCK).maxBlock(Duration.ofMillis(20)).build();
        sink.accept(Records.record("acme"));
        await(slow.entered);
        sink.accept(Records.record("acme")); // fills the queue
        sink.accept(Records.record("acme")); // waits up to 20 ms, then dropped
        assertThat(sink.droppedRecords()).isEqualTo(1);
        slow.release.countDown();
        sink.close();
        assertThat(slow.received).hasSize(2);
    }

    @Test
    void flush_waitsForRecordsAcceptedBefore_andFlushesDelegate() {
        InMemoryUsageAggregates target = new InMemoryUsageAggregates();
        AtomicInteger flushes = new AtomicInteger();
        UsageSink delegate = new UsageSink() {
            @Override
            public void accept(UsageRecord record) {
                target.accept(record);
            }

            @Override
            public void flush() {
                flushes.incrementAndGet();
            }
        };
        try (AsyncUsageSink sink = AsyncUsageSink.builder(delegate).build()) {
            for (int i = 0; i < 1000; i++) {
                sink.accept(Records.record("acme"));
            }
            sink.flush();
            assertThat(target.total().calls()).isEqualTo(1000);
            assertThat(flushes.get()).isEqualTo(1);
        }
    }

    @Test
    void accept_whenDelegateThrows_countsFailureAndContinues() {
        AtomicInteger calls = new AtomicInteger();
        AsyncUsageSink sink = AsyncUsageSink.builder(record -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("boom");
            }
        }).build();
        sink.accept(Records.record("acme"));
        sink.accept(Records.record("acme"));
        sink.close();
        assertThat(calls.get()).isEqualTo(2);
        assertThat(sink.delegateFailures()).isEqualTo(1);
        assertThat(sink.droppedRecords()).isZero();
    }

    @Test
    void accept_afterClose_isCountedAsDropped() {
        AsyncUsageSink sink = AsyncUsageSink.builder(UsageSinks.noop()).build();
        sink.close();
        sink.accept(Records.record("acme"));
        assertThat(sink.droppedRecords()).isEqualTo(1);
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(30, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
