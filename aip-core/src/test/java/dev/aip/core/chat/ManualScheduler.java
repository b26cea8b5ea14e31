package dev.aip.core.chat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/** A scheduler the test drives: it notes each pause and runs tasks only when told. Thread-safe. */
final class ManualScheduler implements RetryingStage.Scheduler {

    record Task(Runnable body, Duration pause, AtomicBoolean cancelled) {
    }

    final List<Duration> pauses = new CopyOnWriteArrayList<>();
    final ConcurrentLinkedDeque<Task> tasks = new ConcurrentLinkedDeque<>();

    @Override
    public Runnable schedule(Runnable task, Duration pause) {
        pauses.add(pause);
        Task t = new Task(task, pause, new AtomicBoolean());
        tasks.add(t);
        return () -> t.cancelled.set(true);
    }

    /** Runs the oldest task unless it was cancelled; returns whether it ran. */
    boolean runNext() {
        Task t = tasks.poll();
        if (t == null) {
            throw new AssertionError("nothing is scheduled");
        }
        if (t.cancelled.get()) {
            return false;
        }
        t.body.run();
        return true;
    }

    /** Runs the oldest task even if it was cancelled: a task that had already started when the cancel came. */
    void runNextRegardless() {
        tasks.remove().body.run();
    }

    boolean isEmpty() {
        return tasks.isEmpty();
    }
}
