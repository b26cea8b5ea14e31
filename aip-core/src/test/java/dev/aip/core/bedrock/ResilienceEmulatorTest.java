package dev.aip.core.bedrock;

import static dev.aip.core.bedrock.EmulatorFixture.MODEL;
import static dev.aip.core.bedrock.EmulatorFixture.SOURCE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import dev.aip.core.ProfileResolutionException;
import dev.aip.core.chat.ChatClient;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatPipeline;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.ChatResponse;
import dev.aip.core.chat.ChatStream;
import dev.aip.core.chat.ChatStreamListener;
import dev.aip.core.chat.ChatTransport;
import dev.aip.core.chat.RetryPolicy;
import dev.aip.core.governance.Budget;
import dev.aip.core.governance.BudgetPeriod;
import dev.aip.core.governance.Governance;
import dev.aip.core.governance.PolicySet;
import dev.aip.core.governance.TenantPolicy;
import dev.aip.core.metering.UsageMeter;
import dev.aip.core.metering.Operation;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.ProfileBalancer;
import dev.aip.core.profile.StaticProfileResolver;
import dev.aip.core.profile.TenantProfileResolver;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantScope;
import dev.aip.emulator.FaultPlan;
import dev.aip.emulator.InvocationRecord;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.bedrock.model.Tag;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.ThrottlingException;

/**
 * Retries, fail-over to the fallback chain and load balancing in the pipeline, against the emulator with the real
 * SDK clients: every attempt is one usage record, and the records agree with what the emulator saw.
 */
class ResilienceEmulatorTest {

    static final String SONNET = "anthropic.claude-3-7-sonnet-20250219-v1:0";
    static final TenantContext ACME = TenantContext.of("acme");
    static final TenantContext GLOBEX = TenantContext.of("globex");

    static EmulatorFixture fx;
    static BedrockRuntimeClient sync;
    static BedrockRuntimeAsyncClient async;
    /** Acme's second profile of the same model, and its profile of another model. */
    static String acmeHaiku2;
    static String acmeSonnet;
    static StaticProfileResolver resolver;

    ChatPipeline.Builder pipeline;

    @BeforeAll
    static void start() {
        fx = new EmulatorFixture("acme", "globex");
        sync = fx.sync();
        async = fx.async();
        acmeHaiku2 = profile("aip-acme-haiku-2", SOURCE, "acme");
        acmeSonnet = profile("aip-acme-sonnet", SONNET, "acme");
        resolver = StaticProfileResolver.builder().trustMapping()
                .profile(ACME.id(), MODEL, fx.arn("acme"), SOURCE)
                .profile(ACME.id(), "claude-haiku-pair", fx.arn("acme"), SOURCE)
                .profile(ACME.id(), "claude-haiku-pair", acmeHaiku2, SOURCE)
                .profile(ACME.id(), "claude-sonnet", acmeSonnet, SONNET)
                .profile(GLOBEX.id(), MODEL, fx.arn("globex"), SOURCE)
                .build();
    }

    static String profile(String name, String model, String tenant) {
        return fx.control.createInferenceProfile(r -> r.inferenceProfileName(name)
                .modelSource(s -> s.copyFrom("arn:aws:bedrock:" + fx.emulator.region() + "::foundation-model/"
                        + model))
                .tags(Tag.builder().key("TenantId").value(tenant).build())).inferenceProfileArn();
    }

    @AfterAll
    static void stop() {
        sync.close();
        async.close();
        fx.close();
    }

    @BeforeEach
    void reset() {
        fx.records.clear();
        fx.emulator.script().clear();
        fx.emulator.faults().clear();
        fx.emulator.resetMetrics();
        pipeline = ChatPipeline.builder().resolver(resolver).meter(fx.meter)
                .transport(BedrockChatTransport.builder().client(sync).asyncClient(async).build());
    }

    static RetryPolicy.Builder fastBackoff() {
        return RetryPolicy.backoff().baseDelay(Duration.ofMillis(1)).maxDelay(Duration.ofMillis(4));
    }

    static ChatRequest ask(String model, String text) {
        return ChatRequest.builder().model(model).message(ChatMessage.user(text)).build();
    }

    static List<InvocationRecord> seen(String arn) {
        return fx.emulator.invocations().stream().filter(i -> arn.equals(i.profileArn())).toList();
    }

    static ChatResponse streamed(ChatClient chat, TenantContext tenant, ChatRequest request) {
        ChatStream stream = chat.stream(tenant, request, new ChatStreamListener() { });
        return stream.completion().join();
    }

    @Test
    void chat_throttledTwiceThenAnswered_recordsEveryAttemptAsTheEmulatorSawIt() {
        fx.emulator.faults().set(fx.arn("acme"), FaultPlan.builder().throttleSequence(true, true, false).build());
        ChatClient chat = pipeline.retryPolicy(fastBackoff().maxAttempts(3).build()).build();

        ChatResponse response = chat.chat(ACME, ask(MODEL, "Hello"));

        assertRetriedThreeTimes(response, Operation.CONVERSE);
    }

