package dev.aip.core.chat;

import static dev.aip.core.chat.Fixtures.request;
import static dev.aip.core.chat.ModelResolver.arn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import dev.aip.core.ConfigurationException;
import dev.aip.core.ProfileResolutionException;
import dev.aip.core.metering.UsageMeter;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.ProfileBalancer;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Retries with backoff, deadlines, fail-over and fallback, and request shaping in the pipeline, with fakes. */
class ChatPipelineResilienceTest {

    private final List<String> journal = new CopyOnWriteArrayList<>();
    private final List<UsageRecord> records = new CopyOnWriteArrayList<>();
    private final UsageMeter meter = Fixtures.meter(journal, records);
    private final FakeTransport transport = new FakeTransport(journal);
    private final ModelResolver resolver = new ModelResolver();
    private final TenantContext acme = TenantContext.of("acme");
    /** The pipeline's time: only the fake sleeper moves it. */
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final List<Duration> slept = new CopyOnWriteArrayList<>();
    private final ManualScheduler scheduler = new ManualScheduler();
    private final List<ResolvedProfile> admittedOn = new CopyOnWriteArrayList<>();
    private final List<AdmissionRequest> admitted = new CopyOnWriteArrayList<>();
    private final List<List<UsageRecord>> releases = new CopyOnWriteArrayList<>();

    private final Admission recording = (tenant, req, profile) -> {
        admittedOn.add(profile);
        admitted.add(req);
        return releases::add;
    };

    private ChatPipeline.Builder pipeline(RetryPolicy policy) {
        return ChatPipeline.builder().resolver(resolver).meter(meter).transport(transport).retryPolicy(policy)
                .admission(recording).ticker(now::get).scheduler(scheduler)
                .sleeper(pause -> {
                    slept.add(pause);
                    now.addAndGet(pause.toNanos());
                });
    }

    private static RetryPolicy.Builder backoff() {
        return RetryPolicy.backoff().baseDelay(Duration.ofMillis(100)).maxDelay(Duration.ofSeconds(1))
                .random(new RetryPolicyTest.TopOfRange());
    }

    private static FakeTransport.FakeFailure throttled() {
        return new FakeTransport.FakeFailure(Outcome.THROTTLED, "ThrottlingException");
    }

