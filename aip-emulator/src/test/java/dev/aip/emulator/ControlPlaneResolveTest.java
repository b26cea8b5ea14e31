package dev.aip.emulator;

import static dev.aip.emulator.ControlPlaneFixtures.HAIKU_35;
import static dev.aip.emulator.ControlPlaneFixtures.HAIKU_35_ARN;
import static dev.aip.emulator.ControlPlaneFixtures.SONNET_37;
import static dev.aip.emulator.ControlPlaneFixtures.US_SONNET_37;
import static dev.aip.emulator.ControlPlaneFixtures.US_SONNET_37_ARN;
import static dev.aip.emulator.ControlPlaneFixtures.apiError;
import static dev.aip.emulator.ControlPlaneFixtures.controlPlane;
import static dev.aip.emulator.ControlPlaneFixtures.createBody;
import static dev.aip.emulator.ControlPlaneFixtures.id;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class ControlPlaneResolveTest {

    private static final String INVALID = "The provided model identifier is invalid.";

    private final ControlPlane cp = controlPlane();

    @Test
    void resolve_foundationModelId_isFoundationModelCountedUnderTheId() {
        RuntimeTarget t = cp.resolveRuntimeTarget(HAIKU_35);

        assertThat(t).isEqualTo(new RuntimeTarget(HAIKU_35, RuntimeTarget.Kind.FOUNDATION_MODEL, HAIKU_35, null, null,
                HAIKU_35));
    }

    @Test
    void resolve_foundationModelArn_isFoundationModelCountedUnderTheArn() {
        RuntimeTarget t = cp.resolveRuntimeTarget(HAIKU_35_ARN);

        assertThat(t.kind()).isEqualTo(RuntimeTarget.Kind.FOUNDATION_MODEL);
        assertThat(t.foundationModelId()).isEqualTo(HAIKU_35);
        assertThat(t.requestedId()).isEqualTo(HAIKU_35_ARN);
        assertThat(t.metricsModelId()).isEqualTo(HAIKU_35_ARN);
    }

    @Test
    void resolve_systemProfileId_isSystemProfile() {
        RuntimeTarget t = cp.resolveRuntimeTarget(US_SONNET_37);

        assertThat(t).isEqualTo(new RuntimeTarget(US_SONNET_37, RuntimeTarget.Kind.SYSTEM_PROFILE, SONNET_37,
                US_SONNET_37_ARN, US_SONNET_37, US_SONNET_37));
    }

    @Test
    void resolve_systemProfileArn_isSystemProfileCountedUnderTheArn() {
        RuntimeTarget t = cp.resolveRuntimeTarget(US_SONNET_37_ARN);

        assertThat(t).isEqualTo(new RuntimeTarget(US_SONNET_37_ARN, RuntimeTarget.Kind.SYSTEM_PROFILE, SONNET_37,
                US_SONNET_37_ARN, US_SONNET_37, US_SONNET_37_ARN));
    }

    @Test
    void resolve_globalProfile_routesToItsModel() {
        assertThat(cp.resolveRuntimeTarget("global.anthropic.claude-haiku-4-5-20251001-v1:0").foundationModelId())
                .isEqualTo("anthropic.claude-haiku-4-5-20251001-v1:0");
    }

    @Test
    void resolve_applicationProfileArnAndId_areCountedUnderTheProfileId() {
        String arn = cp.createInferenceProfile(createBody("tenant", US_SONNET_37_ARN))
                .get("inferenceProfileArn").asText();
        String id = id(arn);

        RuntimeTarget byArn = cp.resolveRuntimeTarget(arn);
        RuntimeTarget byId = cp.resolveRuntimeTarget(id);

        assertThat(byArn).isEqualTo(new RuntimeTarget(arn, RuntimeTarget.Kind.APPLICATION_PROFILE, SONNET_37, arn, id,
                id, US_SONNET_37_ARN, US_SONNET_37));
        assertThat(byId).isEqualTo(new RuntimeTarget(id, RuntimeTarget.Kind.APPLICATION_PROFILE, SONNET_37, arn, id,
                id, US_SONNET_37_ARN, US_SONNET_37));
    }

    @Test
    void resolve_applicationProfileCopiedFromFoundationModel_hasNoSourceProfile() {
        String arn = cp.createInferenceProfile(createBody("direct", HAIKU_35_ARN)).get("inferenceProfileArn").asText();

        RuntimeTarget t = cp.resolveRuntimeTarget(arn);

        assertThat(t.sourceProfileArn()).isNull();
        assertThat(t.sourceProfileId()).isNull();
        assertThat(t.specificity(HAIKU_35)).isEqualTo(RuntimeTarget.FOUNDATION_MODEL);
    }

    @ParameterizedTest
    @ValueSource(strings = {SONNET_37, "arn:aws:bedrock:us-east-1::foundation-model/" + SONNET_37,
        "anthropic.claude-sonnet-4-20250514-v1:0", "anthropic.claude-haiku-4-5-20251001-v1:0"})
    void resolve_profileOnlyModelOnDemand_isValidationExceptionNamingOnDemandThroughput(String modelId) {
        ApiError e = apiError(() -> cp.resolveRuntimeTarget(modelId));

        assertThat(e.status()).isEqualTo(400);
        assertThat(e.code()).isEqualTo("ValidationException");
        String bare = modelId.substring(modelId.lastIndexOf('/') + 1);
        assertThat(e.getMessage()).isEqualTo("Invocation of model ID " + bare + " with on-demand throughput isn't"
                + " supported. Retry your request with the ID or ARN of an inference profile that contains this"
                + " model.");
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"acme.unknown-v1:0", "abcdefghijkl", "not a model", "eu." + SONNET_37,
        "arn:aws:bedrock:us-west-2::foundation-model/" + HAIKU_35,
        "arn:aws:bedrock:us-east-1:999999999999:inference-profile/" + US_SONNET_37,
        "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abcdefghijkl",
        "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/",
        "arn:aws:bedrock:us-west-2:123456789012:application-inference-profile/abcdefghijkl"})
    void resolve_unknownOrMalformed_isInvalidModelIdentifier(String modelId) {
        ApiError e = apiError(() -> cp.resolveRuntimeTarget(modelId));

        assertThat(e.status()).isEqualTo(400);
        assertThat(e.code()).isEqualTo("ValidationException");
        assertThat(e.getMessage()).isEqualTo(INVALID);
    }

    @Test
    void resolve_deletedApplicationProfile_isInvalidModelIdentifier() {
        String arn = ControlPlaneFixtures.create(cp, "gone");
        cp.deleteInferenceProfile(arn);

        assertThat(apiError(() -> cp.resolveRuntimeTarget(arn)).getMessage()).isEqualTo(INVALID);
        assertThat(apiError(() -> cp.resolveRuntimeTarget(id(arn))).getMessage()).isEqualTo(INVALID);
    }

    @Test
    void resolve_applicationProfileInAnotherAccountsArn_isInvalid() {
        String arn = ControlPlaneFixtures.create(cp, "mine");
        String foreign = arn.replace("123456789012", "210987654321");

        assertThat(apiError(() -> cp.resolveRuntimeTarget(foreign)).getMessage()).isEqualTo(INVALID);
    }

    @Test
    void inspection_accessorsSeeLiveState() {
        String arn = ControlPlaneFixtures.create(cp, "seen");

        assertThat(cp.applicationProfileCount()).isEqualTo(1);
        assertThat(cp.applicationProfile(arn)).isEqualTo(cp.applicationProfile(id(arn)));
        assertThat(cp.applicationProfiles()).extracting(ApplicationProfile::arn).containsExactly(arn);
        assertThat(cp.tags("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/nonexistent1"))
                .isEmpty();
    }
}
