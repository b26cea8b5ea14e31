package dev.aip.core.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.metering.UsageRecord;
import dev.aip.core.sink.JsonLinesLedger.Durability;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a process that appends to a ledger at full speed ({@code SIGKILL}, as {@code kill -9}) and checks, on
 * reopening the file, that what was lost is within the bound the configuration states: in {@code ASYNC} mode at most
 * {@code capacity} records, all accepted within {@code maxLag} of each other; in {@code SYNC} mode no record whose
 * append had returned.
 *
 * <p>The child ({@link LedgerCrashChild}) keeps, per producer, how many appends returned and when the ledger admitted
 * each recent one (the reading of the ledger's own ticker), in a memory-mapped file: its stores land in the kernel's
 * page cache, which a killed process leaves behind. Each producer's records reach the file in its own order, so what
 * it lost is a suffix of what it appended. The window check compares the span of the lost records' admission times
 * with the configured {@code maxLag} only, never with a time measured here.
 *
 * <p>Every wait is bounded (20 s for the child to start writing, 0.3 s of writing, 10 s for it to die), so the test
 * always ends. {@code -Daip.ledger.crashRuns=N} repeats each kill N times and prints one line per kill; BENCHMARKS.md
 * uses it.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class JsonLinesLedgerCrashTest {

    private static final int PRODUCERS = 16;
    private static final int CAPACITY = 16_384;
    private static final Duration MAX_LAG = Duration.ofMillis(100);
    private static final Duration WRITING_BEFORE_KILL = Duration.ofMillis(300);
    private static final int RUNS = Integer.getInteger("aip.ledger.crashRuns", 1);

    @TempDir
    Path dir;

    @Test
    void killDashNine_inAsyncMode_losesAtMostCapacityRecordsAcceptedWithinMaxLag() throws Exception {
        for (int run = 1; run <= RUNS; run++) {
            Outcome o = crash(Durability.ASYNC, 50_000, run);
            assertThat(o.lost()).as("records accepted but not in the file").isLessThanOrEqualTo(CAPACITY);
            assertThat(Duration.ofNanos(o.lostSpanNanos()))
                    .as("the lost records were admitted within maxLag of each other")
                    .isLessThanOrEqualTo(MAX_LAG);
        }
    }

    @Test
    void killDashNine_inSyncMode_losesNoAcknowledgedRecord() throws Exception {
        for (int run = 1; run <= RUNS; run++) {
            Outcome o = crash(Durability.SYNC, 2_000, run);
            assertThat(o.lost()).as("records whose accept had returned but are not in the file").isZero();
        }
    }

    /** What a kill left: per producer, how many appends returned and how many records the file holds. */
    record Outcome(long accepted, long onDisk, long lost, long lostSpanNanos) {}

    private Outcome crash(Durability durability, long readyAfter, int run) throws Exception {
        Path runDir = Files.createDirectories(dir.resolve(durability + "-" + run));
        Path ledgerFile = runDir.resolve("usage.jsonl");
        Path counterFile = runDir.resolve("counters");
        Path childLog = runDir.resolve("child.log");
        int ring = LedgerCrashChild.ring(CAPACITY);
        String java = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                LedgerCrashChild.class.getName(), ledgerFile.toString(), counterFile.toString(), durability.name(),
                Integer.toString(PRODUCERS), Integer.toString(CAPACITY), Long.toString(MAX_LAG.toMillis()),
                Long.toString(readyAfter))
                .redirectError(childLog.toFile())
                .start();
        long readyAt;
        long killedAt;
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8));
            CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (IOException e) {
                    return null;
                }
            });
            String line = ready.completeOnTimeout(null, 20, TimeUnit.SECONDS).join();
            assertThat(line).as("child ready; its log: %s", Files.exists(childLog) ? Files.readString(childLog) : "")
                    .isEqualTo("READY");
            readyAt = System.nanoTime();
            Thread.sleep(WRITING_BEFORE_KILL.toMillis()); // let it write at full speed for a while; not asserted
            killedAt = System.nanoTime();
        } finally {
            child.destroyForcibly(); // SIGKILL on Linux
            child.waitFor(10, TimeUnit.SECONDS);
        }
        assertThat(child.isAlive()).isFalse();

        long truncated;
        try (JsonLinesLedger reopened = JsonLinesLedger.open(ledgerFile)) { // repairs a torn last line
            truncated = reopened.truncatedBytes();
        }
        long[] inFile = new long[PRODUCERS];
        long lines;
        try (Stream<String> all = Files.lines(ledgerFile)) {
            lines = all.count();
        }
        List<List<Long>> seqs = new ArrayList<>();
        for (int p = 0; p < PRODUCERS; p++) {
            seqs.add(new ArrayList<>());
        }
        try (Stream<UsageRecord> records = JsonLinesLedger.read(ledgerFile)) {
            records.forEach(r -> seqs.get(Integer.parseInt(r.attributes().get("p")))
                    .add(Long.parseLong(r.attributes().get("s"))));
        }
        ByteBuffer counters = ByteBuffer.wrap(Files.readAllBytes(counterFile)); // big-endian, as the child wrote
        long slot = LedgerCrashChild.slotBytes(ring);
        long accepted = 0;
        long onDisk = 0;
        long lost = 0;
        long syncs = 0;
        long newestLost = Long.MIN_VALUE;
        long oldestLost = Long.MAX_VALUE;
        for (int p = 0; p < PRODUCERS; p++) {
            List<Long> mine = seqs.get(p);
            int firstOutOfPlace = 0;
            while (firstOutOfPlace < mine.size() && mine.get(firstOutOfPlace) == firstOutOfPlace) {
                firstOutOfPlace++;
            }
            assertThat(firstOutOfPlace).as("producer %d's records are in order, none missing or doubled", p)
                    .isEqualTo(mine.size());
            int base = Math.toIntExact(slot * p);
            long returned = counters.getLong(base);
            syncs = Math.max(syncs, counters.getLong(base + Long.BYTES));
            inFile[p] = mine.size();
            assertThat(inFile[p]).as("producer %d: nothing in the file it had not appended", p)
                    .isLessThanOrEqualTo(returned + 1);
            accepted += returned;
            onDisk += inFile[p];
            if (returned > inFile[p]) {
                lost += returned - inFile[p];
                oldestLost = Math.min(oldestLost, admittedAt(counters, base, ring, inFile[p]));
                newestLost = Math.max(newestLost, admittedAt(counters, base, ring, returned - 1));
            }
        }
        assertThat(lines).as("no line doubled").isEqualTo(onDisk);
        long span = lost == 0 ? 0 : newestLost - oldestLost;
        double rate = (accepted - readyAfter) / ((killedAt - readyAt) / 1e9);
        String lostWhen = lost == 0 ? "" : String.format(Locale.ROOT, " (admitted within %.1f ms of each other;"
                + " the oldest %.0f ms before the kill)", span / 1e6, Math.max(0, killedAt - oldestLost) / 1e6);
        System.out.printf(Locale.ROOT, "ledger kill -9 %s run %d: %,d appends returned (%,.0f/s before the kill),"
                        + " %,d on disk (%.1f per sync), %,d lost%s, %,d torn bytes cut%n", durability, run, accepted,
                rate, onDisk, (double) onDisk / Math.max(1, syncs), lost, lostWhen, truncated);
        return new Outcome(accepted, onDisk, lost, span);
    }

    private static long admittedAt(ByteBuffer counters, int base, int ring, long seq) {
        return counters.getLong(base + 2 * Long.BYTES + (int) (seq % ring) * Long.BYTES);
    }
}
