package dev.aip.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.aip.core.ConfigurationException;
import dev.aip.core.PolicyViolationException;
import dev.aip.core.ProfileResolutionException;
import dev.aip.core.RateLimitExceededException;
import dev.aip.core.UnknownTenantException;
import dev.aip.core.chat.CallObserver;
import dev.aip.core.chat.LogicalCall;
import dev.aip.core.governance.Governance;
import dev.aip.core.governance.PolicySet;
import dev.aip.core.governance.TenantPolicy;
import dev.aip.core.metering.CallInfo;
import dev.aip.core.metering.Operation;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.TenantScope;
import dev.aip.emulator.InvocationRecord;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.NonRetriableException;
import dev.langchain4j.model.bedrock.BedrockChatModel;
import dev.langchain4j.model.bedrock.BedrockStreamingChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.listener.ChatModelRequestContext;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClientBuilder;

class TenantBedrockModelsTest {

    static EmulatorFixture fx;
    static TenantBedrockModels models;

    @BeforeAll
    static void start() {
        fx = new EmulatorFixture("acme", "globex");
        models = fx.models();
    }

    @AfterAll
    static void stop() {
        models.close();
        fx.close();
    }

    @BeforeEach
    void reset() {
        fx.reset();
    }

    static ChatRequest ask(String text) {
        return ChatRequest.builder().messages(UserMessage.from(text)).build();
    }

