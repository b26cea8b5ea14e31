package dev.aip.core.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.metering.UsageRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The writer's backlog stays within {@code capacity} and {@code maxLag}; producers wait instead. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class JsonLinesLedgerBackpressureTest {

    private static final Duration LONG_WAIT = Duration.ofMinutes(1);

    @TempDir
    Path dir;

    private final ManualTicker ticker = new ManualTicker();
    private final ExecutorService producers = Executors.newCachedThreadPool();
    private FaultyChannel channel;

    @AfterEach
    void stopProducers() {
        if (channel != null) {
            channel.writes.open();
            channel.syncs.open();
        }
        producers.shutdownNow();
    }

    private JsonLinesLedger.Builder ledger() {
        return JsonLinesLedger.builder().path(dir.resolve("usage.jsonl")).ticker(ticker)
                .channelDecorator(c -> channel = new FaultyChannel(c));
    }

    @Test
    void accept_whenOldestUnwrittenRecordIsOlderThanMaxLag_waitsUntilWriterCatchesUp() throws Exception {
        List<UsageRecord> sent = new ArrayList<>();
        try (JsonLinesLedger ledger = ledger().maxLag(Duration.ofMillis(100)).maxBlock(LONG_WAIT).build()) {
            channel.writes.close();
            sent.add(accept(ledger));
            assertThat(channel.writes.awaitEntered(10)).as("writer stalled inside write()").isTrue();
            for (int i = 0; i < 5; i++) {
                sent.add(accept(ledger));
            }
            ticker.advance(Duration.ofMillis(100));
            sent.add(accept(ledger));
            assertThat(ledger.throttledAppends()).as("oldest unwritten is exactly maxLag old: still admitted")
                    .isZero();
            assertThat(ledger.backlog()).isEqualTo(7);

            ticker.advance(Duration.ofNanos(1));
            UsageRecord late = Records.record("acme");
            sent.add(late);
            Future<?> lateAccept = producers.submit(() -> ledger.accept(late));
            awaitTrue(() -> ledger.throttledAppends() == 1);
            ticker.advance(Duration.ofMillis(5));
            assertThat(lateAccept).isNotDone();
            assertThat(ledger.backlog()).as("nothing admitted while the writer is behind").isEqualTo(7);

            channel.writes.open();
            lateAccept.get(10, TimeUnit.SECONDS);
            ledger.flush();
            assertThat(ledger.throttledAppends()).isEqualTo(1);
            assertThat(ledger.throttledTime()).isEqualTo(Duration.ofMillis(5));
            assertThat(ledger.lostRecords()).isZero();
        }
        assertThat(readAll()).containsExactlyElementsOf(sent);
    }

    @Test
    void accept_whenBacklogHoldsCapacity_waitsEvenWithinMaxLag() throws Exception {
        List<UsageRecord> sent = new ArrayList<>();
        try (JsonLinesLedger ledger = ledger().capacity(3).maxBlock(LONG_WAIT).build()) {
            channel.writes.close();
            sent.add(accept(ledger));
            assertThat(channel.writes.awaitEntered(10)).isTrue();
            sent.add(accept(ledger));
            sent.add(accept(ledger));
            assertThat(ledger.backlog()).as("one being written, two queued").isEqualTo(3);

            UsageRecord fourth = Records.record("acme");
            sent.add(fourth);
            Future<?> blocked = producers.submit(() -> ledger.accept(fourth));
            awaitTrue(() -> ledger.throttledAppends() == 1);
            assertThat(blocked).isNotDone();
            assertThat(ledger.backlog()).isEqualTo(3);

            channel.writes.open();
            blocked.get(10, TimeUnit.SECONDS);
            ledger.flush();
            assertThat(ledger.lostRecords()).isZero();
        }
        assertThat(readAll()).containsExactlyElementsOf(sent);
    }

    @Test
    void accept_whenSeveralProducersWait_admitsThemInArrivalOrder() throws Exception {
        List<UsageRecord> sent = new ArrayList<>();
        try (JsonLinesLedger ledger = ledger().capacity(2).maxBlock(LONG_WAIT).build()) {
            channel.writes.close();
            sent.add(accept(ledger));
            assertThat(channel.writes.awaitEntered(10)).isTrue();
            sent.add(accept(ledger)); // the backlog is full: one being written, one queued
            List<Future<?>> waiting = new ArrayList<>();
            for (int i = 1; i <= 5; i++) {
                UsageRecord r = Records.record("tenant-" + i);
                sent.add(r);
                waiting.add(producers.submit(() -> ledger.accept(r)));
                int arrived = i;
                awaitTrue(() -> ledger.throttledAppends() == arrived); // in line before the next one comes
            }

            channel.writes.open();
            for (Future<?> f : waiting) {
                f.get(10, TimeUnit.SECONDS);
            }
            ledger.flush();
            assertThat(ledger.lostRecords()).isZero();
        }
        assertThat(readAll()).as("the capacity admits one waiting producer at a time, in arrival order")
                .containsExactlyElementsOf(sent);
    }

    @Test
    void accept_whenWriterStaysBehindLongerThanMaxBlock_countsTheRecordAsLost() throws Exception {
        UsageRecord first = Records.record("acme");
        try (JsonLinesLedger ledger = ledger().maxLag(Duration.ofMillis(100)).maxBlock(Duration.ofMillis(50))
                .build()) {
            channel.writes.close();
            ledger.accept(first);
            assertThat(channel.writes.awaitEntered(10)).isTrue();
            ticker.advance(Duration.ofSeconds(1));

            ledger.accept(Records.record("acme")); // waits 50 ms of real time, then gives up

            assertThat(ledger.lostRecords()).isEqualTo(1);
            assertThat(ledger.throttledAppends()).isEqualTo(1);
            channel.writes.open();
        }
        assertThat(readAll()).containsExactly(first);
    }

    @Test
    void maxLag_whenNotSet_isFsyncIntervalIfShorterThan100Ms() throws Exception {
        try (JsonLinesLedger ledger = ledger().fsyncInterval(Duration.ofMillis(20)).maxBlock(LONG_WAIT).build()) {
            channel.writes.close();
            ledger.accept(Records.record("acme"));
            assertThat(channel.writes.awaitEntered(10)).isTrue();
            ticker.advance(Duration.ofMillis(20));
            ledger.accept(Records.record("acme"));
            assertThat(ledger.throttledAppends()).isZero();
            ticker.advance(Duration.ofNanos(1));
            Future<?> blocked = producers.submit(() -> ledger.accept(Records.record("acme")));
            awaitTrue(() -> ledger.throttledAppends() == 1);
            channel.writes.open();
            blocked.get(10, TimeUnit.SECONDS);
        }
        assertThat(readAll()).hasSize(3);
    }

    /**
     * Eight producers against a writer whose every write takes 60 ms on the ticker (the first one 150 ms, and it
     * does not finish before a producer was made to wait): samples of the backlog, taken by every producer after
     * every append and by the writer before every write, never exceed the capacity or span more than maxLag.
     */
    @Test
    void accept_from8ThreadsAgainstSlowWriter_keepsBacklogWithinCapacityAndMaxLag_losingNothing() throws Exception {
        int threads = 8;
        int perThread = 2_000;
        int capacity = 256;
        Duration maxLag = Duration.ofMillis(100);
        AtomicLong maxBacklog = new AtomicLong();
        AtomicLong maxSpan = new AtomicLong();
        AtomicBoolean firstWrite = new AtomicBoolean(true);
        AtomicBoolean throttledDuringFirstWrite = new AtomicBoolean();
        List<String> accepted = new ArrayList<>();
        Path file = dir.resolve("usage.jsonl");
        try (JsonLinesLedger ledger = ledger().capacity(capacity).maxLag(maxLag).maxBlock(LONG_WAIT).build()) {
            Runnable sample = () -> {
                maxBacklog.accumulateAndGet(ledger.backlog(), Math::max);
                maxSpan.accumulateAndGet(ledger.backlogSpanNanos(), Math::max);
            };
            channel.beforeWrite = () -> {
                sample.run();
                if (firstWrite.getAndSet(false)) {
                    ticker.advance(Duration.ofMillis(150));
                    throttledDuringFirstWrite.set(await(() -> ledger.throttledAppends() > 0));
                } else {
                    ticker.advance(Duration.ofMillis(60));
                }
            };
            CountDownLatch start = new CountDownLatch(1);
            List<Future<List<String>>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String tenant = "tenant-" + t;
                results.add(producers.submit(() -> {
                    start.await();
                    List<String> mine = new ArrayList<>(perThread);
                    for (int i = 0; i < perThread; i++) {
                        UsageRecord r = Records.record(tenant);
                        ledger.accept(r);
                        mine.add(r.recordId());
                        sample.run();
                    }
                    return mine;
                }));
            }
            start.countDown();
            for (Future<List<String>> f : results) {
                accepted.addAll(f.get(50, TimeUnit.SECONDS));
            }
            ledger.flush();
            assertThat(throttledDuringFirstWrite).as("a producer waited while the first write was 150 ms late")
                    .isTrue();
            assertThat(ledger.lostRecords()).isZero();
            assertThat(ledger.throttledAppends()).isPositive().isLessThanOrEqualTo((long) threads * perThread);
            assertThat(ledger.writtenRecords()).isEqualTo((long) threads * perThread);
        }
        assertThat(maxBacklog.get()).isPositive().isLessThanOrEqualTo(capacity);
        assertThat(Duration.ofNanos(maxSpan.get())).isLessThanOrEqualTo(maxLag);

        List<String> lines = Files.readAllLines(file);
        Map<String, Long> timesWritten = lines.stream()
                .map(l -> l.substring(l.indexOf("\"recordId\":\"") + 12, l.indexOf("\"recordId\":\"") + 48))
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        assertThat(lines).hasSize(threads * perThread);
        assertThat(timesWritten.values()).allMatch(n -> n == 1);
        assertThat(timesWritten.keySet()).isEqualTo(new HashSet<>(accepted));
    }

    private static UsageRecord accept(JsonLinesLedger ledger) {
        UsageRecord r = Records.record("acme");
        ledger.accept(r);
        return r;
    }

    private List<UsageRecord> readAll() {
        try (Stream<UsageRecord> records = JsonLinesLedger.read(dir.resolve("usage.jsonl"))) {
            return records.toList();
        }
    }

    /** Waits for a state another thread reaches; fails after 20 s rather than hanging. Not a timing assertion. */
    static void awaitTrue(BooleanSupplier condition) {
        if (!await(condition)) {
            throw new AssertionError("condition not reached within 20 s");
        }
    }

    /** Waits up to 20 s for a state another thread reaches; returns whether it was reached. */
    static boolean await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }
}
