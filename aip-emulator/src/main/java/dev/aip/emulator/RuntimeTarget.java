package dev.aip.emulator;

import java.util.Objects;

/**
 * What a runtime {@code modelId} resolves to.
 *
 * @param requestedId the identifier as the caller passed it (decoded)
 * @param kind foundation model, system-defined profile or application profile
 * @param foundationModelId the model that answers, e.g. {@code anthropic.claude-3-5-haiku-20241022-v1:0}
 * @param profileArn the inference profile's ARN, or {@code null} for a bare foundation model
 * @param profileId the inference profile's id, or {@code null} for a bare foundation model
 * @param metricsModelId the {@code ModelId} dimension the call is counted under in the server-side metrics: the
 *     application profile's id for an AIP, otherwise the identifier as passed
 */
record RuntimeTarget(String requestedId, Kind kind, String foundationModelId, String profileArn, String profileId,
                     String metricsModelId) {

    enum Kind { FOUNDATION_MODEL, SYSTEM_PROFILE, APPLICATION_PROFILE }

    RuntimeTarget {
        Objects.requireNonNull(requestedId, "requestedId");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(foundationModelId, "foundationModelId");
        Objects.requireNonNull(metricsModelId, "metricsModelId");
    }
}