    @Test
    void chat_throttledTwiceThenAnswered_pausesByTheScheduleAndRecordsEveryAttemptOnce() {
        transport.failWith(Outcome.THROTTLED, "ThrottlingException").failWith(Outcome.THROTTLED,
                "ThrottlingException").answer(TokenUsage.of(10, 5));

        ChatResponse response = pipeline(backoff().maxAttempts(3).build()).build().chat(acme, request());

        assertThat(slept).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200));
        assertThat(records).extracting(UsageRecord::attempt, UsageRecord::outcome).containsExactly(
                tuple(1, Outcome.THROTTLED), tuple(2, Outcome.THROTTLED), tuple(3, Outcome.SUCCESS));
        assertThat(records).extracting(UsageRecord::callId).containsOnly(records.get(0).callId());
        assertThat(response.usageRecordId()).isEqualTo(records.get(2).recordId());
        assertThat(admittedOn).hasSize(1);
        assertThat(releases).singleElement().isEqualTo(records);
    }

    @Test
    void chat_deadline_stopsBeforeAPauseThatWouldEndPastIt() {
        for (int i = 0; i < 10; i++) {
            transport.failWith(Outcome.THROTTLED, "ThrottlingException");
        }
        RetryPolicy policy = RetryPolicy.backoff().maxAttempts(10).baseDelay(Duration.ofSeconds(1))
                .maxDelay(Duration.ofSeconds(8)).deadline(Duration.ofSeconds(5))
                .random(new RetryPolicyTest.TopOfRange()).build();

        assertThatThrownBy(() -> pipeline(policy).build().chat(acme, request()))
                .isInstanceOf(FakeTransport.FakeFailure.class);

        // Pauses of 1 s and 2 s end at 3 s; the next, 4 s, would end at 7 s, past the 5 s deadline.
        assertThat(slept).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2));
        assertThat(records).extracting(UsageRecord::outcome).containsExactly(Outcome.THROTTLED, Outcome.THROTTLED,
                Outcome.THROTTLED);
        assertThat(releases).singleElement().isEqualTo(records);
    }

    @Test
    void chat_interruptedDuringAPause_endsWithTheFailureAndKeepsItsRecords() {
        transport.failWith(Outcome.THROTTLED, "ThrottlingException").answer(TokenUsage.of(1, 1));
        ChatClient chat = ChatPipeline.builder().resolver(resolver).meter(meter).transport(transport)
                .admission(recording).retryPolicy(backoff().build()).sleeper(pause -> {
                    throw new InterruptedException("shutting down");
                }).build();

        try {
            assertThatThrownBy(() -> chat.chat(acme, request()))
                    .isInstanceOfSatisfying(FakeTransport.FakeFailure.class, e -> {
                        assertThat(e.outcome).isEqualTo(Outcome.THROTTLED);
                        assertThat(e.getSuppressed()).singleElement().isInstanceOf(InterruptedException.class);
                    });
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThat(transport.invocations).hasSize(1);
        assertThat(records).singleElement().extracting(UsageRecord::outcome).isEqualTo(Outcome.THROTTLED);
        assertThat(releases).singleElement().isEqualTo(records);
    }

    @Test
    void stream_throttledThenAnswered_waitsOnTheSchedulerAndNotOnTheTransportThread() {
        List<String> events = new CopyOnWriteArrayList<>();
        ChatStream stream = pipeline(backoff().build()).build().stream(acme, request(), listener(events));

        transport.stream(0).error(throttled());

        assertThat(transport.streams).hasSize(1);
        assertThat(scheduler.pauses).containsExactly(Duration.ofMillis(100));
        assertThat(events).isEmpty();

        assertThat(scheduler.runNext()).isTrue();
        transport.stream(1).open("r2").text("ok").usage(TokenUsage.of(3, 1)).complete();

        assertThat(transport.stream(1).invocation.attempt()).isEqualTo(2);
        assertThat(events).containsExactly("text ok", "complete");
        assertThat(stream.completion()).isCompleted();
        assertThat(records).extracting(UsageRecord::attempt, UsageRecord::outcome)
                .containsExactly(tuple(1, Outcome.THROTTLED), tuple(2, Outcome.SUCCESS));
        assertThat(releases).singleElement().isEqualTo(records);
    }

    @Test
    void stream_cancelledDuringAPause_startsNoFurtherAttempt() {
        List<String> events = new CopyOnWriteArrayList<>();
        ChatStream stream = pipeline(backoff().build()).build().stream(acme, request(), listener(events));
        transport.stream(0).error(throttled());

        assertThat(stream.cancel()).isTrue();
        // The scheduled step may already be running when the cancel comes: it must still start nothing.
        scheduler.runNextRegardless();

        assertThat(transport.streams).hasSize(1);
        assertThat(events).isEmpty();
        assertThatThrownBy(() -> stream.completion().join()).isInstanceOf(CancellationException.class);
        assertThat(records).singleElement().extracting(UsageRecord::outcome).isEqualTo(Outcome.THROTTLED);
        assertThat(releases).singleElement().isEqualTo(records);
    }

    @Test
    void stream_cancelledDuringAPause_cancelsTheScheduledStep() {
        ChatStream stream = pipeline(backoff().build()).build().stream(acme, request(), listener(new ArrayList<>()));
        transport.stream(0).error(throttled());

        stream.cancel();

        assertThat(scheduler.runNext()).isFalse();
        assertThat(transport.streams).hasSize(1);
    }

    @Test
    void chat_primaryThrottledBeyondItsRetries_failsOverToTheFallbackChain() {
        transport.failWith(Outcome.THROTTLED, "ThrottlingException").failWith(Outcome.THROTTLED,
                "ThrottlingException").answer(TokenUsage.of(7, 3));
        ChatClient chat = pipeline(backoff().maxAttempts(2).build())
                .fallbackRoutes((tenant, req, primary) -> List.of("claude-west")).build();

        ChatResponse response = chat.chat(acme, request());

        assertThat(records).extracting(UsageRecord::attempt, UsageRecord::profileArn, UsageRecord::outcome)
                .containsExactly(
                        tuple(1, arn("acme", "claude-sonnet"), Outcome.THROTTLED),
                        tuple(2, arn("acme", "claude-sonnet"), Outcome.THROTTLED),
                        tuple(3, arn("acme", "claude-west"), Outcome.SUCCESS));
        assertThat(records).extracting(UsageRecord::callId).containsOnly(records.get(0).callId());
        assertThat(records).extracting(UsageRecord::requestedModel).containsOnly("claude-sonnet");
        assertThat(slept).containsExactly(Duration.ofMillis(100));
        assertThat(response.profileArn()).isEqualTo(arn("acme", "claude-west"));
        assertThat(admittedOn).extracting(ResolvedProfile::profileArn).containsExactly(arn("acme", "claude-sonnet"));
        assertThat(releases).singleElement().isEqualTo(records);
    }

    @Test
    void chat_fallbackEntryOfAnotherTenant_isSkippedAndReportedOnTheFailure() {
        String globexArn = resolver.resolve(TenantContext.of("globex"), "claude-west").profileArn();
        transport.failWith(Outcome.THROTTLED, "ThrottlingException");
        ChatClient chat = pipeline(RetryPolicy.none())
                .fallbackRoutes((tenant, req, primary) -> List.of(globexArn)).build();

        assertThatThrownBy(() -> chat.chat(acme, request()))
                .isInstanceOfSatisfying(FakeTransport.FakeFailure.class, e -> assertThat(e.getSuppressed())
                        .singleElement().isInstanceOf(ProfileResolutionException.class));

        assertThat(transport.invocations).extracting(i -> i.profile().profileArn())
                .containsExactly(arn("acme", "claude-sonnet"));
        assertThat(records).singleElement().extracting(UsageRecord::outcome).isEqualTo(Outcome.THROTTLED);
    }

    @Test
    void chat_unusableFallbackEntries_areSkippedUntilOneCanBeUsed() {
        String globexArn = resolver.resolve(TenantContext.of("globex"), "claude-west").profileArn();
        String unknownArn = arn("nobody", "claude-west");
        transport.failWith(Outcome.SERVER_ERROR, "InternalServerException").answer(TokenUsage.of(1, 1));
        ChatClient chat = pipeline(RetryPolicy.none())
                .fallbackRoutes((tenant, req, primary) -> List.of(globexArn, unknownArn,
                        arn("acme", "claude-sonnet"), "claude-west")).build();

        chat.chat(acme, request());

        assertThat(transport.invocations).extracting(i -> i.profile().profileArn())
                .containsExactly(arn("acme", "claude-sonnet"), arn("acme", "claude-west"));
    }

    @Test
    void chat_systemProfileArnInTheChain_isUsedAsASharedProfilePricedByItsModel() {
        String system = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us." + Fixtures.SONNET;
        transport.failWith(Outcome.THROTTLED, "ThrottlingException").answer(TokenUsage.of(1, 1));
        ChatClient chat = pipeline(RetryPolicy.none())
                .fallbackRoutes((tenant, req, primary) -> List.of(system)).build();

        chat.chat(acme, request());

        ChatInvocation second = transport.invocations.get(1);
        assertThat(second.profile().pooled()).isTrue();
        assertThat(second.requestMetadata()).containsEntry("pooled", "true").containsEntry("tenantId", "acme");
        assertThat(records.get(1).sourceModelId()).isEqualTo(Fixtures.SONNET);
    }

    @Test
    void chat_withBalancer_failsOverToTheTenantsOtherProfileBeforeTheFallbackChain() {
        resolver.siblings("acme", "claude-sonnet", "east", "west");
        transport.failWith(Outcome.THROTTLED, "ThrottlingException").failWith(Outcome.THROTTLED,
                "ThrottlingException").answer(TokenUsage.of(1, 1));
        ProfileBalancer balancer = ProfileBalancer.builder().random(new Random(1)).build();
        ChatClient chat = pipeline(RetryPolicy.none()).balancer(balancer)
                .fallbackRoutes((tenant, req, primary) -> List.of("claude-fallback")).build();

        chat.chat(acme, request());

        List<String> used = transport.invocations.stream().map(i -> i.profile().profileArn()).toList();
        assertThat(used.subList(0, 2)).containsExactlyInAnyOrder(arn("acme", "east"), arn("acme", "west"));
        assertThat(used.get(2)).isEqualTo(arn("acme", "claude-fallback"));
        assertThat(admittedOn).extracting(ResolvedProfile::profileArn).containsExactly(used.get(0));
        assertThat(balancer.inFlight(arn("acme", "east"))).isZero();
        assertThat(balancer.inFlight(arn("acme", "west"))).isZero();
    }

    @Test
    void stream_failsOverToABalancedSiblingAtOnce_andToAFallbackEntryOnTheScheduler() {
        resolver.siblings("acme", "claude-sonnet", "east", "west");
        ProfileBalancer balancer = ProfileBalancer.builder().random(new Random(3)).build();
        List<String> events = new CopyOnWriteArrayList<>();
        ChatStream stream = pipeline(RetryPolicy.none()).balancer(balancer)
                .fallbackRoutes((tenant, req, primary) -> List.of("claude-fallback")).build()
                .stream(acme, request(), listener(events));

        transport.stream(0).error(throttled());
        assertThat(transport.streams).hasSize(2);
        assertThat(scheduler.isEmpty()).isTrue();

        transport.stream(1).error(throttled());
        assertThat(transport.streams).hasSize(2);
        assertThat(scheduler.pauses).containsExactly(Duration.ZERO);
        scheduler.runNext();

        transport.stream(2).open("r").text("hi").usage(TokenUsage.of(2, 1)).complete();
        assertThat(transport.stream(2).invocation.profile().profileArn()).isEqualTo(arn("acme", "claude-fallback"));
        assertThat(events).containsExactly("text hi", "complete");
        assertThat(stream.completion()).isCompleted();
        assertThat(records).extracting(UsageRecord::attempt).containsExactly(1, 2, 3);
        assertThat(releases).singleElement().isEqualTo(records);
        assertThat(balancer.inFlight(arn("acme", "east")) + balancer.inFlight(arn("acme", "west"))).isZero();
    }

    @Test
    void stream_partlyDelivered_isNeverRetried() {
        List<String> events = new CopyOnWriteArrayList<>();
        pipeline(backoff().build()).fallbackRoutes((t, r, p) -> List.of("claude-west")).build()
                .stream(acme, request(), listener(events));

        transport.stream(0).open("r").text("partial").error(throttled());

        assertThat(transport.streams).hasSize(1);
        assertThat(scheduler.isEmpty()).isTrue();
        assertThat(events).containsExactly("text partial", "error");
    }

    @Test
    void chat_admissionShapesTheRequest_whichIsAdmittedAndSent() {
        transport.answer(TokenUsage.of(1, 1));
        Admission shaping = new Admission() {
            @Override
            public AdmissionRequest shape(TenantContext tenant, AdmissionRequest request) {
                return request.withSettings(request.settings().withMaxTokens(50).withTemperature(0.2f));
            }

            @Override
            public Permit admit(TenantContext tenant, AdmissionRequest request, ResolvedProfile profile) {
                return recording.admit(tenant, request, profile);
            }
        };
        ChatClient chat = ChatPipeline.builder().resolver(resolver).meter(meter).transport(transport)
                .admission(shaping).build();

        chat.chat(acme, request());

        assertThat(admitted).singleElement().satisfies(r -> {
            assertThat(r.settings().maxTokens()).isEqualTo(50);
            assertThat(r.settings().temperature()).isEqualTo(0.2f);
        });
        assertThat(transport.invocations.get(0).request().settings().maxTokens()).isEqualTo(50);
    }

    @Test
    void chat_shapeThatChangesTheModel_isRefusedWithOneRejectedRecord() {
        Admission bad = new Admission() {
            @Override
            public AdmissionRequest shape(TenantContext tenant, AdmissionRequest request) {
                return new AdmissionRequest("other", request.estimatedInputTokens(), request.settings());
            }

            @Override
            public Permit admit(TenantContext tenant, AdmissionRequest request, ResolvedProfile profile) {
                return Permit.NONE;
            }
        };
        ChatClient chat = ChatPipeline.builder().resolver(resolver).meter(meter).transport(transport)
                .admission(bad).build();

        assertThatThrownBy(() -> chat.chat(acme, request())).isInstanceOf(ConfigurationException.class);
        assertThat(transport.invocations).isEmpty();
        assertThat(records).singleElement().extracting(UsageRecord::outcome).isEqualTo(Outcome.REJECTED_BY_POLICY);
    }

    @Test
    void chat_resolverReturningAnotherTenantsSibling_isRefusedBeforeSending() {
        ChatClient chat = ChatPipeline.builder().resolver(new ModelResolver() {
            @Override
            public List<ResolvedProfile> resolveAll(TenantContext tenant, String model) {
                return List.of(profile(tenant.id(), model, "own"), profile(TenantId.of("globex"), model, "theirs"));
            }
        }).balancer(ProfileBalancer.builder().build()).meter(meter).transport(transport).build();

        assertThatThrownBy(() -> chat.chat(acme, request())).isInstanceOf(ProfileResolutionException.class)
                .hasMessageContaining("globex");
        assertThat(transport.invocations).isEmpty();
    }

    private static ChatStreamListener listener(List<String> events) {
        return new ChatStreamListener() {
            @Override
            public void onText(String text) {
                events.add("text " + text);
            }

            @Override
            public void onError(Throwable error) {
                events.add("error");
            }

            @Override
            public void onComplete(ChatResponse response) {
                events.add("complete");
            }
        };
    }
}