    @Test
    void stream_throttledTwiceThenAnswered_recordsEveryAttemptAsTheEmulatorSawIt() {
        fx.emulator.faults().set(fx.arn("acme"), FaultPlan.builder().throttleSequence(true, true, false).build());
        ChatClient chat = pipeline.retryPolicy(fastBackoff().maxAttempts(3).build()).build();

        ChatResponse response = streamed(chat, ACME, ask(MODEL, "Hello"));

        assertRetriedThreeTimes(response, Operation.CONVERSE_STREAM);
    }

    private static void assertRetriedThreeTimes(ChatResponse response, Operation operation) {
        assertThat(fx.records).extracting(UsageRecord::attempt, UsageRecord::outcome, UsageRecord::errorCode)
                .containsExactly(tuple(1, Outcome.THROTTLED, "ThrottlingException"),
                        tuple(2, Outcome.THROTTLED, "ThrottlingException"), tuple(3, Outcome.SUCCESS, null));
        assertThat(fx.records).extracting(UsageRecord::callId).containsOnly(fx.records.get(0).callId());
        assertThat(fx.records).extracting(UsageRecord::operation).containsOnly(operation);
        assertThat(response.usageRecordId()).isEqualTo(fx.records.get(2).recordId());
        List<InvocationRecord> seen = seen(fx.arn("acme"));
        assertThat(seen).extracting(InvocationRecord::outcome).containsExactly(InvocationRecord.Outcome.THROTTLED,
                InvocationRecord.Outcome.THROTTLED, InvocationRecord.Outcome.SUCCESS);
        assertThat(fx.records).extracting(UsageRecord::awsRequestId)
                .containsExactlyElementsOf(seen.stream().map(InvocationRecord::requestId).toList());
        assertThat(fx.records.get(2).usage().inputTokens()).isEqualTo(seen.get(2).inputTokens());
        assertThat(fx.records.get(2).usage().outputTokens()).isEqualTo(seen.get(2).outputTokens());
    }

    @Test
    void chatAndStream_modelNotReady_isRetriedAndRecordedWithItsErrorCode() {
        fx.emulator.script().forModel(fx.arn("acme")).once().fail("ModelNotReadyException");
        fx.emulator.script().forModel(fx.arn("acme")).whenPromptContains("stream").once()
                .fail("ModelNotReadyException");
        ChatClient chat = pipeline.retryPolicy(fastBackoff().retryOn().build()).build();

        chat.chat(ACME, ask(MODEL, "Hello"));
        streamed(chat, ACME, ask(MODEL, "stream please"));

        assertThat(fx.records).extracting(UsageRecord::operation, UsageRecord::attempt, UsageRecord::errorCode)
                .containsExactly(tuple(Operation.CONVERSE, 1, "ModelNotReadyException"),
                        tuple(Operation.CONVERSE, 2, null),
                        tuple(Operation.CONVERSE_STREAM, 1, "ModelNotReadyException"),
                        tuple(Operation.CONVERSE_STREAM, 2, null));
    }

    @Test
    void chat_primaryThrottledBeyondItsRetries_isAnsweredByTheFallbackChain_andChargedItsRealCost() {
        fx.emulator.faults().set(fx.arn("acme"), FaultPlan.builder().throttle(1.0).build());
        Governance governance = Governance.builder().policies(PolicySet.builder().tenant(ACME.id(),
                TenantPolicy.builder().fallbackChain(List.of("claude-sonnet"))
                        .budget(Budget.of(new BigDecimal("5"), BudgetPeriod.monthly(ZoneOffset.UTC))).build())
                .build()).build();
        ChatClient chat = pipeline.admission(governance).fallbackRoutes(governance.fallbackRoutes())
                .retryPolicy(fastBackoff().maxAttempts(2).build()).build();

        ChatResponse response = chat.chat(ACME, ask(MODEL, "Hello"));

        assertThat(response.profileArn()).isEqualTo(acmeSonnet);
        assertThat(fx.records).extracting(UsageRecord::attempt, UsageRecord::profileArn, UsageRecord::sourceModelId,
                UsageRecord::outcome).containsExactly(
                        tuple(1, fx.arn("acme"), SOURCE, Outcome.THROTTLED),
                        tuple(2, fx.arn("acme"), SOURCE, Outcome.THROTTLED),
                        tuple(3, acmeSonnet, SONNET, Outcome.SUCCESS));
        assertThat(fx.records).extracting(UsageRecord::callId).containsOnly(fx.records.get(0).callId());
        // The emulator saw the same attempts per profile, with the same tokens.
        assertThat(seen(fx.arn("acme"))).hasSize(2).allSatisfy(i -> assertThat(i.outputTokens()).isZero());
        assertThat(seen(acmeSonnet)).singleElement().satisfies(i -> {
            assertThat(i.inputTokens()).isEqualTo(fx.records.get(2).usage().inputTokens());
            assertThat(i.outputTokens()).isEqualTo(fx.records.get(2).usage().outputTokens());
        });
        // One admission for the call; its settlement charges what the answer cost on Sonnet.
        assertThat(governance.openPermits()).isZero();
        assertThat(governance.budgetUsage(ACME).reservedUsd()).isEqualByComparingTo("0");
        assertThat(governance.budgetUsage(ACME).spentUsd()).isPositive()
                .isEqualByComparingTo(fx.records.get(2).cost().amountUsd());
    }

