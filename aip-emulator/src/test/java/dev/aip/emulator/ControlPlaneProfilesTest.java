package dev.aip.emulator;

import static dev.aip.emulator.ControlPlaneFixtures.HAIKU_35_ARN;
import static dev.aip.emulator.ControlPlaneFixtures.US_SONNET_37;
import static dev.aip.emulator.ControlPlaneFixtures.US_SONNET_37_ARN;
import static dev.aip.emulator.ControlPlaneFixtures.apiError;
import static dev.aip.emulator.ControlPlaneFixtures.controlPlane;
import static dev.aip.emulator.ControlPlaneFixtures.create;
import static dev.aip.emulator.ControlPlaneFixtures.id;
import static dev.aip.emulator.ControlPlaneFixtures.query;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ControlPlaneProfilesTest {

    private final ControlPlane cp = controlPlane();

    // ------------------------------------------------------------------ get

    @Test
    void get_byArnAndById_returnsTheSameProfile() {
        String arn = create(cp, "tenant");

        assertThat(cp.getInferenceProfile(id(arn))).isEqualTo(cp.getInferenceProfile(arn));
        assertThat(cp.getInferenceProfile(arn).get("inferenceProfileArn").asText()).isEqualTo(arn);
    }

    @Test
    void get_systemProfileByIdAndArn_returnsSystemDefinedWithThreeUsRegions() {
        ObjectNode byId = cp.getInferenceProfile(US_SONNET_37);

        assertThat(cp.getInferenceProfile(US_SONNET_37_ARN)).isEqualTo(byId);
        assertThat(byId.get("type").asText()).isEqualTo("SYSTEM_DEFINED");
        assertThat(byId.get("inferenceProfileId").asText()).isEqualTo(US_SONNET_37);
        assertThat(byId.get("inferenceProfileArn").asText()).isEqualTo(US_SONNET_37_ARN);
        assertThat(byId.get("models").findValuesAsText("modelArn"))
                .hasSize(3)
                .allMatch(a -> a.matches("arn:aws:bedrock:us-(east|west)-[12]::foundation-model/"
                        + "anthropic\\.claude-3-7-sonnet-20250219-v1:0"));
        assertThat(byId.get("createdAt").asText()).endsWith("Z");
    }

    @ParameterizedTest
    @ValueSource(strings = {"abcdefghijkl", "eu.anthropic.claude-3-7-sonnet-20250219-v1:0", "arn:aws:s3:::bucket",
        "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abcdefghijkl",
        "arn:aws:bedrock:us-west-2:123456789012:inference-profile/us.anthropic.claude-3-7-sonnet-20250219-v1:0"})
    void get_unknownIdentifier_isResourceNotFound(String identifier) {
        ApiError e = apiError(() -> cp.getInferenceProfile(identifier));
        assertThat(e.status()).isEqualTo(404);
        assertThat(e.code()).isEqualTo("ResourceNotFoundException");
    }

    @Test
    void get_deletedProfile_isResourceNotFound() {
        String arn = create(cp, "gone");
        cp.deleteInferenceProfile(arn);

        assertThat(apiError(() -> cp.getInferenceProfile(arn)).status()).isEqualTo(404);
        assertThat(apiError(() -> cp.getInferenceProfile(id(arn))).status()).isEqualTo(404);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a/b", "has space", "arn:aws:bedrock:us-east-1::foundation-model/x",
        "arn:aws:s3:::bucket/key"})
    void get_malformedIdentifier_isValidationException(String identifier) {
        ApiError e = apiError(() -> cp.getInferenceProfile(identifier));
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.code()).isEqualTo("ValidationException");
        assertThat(e.getMessage()).contains("'inferenceProfileIdentifier'");
    }

    // ------------------------------------------------------------------ delete

    @Test
    void delete_applicationProfile_removesItAndSecondDeleteIsNotFound() {
        String arn = create(cp, "x");

        cp.deleteInferenceProfile(arn);

        assertThat(cp.applicationProfileCount()).isZero();
        assertThat(cp.applicationProfile(arn)).isEmpty();
        ApiError e = apiError(() -> cp.deleteInferenceProfile(arn));
        assertThat(e.code()).isEqualTo("ResourceNotFoundException");
        assertThat(e.status()).isEqualTo(404);
    }

    @Test
    void delete_byBareId_works() {
        String arn = create(cp, "x");
        cp.deleteInferenceProfile(id(arn));
        assertThat(cp.applicationProfileCount()).isZero();
    }

    @Test
    void delete_systemProfile_isValidationException() {
        ApiError e = apiError(() -> cp.deleteInferenceProfile(US_SONNET_37_ARN));
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.code()).isEqualTo("ValidationException");
        assertThat(e.getMessage()).contains("system-defined");
        assertThat(cp.getInferenceProfile(US_SONNET_37)).isNotNull();
    }

    @Test
    void delete_malformedIdentifier_isValidationException() {
        assertThat(apiError(() -> cp.deleteInferenceProfile("a/b")).code()).isEqualTo("ValidationException");
    }

    // ------------------------------------------------------------------ list

    @Test
    void list_withoutType_returnsOnlySystemDefined() {
        create(cp, "mine");

        ObjectNode out = cp.listInferenceProfiles(query());

        assertThat(out.get("inferenceProfileSummaries").findValuesAsText("type")).isNotEmpty()
                .containsOnly("SYSTEM_DEFINED");
        assertThat(out.get("inferenceProfileSummaries").findValuesAsText("inferenceProfileId")).contains(US_SONNET_37);
        assertThat(out.has("nextToken")).isFalse();
    }

    @Test
    void list_typeApplication_returnsOnlyApplicationProfilesInCreationOrder() {
        String a = create(cp, "a");
        String b = create(cp, "b");

        ObjectNode out = cp.listInferenceProfiles(query("type", "APPLICATION"));

        assertThat(out.get("inferenceProfileSummaries").findValuesAsText("inferenceProfileArn")).containsExactly(a, b);
        assertThat(out.get("inferenceProfileSummaries").get(0)).isEqualTo(cp.getInferenceProfile(a));
    }

    @Test
    void list_typeApplicationWhenNone_returnsEmptyListAndNoToken() {
        ObjectNode out = cp.listInferenceProfiles(query("type", "APPLICATION"));
        assertThat(out.get("inferenceProfileSummaries")).isEmpty();
        assertThat(out.has("nextToken")).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"application", "ALL", ""})
    void list_unknownType_isValidationExceptionNamingTheEnum(String type) {
        ApiError e = apiError(() -> cp.listInferenceProfiles(query("type", type)));
        assertThat(e.code()).isEqualTo("ValidationException");
        assertThat(e.getMessage()).contains("Member must satisfy enum value set: [SYSTEM_DEFINED, APPLICATION]");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "1001", "-1", "abc", "2.5"})
    void list_maxResultsOutOfRange_isValidationException(String max) {
        ApiError e = apiError(() -> cp.listInferenceProfiles(query("type", "APPLICATION", "maxResults", max)));
        assertThat(e.code()).isEqualTo("ValidationException");
        assertThat(e.getMessage()).contains("'maxResults'");
    }

    @Test
    void list_maxResultsBounds_areAccepted() {
        for (int i = 0; i < 3; i++) {
            create(cp, "p" + i);
        }
        assertThat(cp.listInferenceProfiles(query("type", "APPLICATION", "maxResults", "1"))
                .get("inferenceProfileSummaries")).hasSize(1);
        assertThat(cp.listInferenceProfiles(query("type", "APPLICATION", "maxResults", "1000"))
                .get("inferenceProfileSummaries")).hasSize(3);
    }

    @Test
    void list_withoutMaxResults_returnsPagesOfTheDefaultSize() {
        for (int i = 0; i < ControlPlane.DEFAULT_PAGE_SIZE + 1; i++) {
            create(cp, "p" + i);
        }
        ObjectNode first = cp.listInferenceProfiles(query("type", "APPLICATION"));
        assertThat(first.get("inferenceProfileSummaries")).hasSize(ControlPlane.DEFAULT_PAGE_SIZE);
        ObjectNode second = cp.listInferenceProfiles(query("type", "APPLICATION", "nextToken",
                first.get("nextToken").asText()));
        assertThat(second.get("inferenceProfileSummaries")).hasSize(1);
        assertThat(second.has("nextToken")).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"garbage", "bm90LW91cnM", "QVBQTElDQVRJT046MTpkZWFkYmVlZg", "a b", ""})
    void list_foreignNextToken_isValidationException(String token) {
        create(cp, "p");
        ApiError e = apiError(() -> cp.listInferenceProfiles(query("type", "APPLICATION", "nextToken", token)));
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.code()).isEqualTo("ValidationException");
    }

    @Test
    void list_tokenOfTheOtherType_isValidationException() {
        String systemToken = cp.listInferenceProfiles(query("maxResults", "1")).get("nextToken").asText();

        ApiError e = apiError(() -> cp.listInferenceProfiles(query("type", "APPLICATION", "nextToken",
                systemToken)));

        assertThat(e.code()).isEqualTo("ValidationException");
        assertThat(e.getMessage()).contains("nextToken");
    }

    @Test
    void list_tokenOfAnotherSeed_isValidationException() {
        for (int i = 0; i < 3; i++) {
            create(cp, "p" + i);
        }
        String token = cp.listInferenceProfiles(query("type", "APPLICATION", "maxResults", "1"))
                .get("nextToken").asText();
        ControlPlane other = new ControlPlane(ControlPlaneFixtures.config("us-east-1", 7, 10,
                java.time.Clock.systemUTC()));

        assertThat(apiError(() -> other.listInferenceProfiles(query("type", "APPLICATION", "nextToken", token)))
                .code()).isEqualTo("ValidationException");
    }

    @Test
    void list_applicationAcrossMoreThanTwoPages_returnsEveryProfileOnceInOrder() {
        List<String> created = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            created.add(create(cp, "p" + i));
        }

        List<List<String>> pages = pages(cp, "APPLICATION", 10);

        assertThat(pages).hasSize(3);
        assertThat(pages.get(2)).hasSize(5);
        assertThat(pages.stream().flatMap(List::stream).toList()).isEqualTo(created);
    }

    @Test
    void list_exactMultipleOfPageSize_endsWithoutAnEmptyPage() {
        for (int i = 0; i < 20; i++) {
            create(cp, "p" + i);
        }
        assertThat(pages(cp, "APPLICATION", 10)).hasSize(2);
    }

    @Test
    void list_systemDefinedAcrossPages_returnsTheWholeCatalogOnce() {
        List<String> all = cp.listInferenceProfiles(query("maxResults", "1000")).get("inferenceProfileSummaries")
                .findValuesAsText("inferenceProfileId");

        List<List<String>> pages = pages(cp, "SYSTEM_DEFINED", 3);

        assertThat(pages.size()).isGreaterThan(2);
        assertThat(pages.stream().flatMap(List::stream).toList()).isEqualTo(all).doesNotHaveDuplicates();
        assertThat(all).hasSameSizeAs(cp.catalog().systemProfiles());
    }

    @Test
    void list_withDeletesAndCreatesBetweenPages_returnsEveryProfileThatLivedThroughoutExactlyOnce() {
        List<String> created = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            created.add(create(cp, "p" + i));
        }
        List<String> seen = new ArrayList<>();
        ObjectNode page = cp.listInferenceProfiles(query("type", "APPLICATION", "maxResults", "7"));
        seen.addAll(page.get("inferenceProfileSummaries").findValuesAsText("inferenceProfileArn"));
        // Between pages: delete one already returned and one not yet returned, and create more.
        cp.deleteInferenceProfile(created.get(2));
        cp.deleteInferenceProfile(created.get(12));
        cp.deleteInferenceProfile(created.get(6));
        String late = create(cp, "late");
        Set<String> removed = Set.of(created.get(2), created.get(12), created.get(6));
        while (page.has("nextToken")) {
            page = cp.listInferenceProfiles(query("type", "APPLICATION", "maxResults", "7", "nextToken",
                    page.get("nextToken").asText()));
            seen.addAll(page.get("inferenceProfileSummaries").findValuesAsText("inferenceProfileArn"));
            cp.deleteInferenceProfile(create(cp, "churn" + seen.size()));
        }

        List<String> survivors = created.stream().filter(a -> !removed.contains(a)).toList();
        assertThat(seen).doesNotHaveDuplicates().containsAll(survivors).contains(late)
                .doesNotContain(created.get(12));
    }

    // ------------------------------------------------------------------ tags

    @Test
    void tag_thenList_returnsTagsAndReplacesExistingValues() {
        String arn = create(cp, "t");
        cp.tagResource(ControlPlaneFixtures.tagBody(arn, Map.of("tenant", "a")));
        cp.tagResource(ControlPlaneFixtures.tagBody(arn, Map.of("tenant", "b", "tier", "gold")));

        JsonNode tags = cp.listTagsForResource(body(arn)).get("tags");

        assertThat(tags).hasSize(2);
        assertThat(cp.tags(arn)).containsExactly(Map.entry("tenant", "b"), Map.entry("tier", "gold"));
        assertThat(tags.get(0).get("key").asText()).isEqualTo("tenant");
        assertThat(tags.get(0).get("value").asText()).isEqualTo("b");
    }

    @Test
    void tag_doesNotChangeTimestamps() {
        ControlPlaneFixtures.ManualClock clock = new ControlPlaneFixtures.ManualClock(ControlPlaneFixtures.T0);
        ControlPlane plane = new ControlPlane(ControlPlaneFixtures.config("us-east-1", 1, 10, clock));
        String arn = create(plane, "t");
        ObjectNode before = plane.getInferenceProfile(arn);
        clock.advance(java.time.Duration.ofHours(1));

        plane.tagResource(ControlPlaneFixtures.tagBody(arn, Map.of("k", "v")));

        assertThat(plane.getInferenceProfile(arn)).isEqualTo(before);
    }

    @Test
    void untag_removesKeysAndIgnoresMissingOnes() {
        String arn = create(cp, "t");
        cp.tagResource(ControlPlaneFixtures.tagBody(arn, Map.of("a", "1", "b", "2")));

        cp.untagResource(ControlPlaneFixtures.untagBody(arn, "a", "never-set"));

        assertThat(cp.tags(arn)).containsExactly(Map.entry("b", "2"));
    }

    @Test
    void tag_upTo50DistinctKeys_isAcceptedAndOneMoreIsTooManyTags() {
        String arn = create(cp, "t");
        cp.tagResource(ControlPlaneFixtures.tagBody(arn, ControlPlaneFixtures.tags(45, "old")));
        cp.tagResource(ControlPlaneFixtures.tagBody(arn, ControlPlaneFixtures.tags(5, "new")));

        ApiError e = apiError(() -> cp.tagResource(ControlPlaneFixtures.tagBody(arn, Map.of("one-more", "x"))));

        assertThat(e.status()).isEqualTo(400);
        assertThat(e.code()).isEqualTo("TooManyTagsException");
        assertThat(e.extra()).containsEntry("resourceName", arn);
        assertThat(cp.tags(arn)).hasSize(50).doesNotContainKey("one-more");
    }

    @Test
    void tag_replacingValuesAt50Keys_isAccepted() {
        String arn = create(cp, "t");
        cp.tagResource(ControlPlaneFixtures.tagBody(arn, ControlPlaneFixtures.tags(50, "k")));

        cp.tagResource(ControlPlaneFixtures.tagBody(arn, Map.of("k0", "changed", "k49", "changed")));

        assertThat(cp.tags(arn)).hasSize(50).containsEntry("k0", "changed");
    }

    @Test
    void tag_51TagsInOneRequest_isTooManyTags() {
        String arn = create(cp, "t");
        assertThat(apiError(() -> cp.tagResource(ControlPlaneFixtures.tagBody(arn,
                ControlPlaneFixtures.tags(51, "k")))).code()).isEqualTo("TooManyTagsException");
        assertThat(cp.tags(arn)).isEmpty();
    }

    @Test
    void tag_invalidKey_isValidationExceptionNamingThePath() {
        String arn = create(cp, "t");
        ApiError e = apiError(() -> cp.tagResource(ControlPlaneFixtures.tagBody(arn, Map.of("bad!", "v"))));
        assertThat(e.code()).isEqualTo("ValidationException");
        assertThat(e.getMessage()).contains("'tags.1.member.key'");
    }

    @Test
    void tag_missingTags_isValidationException() {
        String arn = create(cp, "t");
        assertThat(apiError(() -> cp.tagResource(body(arn))).getMessage())
                .contains("Value null at 'tags' failed to satisfy constraint: Member must not be null");
    }

    @Test
    void untag_missingTagKeys_isValidationException() {
        String arn = create(cp, "t");
        assertThat(apiError(() -> cp.untagResource(body(arn))).getMessage())
                .contains("Value null at 'tagKeys' failed to satisfy constraint: Member must not be null");
    }

    @Test
    void untag_invalidKey_isValidationExceptionNamingThePath() {
        String arn = create(cp, "t");
        assertThat(apiError(() -> cp.untagResource(ControlPlaneFixtures.untagBody(arn, "ok", "")))
                .getMessage()).contains("'tagKeys.2.member'");
    }

    @Test
    void tag_systemProfile_isValidationExceptionAndListingItsTagsIsEmpty() {
        ApiError e = apiError(() -> cp.tagResource(ControlPlaneFixtures.tagBody(US_SONNET_37_ARN, Map.of("k", "v"))));
        assertThat(e.code()).isEqualTo("ValidationException");
        assertThat(e.getMessage()).contains("system-defined");
        assertThat(apiError(() -> cp.untagResource(ControlPlaneFixtures.untagBody(US_SONNET_37_ARN, "k"))).code())
                .isEqualTo("ValidationException");
        assertThat(cp.listTagsForResource(body(US_SONNET_37_ARN)).get("tags")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abcdefghijkl",
        "arn:aws:bedrock:us-west-2:123456789012:application-inference-profile/abcdefghijkl",
        "arn:aws:bedrock:us-east-1:123456789012:custom-model/foo",
        "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.acme.unknown-v1:0"})
    void tagOperations_unknownResource_areResourceNotFound(String arn) {
        assertThat(apiError(() -> cp.tagResource(ControlPlaneFixtures.tagBody(arn, Map.of("k", "v")))).status())
                .isEqualTo(404);
        assertThat(apiError(() -> cp.untagResource(ControlPlaneFixtures.untagBody(arn, "k"))).status())
                .isEqualTo(404);
        assertThat(apiError(() -> cp.listTagsForResource(body(arn))).code()).isEqualTo("ResourceNotFoundException");
    }

    @Test
    void tagOperations_deletedProfile_areResourceNotFound() {
        String arn = create(cp, "t");
        cp.deleteInferenceProfile(arn);
        assertThat(apiError(() -> cp.listTagsForResource(body(arn))).status()).isEqualTo(404);
        assertThat(apiError(() -> cp.tagResource(ControlPlaneFixtures.tagBody(arn, Map.of("k", "v")))).status())
                .isEqualTo(404);
    }

    @ParameterizedTest
    @ValueSource(strings = {"short", "not an arn at all, but long enough", "arn:aws:s3:::some-bucket-name"})
    void tagOperations_malformedArn_areValidationException(String arn) {
        ApiError e = apiError(() -> cp.listTagsForResource(body(arn)));
        assertThat(e.code()).isEqualTo("ValidationException");
        assertThat(e.getMessage()).contains("'resourceARN'");
    }

    @Test
    void tagOperations_missingArn_isValidationException() {
        assertThat(apiError(() -> cp.listTagsForResource(Json.MAPPER.createObjectNode())).getMessage())
                .contains("Value null at 'resourceARN' failed to satisfy constraint: Member must not be null");
    }

    // ------------------------------------------------------------------ foundation models

    @Test
    void listFoundationModels_coversThePricedModelsInTheSdkShape() {
        JsonNode models = cp.listFoundationModels(query()).get("modelSummaries");

        assertThat(models.findValuesAsText("modelId")).contains(
                "anthropic.claude-3-7-sonnet-20250219-v1:0", "anthropic.claude-sonnet-4-20250514-v1:0",
                "anthropic.claude-3-5-haiku-20241022-v1:0", "anthropic.claude-haiku-4-5-20251001-v1:0",
                "amazon.nova-micro-v1:0", "amazon.nova-lite-v1:0", "amazon.nova-pro-v1:0");
        JsonNode haiku = find(models, "anthropic.claude-3-5-haiku-20241022-v1:0");
        assertThat(haiku.get("modelArn").asText()).isEqualTo(HAIKU_35_ARN);
        assertThat(haiku.get("modelName").asText()).isEqualTo("Claude 3.5 Haiku");
        assertThat(haiku.get("providerName").asText()).isEqualTo("Anthropic");
        assertThat(texts(haiku.get("inputModalities"))).containsExactly("TEXT");
        assertThat(haiku.get("outputModalities").get(0).asText()).isEqualTo("TEXT");
        assertThat(haiku.get("responseStreamingSupported").asBoolean()).isTrue();
        assertThat(haiku.get("modelLifecycle").get("status").asText()).isEqualTo("ACTIVE");
        assertThat(texts(haiku.get("inferenceTypesSupported"))).contains("ON_DEMAND");
        assertThat(texts(find(models, "anthropic.claude-3-7-sonnet-20250219-v1:0").get("inferenceTypesSupported")))
                .containsExactly("INFERENCE_PROFILE");
    }

    @Test
    void listFoundationModels_filters_narrowTheList() {
        assertThat(cp.listFoundationModels(query("byProvider", "amazon")).get("modelSummaries")
                .findValuesAsText("providerName")).containsOnly("Amazon").hasSize(4);
        assertThat(cp.listFoundationModels(query("byInferenceType", "ON_DEMAND")).get("modelSummaries")
                .findValuesAsText("modelId")).doesNotContain("anthropic.claude-3-7-sonnet-20250219-v1:0")
                .contains("amazon.nova-pro-v1:0");
        assertThat(cp.listFoundationModels(query("byOutputModality", "EMBEDDING")).get("modelSummaries")
                .findValuesAsText("modelId")).containsExactly("amazon.titan-embed-text-v2:0");
        assertThat(cp.listFoundationModels(query("byCustomizationType", "FINE_TUNING")).get("modelSummaries"))
                .isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"byInferenceType=INFERENCE_PROFILE", "byOutputModality=VIDEO", "byProvider=bad!",
        "byCustomizationType=LORA"})
    void listFoundationModels_invalidFilter_isValidationException(String pair) {
        String[] kv = pair.split("=");
        assertThat(apiError(() -> cp.listFoundationModels(query(kv[0], kv[1]))).code())
                .isEqualTo("ValidationException");
    }

    @Test
    void getFoundationModel_byIdAndArn_wrapsTheSummaryInModelDetails() {
        ObjectNode byId = cp.getFoundationModel("amazon.nova-pro-v1:0");
        assertThat(cp.getFoundationModel("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0"))
                .isEqualTo(byId);
        assertThat(byId.get("modelDetails").get("modelId").asText()).isEqualTo("amazon.nova-pro-v1:0");
        assertThat(byId.get("modelDetails").get("providerName").asText()).isEqualTo("Amazon");
    }

    @ParameterizedTest
    @ValueSource(strings = {"acme.unknown-v1", "arn:aws:bedrock:us-west-2::foundation-model/amazon.nova-pro-v1:0"})
    void getFoundationModel_unknown_isResourceNotFound(String identifier) {
        ApiError e = apiError(() -> cp.getFoundationModel(identifier));
        assertThat(e.status()).isEqualTo(404);
        assertThat(e.code()).isEqualTo("ResourceNotFoundException");
    }

    // ------------------------------------------------------------------ catalog per region

    @Test
    void catalog_usRegion_hasUsAndGlobalProfilesOnly() {
        List<String> ids = cp.catalog().systemProfiles().stream().map(ModelCatalog.SystemProfile::id).toList();
        assertThat(ids).contains(US_SONNET_37, "us.amazon.nova-pro-v1:0", "us.anthropic.claude-3-5-haiku-20241022-v1:0",
                "global.anthropic.claude-sonnet-4-20250514-v1:0", "global.anthropic.claude-haiku-4-5-20251001-v1:0");
        assertThat(ids).allMatch(i -> i.startsWith("us.") || i.startsWith("global."));
        assertThat(ids).noneMatch(i -> i.startsWith("global.anthropic.claude-3"));
        assertThat(cp.catalog().systemProfiles()).allSatisfy(p -> {
            assertThat(p.arn()).isEqualTo("arn:aws:bedrock:us-east-1:123456789012:inference-profile/" + p.id());
            assertThat(p.modelArns()).hasSizeBetween(1, 5)
                    .allMatch(a -> a.endsWith("::foundation-model/" + p.model().modelId()));
        });
    }

    @Test
    void catalog_euRegion_hasEuProfilesAndArnsInThatRegion() {
        ControlPlane eu = new ControlPlane(ControlPlaneFixtures.config("eu-west-1", 1, 10,
                java.time.Clock.systemUTC()));
        assertThat(eu.getInferenceProfile("eu." + ControlPlaneFixtures.SONNET_37).get("inferenceProfileArn").asText())
                .isEqualTo("arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu."
                        + ControlPlaneFixtures.SONNET_37);
        assertThat(apiError(() -> eu.getInferenceProfile(US_SONNET_37)).status()).isEqualTo(404);
        assertThat(eu.getFoundationModel("amazon.nova-lite-v1:0").get("modelDetails").get("modelArn").asText())
                .isEqualTo("arn:aws:bedrock:eu-west-1::foundation-model/amazon.nova-lite-v1:0");
    }

    @Test
    void catalog_families_distinguishAnthropicFromNova() {
        assertThat(cp.catalog().model("amazon.nova-micro-v1:0").orElseThrow().family())
                .isEqualTo(ModelCatalog.Family.NOVA);
        assertThat(cp.catalog().model(ControlPlaneFixtures.HAIKU_35).orElseThrow().family())
                .isEqualTo(ModelCatalog.Family.ANTHROPIC);
    }

    // ------------------------------------------------------------------ helpers

    private static ObjectNode body(String arn) {
        return Json.MAPPER.createObjectNode().put("resourceARN", arn);
    }

    private static List<List<String>> pages(ControlPlane cp, String type, int size) {
        List<List<String>> pages = new ArrayList<>();
        String token = null;
        do {
            ObjectNode page = token == null
                    ? cp.listInferenceProfiles(query("type", type, "maxResults", String.valueOf(size)))
                    : cp.listInferenceProfiles(query("type", type, "maxResults", String.valueOf(size), "nextToken",
                            token));
            List<String> ids = type.equals("APPLICATION")
                    ? page.get("inferenceProfileSummaries").findValuesAsText("inferenceProfileArn")
                    : page.get("inferenceProfileSummaries").findValuesAsText("inferenceProfileId");
            pages.add(ids);
            token = page.has("nextToken") ? page.get("nextToken").asText() : null;
        } while (token != null);
        return pages;
    }

    private static JsonNode find(JsonNode models, String id) {
        for (JsonNode m : models) {
            if (m.get("modelId").asText().equals(id)) {
                return m;
            }
        }
        throw new AssertionError("no model " + id);
    }

    private static Set<String> texts(JsonNode array) {
        Set<String> out = new LinkedHashSet<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
