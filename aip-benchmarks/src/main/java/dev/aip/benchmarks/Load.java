package dev.aip.benchmarks;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/** An open-loop-free load: a fixed number of calls kept in flight for a time, with each call's latency. */
final class Load {

    private Load() {
    }

    /**
     * What one round measured.
     *
     * @param sortedNanos the latencies of the calls that succeeded, sorted
     * @param errors the calls that failed
     * @param elapsedNanos from the first call sent to the last one ended
     */
    record Result(long[] sortedNanos, long errors, long elapsedNanos) {

        double perSecond() {
            return sortedNanos.length / Math.max(elapsedNanos / 1e9, 1e-9);
        }

        /** The latency at quantile {@code q} (0..1), in milliseconds; NaN without any call. */
        double percentileMs(double q) {
            return sortedNanos.length == 0 ? Double.NaN
                    : sortedNanos[Math.min(sortedNanos.length - 1, (int) Math.floor(q * sortedNanos.length))] / 1e6;
        }
    }

    /**
     * Keeps {@code inFlight} calls going for {@code seconds}, starting the next as one ends, then waits for the last.
     *
     * @param call starts one call; its stage completes with {@code true} for a success
     */
    static Result keepInFlight(int inFlight, int seconds, Supplier<? extends CompletionStage<Boolean>> call)
            throws InterruptedException {
        Semaphore slots = new Semaphore(inFlight);
        ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        AtomicLong errors = new AtomicLong();
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end) {
            if (!slots.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                continue;
            }
            long sent = System.nanoTime();
            call.get().whenComplete((ok, e) -> {
                if (e != null || !Boolean.TRUE.equals(ok)) {
                    errors.incrementAndGet();
                } else {
                    latencies.add(System.nanoTime() - sent);
                }
                slots.release();
            });
        }
        slots.acquire(inFlight);
        long elapsed = System.nanoTime() - start;
        long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        return new Result(sorted, errors.get(), elapsed);
    }
}
