package dev.aip.core.bedrock;

import static dev.aip.core.bedrock.EmulatorFixture.MODEL;
import static dev.aip.core.bedrock.EmulatorFixture.SOURCE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.groups.Tuple.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aip.core.chat.AdmissionRequest;
import dev.aip.core.PolicyViolationException;
import dev.aip.core.ProfileResolutionException;
import dev.aip.core.RateLimitExceededException;
import dev.aip.core.chat.Admission;
import dev.aip.core.chat.ChatClient;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatPipeline;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.ChatStreamListener;
import dev.aip.core.chat.InferenceSettings;
import dev.aip.core.governance.Governance;
import dev.aip.core.governance.PolicySet;
import dev.aip.core.governance.TenantPolicy;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantScope;
import dev.aip.emulator.InvocationRecord;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.InferenceConfiguration;
import software.amazon.awssdk.services.bedrockruntime.model.Message;

/**
 * The tenant's policy on the wire: default settings and the output cap are sent on the pipeline and the SDK path,
 * and admission reserves for what is sent. And the SDK path's treatment of model ids it did not route.
 */
class ShapingEmulatorTest {

    static final TenantContext ACME = TenantContext.of("acme");
    static final TenantContext GLOBEX = TenantContext.of("globex");

    static EmulatorFixture fx;
    static final WireCapture WIRE = new WireCapture();
    static BedrockRuntimeClient pipelineSync;
    static BedrockRuntimeAsyncClient pipelineAsync;
    static BedrockRuntimeClient sdkSync;
    static BedrockRuntimeAsyncClient sdkAsync;
    /** The admission of the running test; the clients are shared, so the interceptor reads it per call. */
    static volatile Recording admission;

    ChatClient chat;

    /** Notes every request as marshalled, and the body bytes of sync requests as sent. */
    static final class WireCapture implements ExecutionInterceptor {
        final List<SdkRequest> marshalled = new CopyOnWriteArrayList<>();
        final List<JsonNode> bodies = new CopyOnWriteArrayList<>();

        @Override
        public void beforeMarshalling(Context.BeforeMarshalling context, ExecutionAttributes attributes) {
            marshalled.add(context.request());
        }

