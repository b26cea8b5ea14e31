package dev.aip.agentcore;

/**
 * What {@code GET /ping} answers in its {@code status} field. The casing of {@link #wireName()} is part of the
 * AgentCore Runtime HTTP protocol contract.
 *
 * <p>Immutable.
 */
public enum PingStatus {

    /** Nothing is running: the runtime may reclaim the session's instance once it is idle. */
    HEALTHY("Healthy"),

    /** An invocation or a tracked background task is running: the runtime should not reclaim the instance. */
    HEALTHY_BUSY("HealthyBusy");

    private final String wireName;

    PingStatus(String wireName) {
        this.wireName = wireName;
    }

    /**
     * Returns the value written in the ping answer.
     *
     * @return {@code "Healthy"} or {@code "HealthyBusy"}
     */
    public String wireName() {
        return wireName;
    }
}