    @Test
    void stream_primaryThrottledBeyondItsRetries_isAnsweredByTheFallbackChain() {
        fx.emulator.faults().set(fx.arn("acme"), FaultPlan.builder().throttle(1.0).build());
        ChatClient chat = pipeline.fallbackRoutes((t, r, p) -> List.of("claude-sonnet"))
                .retryPolicy(fastBackoff().maxAttempts(2).build()).build();

        ChatResponse response = streamed(chat, ACME, ask(MODEL, "Hello"));

        assertThat(response.profileArn()).isEqualTo(acmeSonnet);
        assertThat(fx.records).extracting(UsageRecord::profileArn, UsageRecord::outcome).containsExactly(
                tuple(fx.arn("acme"), Outcome.THROTTLED), tuple(fx.arn("acme"), Outcome.THROTTLED),
                tuple(acmeSonnet, Outcome.SUCCESS));
        assertThat(seen(acmeSonnet)).singleElement().extracting(InvocationRecord::outputTokens)
                .isEqualTo(fx.records.get(2).usage().outputTokens());
    }

    @Test
    void chat_fallbackEntryThatIsAnotherTenantsProfile_isRefusedAndNeverCalled() {
        fx.emulator.faults().set(fx.arn("acme"), FaultPlan.builder().throttle(1.0).build());
        Governance governance = Governance.builder().policies(PolicySet.builder().tenant(ACME.id(),
                TenantPolicy.builder().fallbackChain(List.of(fx.arn("globex"))).build()).build()).build();
        ChatClient chat = pipeline.admission(governance).fallbackRoutes(governance.fallbackRoutes())
                .retryPolicy(fastBackoff().maxAttempts(2).build()).build();

        assertThatThrownBy(() -> chat.chat(ACME, ask(MODEL, "Hello")))
                .isInstanceOfSatisfying(ThrottlingException.class, e -> assertThat(e.getSuppressed())
                        .singleElement().isInstanceOf(ProfileResolutionException.class));

        assertThat(seen(fx.arn("globex"))).isEmpty();
        assertThat(fx.records).extracting(UsageRecord::profileArn).containsOnly(fx.arn("acme"));
        assertThat(governance.openPermits()).isZero();
    }

    @Test
    void chat_balancedOverTwoProfiles_spreadsByWeight_andRecordsAgreeWithTheEmulatorPerProfile() {
        ProfileBalancer balancer = ProfileBalancer.builder().weight(fx.arn("acme"), 3).random(new Random(11))
                .build();
        ChatClient chat = pipeline.balancer(balancer).build();

        for (int i = 0; i < 80; i++) {
            chat.chat(ACME, ask("claude-haiku-pair", "Hello " + i));
        }

        Map<String, Long> recorded = fx.records.stream()
                .collect(Collectors.groupingBy(UsageRecord::profileArn, Collectors.counting()));
        assertThat(recorded.get(fx.arn("acme"))).isBetween(48L, 72L);
        assertThat(recorded.get(fx.arn("acme")) + recorded.get(acmeHaiku2)).isEqualTo(80);
        for (String arn : List.of(fx.arn("acme"), acmeHaiku2)) {
            List<InvocationRecord> seen = seen(arn);
            assertThat(seen).hasSize(recorded.get(arn).intValue());
            assertThat(fx.records.stream().filter(r -> r.profileArn().equals(arn))
                    .mapToLong(r -> r.usage().outputTokens()).sum())
                    .isEqualTo(seen.stream().mapToLong(InvocationRecord::outputTokens).sum());
            assertThat(balancer.inFlight(arn)).isZero();
        }
    }

