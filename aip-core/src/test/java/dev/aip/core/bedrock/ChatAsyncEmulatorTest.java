package dev.aip.core.bedrock;

import static dev.aip.core.bedrock.EmulatorFixture.MODEL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.chat.Admission;
import dev.aip.core.chat.ChatClient;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatPipeline;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.ChatResponse;
import dev.aip.core.chat.RetryPolicy;
import dev.aip.core.metering.Operation;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageProvenance;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantContext;
import dev.aip.emulator.FaultPlan;
import dev.aip.emulator.InvocationRecord;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.model.InternalServerException;
import software.amazon.awssdk.services.bedrockruntime.model.ThrottlingException;
import software.amazon.awssdk.services.bedrockruntime.model.ValidationException;

/**
 * {@code chatAsync} on the async client against the emulator, on every outcome: exactly one record per attempt
 * (checked against the server's log) and one release of the admission's permit with every attempt's record.
 */
class ChatAsyncEmulatorTest {

    static final TenantContext ACME = TenantContext.of("acme");

    static EmulatorFixture fx;
    static BedrockRuntimeAsyncClient async;
    static BedrockRuntimeAsyncClient asyncWithTimeout;
    static BedrockRuntimeAsyncClient asyncWatched;
    /** Completed when the watched client is about to send a request. */
    static volatile CompletableFuture<Void> sending = new CompletableFuture<>();

    final AtomicInteger admitted = new AtomicInteger();
    final List<List<UsageRecord>> releases = new CopyOnWriteArrayList<>();
    final Admission counting = (tenant, request, profile) -> {
        admitted.incrementAndGet();
        return releases::add;
    };

