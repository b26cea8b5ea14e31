package dev.aip.core.chat;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The scheduler streams wait on between attempts, unless the pipeline is given one: one daemon thread for the
 * process, created on first use. Its tasks only start the next attempt (and, for fallback entries, resolve them), so
 * one thread serves many streams.
 */
final class SharedScheduler {

    private SharedScheduler() {
    }

    private static final class Holder {
        static final ScheduledExecutorService EXECUTOR = create();

        private static ScheduledExecutorService create() {
            ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "aip-retry-scheduler");
                t.setDaemon(true);
                return t;
            });
            executor.setRemoveOnCancelPolicy(true);
            return executor;
        }
    }

    static RetryingStage.Scheduler shared() {
        return of(Holder.EXECUTOR);
    }

    static RetryingStage.Scheduler of(ScheduledExecutorService executor) {
        return (task, pause) -> {
            ScheduledFuture<?> f = executor.schedule(task, pause.toNanos(), TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        };
    }
}
