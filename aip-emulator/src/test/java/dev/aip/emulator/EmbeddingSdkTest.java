package dev.aip.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrock.model.ModelModality;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelResponse;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelWithResponseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.ValidationException;

/** Titan Text Embeddings V2 through the real AWS SDK clients: by its id and through an application profile. */
class EmbeddingSdkTest {

    static final String TITAN = "amazon.titan-embed-text-v2:0";

    static BedrockEmulator emulator;
    static BedrockRuntimeClient runtime;
    static BedrockRuntimeAsyncClient async;
    static BedrockClient bedrock;
    static String profileArn;

    @BeforeAll
    static void start() {
        emulator = BedrockEmulator.builder().seed(7).build().start();
        runtime = SdkClients.runtime(emulator);
        async = SdkClients.runtimeAsync(emulator);
        bedrock = SdkClients.bedrock(emulator);
        profileArn = bedrock.createInferenceProfile(r -> r.inferenceProfileName("tenant-embed")
                .modelSource(s -> s.copyFrom("arn:aws:bedrock:" + emulator.region() + "::foundation-model/"
                        + TITAN))).inferenceProfileArn();
    }

    @AfterAll
    static void stop() {
        runtime.close();
        async.close();
        bedrock.close();
        emulator.close();
    }

    @AfterEach
    void reset() {
        emulator.resetMetrics();
    }

    private static JsonNode embed(String modelId, String body) {
        InvokeModelResponse r = runtime.invokeModel(b -> b.modelId(modelId).contentType("application/json")
                .body(SdkBytes.fromUtf8String(body)));
        return InvokeCodec.parseJson(r.body().asUtf8String());
    }

    private static double norm(JsonNode vector) {
        double sum = 0;
        for (JsonNode v : vector) {
            sum += v.asDouble() * v.asDouble();
        }
        return Math.sqrt(sum);
    }

    @Test
    void invokeModel_defaults_answers1024UnitVectorAndTokenCount() {
        InvokeModelResponse r = runtime.invokeModel(b -> b.modelId(TITAN).contentType("application/json")
                .body(SdkBytes.fromUtf8String("{\"inputText\":\"Hello, embeddings\"}")));
        JsonNode body = InvokeCodec.parseJson(r.body().asUtf8String());

        assertThat(body.get("embedding")).hasSize(1024);
        assertThat(norm(body.get("embedding"))).isCloseTo(1.0, within(1e-4));
        assertThat(body.get("inputTextTokenCount").asLong()).isEqualTo(PromptDigest.textTokens("Hello, embeddings"));
        assertThat(body.at("/embeddingsByType/float")).isEqualTo(body.get("embedding"));
        assertThat(r.sdkHttpResponse().firstMatchingHeader("X-Amzn-Bedrock-Input-Token-Count"))
                .contains(Long.toString(PromptDigest.textTokens("Hello, embeddings")));
        assertThat(r.sdkHttpResponse().firstMatchingHeader("X-Amzn-Bedrock-Output-Token-Count")).isEmpty();
    }

    @Test
    void invokeModel_dimensionsAndNormalize_areHonouredAndDeterministic() {
        JsonNode small = embed(TITAN, "{\"inputText\":\"same text\",\"dimensions\":256,\"normalize\":true}");
        JsonNode again = embed(TITAN, "{\"inputText\":\"same text\",\"dimensions\":256}");
        JsonNode raw = embed(TITAN, "{\"inputText\":\"same text\",\"dimensions\":512,\"normalize\":false}");
        JsonNode other = embed(TITAN, "{\"inputText\":\"other text\",\"dimensions\":256}");

        assertThat(small.get("embedding")).hasSize(256);
        assertThat(again.get("embedding")).isEqualTo(small.get("embedding"));
        assertThat(raw.get("embedding")).hasSize(512);
        assertThat(norm(raw.get("embedding"))).isGreaterThan(1.5);
        assertThat(other.get("embedding")).isNotEqualTo(small.get("embedding"));
    }

    @Test
    void invokeModel_binaryType_answersBitsBesideTheFloats() {
        JsonNode body = embed(TITAN, "{\"inputText\":\"bits\",\"dimensions\":256,"
                + "\"embeddingTypes\":[\"binary\"]}");

        assertThat(body.get("embedding")).hasSize(256);
        assertThat(body.at("/embeddingsByType/binary")).hasSize(256);
        assertThat(body.at("/embeddingsByType/float").isMissingNode()).isTrue();
        for (int i = 0; i < 256; i++) {
            assertThat(body.at("/embeddingsByType/binary/" + i).asInt())
                    .isEqualTo(body.get("embedding").get(i).asDouble() > 0 ? 1 : 0);
        }
    }

