package dev.aip.agentcore;

import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Counts the work running in the agent's container and answers what {@code GET /ping} reports:
 * {@link PingStatus#HEALTHY_BUSY} while at least one task runs, {@link PingStatus#HEALTHY} otherwise, and the time
 * of the last change between the two.
 *
 * <p>The server begins a task for every invocation. An agent that keeps working after it answered (a background
 * job, an asynchronous tool) begins its own, so the runtime does not reclaim the instance under it:
 * <pre>{@code
 * BusyTracker.Task task = invocation.busy().begin();
 * executor.execute(() -> {
 *     try (task) {
 *         indexDocuments();
 *     }
 * });
 * }</pre>
 *
 * <p>The time of the last update moves only when the status changes (idle to busy, busy to idle): beginning a second
 * task while one runs, or asking twice, leaves it where it was. It starts at the time the tracker was made.
 *
 * <p>Thread-safe: share one; tasks may begin and end on any thread.
 */
public final class BusyTracker {

    /**
     * What {@code GET /ping} answers at one moment.
     *
     * <p>Immutable.
     *
     * @param status busy or not
     * @param timeOfLastUpdate when the status last changed (or the tracker was made, before any change)
     */
    public record State(PingStatus status, Instant timeOfLastUpdate) {

        /**
         * Validates the state.
         *
         * @throws NullPointerException if a component is {@code null}
         */
        public State {
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(timeOfLastUpdate, "timeOfLastUpdate");
        }
    }

    /**
     * One running piece of work; the tracker reports busy until it is closed. Closing twice is harmless.
     *
     * <p>Thread-safe.
     */
    public final class Task implements AutoCloseable {

        private final AtomicBoolean open = new AtomicBoolean(true);

        private Task() {
        }

        /** Ends the task; the second and later calls do nothing. */
        @Override
        public void close() {
            if (open.compareAndSet(true, false)) {
                end();
            }
        }
    }

    private final Clock clock;
    private int running;
    private Instant lastUpdate;

    BusyTracker(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.lastUpdate = clock.instant();
    }

    /**
     * Begins a task: the tracker reports busy until the task is closed.
     *
     * @return the task, to close when the work ends
     */
    public Task begin() {
        synchronized (this) {
            if (running++ == 0) {
                lastUpdate = clock.instant();
            }
        }
        return new Task();
    }

    /**
     * Returns the current status and the time it last changed, read together.
     *
     * @return the state
     */
    public synchronized State state() {
        return new State(running > 0 ? PingStatus.HEALTHY_BUSY : PingStatus.HEALTHY, lastUpdate);
    }

    /**
     * Returns how many tasks (invocations included) are running.
     *
     * @return the count, 0 when idle
     */
    public synchronized int running() {
        return running;
    }

    private synchronized void end() {
        if (--running == 0) {
            lastUpdate = clock.instant();
        }
    }
}
