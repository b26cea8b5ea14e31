package dev.aip.core.profile;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * An inference profile together with its tags, as one scan of the account saw them.
 *
 * <p>Immutable.
 *
 * @param profile the profile
 * @param tags its tags, sorted by key
 */
public record TaggedProfile(InferenceProfile profile, Map<String, String> tags) {

    /** Copies the tags. */
    public TaggedProfile {
        Objects.requireNonNull(profile, "profile");
        tags = Collections.unmodifiableMap(new TreeMap<>(Objects.requireNonNull(tags, "tags")));
    }
}
