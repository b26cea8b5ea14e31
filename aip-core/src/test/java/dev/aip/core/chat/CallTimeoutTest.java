package dev.aip.core.chat;

import static dev.aip.core.chat.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageProvenance;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.metering.UsageMeter;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.Tier;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Per-tier call timeouts: a call past its timeout is abandoned, recorded once as TIMEOUT, and its permit freed. */
class CallTimeoutTest {

    private final List<String> journal = new CopyOnWriteArrayList<>();
    private final List<UsageRecord> records = new CopyOnWriteArrayList<>();
    private final UsageMeter meter = Fixtures.meter(journal, records);
    private final FakeTransport transport = new FakeTransport(journal).holdAsyncAnswers();
    private final ManualScheduler timers = new ManualScheduler();
    private final AtomicInteger admitted = new AtomicInteger();
    private final List<List<UsageRecord>> releases = new CopyOnWriteArrayList<>();
    private final Admission counting = (tenant, req, profile) -> {
        admitted.incrementAndGet();
        return releases::add;
    };
    private final TenantContext premium = TenantContext.of("acme").withTier(Tier.PREMIUM);
    private final TenantContext basic = TenantContext.of("initech").withTier(Tier.BASIC);
    private final CallTimeouts timeouts = CallTimeouts.of(Duration.ofSeconds(60))
            .withTier(Tier.PREMIUM, Duration.ofSeconds(300)).withTier(Tier.BASIC, Duration.ofSeconds(20));

    private ChatPipeline.Builder pipeline() {
        return ChatPipeline.builder().resolver(Fixtures.resolver(journal)).meter(meter).transport(transport)
                .admission(counting).scheduler(timers);
    }

    @Test
    void stream_pastItsTimeout_isCancelledAtBedrockRecordedOnceAsTimeoutAndFailsWithTheTimeout() {
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        List<String> texts = new CopyOnWriteArrayList<>();
        ChatStream stream = pipeline().timeouts(timeouts).build().stream(basic, request(), new ChatStreamListener() {
            @Override
            public void onText(String text) {
                texts.add(text);
            }

            @Override
            public void onError(Throwable error) {
                errors.add(error);
            }
        });
        FakeTransport.FakeStream attempt = transport.stream(0).open("r1").text("Once upon a time");

        assertThat(timers.pauses).containsExactly(Duration.ofSeconds(20));
        assertThat(timers.runNext()).isTrue();

        assertThat(attempt.cancelled).as("the Bedrock stream is cancelled").isTrue();
        assertThat(errors).singleElement().isInstanceOfSatisfying(CallTimeoutException.class,
                e -> assertThat(e.timeout()).isEqualTo(Duration.ofSeconds(20)));
        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.TIMEOUT);
            assertThat(r.errorCode()).isEqualTo(CallTimeoutException.ERROR_CODE);
            // Abandoned, not refused: billed on the estimate (input estimate and the output seen), never free.
            assertThat(r.provenance()).isEqualTo(UsageProvenance.ESTIMATED);
            assertThat(r.usage().outputTokens()).isPositive();
        });
        assertThat(releases).singleElement().isEqualTo(records);
        assertThatThrownBy(() -> stream.completion().get()).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(CallTimeoutException.class);

        // What the transport sends after the abandon changes nothing.
        attempt.text(" there was").usage(TokenUsage.of(10, 5)).complete();
        assertThat(texts).containsExactly("Once upon a time");
        assertThat(records).hasSize(1);
        assertThat(errors).hasSize(1);
        assertThat(releases).hasSize(1);
    }

    @Test
    void stream_withItsUsageAlreadyReported_isRecordedWithTheReportedUsage() {
        pipeline().timeouts(timeouts).build().stream(premium, request(), new ChatStreamListener() { });
        transport.stream(0).open("r1").text("Hi").usage(TokenUsage.of(12, 3));

        timers.runNext();

        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.TIMEOUT);
            assertThat(r.provenance()).isEqualTo(UsageProvenance.REPORTED);
            assertThat(r.usage()).isEqualTo(TokenUsage.of(12, 3));
        });
    }

    @Test
    void chatAsync_pastItsTimeout_failsWithTheTimeoutAndRecordsTimeout() {
        CompletableFuture<ChatResponse> answer = pipeline().timeouts(timeouts).build()
                .chatAsync(premium, request()).toCompletableFuture();
        assertThat(transport.streams).hasSize(1);
        assertThat(timers.pauses).containsExactly(Duration.ofSeconds(300));

        timers.runNext();

        assertThatThrownBy(answer::join).isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(CallTimeoutException.class);
        assertThat(transport.stream(0).cancelled).isTrue();
        assertThat(records).singleElement().extracting(UsageRecord::outcome).isEqualTo(Outcome.TIMEOUT);
        assertThat(releases).hasSize(1);
    }

    @Test
    void aCallThatEndsInTime_disarmsItsTimerAndIsRecordedOnceAsItEnded() {
        CompletableFuture<ChatResponse> answer = pipeline().timeouts(timeouts).build()
                .chatAsync(TenantContext.of("globex"), request()).toCompletableFuture();
        assertThat(timers.pauses).as("a tier not named gets the fallback").containsExactly(Duration.ofSeconds(60));

        transport.stream(0).open("r1").usage(TokenUsage.of(4, 2)).complete();

        assertThat(answer).isCompleted();
        assertThat(timers.runNext()).as("the timer was disarmed").isFalse();
        assertThat(records).singleElement().extracting(UsageRecord::outcome).isEqualTo(Outcome.SUCCESS);
        assertThat(releases).hasSize(1);
    }

    @Test
    void aTimeoutDuringARetryPause_startsNoFurtherAttempt() {
        ChatStream stream = pipeline().timeouts(timeouts)
                .retryPolicy(RetryPolicy.backoff().maxAttempts(3).baseDelay(Duration.ofSeconds(1)).build()).build()
                .stream(basic, request(), new ChatStreamListener() { });
        transport.stream(0).error(new FakeTransport.FakeFailure(Outcome.THROTTLED, "ThrottlingException"));
        // Scheduled: the call's timer first, then the retry pause.
        assertThat(timers.pauses).hasSize(2);

        assertThat(timers.runNext()).as("the timeout fires first").isTrue();
        timers.runNext();

        assertThat(transport.streams).as("no attempt after the timeout").hasSize(1);
        assertThat(records).singleElement().extracting(UsageRecord::outcome).isEqualTo(Outcome.THROTTLED);
        assertThat(releases).hasSize(1);
        assertThatThrownBy(() -> stream.completion().join()).hasCauseInstanceOf(CallTimeoutException.class);
    }

    @Test
    void withoutTimeouts_noTimerIsArmed() {
        pipeline().build().chatAsync(basic, request());

        assertThat(timers.isEmpty()).isTrue();
    }

    @Test
    void timeouts_mustBePositive() {
        assertThatThrownBy(() -> CallTimeouts.of(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fallback timeout must be positive");
        assertThatThrownBy(() -> new CallTimeouts(null, Map.of(Tier.BASIC, Duration.ofSeconds(-1))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tier basic");
        assertThat(CallTimeouts.none().timeoutOf(basic)).isNull();
        assertThat(CallTimeouts.none().isNone()).isTrue();
    }
}
