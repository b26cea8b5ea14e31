package dev.aip.core.metering;

import org.jspecify.annotations.Nullable;

/**
 * What a model call attempt was sent to: the operation, the model asked for, and the profile, foundation model and
 * region that served it.
 *
 * <p>Immutable.
 *
 * @param operation the Bedrock operation
 * @param requestedModel the logical model the caller asked for (an alias, a model id or a profile ARN)
 * @param profileArn the inference profile ARN used as {@code modelId}, or {@code null} if none was resolved
 * @param profileId the inference profile id, or {@code null} if none was resolved
 * @param sourceModelId the foundation model that served the call, or {@code null} if unknown
 * @param region the AWS region the call was sent to
 * @param pooledProfile {@code true} if the tenant ran on a shared tier profile instead of its own; attribution then
 *     rests on {@code requestMetadata} and the usage record, not on the profile's tags
 */
public record CallTarget(
        Operation operation,
        String requestedModel,
        @Nullable String profileArn,
        @Nullable String profileId,
        @Nullable String sourceModelId,
        String region,
        boolean pooledProfile) {

    /**
     * Validates the values.
     *
     * @throws NullPointerException if {@code operation}, {@code requestedModel} or {@code region} is {@code null};
     *     the message names it
     * @throws IllegalArgumentException if {@code requestedModel} or {@code region} is blank
     */
    public CallTarget {
        RecordChecks.requireNonNull("operation", operation);
        RecordChecks.requireText("requestedModel", requestedModel);
        RecordChecks.requireText("region", region);
    }
}
