package dev.aip.core.sink;

import dev.aip.core.metering.UsageRecord;
import dev.aip.core.sink.JsonLinesLedger.Durability;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The process {@link JsonLinesLedgerCrashTest} kills: appends to a ledger at full speed from many threads until it
 * is killed. Each producer numbers its records (attributes {@code p}, producer, and {@code s}, sequence) and keeps,
 * in a memory-mapped file that outlives the process, how many of its appends returned, how many syncs the ledger
 * had done, and, for each recent append, when the ledger admitted it. Prints {@code READY} once {@code readyAfter}
 * appends in all have returned.
 *
 * <p>The admission time is the ledger's own: its ticker is {@link System#nanoTime()} (the default) wrapped to
 * remember, per thread, the last reading. The ledger reads its ticker on the caller's thread to decide admission,
 * under its lock, and not again on that thread once the record is admitted, so after {@code accept} returns that
 * reading is the time the record entered the backlog — the time {@code maxLag} bounds.
 *
 * <p>Arguments: ledger file, counter file, {@code ASYNC} or {@code SYNC}, producers, capacity, maxLag in
 * milliseconds, readyAfter.
 */
final class LedgerCrashChild {

    /** Stores with a release fence, so the count never runs ahead of the times it covers. */
    private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    /** Per producer: the count of appends that returned, the ledger's syncs so far, a ring of admission times. */
    static long slotBytes(int ring) {
        return 2L * Long.BYTES + (long) Long.BYTES * ring;
    }

    /** Ring entries per producer: more than a producer can have unwritten, which is at most the capacity. */
    static int ring(int capacity) {
        return capacity + 16;
    }

    private LedgerCrashChild() {}

    public static void main(String[] args) throws Exception {
        Path ledgerFile = Path.of(args[0]);
        Path counterFile = Path.of(args[1]);
        Durability durability = Durability.valueOf(args[2]);
        int producers = Integer.parseInt(args[3]);
        int capacity = Integer.parseInt(args[4]);
        Duration maxLag = Duration.ofMillis(Long.parseLong(args[5]));
        long readyAfter = Long.parseLong(args[6]);
        int ring = ring(capacity);
        long slot = slotBytes(ring);

        ThreadLocal<long[]> lastReading = ThreadLocal.withInitial(() -> new long[1]);
        LongSupplier ticker = () -> {
            long now = System.nanoTime();
            lastReading.get()[0] = now;
            return now;
        };
        JsonLinesLedger ledger = JsonLinesLedger.builder().path(ledgerFile).durability(durability)
                .capacity(capacity).maxLag(maxLag).ticker(ticker).maxBlock(Duration.ofMinutes(5)).build();
        MappedByteBuffer counters;
        try (FileChannel channel = FileChannel.open(counterFile, StandardOpenOption.CREATE,
                StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            counters = channel.map(FileChannel.MapMode.READ_WRITE, 0, slot * producers);
        }
        AtomicLong returned = new AtomicLong();
        for (int p = 0; p < producers; p++) {
            ByteBuffer mine = counters.slice(Math.toIntExact(slot * p), Math.toIntExact(slot));
            String producer = Integer.toString(p);
            Thread t = new Thread(() -> {
                long[] admittedAt = lastReading.get();
                for (long s = 0; ; s++) {
                    UsageRecord record = Records.builder("tenant-" + producer).attribute("p", producer)
                            .attribute("s", Long.toString(s)).build();
                    ledger.accept(record);
                    LONGS.setRelease(mine, 2 * Long.BYTES + (int) (s % ring) * Long.BYTES, admittedAt[0]);
                    LONGS.setRelease(mine, Long.BYTES, ledger.syncs());
                    LONGS.setRelease(mine, 0, s + 1);
                    if (returned.incrementAndGet() == readyAfter) {
                        System.out.println("READY");
                        System.out.flush();
                    }
                }
            }, "producer-" + p);
            t.start();
        }
        Thread.currentThread().join(); // until killed
    }
}