    @Test
    void chat_balancedProfileThrottled_failsOverToTheOtherAtOnce() {
        fx.emulator.faults().set(fx.arn("acme"), FaultPlan.builder().throttle(1.0).build());
        ProfileBalancer balancer = ProfileBalancer.builder().weight(fx.arn("acme"), 1000).build();
        ChatClient chat = pipeline.balancer(balancer).retryPolicy(RetryPolicy.none()).build();

        ChatResponse response = chat.chat(ACME, ask("claude-haiku-pair", "Hello"));

        assertThat(response.profileArn()).isEqualTo(acmeHaiku2);
        assertThat(fx.records).extracting(UsageRecord::profileArn, UsageRecord::outcome).containsExactly(
                tuple(fx.arn("acme"), Outcome.THROTTLED), tuple(acmeHaiku2, Outcome.SUCCESS));
    }

    @Test
    void stream_withoutRetries_failsWithTheThrottlingItGot() {
        fx.emulator.faults().set(fx.arn("acme"), FaultPlan.builder().throttle(1.0).build());
        ChatClient chat = pipeline.build();

        ChatStream stream = chat.stream(ACME, ask(MODEL, "Hello"), new ChatStreamListener() { });

        assertThatThrownBy(() -> stream.completion().join()).isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(ThrottlingException.class);
        assertThat(fx.records).singleElement().extracting(UsageRecord::outcome).isEqualTo(Outcome.THROTTLED);
    }

    @Test
    void readme_retriesFallbackAndBalancing_asWritten() {
        fx.emulator.faults().set(fx.arn("acme"), FaultPlan.builder().throttle(1.0).build());
        TenantProfileResolver resolver = ResilienceEmulatorTest.resolver;
        UsageMeter meter = fx.meter;
        ChatTransport transport = BedrockChatTransport.builder().client(sync).asyncClient(async).build();
        Governance governance = Governance.builder().policies(PolicySet.of(TenantPolicy.builder()
                .fallbackChain(List.of("claude-sonnet")).maxOutputTokens(100).build())).build();

        // --- as in the README ---
        ChatClient chat = ChatPipeline.builder().resolver(resolver).meter(meter).transport(transport)
                .admission(governance)                        // also applies defaultSettings and maxOutputTokens
                .retryPolicy(RetryPolicy.backoff()            // throttling, 5xx, ModelNotReadyException
                        .maxAttempts(3)                       // per profile
                        .baseDelay(Duration.ofMillis(200)).maxDelay(Duration.ofSeconds(5))
                        .deadline(Duration.ofSeconds(20))     // per call
                        .build())
                .balancer(ProfileBalancer.builder().strategy(ProfileBalancer.Strategy.LEAST_LOADED).build())
                .fallbackRoutes(governance.fallbackRoutes())  // the policy's fallbackChain
                .build();
        // --- end ---

        ChatResponse answer = chat.chat(ACME, ask(MODEL, "Hello"));

        assertThat(answer.profileArn()).isEqualTo(acmeSonnet);
        assertThat(fx.records).extracting(UsageRecord::outcome).containsExactly(Outcome.THROTTLED,
                Outcome.THROTTLED, Outcome.THROTTLED, Outcome.SUCCESS);
        assertThat(seen(acmeSonnet)).singleElement().extracting(InvocationRecord::outputTokens)
                .satisfies(out -> assertThat(out).isLessThanOrEqualTo(100L));
    }

    @Test
    void sdkPath_balancedOverTwoProfiles_spreadsCallsAndCountsEachUntilItEnds() throws Exception {
        ProfileBalancer balancer = ProfileBalancer.builder().strategy(ProfileBalancer.Strategy.LEAST_LOADED).build();
        TenantRoutingInterceptor routing = TenantRoutingInterceptor.builder().resolver(resolver).meter(fx.meter)
                .balancer(balancer).build();
        try (BedrockRuntimeClient sdk = fx.sync(routing); BedrockRuntimeAsyncClient sdkAsync = fx.async(routing)) {
            for (int i = 0; i < 10; i++) {
                int n = i;
                TenantScope.run(ACME, () -> sdk.converse(r -> r.modelId("claude-haiku-pair")
                        .messages(Message.builder().role(ConversationRole.USER)
                                .content(ContentBlock.fromText("Hello " + n)).build())));
                TenantScope.call(ACME, () -> sdkAsync.converseStream(r -> r.modelId("claude-haiku-pair")
                        .messages(Message.builder().role(ConversationRole.USER)
                                .content(ContentBlock.fromText("Stream " + n)).build()),
                        ConverseStreamResponseHandler.builder().subscriber(e -> { }).build()))
                        .get(30, java.util.concurrent.TimeUnit.SECONDS);
            }
        }

        Map<String, Long> recorded = fx.records.stream()
                .collect(Collectors.groupingBy(UsageRecord::profileArn, Collectors.counting()));
        assertThat(recorded.keySet()).containsExactlyInAnyOrder(fx.arn("acme"), acmeHaiku2);
        for (String arn : List.of(fx.arn("acme"), acmeHaiku2)) {
            assertThat(seen(arn)).hasSize(recorded.get(arn).intValue());
            assertThat(balancer.inFlight(arn)).isZero();
        }
    }
}