    @Test
    void invokeModel_throughApplicationProfile_isRecordedUnderTheProfileWithInputTokens() {
        JsonNode body = embed(profileArn, "{\"inputText\":\"through a profile\",\"dimensions\":512}");
        String profileId = profileArn.substring(profileArn.lastIndexOf('/') + 1);

        assertThat(body.get("embedding")).hasSize(512);
        InvocationRecord rec = emulator.invocations().get(0);
        assertThat(rec.foundationModelId()).isEqualTo(TITAN);
        assertThat(rec.profileArn()).isEqualTo(profileArn);
        assertThat(rec.inputTokens()).isEqualTo(PromptDigest.textTokens("through a profile"));
        assertThat(rec.outputTokens()).isZero();
        assertThat(rec.outcome()).isEqualTo(InvocationRecord.Outcome.SUCCESS);
        assertThat(emulator.metrics(profileId).inputTokenCount())
                .isEqualTo(PromptDigest.textTokens("through a profile"));
    }

    @Test
    void invokeModel_badBody_isValidationExceptionNamingTheField() {
        assertThatThrownBy(() -> embed(TITAN, "{\"inputText\":\"x\",\"dimensions\":300}"))
                .isInstanceOf(ValidationException.class).hasMessageContaining("#/dimensions");
        assertThatThrownBy(() -> embed(TITAN, "{\"text\":\"x\"}"))
                .isInstanceOf(ValidationException.class).hasMessageContaining("extraneous key [text]");
        assertThatThrownBy(() -> embed(TITAN, "{\"dimensions\":256}"))
                .isInstanceOf(ValidationException.class).hasMessageContaining("required key [inputText]");
        assertThatThrownBy(() -> embed(TITAN, "{\"inputText\":\"\"}"))
                .isInstanceOf(ValidationException.class).hasMessageContaining("minLength");
        assertThatThrownBy(() -> embed(TITAN, "{\"inputText\":\"" + "abcd".repeat(8193) + "\"}"))
                .isInstanceOf(ValidationException.class).hasMessageContaining("Too many input tokens");
        assertThat(emulator.invocations()).extracting(InvocationRecord::outcome)
                .containsOnly(InvocationRecord.Outcome.CLIENT_ERROR);
    }

    @Test
    void converse_onEmbeddingModel_isValidationException() {
        assertThatThrownBy(() -> runtime.converse(r -> r.modelId(TITAN).messages(m -> m.role(ConversationRole.USER)
                .content(ContentBlock.fromText("hi")))))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("doesn't support the model that you provided");
        assertThatThrownBy(() -> runtime.converse(r -> r.modelId(profileArn).messages(m -> m
                .role(ConversationRole.USER).content(ContentBlock.fromText("hi")))))
                .isInstanceOf(ValidationException.class);
    }

    @Test
    void invokeModelWithResponseStream_onEmbeddingModel_isValidationException() {
        InvokeModelWithResponseStreamResponseHandler handler = InvokeModelWithResponseStreamResponseHandler
                .builder().subscriber(e -> { }).build();
        assertThatThrownBy(() -> async.invokeModelWithResponseStream(r -> r.modelId(TITAN)
                .body(SdkBytes.fromUtf8String("{\"inputText\":\"x\"}")), handler).join())
                .isInstanceOf(CompletionException.class).hasRootCauseInstanceOf(ValidationException.class);
    }

    @Test
    void countTokens_onEmbeddingModel_isRefusedAsAwsDoes() {
        assertThatThrownBy(() -> runtime.countTokens(r -> r.modelId(TITAN).input(i -> i.invokeModel(b -> b
                .body(SdkBytes.fromUtf8String("{\"inputText\":\"x\"}"))))))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("doesn't support counting tokens");
    }

    @Test
    void listFoundationModels_byEmbeddingModality_listsTitanOnDemandWithoutStreaming() {
        var models = bedrock.listFoundationModels(r -> r.byOutputModality(ModelModality.EMBEDDING))
                .modelSummaries();

        assertThat(models).extracting(m -> m.modelId()).containsExactly(TITAN);
        assertThat(models.get(0).responseStreamingSupported()).isFalse();
        assertThat(models.get(0).inferenceTypesSupportedAsStrings()).containsExactly("ON_DEMAND");
    }
}
