package dev.aip.core.chat;

import dev.aip.core.metering.Outcome;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How a transport classifies a failure for metering and retry decisions.
 *
 * <p>Immutable.
 *
 * @param outcome the outcome to record
 * @param errorCode the error code (e.g. {@code ThrottlingException}), or {@code null}
 * @param awsRequestId the AWS request id of the failed response, or {@code null}
 */
public record TransportFailure(Outcome outcome, @Nullable String errorCode, @Nullable String awsRequestId) {

    /** @throws NullPointerException if the outcome is {@code null} */
    public TransportFailure {
        Objects.requireNonNull(outcome, "outcome");
    }
}