        @Override
        public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
            context.requestBody().ifPresent(body -> {
                try (InputStream in = body.contentStreamProvider().newStream()) {
                    bodies.add(Documents.JSON.readTree(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }

        void clear() {
            marshalled.clear();
            bodies.clear();
        }
    }

    /** An admission that delegates to governance and notes the requests it admitted. */
    static final class Recording implements Admission {
        final Governance governance;
        final List<AdmissionRequest> admitted = new CopyOnWriteArrayList<>();

        Recording(Governance governance) {
            this.governance = governance;
        }

        @Override
        public AdmissionRequest shape(TenantContext tenant, AdmissionRequest request) {
            return governance.shape(tenant, request);
        }

        @Override
        public Permit admit(TenantContext tenant, AdmissionRequest request, ResolvedProfile profile) {
            Permit permit = governance.admit(tenant, request, profile);
            admitted.add(request);
            return permit;
        }
    }

    @BeforeAll
    static void start() {
        fx = new EmulatorFixture("acme", "globex");
        pipelineSync = fx.sync(WIRE);
        pipelineAsync = fx.async(WIRE);
        TenantRoutingInterceptor routing = TenantRoutingInterceptor.builder().resolver(fx.resolver())
                .meter(fx.meter).admission(new Admission() {
                    @Override
                    public AdmissionRequest shape(TenantContext tenant, AdmissionRequest request) {
                        return admission.shape(tenant, request);
                    }

                    @Override
                    public Permit admit(TenantContext tenant, AdmissionRequest request, ResolvedProfile profile) {
                        return admission.admit(tenant, request, profile);
                    }
                }).build();
        sdkSync = fx.sync(routing, WIRE);
        sdkAsync = fx.async(routing, WIRE);
    }

    @AfterAll
    static void stop() {
        pipelineSync.close();
        pipelineAsync.close();
        sdkSync.close();
        sdkAsync.close();
        fx.close();
    }

    @BeforeEach
    void build() {
        fx.records.clear();
        fx.emulator.script().clear();
        fx.emulator.faults().clear();
        WIRE.clear();
        fx.emulator.script().forModel(fx.arn("acme")).replyTokens(500);
        fx.emulator.script().forModel(fx.arn("globex")).replyTokens(500);
        policies(TenantPolicy.builder().maxOutputTokens(50)
                .defaultSettings(new InferenceSettings(null, 0.25f, 0.5f, List.of())).build());
        chat = ChatPipeline.builder().resolver(fx.resolver()).meter(fx.meter).admission(admission)
                .transport(BedrockChatTransport.builder().client(pipelineSync).asyncClient(pipelineAsync).build())
                .build();
    }

    static void policies(TenantPolicy acme) {
        admission = new Recording(Governance.builder().policies(PolicySet.builder().tenant(ACME.id(), acme).build())
                .build());
    }

    static List<InvocationRecord> seen(String arn) {
        return fx.emulator.invocations().stream().filter(i -> arn.equals(i.profileArn())).toList();
    }

    static Message user(String text) {
        return Message.builder().role(ConversationRole.USER).content(ContentBlock.fromText(text)).build();
    }

    static InferenceConfiguration marshalledConfig() {
        SdkRequest r = WIRE.marshalled.get(WIRE.marshalled.size() - 1);
        return r instanceof ConverseRequest c ? c.inferenceConfig() : ((ConverseStreamRequest) r).inferenceConfig();
    }

    // ---- the chat pipeline ------------------------------------------------------------------------------------

    @Test
    void pipelineChat_sendsTheCapAndTheDefaultSettings_andReservesForThem() {
        long before = seen(fx.arn("acme")).size();

        chat.chat(ACME, ChatRequest.builder().model(MODEL).message(ChatMessage.user("Hello")).build());

        JsonNode sent = WIRE.bodies.get(0).path("inferenceConfig");
        assertThat(sent.path("maxTokens").asInt()).isEqualTo(50);
        assertThat(sent.path("temperature").floatValue()).isEqualTo(0.25f);
        assertThat(sent.path("topP").floatValue()).isEqualTo(0.5f);
        assertThat(seen(fx.arn("acme"))).hasSize((int) before + 1).last()
                .extracting(InvocationRecord::outputTokens).isEqualTo(50L);
        assertThat(admission.admitted).singleElement()
                .satisfies(r -> assertThat(r.settings().maxTokens()).isEqualTo(50));
        assertThat(fx.records).singleElement().satisfies(r -> assertThat(r.usage().outputTokens()).isEqualTo(50));
    }

    @Test
    void pipelineStream_sendsTheCapAndTheDefaultSettings() {
        chat.stream(ACME, ChatRequest.builder().model(MODEL).message(ChatMessage.user("Hello")).build(),
                new ChatStreamListener() { }).completion().join();

        InferenceConfiguration sent = marshalledConfig();
        assertThat(sent.maxTokens()).isEqualTo(50);
        assertThat(sent.temperature()).isEqualTo(0.25f);
        assertThat(seen(fx.arn("acme"))).last().extracting(InvocationRecord::outputTokens).isEqualTo(50L);
        assertThat(fx.records).singleElement().satisfies(r -> assertThat(r.usage().outputTokens()).isEqualTo(50));
    }

    @Test
    void pipelineChat_keepsTheRequestsOwnSettings() {
        chat.chat(ACME, ChatRequest.builder().model(MODEL).message(ChatMessage.user("Hello"))
                .settings(InferenceSettings.DEFAULTS.withMaxTokens(20).withTemperature(0.9f)).build());

        JsonNode sent = WIRE.bodies.get(0).path("inferenceConfig");
        assertThat(sent.path("maxTokens").asInt()).isEqualTo(20);
        assertThat(sent.path("temperature").floatValue()).isEqualTo(0.9f);
        assertThat(sent.path("topP").floatValue()).isEqualTo(0.5f);
    }

    // ---- the SDK interceptor ----------------------------------------------------------------------------------

    @Test
    void sdkConverse_withoutInferenceConfig_isSentWithTheCapAndTheDefaults() {
        TenantScope.run(ACME, () -> sdkSync.converse(r -> r.modelId(MODEL).messages(user("Hello"))));

        JsonNode sent = WIRE.bodies.get(0).path("inferenceConfig");
        assertThat(sent.path("maxTokens").asInt()).isEqualTo(50);
        assertThat(sent.path("temperature").floatValue()).isEqualTo(0.25f);
        assertThat(seen(fx.arn("acme"))).last().extracting(InvocationRecord::outputTokens).isEqualTo(50L);
        assertThat(admission.admitted).singleElement()
                .satisfies(r -> assertThat(r.settings().maxTokens()).isEqualTo(50));
    }

    @Test
    void sdkConverse_keepsTheCallersOwnSettings_andFillsTheRest() {
        TenantScope.run(ACME, () -> sdkSync.converse(r -> r.modelId(MODEL).messages(user("Hello"))
                .inferenceConfig(c -> c.temperature(0.9f).maxTokens(30))));

        JsonNode sent = WIRE.bodies.get(0).path("inferenceConfig");
        assertThat(sent.path("maxTokens").asInt()).isEqualTo(30);
        assertThat(sent.path("temperature").floatValue()).isEqualTo(0.9f);
        assertThat(sent.path("topP").floatValue()).isEqualTo(0.5f);
    }

    @Test
    void sdkConverseStream_isSentWithTheCap() throws Exception {
        CompletableFuture<Void> done = TenantScope.call(ACME, () -> sdkAsync.converseStream(r -> r.modelId(MODEL)
                .messages(user("Hello")), ConverseStreamResponseHandler.builder().subscriber(e -> { }).build()));
        done.get(30, TimeUnit.SECONDS);

        assertThat(marshalledConfig().maxTokens()).isEqualTo(50);
        assertThat(marshalledConfig().temperature()).isEqualTo(0.25f);
        assertThat(seen(fx.arn("acme"))).last().extracting(InvocationRecord::outputTokens).isEqualTo(50L);
    }

    @Test
    void sdkInvokeModel_bodyAskingAboveTheCap_isRefusedInAnyKnownFormat() {
        String nova = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"Hi\"}]}],"
                + "\"inferenceConfig\":{\"max_new_tokens\":500}}";

        Throwable refused = catchThrowable(() -> TenantScope.run(ACME, () -> sdkSync.invokeModel(r -> r
                .modelId(MODEL).body(SdkBytes.fromUtf8String(nova)))));

        assertThat(refused).isInstanceOfSatisfying(PolicyViolationException.class,
                e -> assertThat(e.getMessage()).contains("50"));
        assertThat(fx.records).singleElement().extracting(UsageRecord::outcome)
                .isEqualTo(Outcome.REJECTED_BY_POLICY);
    }

    @Test
    void sdkCall_toTheTenantsOwnProfileArn_isGovernedAndMeteredAsThatProfile() {
        policies(TenantPolicy.builder().requestsPerMinute(1L).build());
        long before = seen(fx.arn("acme")).size();

        TenantScope.run(ACME, () -> sdkSync.converse(r -> r.modelId(fx.arn("acme")).messages(user("Hello"))));
        assertThatThrownBy(() -> TenantScope.run(ACME, () -> sdkSync.converse(r -> r.modelId(fx.arn("acme"))
                .messages(user("Hello again"))))).isInstanceOf(RateLimitExceededException.class);

        assertThat(seen(fx.arn("acme"))).hasSize((int) before + 1);
        assertThat(fx.records).extracting(UsageRecord::outcome, UsageRecord::profileArn, UsageRecord::sourceModelId)
                .containsExactly(tuple(Outcome.SUCCESS, fx.arn("acme"), SOURCE),
                        tuple(Outcome.REJECTED_BY_POLICY, fx.arn("acme"), SOURCE));
        assertThat(fx.records.get(0).cost().amount()).isPresent();
    }

    @Test
    void sdkCall_toAnotherTenantsProfileArn_isRefusedBeforeAnythingIsSent() {
        long before = seen(fx.arn("globex")).size();

        assertThatThrownBy(() -> TenantScope.run(ACME, () -> sdkSync.converse(r -> r.modelId(fx.arn("globex"))
                .messages(user("Hello"))))).isInstanceOfSatisfying(ProfileResolutionException.class,
                    e -> assertThat(e.tenant()).contains(ACME.id()));

        assertThat(seen(fx.arn("globex"))).hasSize((int) before);
        assertThat(WIRE.bodies).isEmpty();
        assertThat(fx.records).singleElement().satisfies(r -> {
            assertThat(r.tenant()).isEqualTo(ACME.id());
            assertThat(r.outcome()).isEqualTo(Outcome.REJECTED_BY_POLICY);
            assertThat(r.errorCode()).isEqualTo("ProfileResolutionException");
            assertThat(r.profileArn()).isNull();
        });
    }

    @Test
    void sdkCall_toAForeignModelArn_isRefusedAsUnknown() {
        String foundation = "arn:aws:bedrock:" + fx.emulator.region() + "::foundation-model/" + SOURCE;
        long before = fx.emulator.invocations().size();

        assertThatThrownBy(() -> TenantScope.run(ACME, () -> sdkSync.converse(r -> r.modelId(foundation)
                .messages(user("Hello"))))).isInstanceOfSatisfying(ProfileResolutionException.class, e -> {
                    assertThat(e.getMessage()).contains(foundation).contains("acme");
                    assertThat(e.retryable()).isFalse();
                });

        assertThat(fx.emulator.invocations()).hasSize((int) before);
        assertThat(fx.records).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.REJECTED_BY_POLICY);
            assertThat(r.errorCode()).isEqualTo("ProfileResolutionException");
        });
    }

    @Test
    void sdkCall_toASystemProfileArn_isGovernedAsASharedProfilePricedByItsModel() {
        String system = "arn:aws:bedrock:" + fx.emulator.region() + ":" + fx.emulator.accountId()
                + ":inference-profile/us." + SOURCE;

        TenantScope.run(ACME, () -> sdkSync.converse(r -> r.modelId(system).messages(user("Hello"))));

        assertThat(admission.admitted).singleElement()
                .satisfies(r -> assertThat(r.settings().maxTokens()).isEqualTo(50));
        assertThat(fx.records).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
            assertThat(r.pooledProfile()).isTrue();
            assertThat(r.sourceModelId()).isEqualTo(SOURCE);
            assertThat(r.cost().amount()).isPresent();
            assertThat(r.usage().outputTokens()).isLessThanOrEqualTo(50);
        });
        assertThat(WIRE.bodies.get(0).path("requestMetadata").path("tenantId").asText()).isEqualTo("acme");
    }
}
