package dev.aip.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrock.model.ConflictException;
import software.amazon.awssdk.services.bedrock.model.CreateInferenceProfileResponse;
import software.amazon.awssdk.services.bedrock.model.FoundationModelSummary;
import software.amazon.awssdk.services.bedrock.model.GetInferenceProfileResponse;
import software.amazon.awssdk.services.bedrock.model.InferenceProfileStatus;
import software.amazon.awssdk.services.bedrock.model.InferenceProfileSummary;
import software.amazon.awssdk.services.bedrock.model.InferenceProfileType;
import software.amazon.awssdk.services.bedrock.model.ListInferenceProfilesResponse;
import software.amazon.awssdk.services.bedrock.model.ModelModality;
import software.amazon.awssdk.services.bedrock.model.ResourceNotFoundException;
import software.amazon.awssdk.services.bedrock.model.ServiceQuotaExceededException;
import software.amazon.awssdk.services.bedrock.model.Tag;
import software.amazon.awssdk.services.bedrock.model.TooManyTagsException;
import software.amazon.awssdk.services.bedrock.model.ValidationException;

/** The control plane through the real {@link BedrockClient}, over the emulator's HTTP server. */
class ControlPlaneSdkTest {

    private static final String HAIKU_35_ARN =
            "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0";
    private static final String US_SONNET_37 = "us.anthropic.claude-3-7-sonnet-20250219-v1:0";

    private static BedrockEmulator emulator;
    private static BedrockClient bedrock;

    @BeforeAll
    static void start() {
        emulator = BedrockEmulator.builder().build().start();
        bedrock = SdkClients.bedrock(emulator);
    }

    @AfterAll
    static void stop() {
        if (bedrock != null) {
            bedrock.close();
        }
        if (emulator != null) {
            emulator.close();
        }
    }

    private static String create(String name) {
        return bedrock.createInferenceProfile(r -> r.inferenceProfileName(name)
                .modelSource(s -> s.copyFrom(HAIKU_35_ARN))).inferenceProfileArn();
    }

    @Test
    void createThenGet_byArnWithColonsAndSlash_roundTripsEveryField() {
        CreateInferenceProfileResponse created = bedrock.createInferenceProfile(r -> r
                .inferenceProfileName("sdk-tenant-a")
                .description("Tenant A: gold tier")
                .modelSource(s -> s.copyFrom(HAIKU_35_ARN))
                .tags(Tag.builder().key("tenant").value("a").build()));

        assertThat(created.sdkHttpResponse().statusCode()).isEqualTo(201);
        assertThat(created.status()).isEqualTo(InferenceProfileStatus.ACTIVE);
        String arn = created.inferenceProfileArn();
        assertThat(arn).matches("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/[a-z0-9]{12}");

        GetInferenceProfileResponse got = bedrock.getInferenceProfile(r -> r.inferenceProfileIdentifier(arn));

        assertThat(got.inferenceProfileArn()).isEqualTo(arn);
        assertThat(got.inferenceProfileId()).isEqualTo(arn.substring(arn.lastIndexOf('/') + 1));
        assertThat(got.inferenceProfileName()).isEqualTo("sdk-tenant-a");
        assertThat(got.description()).isEqualTo("Tenant A: gold tier");
        assertThat(got.type()).isEqualTo(InferenceProfileType.APPLICATION);
        assertThat(got.status()).isEqualTo(InferenceProfileStatus.ACTIVE);
        assertThat(got.models()).extracting(m -> m.modelArn()).containsExactly(HAIKU_35_ARN);
        assertThat(got.createdAt()).isNotNull().isEqualTo(got.updatedAt());
        assertThat(bedrock.getInferenceProfile(r -> r.inferenceProfileIdentifier(got.inferenceProfileId()))
                .inferenceProfileArn()).isEqualTo(arn);
    }

