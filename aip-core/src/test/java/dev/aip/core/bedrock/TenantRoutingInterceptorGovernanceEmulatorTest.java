package dev.aip.core.bedrock;

import dev.aip.core.metering.Operation;
import java.time.Duration;

import dev.aip.core.chat.AdmissionRequest;
import dev.aip.core.metering.UsageProvenance;

import static dev.aip.core.bedrock.EmulatorFixture.MODEL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.aip.core.BudgetExceededException;
import dev.aip.core.PolicyViolationException;
import dev.aip.core.RateLimitExceededException;
import dev.aip.core.chat.Admission;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.InferenceSettings;
import dev.aip.core.governance.Budget;
import dev.aip.core.governance.BudgetPeriod;
import dev.aip.core.governance.Governance;
import dev.aip.core.governance.PolicySet;
import dev.aip.core.governance.TenantPolicy;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.TenantScope;
import dev.aip.emulator.FaultPlan;
import java.math.BigDecimal;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.ThrottlingException;

/** Governance on the SDK path: the interceptor admits, refuses and settles like the chat pipeline. */
class TenantRoutingInterceptorGovernanceEmulatorTest {

    static final TenantContext ACME = TenantContext.of("acme");
    static final TenantContext GLOBEX = TenantContext.of("globex");
    static final TenantContext INITECH = TenantContext.of("initech");

    static EmulatorFixture fx;
    static BedrockRuntimeClient sync;
    static BedrockRuntimeClient syncWithSdkRetries;
    static BedrockRuntimeAsyncClient async;
    /** The governance of the running test; the clients are shared, so the interceptor reads it per call. */
    static volatile Governance governance;
    /** Permits handed out and releases seen, to show each admitted execution is released exactly once. */
    static final AtomicInteger admitted = new AtomicInteger();
    static final AtomicInteger released = new AtomicInteger();

    /** The rate buckets never refill during a test: time stands still. */
    final AtomicLong ticker = new AtomicLong();

    @BeforeAll
    static void start() {
        fx = new EmulatorFixture("acme", "globex", "initech");
        TenantRoutingInterceptor routing = TenantRoutingInterceptor.builder().resolver(fx.resolver())
                .meter(fx.meter).admission((tenant, request, profile) -> {
                    Admission.Permit permit = governance.admit(tenant, request, profile);
                    admitted.incrementAndGet();
                    return attempts -> {
                        released.incrementAndGet();
                        permit.release(attempts);
                    };
                })
                .build();
        sync = fx.sync(routing);
        syncWithSdkRetries = fx.syncWithSdkRetries(routing);
        async = fx.async(routing);
    }

    @AfterAll
    static void stop() {
        sync.close();
        syncWithSdkRetries.close();
        async.close();
        fx.close();
    }

    @BeforeEach
    void build() {
        fx.records.clear();
        fx.emulator.script().clear();
        fx.emulator.faults().clear();
        admitted.set(0);
        released.set(0);
        PolicySet policies = PolicySet.builder()
                .tenant(ACME.id(), TenantPolicy.builder().requestsPerMinute(1L).build())
                .tenant(GLOBEX.id(), TenantPolicy.builder().maxConcurrentCalls(2).tokensPerMinute(100_000L)
                        .budget(Budget.of(new BigDecimal("0.02"), BudgetPeriod.monthly(ZoneOffset.UTC))).build())
                .tenant(INITECH.id(), TenantPolicy.builder().maxOutputTokens(100).build())
                .build();
        governance = Governance.builder().policies(policies).ticker(ticker::get).build();
    }

    static ConverseRequest converse(String text) {
        return ConverseRequest.builder().modelId(MODEL).inferenceConfig(c -> c.maxTokens(4000))
                .messages(Message.builder().role(ConversationRole.USER).content(ContentBlock.fromText(text)).build())
                .build();
    }

    static ConverseStreamRequest converseStream(String text) {
        return ConverseStreamRequest.builder().modelId(MODEL).inferenceConfig(c -> c.maxTokens(4000))
                .messages(Message.builder().role(ConversationRole.USER).content(ContentBlock.fromText(text)).build())
                .build();
    }

    static long invocationsOf(String tenant) {
        return fx.emulator.invocations().stream().filter(i -> fx.arn(tenant).equals(i.profileArn())).count();
    }

