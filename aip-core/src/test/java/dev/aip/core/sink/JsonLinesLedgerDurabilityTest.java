package dev.aip.core.sink;

import static dev.aip.core.sink.JsonLinesLedgerBackpressureTest.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.LedgerWriteException;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.sink.JsonLinesLedger.Durability;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link Durability#SYNC} and {@link JsonLinesLedger#acceptDurably}: acknowledged only once on disk. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class JsonLinesLedgerDurabilityTest {

    private static final Duration LONG_WAIT = Duration.ofMinutes(1);
    private static final Duration TEN_SECONDS = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private final ExecutorService callers = Executors.newCachedThreadPool();
    private FaultyChannel channel;

    @AfterEach
    void stopCallers() {
        if (channel != null) {
            channel.writes.open();
            channel.syncs.open();
        }
        callers.shutdownNow();
    }

    private JsonLinesLedger.Builder ledger(Durability durability) {
        return ledger(durability, LONG_WAIT);
    }

    private JsonLinesLedger.Builder ledger(Durability durability, Duration maxBlock) {
        return JsonLinesLedger.builder().path(dir.resolve("usage.jsonl")).durability(durability)
                .maxBlock(maxBlock).channelDecorator(c -> channel = new FaultyChannel(c));
    }

    @Test
    void accept_inSyncMode_returnsOnlyAfterTheRecordIsSynced() throws Exception {
        UsageRecord r = Records.record("acme");
        try (JsonLinesLedger ledger = ledger(Durability.SYNC).build()) {
            channel.syncs.close();
            Future<?> accepting = callers.submit(() -> ledger.accept(r));
            assertThat(channel.syncs.awaitEntered(10)).as("writer inside force()").isTrue();
            assertThat(readAll()).as("written, not yet synced").containsExactly(r);
            assertThat(accepting).isNotDone();

            channel.syncs.open();
            accepting.get(10, TimeUnit.SECONDS);
            assertThat(channel.forced).hasValue(1);
            assertThat(ledger.unconfirmedRecords()).isZero();
        }
    }

    @Test
    void accept_fromConcurrentCallersInSyncMode_sharesOneSyncPerBatch() throws Exception {
        int callersWhileSyncing = 8;
        try (JsonLinesLedger ledger = ledger(Durability.SYNC).build()) {
            channel.syncs.close();
            List<Future<?>> accepts = new ArrayList<>();
            accepts.add(callers.submit(() -> ledger.accept(Records.record("acme"))));
            assertThat(channel.syncs.awaitEntered(10)).isTrue();
            for (int i = 0; i < callersWhileSyncing; i++) {
                accepts.add(callers.submit(() -> ledger.accept(Records.record("globex"))));
            }
            awaitTrue(() -> ledger.backlog() == callersWhileSyncing);
            assertThat(accepts).noneMatch(Future::isDone);

            channel.syncs.open();
            for (Future<?> f : accepts) {
                f.get(10, TimeUnit.SECONDS);
            }
            assertThat(channel.forced).as("one sync for the first record, one for the eight queued behind it")
                    .hasValue(2);
            assertThat(ledger.unconfirmedRecords()).isZero();
        }
        assertThat(readAll()).hasSize(1 + callersWhileSyncing);
    }

    @Test
    void accept_inSyncModeWhenSyncFails_returnsAndCountsTheRecordAsUnconfirmed() {
        UsageRecord failed = Records.record("acme");
        UsageRecord next = Records.record("acme");
        try (JsonLinesLedger ledger = ledger(Durability.SYNC).build()) {
            channel.syncFailures.set(1);
            ledger.accept(failed);
            assertThat(ledger.unconfirmedRecords()).isEqualTo(1);
            assertThat(ledger.syncFailures()).isEqualTo(1);

            ledger.accept(next);
            assertThat(ledger.unconfirmedRecords()).as("the next sync succeeds").isEqualTo(1);
            assertThat(ledger.lostRecords()).isZero();
        }
        assertThat(readAll()).as("written all the same").containsExactly(failed, next);
    }

    @Test
    void accept_inSyncModeWhenSyncOutlastsMaxBlock_returnsAfterMaxBlockAndCountsUnconfirmed() {
        UsageRecord r = Records.record("acme");
        try (JsonLinesLedger ledger = ledger(Durability.SYNC, Duration.ofMillis(50)).build()) {
            channel.syncs.close();
            ledger.accept(r); // returns after 50 ms of real time
            assertThat(ledger.unconfirmedRecords()).isEqualTo(1);
            channel.syncs.open();
            assertThat(ledger.flush(TEN_SECONDS)).isTrue();
            assertThat(ledger.lostRecords()).isZero();
        }
        assertThat(readAll()).containsExactly(r);
    }

    @Test
    void acceptDurably_inAsyncMode_completesOnlyAfterTheSync() throws Exception {
        try (JsonLinesLedger ledger = ledger(Durability.ASYNC).build()) {
            channel.syncs.close();
            CompletionStage<Void> durable = ledger.acceptDurably(Records.record("acme"));
            assertThat(channel.syncs.awaitEntered(10)).isTrue();
            assertThat(durable.toCompletableFuture()).isNotDone();

            channel.syncs.open();
            assertThat(durable).succeedsWithin(TEN_SECONDS);
            assertThat(channel.forced).hasValue(1);
        }
    }

    @Test
    void acceptDurably_whenSyncFails_completesExceptionallyWithLedgerWriteException() {
        try (JsonLinesLedger ledger = ledger(Durability.ASYNC).build()) {
            channel.syncFailures.set(1);
            CompletionStage<Void> durable = ledger.acceptDurably(Records.record("acme"));
            assertThat(durable).failsWithin(TEN_SECONDS).withThrowableThat().havingCause()
                    .isInstanceOf(LedgerWriteException.class)
                    .withMessageContaining("syncing the record to disk failed")
                    .havingCause().withMessage("injected sync failure");
            assertThat(ledger.syncFailures()).isEqualTo(1);
        }
    }

    @Test
    void acceptDurably_whenWriteFailsOnce_retriesAndCompletesNormally() {
        UsageRecord r = Records.record("acme");
        try (JsonLinesLedger ledger = ledger(Durability.ASYNC).build()) {
            channel.writeFailures.set(1);
            assertThat(ledger.acceptDurably(r)).succeedsWithin(TEN_SECONDS);
            assertThat(ledger.lostRecords()).isZero();
        }
        assertThat(readAll()).containsExactly(r);
    }

    @Test
    void acceptDurably_whenWriteKeepsFailing_completesExceptionallyAndCountsTheLoss() {
        try (JsonLinesLedger ledger = ledger(Durability.ASYNC).build()) {
            channel.writeFailures.set(5); // every attempt; the writer pauses 1.5 s between them in all
            CompletionStage<Void> durable = ledger.acceptDurably(Records.record("acme"));
            assertThat(durable).failsWithin(TEN_SECONDS).withThrowableThat().havingCause()
                    .isInstanceOf(LedgerWriteException.class)
                    .withMessageContaining("writing a batch that held the record failed");
            assertThat(ledger.lostRecords()).isEqualTo(1);

            assertThat(ledger.acceptDurably(Records.record("acme"))).as("the next batch is fine")
                    .succeedsWithin(TEN_SECONDS);
        }
        assertThat(readAll()).hasSize(1);
    }

    @Test
    void acceptDurably_afterClose_failsAtOnceAndCountsTheLoss() {
        JsonLinesLedger ledger = ledger(Durability.ASYNC).build();
        ledger.close();
        assertThat(ledger.acceptDurably(Records.record("acme"))).failsWithin(Duration.ZERO)
                .withThrowableThat().havingCause().isInstanceOf(LedgerWriteException.class)
                .withMessageContaining("arrived after close()");
        assertThat(ledger.lostRecords()).isEqualTo(1);
    }

    private List<UsageRecord> readAll() {
        try (Stream<UsageRecord> records = JsonLinesLedger.read(dir.resolve("usage.jsonl"))) {
            return records.toList();
        }
    }
}