    @Test
    void getSystemProfile_byIdWithColon_returnsSystemDefined() {
        GetInferenceProfileResponse got = bedrock.getInferenceProfile(r -> r.inferenceProfileIdentifier(US_SONNET_37));

        assertThat(got.type()).isEqualTo(InferenceProfileType.SYSTEM_DEFINED);
        assertThat(got.models()).hasSize(3);
        assertThat(bedrock.getInferenceProfile(r -> r.inferenceProfileIdentifier(got.inferenceProfileArn()))
                .inferenceProfileId()).isEqualTo(US_SONNET_37);
    }

    @Test
    void createFromSystemProfileArn_copiesItsModels() {
        String systemArn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/" + US_SONNET_37;
        String arn = bedrock.createInferenceProfile(r -> r.inferenceProfileName("sdk-from-system")
                .modelSource(s -> s.copyFrom(systemArn))).inferenceProfileArn();

        assertThat(bedrock.getInferenceProfile(r -> r.inferenceProfileIdentifier(arn)).models()).hasSize(3);
    }

    @Test
    void createTwiceWithOneToken_returnsTheSameArn() {
        String first = bedrock.createInferenceProfile(r -> r.inferenceProfileName("sdk-idem")
                .clientRequestToken("sdk-token-1").modelSource(s -> s.copyFrom(HAIKU_35_ARN))).inferenceProfileArn();
        String second = bedrock.createInferenceProfile(r -> r.inferenceProfileName("sdk-idem")
                .clientRequestToken("sdk-token-1").modelSource(s -> s.copyFrom(HAIKU_35_ARN))).inferenceProfileArn();

        assertThat(second).isEqualTo(first);
    }

    @Test
    void listPaginator_application_walksMoreThanTwoPagesWithoutGapsOrDuplicates() {
        List<String> created = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            created.add(create("sdk-page-" + i));
        }
        List<ListInferenceProfilesResponse> pages = new ArrayList<>();
        bedrock.listInferenceProfilesPaginator(r -> r.typeEquals(InferenceProfileType.APPLICATION).maxResults(10))
                .forEach(pages::add);
        List<String> seen = pages.stream().flatMap(p -> p.inferenceProfileSummaries().stream())
                .map(InferenceProfileSummary::inferenceProfileArn).toList();