    @BeforeAll
    static void start() {
        fx = new EmulatorFixture("acme");
        async = fx.async();
        asyncWithTimeout = fx.async(Duration.ofMillis(500));
        asyncWatched = fx.async(new ExecutionInterceptor() {
            @Override
            public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
                sending.complete(null);
            }
        });
    }

    @AfterAll
    static void stop() {
        async.close();
        asyncWithTimeout.close();
        asyncWatched.close();
        fx.close();
    }

    @BeforeEach
    void reset() {
        fx.records.clear();
        fx.emulator.faults().clear();
        fx.emulator.script().clear();
        sending = new CompletableFuture<>();
    }

    private ChatClient pipeline(BedrockRuntimeAsyncClient client) {
        return ChatPipeline.builder().resolver(fx.resolver()).meter(fx.meter).admission(counting)
                .transport(BedrockChatTransport.builder().asyncClient(client).build()).build();
    }

    static ChatRequest ask(String text) {
        return ChatRequest.builder().model(MODEL).message(ChatMessage.user(text)).build();
    }

    static List<InvocationRecord> invocations() {
        return fx.emulator.invocations();
    }

    /** One admission, one release, holding exactly the call's records. */
    private void assertReleasedOnceWithTheRecords() {
        assertThat(admitted).hasValue(1);
        assertThat(releases).singleElement().satisfies(r -> assertThat(r).containsExactlyElementsOf(fx.records));
    }

    private static Throwable failureOf(CompletableFuture<ChatResponse> answer) {
        return assertThatThrownBy(() -> answer.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .actual().getCause();
    }

    @Test
    void chatAsync_success_isOneReportedConverseRecordEqualToTheServersUsage() throws Exception {
        ChatResponse answer = pipeline(async).chatAsync(ACME, ask("Hello")).toCompletableFuture()
                .get(30, TimeUnit.SECONDS);

        InvocationRecord server = invocations().get(invocations().size() - 1);
        assertThat(answer.text()).isNotEmpty();
        assertThat(answer.awsRequestId()).isEqualTo(server.requestId());
        assertThat(fx.records).singleElement().satisfies(r -> {
            assertThat(r.operation()).isEqualTo(Operation.CONVERSE);
            assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
            assertThat(r.provenance()).isEqualTo(UsageProvenance.REPORTED);
            assertThat(r.usage()).isEqualTo(new TokenUsage(server.inputTokens(), server.outputTokens(),
                    server.cacheReadInputTokens(), server.cacheWriteInputTokens()));
            assertThat(r.awsRequestId()).isEqualTo(server.requestId());
            assertThat(r.timeToFirstToken()).isNull();
        });
        assertThat(answer.usageRecordId()).isEqualTo(fx.records.get(0).recordId());
        assertReleasedOnceWithTheRecords();
    }

    @Test
    void chatAsync_throttled_failsWithBedrocksExceptionAndOneThrottledRecord() {
        fx.emulator.faults().set(fx.arn("acme"), FaultPlan.builder().throttleSequence(true).build());
        int before = invocations().size();

        Throwable failure = failureOf(pipeline(async).chatAsync(ACME, ask("Hello")).toCompletableFuture());

        assertThat(failure).isInstanceOf(ThrottlingException.class);
        assertThat(invocations()).hasSize(before + 1);
        assertThat(fx.records).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.THROTTLED);
            assertThat(r.provenance()).isEqualTo(UsageProvenance.NONE);
        });
        assertReleasedOnceWithTheRecords();
    }

    @Test
    void chatAsync_clientAndServerErrors_areClassifiedOneRecordEach() {
        fx.emulator.script().forModel(fx.arn("acme")).whenPromptContains("invalid").fail("ValidationException");
        fx.emulator.script().forModel(fx.arn("acme")).whenPromptContains("boom").fail("InternalServerException");
        ChatClient chat = pipeline(async);

        assertThat(failureOf(chat.chatAsync(ACME, ask("invalid")).toCompletableFuture()))
                .isInstanceOf(ValidationException.class);
        assertThat(failureOf(chat.chatAsync(ACME, ask("boom")).toCompletableFuture()))
                .isInstanceOf(InternalServerException.class);

        assertThat(fx.records).extracting(UsageRecord::outcome)
                .containsExactly(Outcome.CLIENT_ERROR, Outcome.SERVER_ERROR);
        assertThat(admitted).hasValue(2);
        assertThat(releases).hasSize(2);
    }

    @Test
    void chatAsync_sdkCallTimeout_isOneTimeoutRecordWithoutTokens() {
        fx.emulator.faults().set(fx.arn("acme"), FaultPlan.builder().latency(Duration.ofSeconds(2)).build());

        Throwable failure = failureOf(pipeline(asyncWithTimeout).chatAsync(ACME, ask("Hello"))
                .toCompletableFuture());

        assertThat(failure).isInstanceOf(software.amazon.awssdk.core.exception.ApiCallTimeoutException.class);
        assertThat(fx.records).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.TIMEOUT);
            assertThat(r.usage()).isEqualTo(TokenUsage.ZERO);
            assertThat(r.provenance()).isEqualTo(UsageProvenance.NONE);
        });
        assertReleasedOnceWithTheRecords();
    }

    @Test
    void chatAsync_cancelledDuringARetryPause_sendsNothingMoreAndReleasesOnce() throws Exception {
        fx.emulator.faults().set(fx.arn("acme"), FaultPlan.builder().throttleSequence(true, false).build());
        HeldScheduler scheduler = new HeldScheduler();
        ChatClient chat = ChatPipeline.builder().resolver(fx.resolver()).meter(fx.meter).admission(counting)
                .transport(BedrockChatTransport.builder().asyncClient(async).build())
                .retryPolicy(RetryPolicy.backoff().maxAttempts(2).build()).scheduler(scheduler).build();
        int before = invocations().size();

        CompletableFuture<ChatResponse> answer = chat.chatAsync(ACME, ask("Hello")).toCompletableFuture();
        scheduler.scheduled.get(30, TimeUnit.SECONDS);
        assertThat(answer.cancel(true)).isTrue();
        scheduler.runHeld();

        assertThat(answer).isCancelled();
        assertThat(invocations()).hasSize(before + 1);
        assertThat(fx.records).singleElement().satisfies(r -> assertThat(r.outcome()).isEqualTo(Outcome.THROTTLED));
        assertReleasedOnceWithTheRecords();
        scheduler.shutdownNow();
    }

    @Test
    void chatAsync_cancelledAfterSending_isOneCancelledRecordWithAnEstimateAndOneRelease() throws Exception {
        fx.emulator.faults().set(fx.arn("acme"), FaultPlan.builder().latency(Duration.ofSeconds(2)).build());
        int before = invocations().size();

        CompletableFuture<ChatResponse> answer = pipeline(asyncWatched).chatAsync(ACME, ask("Hello"))
                .toCompletableFuture();
        sending.get(30, TimeUnit.SECONDS);
        assertThat(answer.cancel(true)).isTrue();

        assertThatThrownBy(answer::join).isInstanceOf(CancellationException.class);
        assertThat(fx.records).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.CANCELLED);
            assertThat(r.provenance()).isEqualTo(UsageProvenance.ESTIMATED);
            assertThat(r.usage().inputTokens()).isPositive();
        });
        assertReleasedOnceWithTheRecords();
        // Nothing else is sent for the call (the emulator logs the abandoned request at most once, when its
        // latency has passed, or not at all if it noticed the client leave first).
        Thread.sleep(2_500);
        assertThat(invocations().size()).isBetween(before, before + 1);
    }

    /** A scheduler that holds the tasks it is given until the test runs them. */
    static final class HeldScheduler extends ScheduledThreadPoolExecutor {
        final CompletableFuture<Void> scheduled = new CompletableFuture<>();
        private final List<Runnable> held = new CopyOnWriteArrayList<>();
        private final ConcurrentHashMap<Runnable, Boolean> ran = new ConcurrentHashMap<>();

        HeldScheduler() {
            super(1);
        }

        @Override
        public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
            held.add(command);
            scheduled.complete(null);
            return super.schedule(() -> { }, 1, TimeUnit.DAYS);
        }

        void runHeld() {
            for (Runnable r : held) {
                if (ran.putIfAbsent(r, Boolean.TRUE) == null) {
                    r.run();
                }
            }
        }
    }
}
