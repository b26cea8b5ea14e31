package dev.aip.core.bedrock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchRuntimeException;

import dev.aip.core.profile.ControlPlaneFailure;
import dev.aip.core.profile.InferenceProfile;
import dev.aip.core.profile.NewProfile;
import dev.aip.core.profile.ProfilePage;
import dev.aip.emulator.BedrockEmulator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrock.model.ConflictException;
import software.amazon.awssdk.services.bedrock.model.ResourceNotFoundException;
import software.amazon.awssdk.services.bedrock.model.ServiceQuotaExceededException;
import software.amazon.awssdk.services.bedrock.model.ThrottlingException;
import software.amazon.awssdk.services.bedrock.model.ValidationException;

/** The SDK binding of the profile port against the emulator's control plane, over HTTP. */
class BedrockInferenceProfileApiTest {

    private static BedrockEmulator emulator;
    private static BedrockClient client;
    private static BedrockInferenceProfileApi api;

    @BeforeAll
    static void start() {
        emulator = EmulatorControlPlane.startOrSkip(BedrockEmulator.builder().profileQuota(40));
        client = EmulatorControlPlane.client(emulator);
        api = BedrockInferenceProfileApi.create(client);
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (emulator != null) {
            emulator.close();
        }
    }

    private static NewProfile request(String name, String token) {
        return new NewProfile(name, "aip test profile", EmulatorControlPlane.systemProfileArn(emulator,
                EmulatorControlPlane.HAIKU), Map.of("TenantId", name, "ManagedBy", "aip"), token);
    }

    @Test
    void create_withTags_returnsFullDescriptionAndTags() {
        InferenceProfile p = api.create(request("crud-a", "tok-crud-a"));

        assertThat(p.arn()).contains(":application-inference-profile/").endsWith("/" + p.id());
        assertThat(p.name()).isEqualTo("crud-a");
        assertThat(p.type()).isEqualTo(InferenceProfile.APPLICATION);
        assertThat(p.sourceModelId()).isEqualTo(EmulatorControlPlane.HAIKU);
        assertThat(p.region()).isEqualTo(emulator.region());
        assertThat(api.tags(p.arn())).containsEntry("TenantId", "crud-a").containsEntry("ManagedBy", "aip");
        InferenceProfile read = api.get(p.arn()).orElseThrow();
        assertThat(read.id()).isEqualTo(p.id());
        assertThat(read.name()).isEqualTo(p.name());
        assertThat(read.sourceModelId()).isEqualTo(p.sourceModelId());
        assertThat(read.modelArns()).contains(p.modelArns().get(0));
        assertThat(read.createdAt()).isNotNull();
        assertThat(api.get(p.id())).contains(read);
    }

    @Test
    void impliedModelArn_systemProfileOrFoundationModel_namesTheFoundationModel() {
        assertThat(BedrockInferenceProfileApi.impliedModelArn(
                "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us." + EmulatorControlPlane.HAIKU))
                .isEqualTo("arn:aws:bedrock:us-east-1::foundation-model/" + EmulatorControlPlane.HAIKU);
        assertThat(BedrockInferenceProfileApi.impliedModelArn(
                "arn:aws:bedrock:eu-west-1::foundation-model/" + EmulatorControlPlane.HAIKU))
                .isEqualTo("arn:aws:bedrock:eu-west-1::foundation-model/" + EmulatorControlPlane.HAIKU);
    }

    @Test
    void create_sameTokenTwice_returnsSameProfile() {
        InferenceProfile first = api.create(request("idem", "tok-idem"));
        InferenceProfile second = api.create(request("idem", "tok-idem"));

        assertThat(second.arn()).isEqualTo(first.arn());
    }

    @Test
    void tagAndUntag_changeTags() {
        InferenceProfile p = api.create(request("tags-a", "tok-tags-a"));

        api.tag(p.arn(), Map.of("Tier", "premium", "ManagedBy", "aip"));
        api.untag(p.arn(), List.of("TenantId"));

        assertThat(api.tags(p.arn())).isEqualTo(Map.of("Tier", "premium", "ManagedBy", "aip"));
    }

    @Test
    void delete_thenGet_isEmptyAndSecondDeleteIsNotFound() {
        InferenceProfile p = api.create(request("del-a", "tok-del-a"));

        api.delete(p.arn());

        assertThat(api.get(p.arn())).isEmpty();
        RuntimeException again = catchRuntimeException(() -> api.delete(p.arn()));
        assertThat(again).isInstanceOf(ResourceNotFoundException.class);
        assertThat(api.classify(again)).isEqualTo(ControlPlaneFailure.NOT_FOUND);
    }

    @Test
    void listApplicationProfiles_paginates_andListsOnlyApplicationProfiles() {
        for (int i = 0; i < 7; i++) {
            api.create(request("page-" + i, "tok-page-" + i));
        }
        Set<String> names = new HashSet<>();
        int pages = 0;
        String token = null;
        do {
            ProfilePage page = api.listApplicationProfiles(token, 3);
            assertThat(page.profiles()).hasSizeLessThanOrEqualTo(3)
                    .allSatisfy(p -> assertThat(p.type()).isEqualTo(InferenceProfile.APPLICATION));
            page.profiles().forEach(p -> names.add(p.name()));
            token = page.nextToken();
            pages++;
        } while (token != null);

        assertThat(names).contains("page-0", "page-6");
        assertThat(pages).isGreaterThanOrEqualTo(3);
        assertThat(api.listAllApplicationProfiles()).extracting(InferenceProfile::name).containsAll(names);
    }

    @Test
    void create_nameInUse_isConflict() {
        api.create(request("dup-name", "tok-dup-1"));

        RuntimeException e = catchRuntimeException(() -> api.create(request("dup-name", "tok-dup-2")));

        assertThat(e).isInstanceOf(ConflictException.class);
        assertThat(api.classify(e)).isEqualTo(ControlPlaneFailure.CONFLICT);
    }

    @Test
    void get_malformedIdentifier_passesValidationExceptionThrough() {
        RuntimeException e = catchRuntimeException(() -> api.get("not/valid id"));

        assertThat(e).isInstanceOf(ValidationException.class);
        assertThat(api.classify(e)).isEqualTo(ControlPlaneFailure.VALIDATION);
    }

    @Test
    void classify_mapsSdkExceptions() {
        assertThat(api.classify(ThrottlingException.builder().message("slow down").build()))
                .isEqualTo(ControlPlaneFailure.THROTTLED);
        assertThat(api.classify(ServiceQuotaExceededException.builder().message("quota").build()))
                .isEqualTo(ControlPlaneFailure.QUOTA_EXCEEDED);
        assertThat(api.classify((RuntimeException) AwsServiceException.builder().statusCode(503).message("x")
                .build())).isEqualTo(ControlPlaneFailure.UNAVAILABLE);
        assertThat(api.classify((RuntimeException) AwsServiceException.builder().statusCode(403).message("x")
                .build())).isEqualTo(ControlPlaneFailure.OTHER);
        assertThat(api.classify(new IllegalStateException("bug"))).isEqualTo(ControlPlaneFailure.OTHER);
    }
}
