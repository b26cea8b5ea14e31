package dev.aip.core.profile;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The Bedrock control-plane operations on inference profiles that the profile package needs: the port through
 * which SDK-free code creates, reads, tags and deletes profiles. The AWS SDK binding is
 * {@code dev.aip.core.bedrock.BedrockInferenceProfileApi}; tests use an in-memory fake.
 *
 * <p>Failures are the binding's own exceptions (for the SDK binding: Bedrock's exceptions, unchanged); callers
 * that must react to them ask {@link #classify(RuntimeException)} what a failure means.
 *
 * <p>Implementations must be thread-safe: resolvers and {@link ProfileLifecycle#apply} call them from many
 * threads at once.
 */
public interface InferenceProfileApi {

    /**
     * Creates an application inference profile (CreateInferenceProfile) and returns it. With a
     * {@link NewProfile#clientRequestToken()} the call is idempotent: repeating it returns the profile the first
     * call created.
     *
     * <p>The result may be described from the request and the response rather than read back, to spare a call per
     * creation: its ARN, id, name and {@link InferenceProfile#sourceModelId()} are exact, but {@code modelArns} may
     * list only the foundation model {@code copyFrom} implies in the source Region, and the timestamps may be
     * {@code null}. Use {@link #get(String)} for the full description.
     */
    InferenceProfile create(NewProfile profile);

    /**
     * Reads a profile by ARN or id (GetInferenceProfile).
     *
     * @return the profile, or empty if it does not exist
     */
    Optional<InferenceProfile> get(String arnOrId);

    /**
     * Lists one page of application inference profiles (ListInferenceProfiles with {@code type=APPLICATION}; AWS
     * returns only system-defined profiles without the filter).
     *
     * @param nextToken the token of the previous page, or {@code null} for the first page
     * @param maxResults page size, 1-1000
     */
    ProfilePage listApplicationProfiles(@Nullable String nextToken, int maxResults);

    /** The tags of a profile (ListTagsForResource), keyed by tag key. */
    Map<String, String> tags(String arn);

    /** Adds or overwrites tags (TagResource). A resource holds at most 50 tags. */
    void tag(String arn, Map<String, String> tags);

    /** Removes tags by key (UntagResource); absent keys are ignored. */
    void untag(String arn, Collection<String> keys);

    /** Deletes a profile (DeleteInferenceProfile). */
    void delete(String arn);

    /**
     * What a failure thrown by this API means. Never throws.
     *
     * @param failure an exception thrown by one of this API's methods
     */
    ControlPlaneFailure classify(RuntimeException failure);

    /**
     * All application profiles, following {@code nextToken} across pages of up to 1000.
     *
     * @return the profiles in the order the service lists them
     */
    default List<InferenceProfile> listAllApplicationProfiles() {
        List<InferenceProfile> all = new ArrayList<>();
        String token = null;
        do {
            ProfilePage page = listApplicationProfiles(token, 1000);
            all.addAll(page.profiles());
            token = page.nextToken();
        } while (token != null);
        return all;
    }
}