    @Test
    void chat_inEachTenantsScope_oneRecordPerCallWithTheEmulatorsTokens() {
        BedrockChatModel model = models.chatModel(EmulatorFixture.MODEL);

        for (String tenant : List.of("acme", "globex", "acme")) {
            ChatResponse response = TenantScope.get(TenantContext.of(tenant),
                    () -> model.chat(ask("Write a tagline for " + tenant)));
            assertThat(response.aiMessage().text()).isNotBlank();
            assertThat(response.metadata().modelName()).isEqualTo(EmulatorFixture.MODEL);
        }

        assertThat(fx.records).hasSize(3).hasSameSizeAs(fx.emulator.invocations());
        assertThat(fx.recordTokens()).isEqualTo(fx.emulatorTokens()).containsOnlyKeys("acme", "globex");
        assertThat(fx.records).allSatisfy(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
            assertThat(r.operation()).isEqualTo(Operation.CONVERSE);
            assertThat(r.requestedModel()).isEqualTo(EmulatorFixture.MODEL);
            assertThat(r.profileArn()).isEqualTo(fx.arn(r.tenant().value()));
            assertThat(r.cost().amountUsd()).isPositive();
        });
        assertThat(fx.emulator.invocations()).allSatisfy(i ->
                assertThat(i.requestMetadata()).containsEntry("tenantId", fx.ownerOf(i)));
    }

    @Test
    void chat_modelNamedByAnotherTenantsProfileArn_isRejectedAndNothingIsSent() {
        BedrockChatModel globexProfile = models.chatModel(fx.arn("globex"), b -> b.maxRetries(3));
        BedrockChatModel acmeProfile = models.chatModel(fx.arn("acme"));
        TenantContext acme = TenantContext.of("acme");

        assertThatThrownBy(() -> TenantScope.run(acme, () -> globexProfile.chat(ask("hello"))))
                .isInstanceOf(CallRejectedException.class)
                .hasCauseInstanceOf(ProfileResolutionException.class);
        assertThat(fx.emulator.invocations()).isEmpty();
        assertThat(fx.records).singleElement().satisfies(r -> {
            assertThat(r.tenant().value()).isEqualTo("acme");
            assertThat(r.outcome()).isEqualTo(Outcome.REJECTED_BY_POLICY);
            assertThat(r.errorCode()).isEqualTo("ProfileResolutionException");
        });

        TenantScope.run(acme, () -> acmeProfile.chat(ask("hello")));
        assertThat(fx.emulator.invocations()).singleElement()
                .satisfies(i -> assertThat(i.profileArn()).isEqualTo(fx.arn("acme")));
        assertThat(fx.records.get(1).cost().amountUsd()).isPositive();
    }

    @Test
    void chat_tenantAsListenerAttribute_isRoutedAndListenersSeeIt() {
        List<Object> seen = new CopyOnWriteArrayList<>();
        ChatModelListener listener = new ChatModelListener() {
            @Override
            public void onRequest(ChatModelRequestContext context) {
                seen.add(context.attributes().get(TenantBedrockModels.TENANT));
            }
        };
        BedrockChatModel model = models.chatModel(EmulatorFixture.MODEL, b -> b.listeners(listener));

        model.chat(ask("hello"), TenantBedrockModels.optionsFor(TenantContext.of("globex")));
        model.chat(ask("hello"), dev.langchain4j.model.chat.ChatRequestOptions.builder()
                .addListenerAttribute(TenantBedrockModels.TENANT, "acme").build());
        // The attribute is closer to the call than the scope around it, so it wins.
        TenantScope.run(TenantContext.of("acme"), () ->
                model.chat(ask("hello"), TenantBedrockModels.optionsFor(TenantContext.of("globex"))));

        assertThat(fx.records).extracting(r -> r.tenant().value()).containsExactly("globex", "acme", "globex");
        assertThat(fx.emulator.invocations()).extracting(fx::ownerOf).containsExactly("globex", "acme", "globex");
        assertThat(seen).containsExactly(TenantContext.of("globex"), TenantContext.of("acme"),
                TenantContext.of("globex"));
    }

    @Test
    void chat_noTenant_isRejectedAsNonRetriableBeforeSending() {
        BedrockChatModel model = models.chatModel(EmulatorFixture.MODEL);

        assertThatThrownBy(() -> model.chat(ask("hello")))
                .isInstanceOf(CallRejectedException.class)
                .isInstanceOf(NonRetriableException.class)
                .hasCauseInstanceOf(UnknownTenantException.class);
        assertThat(fx.emulator.invocations()).isEmpty();
        assertThat(fx.records).isEmpty();
    }

    @Test
    void chat_withAnObserver_itSeesEachModelCallStartAndEndOnceWithItsAttempt() {
        List<String> seen = new CopyOnWriteArrayList<>();
        CallObserver observer = (call, cover) -> {
            seen.add("start " + call.tenant().id());
            return new CallObserver.ObservedCall() {
                @Override
                public CallObserver.ObservedAttempt attemptStarted(CallInfo attempt) {
                    seen.add("attempt " + attempt.attempt());
                    return record -> seen.add("attempt ended " + record.outcome());
                }

                @Override
                public void callEnded(LogicalCall ended, Throwable failure) {
                    seen.add("end " + ended.records().size());
                }
            };
        };
        try (TenantBedrockModels observed = fx.models(null, observer)) {
            BedrockChatModel model = observed.chatModel(EmulatorFixture.MODEL);

            TenantScope.run(TenantContext.of("acme"), () -> model.chat(ask("hello")));

            assertThat(seen).containsExactly("start acme", "attempt 1", "attempt ended SUCCESS", "end 1");
        }
    }

    @Test
    void chat_refusedByGovernance_neverReachesBedrockAndIsNotRetried() {
        Governance governance = Governance.builder().policies(PolicySet.builder()
                .tenant(TenantId.of("acme"), TenantPolicy.builder().requestsPerMinute(1).build())
                .tenant(TenantId.of("globex"), TenantPolicy.builder().allowedModels("another-model").build())
                .build()).build();
        try (TenantBedrockModels governed = fx.models(governance)) {
            // maxRetries(5): LangChain4j would try a retriable failure six times.
            BedrockChatModel model = governed.chatModel(EmulatorFixture.MODEL, b -> b.maxRetries(5));
            TenantContext acme = TenantContext.of("acme");

            TenantScope.run(acme, () -> model.chat(ask("first")));
            assertThatThrownBy(() -> TenantScope.run(acme, () -> model.chat(ask("second"))))
                    .isInstanceOf(CallRejectedException.class)
                    .hasCauseInstanceOf(RateLimitExceededException.class)
                    .satisfies(e -> assertThat(((CallRejectedException) e).aipException().tenant())
                            .contains(TenantId.of("acme")));
            assertThatThrownBy(() -> TenantScope.run(TenantContext.of("globex"), () -> model.chat(ask("third"))))
                    .isInstanceOf(CallRejectedException.class)
                    .hasCauseInstanceOf(PolicyViolationException.class);

            assertThat(fx.emulator.invocations()).hasSize(1);
            assertThat(fx.records).extracting(UsageRecord::outcome)
                    .containsExactly(Outcome.SUCCESS, Outcome.REJECTED_BY_POLICY, Outcome.REJECTED_BY_POLICY);
            assertThat(governance.openPermits()).isZero();
        }
    }

    @Test
    void stream_refusedByGovernance_reachesOnErrorAsCallRejectedAndNothingIsSent() throws Exception {
        Governance governance = Governance.builder().policies(PolicySet.of(TenantPolicy.builder()
                .allowedModels("another-model").build())).build();
        try (TenantBedrockModels governed = fx.models(governance)) {
            BedrockStreamingChatModel model = governed.streamingChatModel(EmulatorFixture.MODEL);
            CompletableFuture<Throwable> error = new CompletableFuture<>();

            TenantScope.run(TenantContext.of("acme"), () -> model.chat(ask("hello"),
                    new StreamingChatResponseHandler() {
                        @Override
                        public void onCompleteResponse(ChatResponse response) {
                            error.complete(null);
                        }

                        @Override
                        public void onError(Throwable e) {
                            error.complete(e);
                        }
                    }));

            assertThat(error.get(10, TimeUnit.SECONDS)).isInstanceOf(CallRejectedException.class)
                    .hasCauseInstanceOf(PolicyViolationException.class);
            assertThat(fx.emulator.invocations()).isEmpty();
            assertThat(fx.records).singleElement()
                    .satisfies(r -> assertThat(r.outcome()).isEqualTo(Outcome.REJECTED_BY_POLICY));
        }
    }

    @Test
    void build_withoutResolverOrMeter_orWithABlankModel_isAConfigurationError() {
        assertThatThrownBy(() -> TenantBedrockModels.builder().meter(fx.meter).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("resolver");
        assertThatThrownBy(() -> TenantBedrockModels.builder().resolver(fx.resolver).meter(fx.meter)
                .interceptor(models.interceptor()).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("not both");
        assertThatThrownBy(() -> models.chatModel(" "))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("logical model id");
    }

    @Test
    void build_oneClientConfiguration_syncAndStreamingUseItAndNeverTheEnvironment() throws Exception {
        AtomicInteger credentialLookups = new AtomicInteger();
        AwsCredentialsProvider configured = () -> {
            credentialLookups.incrementAndGet();
            return EmulatorFixture.DUMMY.resolveCredentials();
        };
        // What the SDK's default chains would find: a Region without Bedrock and keys the emulator never sees.
        Map<String, String> previous = setSystemProperties(Map.of("aws.region", "xx-nowhere-1",
                "aws.accessKeyId", "AKIDFROMTHEENVIRONMENT", "aws.secretAccessKey", "not-the-configured-secret"));
        try (TenantBedrockModels one = TenantBedrockModels.builder().resolver(fx.resolver).meter(fx.meter)
                .client(c -> c.region(Region.of(fx.emulator.region())).endpointOverride(fx.emulator.endpoint())
                        .credentialsProvider(configured)
                        .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())))
                .asyncHttpClient(fx.netty)
                .build()) {
            TenantContext acme = TenantContext.of("acme");

            ChatResponse sync = TenantScope.get(acme, () -> one.chatModel(EmulatorFixture.MODEL).chat(ask("hello")));
            int lookupsBeforeStreaming = credentialLookups.get();
            CompletableFuture<ChatResponse> streamed = new CompletableFuture<>();
            TenantScope.run(acme, () -> one.streamingChatModel(EmulatorFixture.MODEL).chat(ask("hello"),
                    new StreamingChatResponseHandler() {
                        @Override
                        public void onCompleteResponse(ChatResponse response) {
                            streamed.complete(response);
                        }

                        @Override
                        public void onError(Throwable error) {
                            streamed.completeExceptionally(error);
                        }
                    }));

            assertThat(sync.aiMessage().text()).isNotBlank();
            assertThat(streamed.get(10, TimeUnit.SECONDS).aiMessage().text()).isNotBlank();
            assertThat(lookupsBeforeStreaming).isPositive();
            assertThat(credentialLookups.get()).as("the streaming call signed with the configured credentials")
                    .isGreaterThan(lookupsBeforeStreaming);
            assertThat(fx.emulator.invocations()).extracting(InvocationRecord::operation, InvocationRecord::profileArn)
                    .containsExactly(tuple("Converse", fx.arn("acme")), tuple("ConverseStream", fx.arn("acme")));
            assertThat(awaitRecords(2)).extracting(UsageRecord::operation, UsageRecord::outcome)
                    .containsExactlyInAnyOrder(tuple(Operation.CONVERSE, Outcome.SUCCESS),
                            tuple(Operation.CONVERSE_STREAM, Outcome.SUCCESS));
            assertThat(fx.recordTokens()).isEqualTo(fx.emulatorTokens());
        } finally {
            setSystemProperties(previous);
        }
    }

    @Test
    void build_clientSettingsOrHttpClientsSetTwice_isAConfigurationError() {
        TenantBedrockModels.Builder b = TenantBedrockModels.builder().client(c -> c.region(Region.US_WEST_2))
                .asyncHttpClient(fx.netty);

        assertThatThrownBy(() -> b.client(c -> c.region(Region.EU_WEST_1)))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("already set");
        assertThatThrownBy(() -> b.asyncHttpClient(fx.netty))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("already set");
    }

    @Test
    void build_clientSettingsTypedForTheSyncBuilderOnly_isAConfigurationError() {
        Consumer<BedrockRuntimeClientBuilder> syncOnly = c -> c.region(Region.US_WEST_2);

        assertThatThrownBy(() -> TenantBedrockModels.builder().resolver(fx.resolver).meter(fx.meter)
                .client(syncOnly).build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("async client builder").hasMessageContaining("asyncHttpClient(...)");
    }

    @Test
    void chat_bedrockError_keepsLangChain4jsRetryAndMetersEveryAttempt() {
        fx.emulator.script().forAnyModel().once().fail("InternalServerException");
        BedrockChatModel model = models.chatModel(EmulatorFixture.MODEL, b -> b.maxRetries(1));

        ChatResponse response = TenantScope.get(TenantContext.of("acme"), () -> model.chat(ask("hello")));

        assertThat(response.aiMessage().text()).isNotBlank();
        assertThat(fx.emulator.invocations()).extracting(InvocationRecord::outcome)
                .containsExactly(InvocationRecord.Outcome.SERVER_ERROR, InvocationRecord.Outcome.SUCCESS);
        assertThat(fx.records).extracting(UsageRecord::outcome).containsExactly(Outcome.SERVER_ERROR, Outcome.SUCCESS);
        assertThat(fx.recordTokens()).isEqualTo(fx.emulatorTokens());
    }

    @Test
    void stream_completed_isMeteredOnceWithTimeToFirstToken() throws Exception {
        BedrockStreamingChatModel model = models.streamingChatModel(EmulatorFixture.MODEL);
        List<String> scopeInCallbacks = new CopyOnWriteArrayList<>();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();

        TenantScope.run(TenantContext.of("globex"), () -> model.chat(ask("Tell a story"),
                new StreamingChatResponseHandler() {
                    @Override
                    public void onPartialResponse(String partialResponse) {
                        scopeInCallbacks.add(TenantScope.require().id().value());
                    }

                    @Override
                    public void onCompleteResponse(ChatResponse response) {
                        scopeInCallbacks.add(TenantScope.require().id().value());
                        done.complete(response);
                    }

                    @Override
                    public void onError(Throwable error) {
                        done.completeExceptionally(error);
                    }
                }));
        ChatResponse response = done.get(10, TimeUnit.SECONDS);

        assertThat(response.tokenUsage().outputTokenCount()).isPositive();
        assertThat(scopeInCallbacks).isNotEmpty().containsOnly("globex");
        assertThat(fx.emulator.invocations()).singleElement()
                .satisfies(i -> assertThat(i.operation()).isEqualTo("ConverseStream"));
        UsageRecord record = awaitRecords(1).get(0);
        assertThat(record.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(record.timeToFirstToken()).isNotNull();
        assertThat(record.timeToFirstToken()).isLessThanOrEqualTo(record.latency());
        assertThat(record.usage().inputTokens()).isEqualTo(response.tokenUsage().inputTokenCount().longValue());
        assertThat(record.usage().outputTokens()).isEqualTo(response.tokenUsage().outputTokenCount().longValue());
        assertThat(fx.recordTokens()).isEqualTo(fx.emulatorTokens());
    }

    @Test
    void stream_cancelledHalfway_isSettledAsCancelled() throws Exception {
        fx.emulator.script().forAnyModel().replyTokens(400);
        BedrockStreamingChatModel model = models.streamingChatModel(EmulatorFixture.MODEL);
        AtomicInteger partials = new AtomicInteger();
        CompletableFuture<Void> cancelled = new CompletableFuture<>();

        TenantScope.run(TenantContext.of("acme"), () -> model.chat(ask("Write the long version"),
                new StreamingChatResponseHandler() {
                    @Override
                    public void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
                        if (partials.incrementAndGet() == 3) {
                            context.streamingHandle().cancel();
                            cancelled.complete(null);
                        }
                    }

                    @Override
                    public void onCompleteResponse(ChatResponse response) {
                        cancelled.completeExceptionally(new AssertionError("the stream was not cancelled"));
                    }

                    @Override
                    public void onError(Throwable error) {
                        cancelled.completeExceptionally(error);
                    }
                }));
        cancelled.get(10, TimeUnit.SECONDS);

        UsageRecord record = awaitRecords(1).get(0);
        assertThat(record.outcome()).isEqualTo(Outcome.CANCELLED);
        assertThat(record.tenant().value()).isEqualTo("acme");
        assertThat(record.timeToFirstToken()).isNotNull();
        assertThat(fx.emulator.invocations()).hasSize(1);
    }

    @Test
    void stream_noTenant_reachesOnErrorAsCallRejected() throws Exception {
        BedrockStreamingChatModel model = models.streamingChatModel(EmulatorFixture.MODEL);
        CompletableFuture<Throwable> error = new CompletableFuture<>();

        model.chat(ask("hello"), new StreamingChatResponseHandler() {
            @Override
            public void onCompleteResponse(ChatResponse response) {
                error.complete(null);
            }

            @Override
            public void onError(Throwable e) {
                error.complete(e);
            }
        });

        assertThat(error.get(10, TimeUnit.SECONDS)).isInstanceOf(CallRejectedException.class)
                .hasCauseInstanceOf(UnknownTenantException.class);
        assertThat(fx.emulator.invocations()).isEmpty();
    }

    /** Sets (or, for a {@code null} value, clears) system properties; returns what they were, to restore them. */
    private static Map<String, String> setSystemProperties(Map<String, String> values) {
        Map<String, String> previous = new HashMap<>();
        values.forEach((key, value) -> {
            previous.put(key, System.getProperty(key));
            if (value == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, value);
            }
        });
        return previous;
    }

    /** Records of streams are written when the body ends, on the SDK's threads; wait for them without sleeping. */
    private List<UsageRecord> awaitRecords(int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (fx.records.size() < count && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            Thread.sleep(1);
        }
        assertThat(fx.records).hasSize(count);
        return new ArrayList<>(fx.records);
    }
}
