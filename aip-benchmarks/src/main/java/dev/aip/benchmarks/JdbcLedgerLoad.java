package dev.aip.benchmarks;

import dev.aip.core.metering.Cost;
import dev.aip.core.metering.Operation;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageProvenance;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import dev.aip.ledger.jdbc.JdbcLedger;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * How many usage records per second a {@link JdbcLedger} stores in PostgreSQL: producer threads append records as
 * fast as they can, the writer batches them into the table; a round ends when every record of it is in the database
 * ({@link JdbcLedger#drain}). After warm-up rounds for at least {@code --warmup-seconds}, rounds alternate the write
 * methods and batch sizes (A/B in the same run), each on a fresh schema. The load average is printed before and after.
 * Beside records/s, each round prints the CPU time per record of the ledger's writer thread and, given
 * {@code --server-pid} (the postmaster's pid, on this machine), of the PostgreSQL server's processes: on a shared
 * machine wall-clock rates follow the other load, CPU per record much less.
 *
 * <pre>{@code
 * java -cp aip-benchmarks/target/benchmarks.jar dev.aip.benchmarks.JdbcLedgerLoad \
 *     --jdbc-url jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres \
 *     --records 300000 --threads 4 --rounds 3 --batch-sizes 2000 --methods copy,insert --warmup-seconds 60
 * }</pre>
 */
public final class JdbcLedgerLoad {

    private JdbcLedgerLoad() {
    }

    public static void main(String[] args) throws Exception {
        String url = Args.str(args, "--jdbc-url", null);
        if (url == null) {
            System.err.println("usage: JdbcLedgerLoad --jdbc-url jdbc:postgresql://host:port/db?user=... "
                    + "[--records N] [--threads N] [--rounds N] [--batch-sizes a,b] [--methods copy,insert]"
                    + " [--warmup-seconds N] [--server-pid PID]");
            System.exit(2);
        }
        int records = Args.integer(args, "--records", 300_000);
        int threads = Args.integer(args, "--threads", 4);
        int rounds = Args.integer(args, "--rounds", 3);
        List<Integer> batchSizes = new ArrayList<>();
        for (String b : Args.str(args, "--batch-sizes", "500,2000").split(",")) {
            batchSizes.add(Integer.parseInt(b.trim()));
        }
        List<JdbcLedger.WriteMethod> methods = new ArrayList<>();
        for (String m : Args.str(args, "--methods", "copy,insert").split(",")) {
            methods.add(JdbcLedger.WriteMethod.valueOf(m.trim().toUpperCase(java.util.Locale.ROOT)));
        }
        int warmupSeconds = Args.integer(args, "--warmup-seconds", 60);
        serverPid = Args.integer(args, "--server-pid", -1);
        System.out.printf("PostgreSQL ledger: %,d records per round from %d threads; load average %s%n", records,
                threads, loadAverage());
        long warmupEnd = System.nanoTime() + warmupSeconds * 1_000_000_000L;
        int w = 0;
        do {
            for (JdbcLedger.WriteMethod method : methods) {
                String rate = round(url, "w" + w + method, method, batchSizes.get(0), records, threads);
                System.out.printf("warm-up  %-6s batch %5d  %s%n", method, batchSizes.get(0), rate);
            }
            w++;
        } while (System.nanoTime() - warmupEnd < 0);
        for (int r = 0; r < rounds; r++) {
            for (int batch : batchSizes) {
                for (JdbcLedger.WriteMethod method : methods) {
                    String rate = round(url, "r" + r + "b" + batch + method, method, batch, records, threads);
                    System.out.printf("round %d  %-6s batch %5d  %s%n", r + 1, method, batch, rate);
                }
            }
        }
        System.out.printf("load average at the end: %s%n", loadAverage());
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    private static int serverPid = -1;

    /**
     * CPU time of the postmaster and its children, from /proc (clock ticks of 10 ms); -1 without --server-pid. A child
     * that has ended (a backend whose connection closed, an autovacuum worker) counts through the postmaster's
     * {@code cutime}/{@code cstime}, so the sum never goes back when one ends during a round.
     */
    private static long serverCpuNanos() {
        if (serverPid < 0) {
            return -1;
        }
        long ticks = 0;
        try (var dirs = Files.list(Path.of("/proc"))) {
            for (Path d : (Iterable<Path>) dirs::iterator) {
                String name = d.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                String stat;
                try {
                    stat = Files.readString(d.resolve("stat"));
                } catch (java.io.IOException gone) {
                    continue;
                }
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                // f[0] is field 3 (state): ppid is field 4, utime 14, stime 15, cutime 16, cstime 17.
                int pid = Integer.parseInt(name);
                int ppid = Integer.parseInt(f[1]);
                if (pid == serverPid || ppid == serverPid) {
                    ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                }
                if (pid == serverPid) {
                    ticks += Long.parseLong(f[13]) + Long.parseLong(f[14]);
                }
            }
        } catch (java.io.IOException e) {
            return -1;
        }
        return ticks * 10_000_000L;
    }

    private static long writerCpuNanos() {
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("aip-jdbc-ledger-writer")) {
                return threads.getThreadCpuTime(t.getId());
            }
        }
        return -1;
    }

    private static String round(String url, String name, JdbcLedger.WriteMethod method, int batch, int records,
                                int threads) throws Exception {
        Path spool = Files.createTempFile("aip-ledger-load", ".jsonl");
        String schema = ("load_" + name + "_" + System.nanoTime()).toLowerCase(java.util.Locale.ROOT);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (JdbcLedger ledger = JdbcLedger.builder().jdbcUrl(url).schema(schema).spool(spool).batchSize(batch)
                .writeMethod(method).maxBlock(Duration.ofMinutes(10))
                .queueCapacity(Math.max(batch * 8, 16_384)).build()) {
            // Create the table before the clock starts.
            ledger.accept(record("warm", 0));
            if (!ledger.drain(Duration.ofMinutes(2))) {
                throw new IllegalStateException("the ledger did not reach the database");
            }
            long writerBefore = writerCpuNanos();
            long serverBefore = serverCpuNanos();
            long start = System.nanoTime();
            List<Future<?>> producers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int from = t;
                producers.add(pool.submit(() -> {
                    for (int i = from; i < records; i += threads) {
                        ledger.accept(record("tenant" + (i % 100), i));
                    }
                }));
            }
            for (Future<?> f : producers) {
                f.get();
            }
            if (!ledger.drain(Duration.ofMinutes(10))) {
                throw new IllegalStateException("the ledger did not drain in 10 minutes");
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long writer = writerCpuNanos() - writerBefore;
            long server = serverCpuNanos() - serverBefore;
            if (ledger.spooledRecords() > 0) {
                System.out.printf("  (%,d records went through the spool)%n", ledger.spooledRecords());
            }
            return String.format("%,10.0f records/s  writer CPU %5.1f us/record  server CPU %s", records / seconds,
                    writer / 1e3 / records, serverBefore < 0 ? "n/a"
                            : String.format("%5.1f us/record", server / 1e3 / records));
        } finally {
            pool.shutdownNow();
            Files.deleteIfExists(spool);
        }
    }

    private static UsageRecord record(String tenant, long n) {
        return UsageRecord.builder()
                .tenant(TenantContext.of(TenantId.of(tenant)).withTier(Tier.STANDARD))
                .operation(Operation.CONVERSE)
                .requestedModel("claude-haiku")
                .region("us-east-1")
                .usage(TokenUsage.of(1000, 100 + n % 900))
                .provenance(UsageProvenance.REPORTED)
                .cost(Cost.priced(new BigDecimal("0.0035"), "2026-03-01"))
                .outcome(Outcome.SUCCESS)
                .startedAt(Instant.now())
                .latency(Duration.ofMillis(400))
                .build();
    }
}
