package dev.aip.core.profile;

/**
 * What a failed control-plane call means for the caller, as classified by {@link InferenceProfileApi#classify}.
 * It lets the SDK-free profile code back off, fall back or give up without seeing SDK exception types.
 *
 * <p>Immutable.
 */
public enum ControlPlaneFailure {
    /** The service throttled the call (HTTP 429); retry after a backoff. */
    THROTTLED(true),
    /** An account quota is exhausted, e.g. the number of application inference profiles; retrying will not help. */
    QUOTA_EXCEEDED(false),
    /** The request conflicts with the resource's state, e.g. a name already in use or a reused token. */
    CONFLICT(false),
    /** The profile (or resource) does not exist. */
    NOT_FOUND(false),
    /** The service rejected the input (validation, too many tags). */
    VALIDATION(false),
    /**
     * A transient server or network failure (HTTP 5xx, connection errors, timeouts); retry after a backoff. This
     * member is in addition to the six the first design listed, because without it a retry policy could not tell
     * an outage from an access-denied error.
     */
    UNAVAILABLE(true),
    /** Anything else, such as access denied or an unexpected error; retrying will not help. */
    OTHER(false);

    private final boolean retryable;

    ControlPlaneFailure(boolean retryable) {
        this.retryable = retryable;
    }

    /** Whether retrying the same call later can succeed. */
    public boolean retryable() {
        return retryable;
    }
}
