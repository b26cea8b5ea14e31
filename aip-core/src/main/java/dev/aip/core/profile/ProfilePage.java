package dev.aip.core.profile;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One page of ListInferenceProfiles.
 *
 * <p>Immutable.
 *
 * @param profiles the profiles on this page
 * @param nextToken the token for the next page, or {@code null} on the last page
 */
public record ProfilePage(List<InferenceProfile> profiles, @Nullable String nextToken) {

    /** Copies the list. */
    public ProfilePage {
        profiles = List.copyOf(Objects.requireNonNull(profiles, "profiles"));
        if (nextToken != null && nextToken.isEmpty()) {
            nextToken = null;
        }
    }

    /** Whether another page follows. */
    public boolean hasNext() {
        return nextToken != null;
    }
}
