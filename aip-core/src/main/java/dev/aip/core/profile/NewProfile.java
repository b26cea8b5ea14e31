package dev.aip.core.profile;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * A request to create an application inference profile (CreateInferenceProfile). Validated against Bedrock's
 * constraints here, so that a bad value fails before any call with a message naming it.
 *
 * <p>Immutable.
 *
 * @param name profile name: 1-64 characters matching {@code ([0-9a-zA-Z][ _-]?)+}
 * @param description optional description ({@code null} for none): 1-200 characters matching
 *     {@code ([0-9a-zA-Z:.][ _-]?)+}
 * @param copyFrom the source: a foundation-model ARN or a system (cross-Region) inference-profile ARN
 * @param tags at most 50 tags; keys 1-128 and values 0-256 characters of {@code [a-zA-Z0-9\s._:/=+@-]}
 * @param clientRequestToken optional idempotency token ({@code null} for none): a repeated create with the same
 *     token returns the first result instead of creating a second profile
 */
public record NewProfile(
        String name,
        @Nullable String description,
        String copyFrom,
        Map<String, String> tags,
        @Nullable String clientRequestToken) {

    /**
     * Validates and copies (tags are kept sorted by key).
     *
     * @throws IllegalArgumentException naming the value that Bedrock would reject
     */
    public NewProfile {
        Constraints.requireName(name);
        Constraints.requireDescription(description);
        Constraints.requireCopyFrom(copyFrom);
        Objects.requireNonNull(tags, "tags");
        Constraints.requireTags(tags);
        tags = Collections.unmodifiableMap(new TreeMap<>(tags));
        Constraints.requireToken(clientRequestToken);
    }
}
