package dev.aip.ledger.jdbc;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A process that appends to a ledger until it is killed: records {@code kill-0}, {@code kill-1}, ... in rounds of
 * 50, printing {@code ACK <n>} once the first {@code n} are flushed (in the database or the synced spool). From the
 * third round on the database is switched off, so later acknowledgements are in the spool.
 * Arguments: JDBC URL, schema, spool file.
 *
 * <p>With a fourth argument {@code sync}: a {@link JdbcLedger.Durability#SYNC} ledger that four threads append to
 * without ever flushing, each printing {@code ACK <record id>} as soon as its {@code accept} returned; after 300
 * acknowledgements the database is switched off, so later ones are in the spool.
 */
public final class KilledWriterMain {

    private KilledWriterMain() {
    }

    public static void main(String[] args) {
        if (args.length > 3 && args[3].equals("sync")) {
            sync(args);
            return;
        }
        Fixtures.SwitchableDataSource db = new Fixtures.SwitchableDataSource(args[0]);
        JdbcLedger ledger = JdbcLedger.builder().dataSource(db).schema(args[1]).spool(Path.of(args[2]))
                .retryInterval(Duration.ofMillis(20)).batchSize(16).build();
        for (int round = 0; ; round++) {
            if (round == 2) {
                db.down = true;
            }
            for (int i = round * 50; i < (round + 1) * 50; i++) {
                ledger.accept(Fixtures.record("killed", i).toBuilder().recordId("kill-" + i).build());
            }
            if (ledger.flush(Duration.ofSeconds(60))) {
                System.out.println("ACK " + (round + 1) * 50);
                System.out.flush();
            }
        }
    }

    private static void sync(String[] args) {
        Fixtures.SwitchableDataSource db = new Fixtures.SwitchableDataSource(args[0]);
        JdbcLedger ledger = JdbcLedger.builder().dataSource(db).schema(args[1]).spool(Path.of(args[2]))
                .retryInterval(Duration.ofMillis(20)).batchSize(16).durability(JdbcLedger.Durability.SYNC)
                .maxBlock(Duration.ofSeconds(30)).build();
        java.util.concurrent.atomic.AtomicInteger acknowledged = new java.util.concurrent.atomic.AtomicInteger();
        for (int t = 0; t < 4; t++) {
            int thread = t;
            Thread writer = new Thread(() -> {
                for (int i = 0; ; i++) {
                    String id = "sync-" + thread + "-" + i;
                    ledger.accept(Fixtures.record("killed", i).toBuilder().recordId(id).build());
                    synchronized (System.out) {
                        System.out.println("ACK " + id);
                        System.out.flush();
                    }
                    if (acknowledged.incrementAndGet() == 300) {
                        db.down = true;
                    }
                }
            });
            writer.start();
        }
    }
}
