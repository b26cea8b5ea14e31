package dev.aip.core.governance;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The shared pool that settles permits held in a remote state (see {@link Governance.Builder#settlementExecutor}):
 * a few daemon threads, created on first use, so that no call's releasing thread waits on Redis. Settlements are
 * short and independent; the queue absorbs bursts.
 */
final class Settlement {

    private static final int THREADS = Math.max(2, Math.min(8, Runtime.getRuntime().availableProcessors()));

    private Settlement() {
    }

    static ExecutorService pool() {
        return Holder.POOL;
    }

    /** Created on first use only: an instance with local state never starts a thread. */
    private static final class Holder {
        private static final AtomicInteger NEXT = new AtomicInteger();
        static final ExecutorService POOL = Executors.newFixedThreadPool(THREADS, task -> {
            Thread t = new Thread(task, "aip-settlement-" + NEXT.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }
}
