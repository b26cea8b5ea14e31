package dev.aip.core.profile;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An inference profile as the control plane describes it (GetInferenceProfile, or one element of
 * ListInferenceProfiles).
 *
 * <p>Immutable.
 *
 * @param arn the profile ARN, e.g. {@code arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123def456}
 * @param id the profile id, the last segment of the ARN (for application profiles a random string, not the name)
 * @param name the profile name
 * @param description the description, or {@code null} if it has none
 * @param modelArns the foundation-model ARNs the profile routes to (1-5; one per destination Region)
 * @param type {@code APPLICATION} or {@code SYSTEM_DEFINED}
 * @param createdAt creation time, or {@code null} if the service did not report one
 * @param updatedAt last update time, or {@code null} if the service did not report one
 */
public record InferenceProfile(
        String arn,
        String id,
        String name,
        @Nullable String description,
        List<String> modelArns,
        String type,
        @Nullable Instant createdAt,
        @Nullable Instant updatedAt) {

    /** The {@code type} of application inference profiles. */
    public static final String APPLICATION = "APPLICATION";

    /**
     * Validates and copies.
     *
     * @throws IllegalArgumentException if the ARN is not an inference-profile ARN or there is no model ARN
     */
    public InferenceProfile {
        Constraints.requireProfileArn(arn);
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        modelArns = List.copyOf(Objects.requireNonNull(modelArns, "modelArns"));
        if (modelArns.isEmpty()) {
            throw new IllegalArgumentException("profile " + arn + " lists no model ARN; Bedrock reports 1-5");
        }
    }

    /**
     * The foundation model id the profile routes to, from the first model ARN: for
     * {@code arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0} it is
     * {@code anthropic.claude-3-5-haiku-20241022-v1:0}. Use it for pricing and capability lookups.
     */
    public String sourceModelId() {
        return Arns.foundationModelId(modelArns.get(0));
    }

    /** The region of the profile, from its ARN. */
    public String region() {
        return Arns.region(arn);
    }

    /** Whether this is an application (user-created, taggable) profile. */
    public boolean isApplication() {
        return APPLICATION.equals(type);
    }
}
