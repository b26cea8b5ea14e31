package dev.aip.emulator;

import static dev.aip.emulator.ControlPlaneFixtures.HAIKU_35;
import static dev.aip.emulator.ControlPlaneFixtures.HAIKU_35_ARN;
import static dev.aip.emulator.ControlPlaneFixtures.T0;
import static dev.aip.emulator.ControlPlaneFixtures.US_SONNET_37;
import static dev.aip.emulator.ControlPlaneFixtures.US_SONNET_37_ARN;
import static dev.aip.emulator.ControlPlaneFixtures.apiError;
import static dev.aip.emulator.ControlPlaneFixtures.config;
import static dev.aip.emulator.ControlPlaneFixtures.controlPlane;
import static dev.aip.emulator.ControlPlaneFixtures.create;
import static dev.aip.emulator.ControlPlaneFixtures.createBody;
import static dev.aip.emulator.ControlPlaneFixtures.id;
import static dev.aip.emulator.ControlPlaneFixtures.json;
import static dev.aip.emulator.ControlPlaneFixtures.tags;
import static dev.aip.emulator.ControlPlaneFixtures.withTags;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ControlPlaneCreateTest {

    private final ControlPlane cp = controlPlane();

    private ApiError createError(ObjectNode body) {
        return apiError(() -> cp.createInferenceProfile(body));
    }

    private static void assertValidation(ApiError e, String... fragments) {
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.code()).isEqualTo("ValidationException");
        assertThat(e.getMessage()).contains(fragments);
    }

    // ------------------------------------------------------------------ success

    @Test
    void create_fromFoundationModel_returnsActiveArnAndCopiesOneModel() {
        ObjectNode out = cp.createInferenceProfile(createBody("tenant-a", HAIKU_35_ARN));

        String arn = out.get("inferenceProfileArn").asText();
        assertThat(out.get("status").asText()).isEqualTo("ACTIVE");
        assertThat(arn).matches("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/[a-z0-9]{12}");
        ObjectNode got = cp.getInferenceProfile(arn);
        assertThat(got.get("inferenceProfileName").asText()).isEqualTo("tenant-a");
        assertThat(got.get("inferenceProfileId").asText()).isEqualTo(id(arn));
        assertThat(got.get("type").asText()).isEqualTo("APPLICATION");
        assertThat(got.get("status").asText()).isEqualTo("ACTIVE");
        assertThat(got.get("models").findValuesAsText("modelArn")).containsExactly(HAIKU_35_ARN);
        assertThat(got.get("createdAt").asText()).isEqualTo(T0.toString());
        assertThat(got.get("updatedAt").asText()).isEqualTo(T0.toString());
        assertThat(got.has("description")).isFalse();
        assertThat(cp.applicationProfile(arn)).get().extracting(p -> p.model().modelId()).isEqualTo(HAIKU_35);
    }

    @Test
    void create_fromSystemProfile_copiesTheProfilesModels() {
        String arn = cp.createInferenceProfile(createBody("tenant-b", US_SONNET_37_ARN))
                .get("inferenceProfileArn").asText();

        assertThat(cp.getInferenceProfile(arn).get("models").findValuesAsText("modelArn")).containsExactly(
                "arn:aws:bedrock:us-east-1::foundation-model/" + ControlPlaneFixtures.SONNET_37,
                "arn:aws:bedrock:us-east-2::foundation-model/" + ControlPlaneFixtures.SONNET_37,
                "arn:aws:bedrock:us-west-2::foundation-model/" + ControlPlaneFixtures.SONNET_37);
        assertThat(cp.applicationProfile(id(arn)).orElseThrow().copiedFrom()).isEqualTo(US_SONNET_37_ARN);
    }

    @Test
    void create_withDescriptionAndTags_keepsBoth() {
        ObjectNode body = withTags(createBody("t", HAIKU_35_ARN).put("description", "Tenant 42: gold tier v1.0"),
                Map.of("tenant", "t-42"));

        String arn = cp.createInferenceProfile(body).get("inferenceProfileArn").asText();

        assertThat(cp.getInferenceProfile(arn).get("description").asText()).isEqualTo("Tenant 42: gold tier v1.0");
        assertThat(cp.tags(arn)).containsExactly(Map.entry("tenant", "t-42"));
    }

    @Test
    void create_timestamps_comeFromTheConfiguredClock() {
        ControlPlaneFixtures.ManualClock clock = new ControlPlaneFixtures.ManualClock(T0);
        ControlPlane plane = new ControlPlane(config("us-east-1", 1, 10, clock));
        String first = create(plane, "a");
        clock.advance(Duration.ofSeconds(90));
        String second = create(plane, "b");

        assertThat(plane.getInferenceProfile(first).get("createdAt").asText()).isEqualTo("2026-01-02T03:04:05Z");
        assertThat(plane.getInferenceProfile(second).get("createdAt").asText()).isEqualTo("2026-01-02T03:05:35Z");
    }

    // ------------------------------------------------------------------ ids

    @Test
    void create_sameSeed_issuesTheSameIdsInTheSameOrder() {
        ControlPlane a = controlPlane();
        ControlPlane b = controlPlane();
        List<String> idsA = new ArrayList<>();
        List<String> idsB = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            idsA.add(id(create(a, "p" + i)));
            idsB.add(id(create(b, "p" + i)));
        }
        assertThat(idsA).isEqualTo(idsB).doesNotHaveDuplicates().allMatch(s -> s.matches("[a-z0-9]{12}"));
    }

    @Test
    void create_otherSeed_issuesOtherIds() {
        ControlPlane other = new ControlPlane(config("us-east-1", 43, 10, Clock.fixed(T0, ZoneOffset.UTC)));
        assertThat(id(create(other, "p"))).isNotEqualTo(id(create(cp, "p")));
    }

    @Test
    void create_afterDeletes_neverReusesAnId() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 300; i++) {
            String arn = create(cp, "p" + i);
            assertThat(seen.add(id(arn))).as("id %s reused", id(arn)).isTrue();
            cp.deleteInferenceProfile(arn);
        }
        assertThat(cp.applicationProfileCount()).isZero();
    }

    // ------------------------------------------------------------------ name

    @ParameterizedTest
    @ValueSource(strings = {"a", "A1", "a b", "a_b-c", "a-", "tenant 42_gold-tier", "Z9"})
    void create_validName_isAccepted(String name) {
        assertThat(create(cp, name)).isNotBlank();
    }

    @Test
    void create_nameOf64Chars_isAccepted() {
        assertThat(create(cp, "a".repeat(64))).isNotBlank();
    }

    @Test
    void create_nameOf65Chars_failsLengthConstraint() {
        assertValidation(createError(createBody("a".repeat(65), HAIKU_35_ARN)),
                "1 validation error detected: Value '" + "a".repeat(65) + "' at 'inferenceProfileName' failed to"
                        + " satisfy constraint: Member must have length less than or equal to 64");
    }

    @Test
    void create_emptyName_failsLengthConstraint() {
        assertValidation(createError(createBody("", HAIKU_35_ARN)),
                "at 'inferenceProfileName' failed to satisfy constraint: Member must have length greater than or"
                        + " equal to 1");
    }

    @ParameterizedTest
    @ValueSource(strings = {" a", "-a", "a  b", "a--b", "a -b", "a.b", "a/b", "a!", "tenant:1", "ä"})
    void create_nameOutsidePattern_failsPatternConstraint(String name) {
        assertValidation(createError(createBody(name, HAIKU_35_ARN)),
                "1 validation error detected: Value '" + name + "' at 'inferenceProfileName' failed to satisfy"
                        + " constraint: Member must satisfy regular expression pattern: ([0-9a-zA-Z][ _-]?)+");
    }

    @Test
    void create_missingName_namesTheMember() {
        ObjectNode body = createBody("x", HAIKU_35_ARN);
        body.remove("inferenceProfileName");
        assertValidation(createError(body), "1 validation error detected: Value null at 'inferenceProfileName'"
                + " failed to satisfy constraint: Member must not be null");
    }

    @Test
    void create_nameNotAString_isValidationException() {
        assertValidation(createError(json("{'inferenceProfileName': 7, 'modelSource': {'copyFrom': '"
                + HAIKU_35_ARN + "'}}")), "'inferenceProfileName'", "must be a string");
    }

    @Test
    void create_hugeName_failsOnLengthWithoutOverflowingTheStack() {
        assertValidation(createError(createBody("a".repeat(2_000_000), HAIKU_35_ARN)),
                "Member must have length less than or equal to 64");
    }

    // ------------------------------------------------------------------ description

    @Test
    void create_descriptionOf200Chars_isAccepted() {
        assertThat(cp.createInferenceProfile(createBody("d", HAIKU_35_ARN).put("description", "d".repeat(200))))
                .isNotNull();
    }

    @Test
    void create_descriptionOf201Chars_failsLengthConstraintAndIsRedacted() {
        ApiError e = createError(createBody("d", HAIKU_35_ARN).put("description", "d".repeat(201)));
        assertValidation(e, "at 'description' failed to satisfy constraint: Member must have length less than or"
                + " equal to 200");
        assertThat(e.getMessage()).doesNotContain("ddd");
    }

    @Test
    void create_emptyDescription_failsLengthConstraint() {
        assertValidation(createError(createBody("d", HAIKU_35_ARN).put("description", "")),
                "at 'description' failed to satisfy constraint: Member must have length greater than or equal to 1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a,b", "a/b", "(a)", "it's", " a", "a  b"})
    void create_descriptionOutsidePattern_failsPatternConstraint(String description) {
        assertValidation(createError(createBody("d", HAIKU_35_ARN).put("description", description)),
                "at 'description' failed to satisfy constraint: Member must satisfy regular expression pattern:"
                        + " ([0-9a-zA-Z:.][ _-]?)+");
    }

    // ------------------------------------------------------------------ clientRequestToken

    @ParameterizedTest
    @ValueSource(strings = {"a", "0", "ab", "a-b", "123e4567-e89b-12d3-a456-426614174000"})
    void create_validToken_isAccepted(String token) {
        assertThat(cp.createInferenceProfile(createBody("t", HAIKU_35_ARN).put("clientRequestToken", token)))
                .isNotNull();
    }

    @Test
    void create_tokenOf256Chars_isAcceptedAnd257IsNot() {
        String ok = "a" + "-".repeat(254) + "b";
        assertThat(cp.createInferenceProfile(createBody("t", HAIKU_35_ARN).put("clientRequestToken", ok)))
                .isNotNull();
        assertValidation(createError(createBody("u", HAIKU_35_ARN).put("clientRequestToken", "a".repeat(257))),
                "at 'clientRequestToken' failed to satisfy constraint: Member must have length less than or equal"
                        + " to 256");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-a", "a-", "a_b", "a b", "a.b"})
    void create_tokenOutsidePattern_failsPatternConstraint(String token) {
        assertValidation(createError(createBody("t", HAIKU_35_ARN).put("clientRequestToken", token)),
                "at 'clientRequestToken' failed to satisfy constraint: Member must satisfy regular expression"
                        + " pattern: [a-zA-Z0-9]([-a-zA-Z0-9]{0,254}[a-zA-Z0-9])?");
    }

    @Test
    void create_emptyToken_failsLengthConstraint() {
        assertValidation(createError(createBody("t", HAIKU_35_ARN).put("clientRequestToken", "")),
                "at 'clientRequestToken' failed to satisfy constraint: Member must have length greater than or"
                        + " equal to 1");
    }

    // ------------------------------------------------------------------ modelSource

    @Test
    void create_missingModelSource_namesTheMember() {
        assertValidation(createError(json("{'inferenceProfileName': 'x'}")),
                "Value null at 'modelSource' failed to satisfy constraint: Member must not be null");
    }

    @Test
    void create_emptyModelSource_namesCopyFrom() {
        assertValidation(createError(json("{'inferenceProfileName': 'x', 'modelSource': {}}")),
                "Value null at 'modelSource.copyFrom' failed to satisfy constraint: Member must not be null");
    }

    @Test
    void create_modelSourceWithAnotherMember_isRejected() {
        assertValidation(createError(json("{'inferenceProfileName': 'x', 'modelSource': {'copyFrom': '"
                + HAIKU_35_ARN + "', 'other': 'y'}}")), "'modelSource'", "exactly one member");
    }

    @Test
    void create_fromApplicationProfileArn_failsPatternConstraint() {
        String aip = create(cp, "source");
        assertValidation(createError(createBody("copy", aip)),
                "at 'modelSource.copyFrom' failed to satisfy constraint: Member must satisfy regular expression"
                        + " pattern: arn:aws(|-us-gov|-cn|-iso|-iso-b):bedrock:(|[0-9a-z-]{0,20}):(|[0-9]{12}):"
                        + "(inference-profile|foundation-model)/[a-zA-Z0-9-:.]+");
    }

    @ParameterizedTest
    @ValueSource(strings = {HAIKU_35, US_SONNET_37, "arn:aws:s3:::bucket/key", ""})
    void create_copyFromNotAProfileOrModelArn_isValidationException(String copyFrom) {
        assertValidation(createError(createBody("x", copyFrom)), "'modelSource.copyFrom'");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "arn:aws:bedrock:us-east-1::foundation-model/acme.unknown-v1:0",
        "arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0",
        "arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.anthropic.claude-3-7-sonnet-20250219-v1:0",
        "arn:aws:bedrock:us-east-1:999999999999:inference-profile/us.anthropic.claude-3-7-sonnet-20250219-v1:0",
        "arn:aws-cn:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0"})
    void create_wellFormedSourceNotInThisRegion_isResourceNotFound(String copyFrom) {
        ApiError e = createError(createBody("x", copyFrom));
        assertThat(e.status()).isEqualTo(404);
        assertThat(e.code()).isEqualTo("ResourceNotFoundException");
        assertThat(e.getMessage()).contains(copyFrom);
        assertThat(cp.applicationProfileCount()).isZero();
    }

    // ------------------------------------------------------------------ tags

    @Test
    void create_with50Tags_isAccepted() {
        String arn = cp.createInferenceProfile(withTags(createBody("t", HAIKU_35_ARN), tags(50, "k")))
                .get("inferenceProfileArn").asText();
        assertThat(cp.tags(arn)).hasSize(50);
    }

    @Test
    void create_with51Tags_isTooManyTagsNamingTheResource() {
        ApiError e = createError(withTags(createBody("t", HAIKU_35_ARN), tags(51, "k")));
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.code()).isEqualTo("TooManyTagsException");
        assertThat(e.extra()).containsEntry("resourceName", "t");
        assertThat(cp.applicationProfileCount()).isZero();
    }

    @Test
    void create_with201TagItems_failsListLength() {
        assertValidation(createError(withTags(createBody("t", HAIKU_35_ARN), tags(201, "k"))),
                "Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 200");
    }

    @Test
    void create_tagKeyOf128AndValueOf256_areAcceptedAndEmptyValueToo() {
        String arn = cp.createInferenceProfile(withTags(createBody("t", HAIKU_35_ARN),
                Map.of("k".repeat(128), "v".repeat(256), "empty", ""))).get("inferenceProfileArn").asText();
        assertThat(cp.tags(arn)).containsEntry("empty", "").containsEntry("k".repeat(128), "v".repeat(256));
    }

    @Test
    void create_tagKeyOf129_failsLengthConstraint() {
        assertValidation(createError(withTags(createBody("t", HAIKU_35_ARN), Map.of("k".repeat(129), "v"))),
                "at 'tags.1.member.key' failed to satisfy constraint: Member must have length less than or equal to"
                        + " 128");
    }

    @Test
    void create_tagValueOf257_failsLengthConstraint() {
        assertValidation(createError(withTags(createBody("t", HAIKU_35_ARN), Map.of("k", "v".repeat(257)))),
                "at 'tags.1.member.value' failed to satisfy constraint: Member must have length less than or equal"
                        + " to 256");
    }

    @Test
    void create_emptyTagKey_failsLengthConstraint() {
        assertValidation(createError(withTags(createBody("t", HAIKU_35_ARN), Map.of("", "v"))),
                "at 'tags.1.member.key' failed to satisfy constraint: Member must have length greater than or equal"
                        + " to 1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a!", "a,b", "a#", "ü", "a*"})
    void create_tagKeyOutsidePattern_failsPatternConstraint(String key) {
        assertValidation(createError(withTags(createBody("t", HAIKU_35_ARN), Map.of(key, "v"))),
                "at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern:"
                        + " [a-zA-Z0-9\\s._:/=+@-]*");
    }

    @Test
    void create_tagKeyWithAllowedPunctuation_isAccepted() {
        String arn = cp.createInferenceProfile(withTags(createBody("t", HAIKU_35_ARN),
                Map.of("aip:tenant/id=x+y@z-1 _.", "a b:c/d=e+f@g-h_i."))).get("inferenceProfileArn").asText();
        assertThat(cp.tags(arn)).hasSize(1);
    }

    @Test
    void create_tagWithoutValue_namesTheMember() {
        ObjectNode body = createBody("t", HAIKU_35_ARN);
        ArrayNode list = body.putArray("tags");
        list.addObject().put("key", "a").put("value", "1");
        list.addObject().put("key", "b");
        assertValidation(createError(body),
                "Value null at 'tags.2.member.value' failed to satisfy constraint: Member must not be null");
    }

    @Test
    void create_severalViolations_reportsAllOfThem() {
        ObjectNode body = createBody("bad name!", HAIKU_35).put("description", "a,b");
        ApiError e = createError(body);
        assertValidation(e, "3 validation errors detected: ", "'inferenceProfileName'", "'description'",
                "'modelSource.copyFrom'");
    }

    // ------------------------------------------------------------------ idempotency, conflicts, quota

    @Test
    void create_sameTokenSameParameters_returnsTheOriginalArnAndCreatesNothing() {
        ObjectNode body = withTags(createBody("idem", HAIKU_35_ARN).put("clientRequestToken", "tok-1"),
                Map.of("a", "1"));
        String first = cp.createInferenceProfile(body.deepCopy()).get("inferenceProfileArn").asText();
        String second = cp.createInferenceProfile(body.deepCopy()).get("inferenceProfileArn").asText();

        assertThat(second).isEqualTo(first);
        assertThat(cp.applicationProfileCount()).isEqualTo(1);
    }

    @Test
    void create_sameTokenDifferentParameters_isConflict() {
        cp.createInferenceProfile(createBody("idem", HAIKU_35_ARN).put("clientRequestToken", "tok-1"));

        ApiError e = createError(createBody("idem", HAIKU_35_ARN).put("clientRequestToken", "tok-1")
                .put("description", "changed"));

        assertThat(e.status()).isEqualTo(400);
        assertThat(e.code()).isEqualTo("ConflictException");
        assertThat(e.getMessage()).contains("tok-1");
        assertThat(cp.applicationProfileCount()).isEqualTo(1);
    }

    @Test
    void create_tokenOfADeletedProfile_createsANewProfile() {
        ObjectNode body = createBody("again", HAIKU_35_ARN).put("clientRequestToken", "tok-2");
        String first = cp.createInferenceProfile(body.deepCopy()).get("inferenceProfileArn").asText();
        cp.deleteInferenceProfile(first);

        String second = cp.createInferenceProfile(body.deepCopy()).get("inferenceProfileArn").asText();

        assertThat(second).isNotEqualTo(first);
        assertThat(cp.applicationProfileCount()).isEqualTo(1);
    }

    @Test
    void create_duplicateNameWithOtherToken_isConflict() {
        cp.createInferenceProfile(createBody("dup", HAIKU_35_ARN).put("clientRequestToken", "t1"));

        ApiError e = createError(createBody("dup", US_SONNET_37_ARN).put("clientRequestToken", "t2"));

        assertThat(e.status()).isEqualTo(400);
        assertThat(e.code()).isEqualTo("ConflictException");
        assertThat(e.getMessage()).contains("dup");
    }

    @Test
    void create_nameOfADeletedProfile_isAccepted() {
        cp.deleteInferenceProfile(create(cp, "reuse"));
        assertThat(create(cp, "reuse")).isNotBlank();
    }

    @Test
    void create_atQuota_isServiceQuotaExceededUntilAProfileIsDeleted() {
        ControlPlane small = ControlPlaneFixtures.controlPlane(2);
        String first = create(small, "a");
        create(small, "b");

        ApiError e = apiError(() -> create(small, "c"));
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.code()).isEqualTo("ServiceQuotaExceededException");
        assertThat(e.getMessage()).contains("2");

        small.deleteInferenceProfile(first);
        assertThat(create(small, "c")).isNotBlank();
        assertThat(small.applicationProfileCount()).isEqualTo(2);
    }

    @Test
    void create_replayAtQuota_stillReturnsTheOriginal() {
        ControlPlane small = ControlPlaneFixtures.controlPlane(1);
        ObjectNode body = createBody("only", HAIKU_35_ARN).put("clientRequestToken", "t");
        String arn = small.createInferenceProfile(body.deepCopy()).get("inferenceProfileArn").asText();

        assertThat(small.createInferenceProfile(body.deepCopy()).get("inferenceProfileArn").asText()).isEqualTo(arn);
    }

    @Test
    void create_quotaZero_refusesTheFirstProfile() {
        assertThat(apiError(() -> create(ControlPlaneFixtures.controlPlane(0), "a")).code())
                .isEqualTo("ServiceQuotaExceededException");
    }
}
