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
 * @param sourceProfileArn for an application profile copied from a system-defined profile, that profile's ARN;
 *     otherwise {@code null}
 * @param sourceProfileId for an application profile copied from a system-defined profile, that profile's id (e.g.
 *     {@code us.anthropic.claude-3-5-haiku-20241022-v1:0}); otherwise {@code null}
 */
record RuntimeTarget(String requestedId, Kind kind, String foundationModelId, String profileArn, String profileId,
                     String metricsModelId, String sourceProfileArn, String sourceProfileId) {

    enum Kind { FOUNDATION_MODEL, SYSTEM_PROFILE, APPLICATION_PROFILE }

    /** How specifically an identifier names the target, most specific first; see {@link #specificity}. */
    static final int AS_CALLED = 0;
    static final int PROFILE = 1;
    static final int SOURCE_PROFILE = 2;
    static final int FOUNDATION_MODEL = 3;
    static final int NOT_NAMED = -1;

    RuntimeTarget {
        Objects.requireNonNull(requestedId, "requestedId");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(foundationModelId, "foundationModelId");
        Objects.requireNonNull(metricsModelId, "metricsModelId");
        if ((sourceProfileArn == null) != (sourceProfileId == null)) {
            throw new IllegalArgumentException("sourceProfileArn and sourceProfileId go together, were "
                    + sourceProfileArn + " and " + sourceProfileId);
        }
    }

    /** A target that was not copied from a system-defined profile. */
    RuntimeTarget(String requestedId, Kind kind, String foundationModelId, String profileArn, String profileId,
                  String metricsModelId) {
        this(requestedId, kind, foundationModelId, profileArn, profileId, metricsModelId, null, null);
    }

    /**
     * How specifically {@code id} names this target: {@link #AS_CALLED} for the identifier as passed, {@link #PROFILE}
     * for the called profile's other form (its ARN or id), {@link #SOURCE_PROFILE} for the system-defined profile an
     * application profile was copied from (ARN or id), {@link #FOUNDATION_MODEL} for the model that answers, and
     * {@link #NOT_NAMED} when {@code id} names none of them.
     */
    int specificity(String id) {
        if (id.equals(requestedId)) {
            return AS_CALLED;
        }
        if (id.equals(profileArn) || id.equals(profileId)) {
            return PROFILE;
        }
        if (id.equals(sourceProfileArn) || id.equals(sourceProfileId)) {
            return SOURCE_PROFILE;
        }
        if (id.equals(foundationModelId)) {
            return FOUNDATION_MODEL;
        }
        return NOT_NAMED;
    }
}