        assertThat(pages.size()).isGreaterThan(2);
        assertThat(seen).doesNotHaveDuplicates().containsSubsequence(created);
        assertThat(pages.stream().flatMap(p -> p.inferenceProfileSummaries().stream()))
                .allMatch(s -> s.type() == InferenceProfileType.APPLICATION);
    }

    @Test
    void list_withoutType_returnsSystemDefinedOnly() {
        create("sdk-not-listed-by-default");

        List<InferenceProfileSummary> all = bedrock.listInferenceProfilesPaginator(r -> r.maxResults(4))
                .inferenceProfileSummaries().stream().toList();

        assertThat(all).isNotEmpty().allMatch(s -> s.type() == InferenceProfileType.SYSTEM_DEFINED);
        assertThat(all).extracting(InferenceProfileSummary::inferenceProfileId).contains(US_SONNET_37)
                .doesNotHaveDuplicates();
    }

    @Test
    void delete_thenGet_isResourceNotFound() {
        String arn = create("sdk-delete-me");

        bedrock.deleteInferenceProfile(r -> r.inferenceProfileIdentifier(arn));

        ResourceNotFoundException e = catchThrowableOfType(ResourceNotFoundException.class,
                () -> bedrock.getInferenceProfile(r -> r.inferenceProfileIdentifier(arn)));
        assertThat(e).isNotNull();
        assertThat(e.statusCode()).isEqualTo(404);
        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ResourceNotFoundException");
        assertThat(e.requestId()).isNotBlank();
    }

    @Test
    void tagUntagList_roundTripThroughTheSdk() {
        String arn = create("sdk-tags");
        bedrock.tagResource(r -> r.resourceARN(arn).tags(Tag.builder().key("tenant").value("t1").build(),
                Tag.builder().key("tier").value("gold").build()));
        bedrock.untagResource(r -> r.resourceARN(arn).tagKeys("tier", "absent"));

        assertThat(bedrock.listTagsForResource(r -> r.resourceARN(arn)).tags())
                .containsExactly(Tag.builder().key("tenant").value("t1").build());
    }

    @Test
    void invalidName_isValidationExceptionNamingTheField() {
        ValidationException e = catchThrowableOfType(ValidationException.class,
                () -> create("bad name!"));

        assertThat(e).isNotNull();
        assertThat(e.statusCode()).isEqualTo(400);
        assertThat(e.awsErrorDetails().errorMessage()).contains("'inferenceProfileName'",
                "Member must satisfy regular expression pattern");
    }

    @Test
    void duplicateName_isConflictException() {
        create("sdk-dup");

        ConflictException e = catchThrowableOfType(ConflictException.class, () -> create("sdk-dup"));

        assertThat(e).isNotNull();
        assertThat(e.statusCode()).isEqualTo(400);
    }

    @Test
    void unknownResource_isResourceNotFoundException() {
        assertThat(catchThrowableOfType(ResourceNotFoundException.class,
                () -> bedrock.listTagsForResource(r -> r.resourceARN(
                        "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/zzzzzzzzzzzz"))))
                .isNotNull();
    }

    @Test
    void fiftyOneTags_isTooManyTagsExceptionWithResourceName() {
        String arn = create("sdk-too-many");
        List<Tag> tags = new ArrayList<>();
        for (int i = 0; i < 51; i++) {
            tags.add(Tag.builder().key("k" + i).value("v").build());
        }

        TooManyTagsException e = catchThrowableOfType(TooManyTagsException.class,
                () -> bedrock.tagResource(r -> r.resourceARN(arn).tags(tags)));

        assertThat(e).isNotNull();
        assertThat(e.statusCode()).isEqualTo(400);
        assertThat(e.resourceName()).isEqualTo(arn);
    }

    @Test
    void quotaReached_isServiceQuotaExceededException() {
        try (BedrockEmulator small = BedrockEmulator.builder().profileQuota(1).build().start();
             BedrockClient client = SdkClients.bedrock(small)) {
            client.createInferenceProfile(r -> r.inferenceProfileName("one")
                    .modelSource(s -> s.copyFrom(HAIKU_35_ARN)));

            ServiceQuotaExceededException e = catchThrowableOfType(ServiceQuotaExceededException.class,
                    () -> client.createInferenceProfile(r -> r.inferenceProfileName("two")
                            .modelSource(s -> s.copyFrom(HAIKU_35_ARN))));

            assertThat(e).isNotNull();
            assertThat(e.statusCode()).isEqualTo(400);
        }
    }

    @Test
    void foundationModels_listAndGet_parseIntoSdkTypes() {
        List<FoundationModelSummary> models = bedrock.listFoundationModels(r -> r.byProvider("Anthropic"))
                .modelSummaries();

        assertThat(models).isNotEmpty().allMatch(m -> m.providerName().equals("Anthropic"));
        FoundationModelSummary sonnet = models.stream()
                .filter(m -> m.modelId().equals("anthropic.claude-3-7-sonnet-20250219-v1:0")).findFirst().orElseThrow();
        assertThat(sonnet.inputModalities()).contains(ModelModality.TEXT, ModelModality.IMAGE);
        assertThat(sonnet.responseStreamingSupported()).isTrue();
        assertThat(sonnet.inferenceTypesSupportedAsStrings()).containsExactly("INFERENCE_PROFILE");
        assertThat(sonnet.modelLifecycle().statusAsString()).isEqualTo("ACTIVE");
        assertThat(bedrock.getFoundationModel(r -> r.modelIdentifier(HAIKU_35_ARN)).modelDetails().modelId())
                .isEqualTo("anthropic.claude-3-5-haiku-20241022-v1:0");
    }
}
