package dev.aip.core.bedrock;

import dev.aip.core.profile.ControlPlaneFailure;
import dev.aip.core.profile.InferenceProfile;
import dev.aip.core.profile.InferenceProfileApi;
import dev.aip.core.profile.NewProfile;
import dev.aip.core.profile.ProfilePage;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrock.model.CreateInferenceProfileResponse;
import software.amazon.awssdk.services.bedrock.model.GetInferenceProfileResponse;
import software.amazon.awssdk.services.bedrock.model.InferenceProfileModel;
import software.amazon.awssdk.services.bedrock.model.InferenceProfileModelSource;
import software.amazon.awssdk.services.bedrock.model.InferenceProfileSummary;
import software.amazon.awssdk.services.bedrock.model.InferenceProfileType;
import software.amazon.awssdk.services.bedrock.model.ListInferenceProfilesResponse;
import software.amazon.awssdk.services.bedrock.model.ResourceNotFoundException;
import software.amazon.awssdk.services.bedrock.model.Tag;

/**
 * {@link InferenceProfileApi} over the AWS SDK's {@link BedrockClient} (the {@code bedrock} control plane).
 *
 * <pre>{@code
 * InferenceProfileApi api = BedrockInferenceProfileApi.create(BedrockClient.create());
 * }</pre>
 *
 * <p>Lists always send {@code type=APPLICATION} (without it, AWS lists only system-defined profiles).
 * {@link #create(NewProfile)} makes one call (CreateInferenceProfile) and describes the new profile from its request
 * and response: the model list names the foundation model that {@code copyFrom} implies in the source Region, and
 * the timestamps are {@code null}; {@link #get(String)} reads the full description. Bedrock's exceptions ({@code software.amazon.awssdk.services.bedrock.model.*Exception}) and SDK
 * client exceptions pass through unchanged; {@link #classify(RuntimeException)} maps them to
 * {@link ControlPlaneFailure}. The client's own retry strategy applies to every call; the library adds its retries
 * on top only where it says so (e.g. {@code ProfileLifecycle.apply}).
 *
 * <p>Thread-safe; share one instance. The client stays owned by the caller (this class never closes it).
 */
public final class BedrockInferenceProfileApi implements InferenceProfileApi {

    private final BedrockClient client;

    private BedrockInferenceProfileApi(BedrockClient client) {
        this.client = Objects.requireNonNull(client, "client");
    }

    /** The port over a control-plane client. */
    public static BedrockInferenceProfileApi create(BedrockClient client) {
        return new BedrockInferenceProfileApi(client);
    }

    @Override
    public InferenceProfile create(NewProfile profile) {
        List<Tag> tags = new ArrayList<>(profile.tags().size());
        profile.tags().forEach((k, v) -> tags.add(Tag.builder().key(k).value(v).build()));
        CreateInferenceProfileResponse created = client.createInferenceProfile(r -> r
                .inferenceProfileName(profile.name())
                .description(profile.description())
                .clientRequestToken(profile.clientRequestToken())
                .modelSource(InferenceProfileModelSource.fromCopyFrom(profile.copyFrom()))
                .tags(tags));
        String arn = created.inferenceProfileArn();
        return new InferenceProfile(arn, arn.substring(arn.lastIndexOf('/') + 1), profile.name(),
                profile.description(), List.of(impliedModelArn(profile.copyFrom())), InferenceProfile.APPLICATION,
                null, null);
    }

    /**
     * The foundation-model ARN a {@code copyFrom} implies: itself for a foundation-model ARN; for a system profile
     * ARN ({@code arn:aws:bedrock:R:A:inference-profile/us.MODEL}), {@code arn:aws:bedrock:R::foundation-model/MODEL}.
     */
    static String impliedModelArn(String copyFrom) {
        String[] parts = copyFrom.split(":", 6);
        String resource = parts[5];
        int slash = resource.indexOf('/');
        if (resource.substring(0, slash).equals("foundation-model")) {
            return copyFrom;
        }
        String id = resource.substring(slash + 1);
        int dot = id.indexOf('.');
        String model = dot > 0 && id.indexOf('.', dot + 1) > 0 ? id.substring(dot + 1) : id;
        return parts[0] + ":" + parts[1] + ":" + parts[2] + ":" + parts[3] + "::foundation-model/" + model;
    }

    @Override
    public Optional<InferenceProfile> get(String arnOrId) {
        GetInferenceProfileResponse r;
        try {
            r = client.getInferenceProfile(b -> b.inferenceProfileIdentifier(arnOrId));
        } catch (ResourceNotFoundException e) {
            return Optional.empty();
        }
        return Optional.of(new InferenceProfile(r.inferenceProfileArn(), r.inferenceProfileId(),
                r.inferenceProfileName(), r.description(), modelArns(r.models()), r.typeAsString(), r.createdAt(),
                r.updatedAt()));
    }

    @Override
    public ProfilePage listApplicationProfiles(@Nullable String nextToken, int maxResults) {
        ListInferenceProfilesResponse r = client.listInferenceProfiles(b -> b
                .typeEquals(InferenceProfileType.APPLICATION)
                .maxResults(maxResults)
                .nextToken(nextToken));
        List<InferenceProfile> profiles = new ArrayList<>(r.inferenceProfileSummaries().size());
        for (InferenceProfileSummary s : r.inferenceProfileSummaries()) {
            profiles.add(new InferenceProfile(s.inferenceProfileArn(), s.inferenceProfileId(),
                    s.inferenceProfileName(), s.description(), modelArns(s.models()), s.typeAsString(),
                    s.createdAt(), s.updatedAt()));
        }
        return new ProfilePage(profiles, r.nextToken());
    }

    @Override
    public Map<String, String> tags(String arn) {
        Map<String, String> tags = new LinkedHashMap<>();
        for (Tag t : client.listTagsForResource(b -> b.resourceARN(arn)).tags()) {
            tags.put(t.key(), t.value());
        }
        return tags;
    }

    @Override
    public void tag(String arn, Map<String, String> tags) {
        List<Tag> list = new ArrayList<>(tags.size());
        tags.forEach((k, v) -> list.add(Tag.builder().key(k).value(v).build()));
        client.tagResource(b -> b.resourceARN(arn).tags(list));
    }

    @Override
    public void untag(String arn, Collection<String> keys) {
        client.untagResource(b -> b.resourceARN(arn).tagKeys(keys));
    }

    @Override
    public void delete(String arn) {
        client.deleteInferenceProfile(b -> b.inferenceProfileIdentifier(arn));
    }

    @Override
    public ControlPlaneFailure classify(RuntimeException failure) {
        return ProfileErrors.classify(failure);
    }

    private static List<String> modelArns(List<InferenceProfileModel> models) {
        List<String> arns = new ArrayList<>(models.size());
        for (InferenceProfileModel m : models) {
            arns.add(m.modelArn());
        }
        return arns;
    }
}