    static Throwable unwrapped(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    /** Nothing is left reserved or held, and the spend is exactly what the records cost. */
    static void assertSettled(TenantContext tenant) {
        BigDecimal recorded = fx.records.stream().filter(r -> r.tenant().equals(tenant.id()))
                .map(r -> r.cost().amountUsd()).reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(admitted.get()).isPositive();
        assertThat(released.get()).isEqualTo(admitted.get());
        assertThat(governance.inFlight(tenant.id())).isZero();
        assertThat(governance.openPermits()).isZero();
        assertThat(governance.budgetUsage(tenant).reservedUsd()).isEqualByComparingTo("0");
        assertThat(governance.budgetUsage(tenant).spentUsd()).isEqualByComparingTo(recorded);
    }

    @Test
    void converse_overTheRateLimit_isNotRetriedNeverReachesBedrockAndLeavesOneRejectedRecord() {
        TenantScope.get(ACME, () -> sync.converse(converse("Hello")));
        long before = invocationsOf("acme");
        fx.records.clear();

        // The client with the SDK's standard retries: a retried refusal would show as more records or calls.
        Throwable thrown = catchThrowable(() -> TenantScope.get(ACME,
                () -> syncWithSdkRetries.converse(converse("Hello again"))));

        assertThat(thrown).isInstanceOfSatisfying(RateLimitExceededException.class, e -> {
            assertThat(e.limitName()).isEqualTo("requests-per-minute");
            assertThat(e.tenant()).contains(ACME.id());
            assertThat(e.retryAfter()).isPositive();
        });
        assertThat(invocationsOf("acme")).isEqualTo(before);
        assertThat(fx.records).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.REJECTED_BY_POLICY);
            assertThat(r.errorCode()).isEqualTo("RateLimitExceededException");
            assertThat(r.operation()).isEqualTo(Operation.CONVERSE);
            assertThat(r.tenant()).isEqualTo(ACME.id());
            assertThat(r.profileArn()).isEqualTo(fx.arn("acme"));
            assertThat(r.usage().totalTokens()).isZero();
        });
        assertThat(governance.openPermits()).isZero();
    }

    @Test
    void converseStream_overTheBudget_failsBeforeBedrockWithOneRejectedRecord() {
        // Another call in flight has reserved its worst case, 0.0160008 USD of 0.02.
        var inFlight = governance.admit(GLOBEX, AdmissionRequest.of(ChatRequest.builder().model(MODEL)
                .message(ChatMessage.user("x")).settings(InferenceSettings.DEFAULTS.withMaxTokens(4000)).build()),
                fx.resolver().resolve(GLOBEX, MODEL));
        long before = invocationsOf("globex");
        ConverseStreamResponseHandler handler = ConverseStreamResponseHandler.builder()
                .subscriber(ConverseStreamResponseHandler.Visitor.builder().build()).build();

        Throwable thrown = catchThrowable(() -> TenantScope.get(GLOBEX,
                () -> async.converseStream(converseStream("Hello"), handler)).join());

        assertThat(unwrapped(thrown)).isInstanceOfSatisfying(BudgetExceededException.class, e -> {
            assertThat(e.limit()).isEqualByComparingTo("0.02");
            assertThat(e.remaining()).isLessThan(e.requested());
        });
        assertThat(invocationsOf("globex")).isEqualTo(before);
        assertThat(fx.records).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.REJECTED_BY_POLICY);
            assertThat(r.errorCode()).isEqualTo("BudgetExceededException");
            assertThat(r.operation()).isEqualTo(Operation.CONVERSE_STREAM);
        });
        assertThat(governance.inFlight(GLOBEX.id())).isEqualTo(1);

        inFlight.release(List.of());
        TenantScope.get(GLOBEX, () -> async.converseStream(converseStream("Hello"), handler)).join();
        assertThat(invocationsOf("globex")).isEqualTo(before + 1);
    }

    @Test
    void invokeModel_maxTokensInTheBodyAboveThePolicyCap_isRefusedBeforeBedrock() {
        long before = invocationsOf("initech");
        String body = "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":200,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";

        Throwable thrown = catchThrowable(() -> TenantScope.get(INITECH, () -> sync.invokeModel(r -> r.modelId(MODEL)
                .contentType("application/json").body(SdkBytes.fromUtf8String(body)))));

        assertThat(thrown).isInstanceOfSatisfying(PolicyViolationException.class,
                e -> assertThat(e.rule()).isEqualTo("max-output-tokens"));
        assertThat(invocationsOf("initech")).isEqualTo(before);
        assertThat(fx.records).extracting(UsageRecord::outcome, UsageRecord::operation).containsExactly(
                org.assertj.core.groups.Tuple.tuple(Outcome.REJECTED_BY_POLICY, Operation.INVOKE_MODEL));
    }

    @Test
    void converse_admitted_settlesItsReservationsToTheRecordedCost() {
        TenantScope.get(GLOBEX, () -> sync.converse(converse("Hello")));
        TenantScope.get(GLOBEX, () -> async.converse(converse("Hello async"))).join();

        assertThat(fx.records).extracting(UsageRecord::outcome).containsExactly(Outcome.SUCCESS, Outcome.SUCCESS);
        assertSettled(GLOBEX);
        assertThat(governance.budgetUsage(GLOBEX).spentUsd()).isPositive();
    }

    @Test
    void invokeModel_admitted_settlesItsReservationsToTheRecordedCost() {
        String body = "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":300,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello from the body\"}]}";

        TenantScope.get(GLOBEX, () -> sync.invokeModel(r -> r.modelId(MODEL).contentType("application/json")
                .body(SdkBytes.fromUtf8String(body))));

        assertThat(fx.records).extracting(UsageRecord::outcome).containsExactly(Outcome.SUCCESS);
        assertSettled(GLOBEX);
        assertThat(governance.budgetUsage(GLOBEX).spentUsd()).isPositive();
    }

    @Test
    void converse_throttledByBedrock_releasesItsPermitOnceAndSpendsNothing() {
        fx.emulator.faults().set(fx.arn("globex"), FaultPlan.builder().throttleSequence(true).build());

        Throwable thrown = catchThrowable(() -> TenantScope.get(GLOBEX, () -> sync.converse(converse("Hello"))));

        assertThat(thrown).isInstanceOf(ThrottlingException.class);
        assertThat(fx.records).extracting(UsageRecord::outcome).containsExactly(Outcome.THROTTLED);
        assertSettled(GLOBEX);
        assertThat(governance.budgetUsage(GLOBEX).spentUsd()).isEqualByComparingTo("0");
    }

    @Test
    void converseStream_admitted_settlesItsReservationsToTheRecordedCost() {
        ConverseStreamResponseHandler handler = ConverseStreamResponseHandler.builder()
                .subscriber(ConverseStreamResponseHandler.Visitor.builder().build()).build();

        TenantScope.get(GLOBEX, () -> async.converseStream(converseStream("Tell me a story"), handler)).join();

        assertThat(fx.records).extracting(UsageRecord::outcome).containsExactly(Outcome.SUCCESS);
        assertSettled(GLOBEX);
        assertThat(governance.budgetUsage(GLOBEX).spentUsd()).isPositive();
    }

    @Test
    void converseStream_abandonedByTheSubscriberHalfway_settlesItsReservationsAndFreesItsSlot() throws Exception {
        fx.emulator.script().forModel(fx.arn("globex")).whenPromptContains("long").replyTokens(3000);
        CompletableFuture<Void> cancelled = new CompletableFuture<>();
        ConverseStreamResponseHandler handler = EmulatorFixture.cancellingAfterDeltas(2, cancelled);

        CompletableFuture<Void> call = TenantScope.get(GLOBEX,
                () -> async.converseStream(converseStream("a long story"), handler));
        cancelled.get(10, TimeUnit.SECONDS);
        call.handle((ok, error) -> null).get(10, TimeUnit.SECONDS);

        assertThat(fx.records).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.CANCELLED);
            assertThat(r.tenant()).isEqualTo(TenantId.of("globex"));
        });
        assertSettled(GLOBEX);
        assertThat(governance.budgetUsage(GLOBEX).spentUsd()).isPositive();
        assertThat(governance.expiredLeases()).isZero();
    }

    @Test
    void converseStream_cutRightAfterMessageStart_chargesTheBudgetItsEstimateNotNothing() throws Exception {
        fx.emulator.faults().set(fx.arn("globex"), FaultPlan.builder().cutStreamAfterEvents(1).build());
        ConverseStreamResponseHandler handler = ConverseStreamResponseHandler.builder()
                .subscriber(ConverseStreamResponseHandler.Visitor.builder().build()).build();

        TenantScope.get(GLOBEX, () -> async.converseStream(converseStream("Tell me a story"), handler))
                .handle((ok, error) -> null).get(10, TimeUnit.SECONDS);

        assertThat(fx.records).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.STREAM_INTERRUPTED);
            assertThat(r.provenance()).isEqualTo(UsageProvenance.ESTIMATED);
            assertThat(r.usage().inputTokens()).isPositive();
            assertThat(r.cost().amountUsd()).isPositive();
        });
        assertSettled(GLOBEX);
    }

    @Test
    void converseStream_futureCancelledByTheCaller_isOneCancelledRecordAndReleasesItsPermit() throws Exception {
        fx.emulator.script().forModel(fx.arn("globex")).whenPromptContains("long").replyTokens(3000);
        fx.emulator.faults().set(fx.arn("globex"), FaultPlan.builder().chunkDelay(Duration.ofMillis(20)).build());
        CompletableFuture<CompletableFuture<Void>> holder = new CompletableFuture<>();
        CompletableFuture<Void> firstEvent = new CompletableFuture<>();
        ConverseStreamResponseHandler handler = ConverseStreamResponseHandler.builder()
                .subscriber(ConverseStreamResponseHandler.Visitor.builder()
                        .onDefault(e -> firstEvent.complete(null)).build()).build();

        CompletableFuture<Void> call = TenantScope.get(GLOBEX,
                () -> async.converseStream(converseStream("a long story"), handler));
        holder.complete(call);
        firstEvent.get(10, TimeUnit.SECONDS);
        // The SDK calls no interceptor hook when its future is cancelled; only the response body hears of it.
        call.cancel(true);
        for (int i = 0; i < 500 && released.get() < admitted.get(); i++) {
            Thread.sleep(10);
        }

        assertThat(fx.records).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.CANCELLED);
            assertThat(r.provenance()).isEqualTo(UsageProvenance.ESTIMATED);
            assertThat(r.cost().amountUsd()).isPositive();
        });
        assertSettled(GLOBEX);
    }
}
