package dev.aip.examples;

import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Reads the server-side view of some {@code ModelId}s, waiting on AWS until CloudWatch has published what the lab
 * expects (or the wait is over). On the emulator the first reading is final. Stateless.
 */
final class MetricsWait {

    private static final Duration POLL = Duration.ofSeconds(20);

    private MetricsWait() {
    }

    /**
     * Reads each id's totals (less its baseline, if one is given) until {@code complete} holds for all of them or
     * the environment's wait is used up.
     *
     * @param baseline readings taken before the lab's calls, by id; ids without one count from zero
     * @return the totals by id, in the order of {@code modelIds}
     */
    static Map<String, ModelIdTotals> read(LabEnvironment env, List<String> modelIds,
                                           Map<String, ModelIdTotals> baseline,
                                           Predicate<Map<String, ModelIdTotals>> complete, PrintStream out) {
        ServerMetrics metrics = env.serverMetrics();
        Function<String, ModelIdTotals> reading = id -> {
            ModelIdTotals now = metrics.totals(id);
            ModelIdTotals before = baseline.get(id);
            return before == null ? now : now.minus(before);
        };
        long deadline = System.nanoTime() + env.metricsWait().toNanos();
        while (true) {
            Map<String, ModelIdTotals> totals = new LinkedHashMap<>();
            modelIds.forEach(id -> totals.put(id, reading.apply(id)));
            if (complete.test(totals) || !metrics.delayed()) {
                return totals;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                out.println("  (CloudWatch has not published everything yet: AWS/Bedrock metrics arrive minutes"
                        + " after the calls. Run again later, or with a longer --metrics-wait.)");
                return totals;
            }
            out.printf("  waiting for CloudWatch to publish the calls (%d s left)...%n",
                    Duration.ofNanos(left).toSeconds());
            try {
                Thread.sleep(Math.min(POLL.toMillis(), Duration.ofNanos(left).toMillis() + 1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return totals;
            }
        }
    }
}
