package dev.aip.core.profile;

/**
 * Observes {@link ProfileLifecycle#apply}, e.g. to drive a progress bar. All methods have empty defaults.
 *
 * <p>Calls never overlap: the lifecycle serialises them, although {@link #onActionDone} runs on the worker thread
 * that finished the action. A listener cannot change the apply; anything it throws is logged and ignored.
 */
public interface ApplyListener {

    /** A listener that ignores everything. */
    ApplyListener NONE = new ApplyListener() { };

    /**
     * Called once before any action starts.
     *
     * @param total the number of actions that will be reported
     */
    default void onStart(int total) {
    }

    /** Called once per action when it has succeeded or failed. */
    default void onActionDone(PlanAction action, ActionResult result) {
    }

    /** Called once after the last action, with the summary that {@code apply} returns. */
    default void onFinish(ApplyResult summary) {
    }
}
