package dev.aip.core.metering;

import org.jspecify.annotations.Nullable;

/**
 * How a model call attempt ended, and what AWS said about it.
 *
 * <p>Immutable.
 *
 * @param outcome how the attempt ended
 * @param errorCode the error code for failed attempts (e.g. {@code ThrottlingException}), or {@code null}
 * @param awsRequestId the AWS request id, or {@code null} if no response was received
 */
public record AttemptResult(Outcome outcome, @Nullable String errorCode, @Nullable String awsRequestId) {

    /**
     * Validates the values.
     *
     * @throws NullPointerException if {@code outcome} is {@code null}; the message names it
     */
    public AttemptResult {
        RecordChecks.requireNonNull("outcome", outcome);
    }
}
