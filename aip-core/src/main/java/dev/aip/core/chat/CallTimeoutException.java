package dev.aip.core.chat;

import java.time.Duration;
import java.util.Objects;

/**
 * A call ran past its timeout ({@link CallTimeouts}) and was abandoned: the attempt in flight is cancelled at
 * Bedrock and recorded once as {@link dev.aip.core.metering.Outcome#TIMEOUT}, with the usage Bedrock reported if it
 * arrived, else an estimate (an abandoned call is still billed). A stream that had started gets this as its error.
 */
public final class CallTimeoutException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The error code in the call's usage record. */
    public static final String ERROR_CODE = "CallTimeout";

    private final transient Duration timeout;

    /**
     * Creates the exception.
     *
     * @param timeout the timeout that ran out
     */
    public CallTimeoutException(Duration timeout) {
        super("The call did not finish within its timeout of " + Objects.requireNonNull(timeout, "timeout")
                + "; it was cancelled.", null, false, false);
        this.timeout = timeout;
    }

    /**
     * Returns the timeout that ran out.
     *
     * @return the timeout
     */
    public Duration timeout() {
        return timeout;
    }
}
