package dev.aip.core.profile;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The outcome of {@link ProfileLifecycle#apply}: one result per action, in plan order.
 *
 * <p>Immutable.
 *
 * @param results one per action of the plan, in plan order
 * @param elapsed time from start to finish, by the lifecycle's clock
 */
public record ApplyResult(List<ActionResult> results, Duration elapsed) {

    /** Copies the results. */
    public ApplyResult {
        results = List.copyOf(Objects.requireNonNull(results, "results"));
        Objects.requireNonNull(elapsed, "elapsed");
    }

    /** Number of actions that succeeded. */
    public int succeeded() {
        return (int) results.stream().filter(ActionResult::succeeded).count();
    }

    /** Number of actions that failed. */
    public int failed() {
        return results.size() - succeeded();
    }

    /** The failed actions' results. */
    public List<ActionResult> failures() {
        return results.stream().filter(r -> !r.succeeded()).toList();
    }

    /** Whether every action succeeded. */
    public boolean allSucceeded() {
        return failed() == 0;
    }
}
