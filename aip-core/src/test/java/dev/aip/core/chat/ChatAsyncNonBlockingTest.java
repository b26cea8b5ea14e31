package dev.aip.core.chat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.metering.UsageMeter;
import dev.aip.core.metering.Operation;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@code chatAsync} holds no thread while the model answers: 2,000 calls started from a pool of 4 threads are all in
 * flight at the transport at once. The transport answers none of them before it has seen all 2,000, so a pipeline
 * step that parked a thread (in the pipeline, in a retry pause, waiting for the answer) could never get there.
 */
class ChatAsyncNonBlockingTest {

    private static final int CALLS = 2_000;
    private static final int CALLER_THREADS = 4;

    /** Holds every attempt until {@code CALLS} first attempts are in flight; half the first attempts throttle. */
    static final class GatedTransport implements ChatTransport {
        final CountDownLatch allInFlight = new CountDownLatch(CALLS);
        final List<Runnable> held = new CopyOnWriteArrayList<>();
        final AtomicInteger attempts = new AtomicInteger();
        private final ExecutorService answering = Executors.newSingleThreadExecutor();
        private volatile boolean opened;

        @Override
        public ChatResponse converse(ChatInvocation invocation, CallProgress progress) {
            throw new AssertionError("the async call must not take the blocking path");
        }

        @Override
        public ChatStream converseAsync(ChatInvocation invocation, CallProgress progress,
                                        ChatStreamListener listener) {
            attempts.incrementAndGet();
            Relay relay = new Relay(listener);
            boolean throttle = invocation.attempt() == 1 && invocation.request().messages().get(0).text()
                    .endsWith("1");
            Runnable answer = () -> {
                if (throttle) {
                    relay.onError(new FakeTransport.FakeFailure(Outcome.THROTTLED, "ThrottlingException"));
                    return;
                }
                TokenUsage usage = TokenUsage.of(10, 5);
                progress.awsRequestId("req-" + invocation.callId() + "-" + invocation.attempt());
                progress.usageReported(usage);
                relay.onComplete(FakeTransport.response(invocation, "ok", usage, "req-" + invocation.callId()));
            };
            if (opened) {
                answering.execute(answer);
            } else {
                held.add(answer);
                if (invocation.attempt() == 1) {
                    allInFlight.countDown();
                }
            }
            return relay;
        }

        /** Answers everything held so far, and later attempts as they come, on the transport's own thread. */
        void open() {
            opened = true;
            for (Runnable r : held) {
                answering.execute(r);
            }
        }

        @Override
        public ChatStream converseStream(ChatInvocation invocation, CallProgress progress,
                                         ChatStreamListener listener) {
            throw new AssertionError("not a stream");
        }

        @Override
        public TransportFailure classify(Throwable failure) {
            return failure instanceof FakeTransport.FakeFailure f
                    ? new TransportFailure(f.outcome, f.code, null)
                    : new TransportFailure(Outcome.SERVER_ERROR, failure.getClass().getSimpleName(), null);
        }
    }

    @Test
    void chatAsync_twoThousandCallsFromFourThreads_areAllInFlightAtOnceAndEachSettlesOnce() throws Exception {
        List<String> journal = new CopyOnWriteArrayList<>();
        List<UsageRecord> records = new CopyOnWriteArrayList<>();
        UsageMeter meter = Fixtures.meter(journal, records);
        GatedTransport transport = new GatedTransport();
        Map<String, List<UsageRecord>> released = new ConcurrentHashMap<>();
        AtomicInteger doubleReleases = new AtomicInteger();
        Admission admission = (tenant, request, profile) -> {
            String permit = UsageRecord.newId();
            return attempts -> {
                if (released.putIfAbsent(permit, List.copyOf(attempts)) != null) {
                    doubleReleases.incrementAndGet();
                }
            };
        };
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        ChatClient chat = ChatPipeline.builder().resolver(Fixtures.resolver(journal)).meter(meter)
                .transport(transport).admission(admission).scheduler(scheduler)
                .retryPolicy(RetryPolicy.backoff().maxAttempts(2).baseDelay(Duration.ofMillis(1))
                        .maxDelay(Duration.ofMillis(5)).build())
                .build();
        ExecutorService callers = Executors.newFixedThreadPool(CALLER_THREADS);
        List<CompletableFuture<ChatResponse>> answers = new CopyOnWriteArrayList<>();
        try {
            List<java.util.concurrent.Future<?>> started = new ArrayList<>();
            for (int t = 0; t < CALLER_THREADS; t++) {
                int thread = t;
                started.add(callers.submit(() -> {
                    for (int i = thread; i < CALLS; i += CALLER_THREADS) {
                        ChatRequest request = ChatRequest.builder().model("chat")
                                .message(ChatMessage.user("question " + i)).build();
                        answers.add(chat.chatAsync(TenantContext.of("acme"), request).toCompletableFuture());
                    }
                }));
            }
            for (var f : started) {
                f.get(60, TimeUnit.SECONDS);
            }
            // Every call is in flight, and no caller thread is held: they all returned.
            assertThat(transport.allInFlight.await(60, TimeUnit.SECONDS)).isTrue();
            assertThat(answers).hasSize(CALLS).allSatisfy(a -> assertThat(a).isNotDone());

            transport.open();
            CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        } finally {
            callers.shutdownNow();
            scheduler.shutdownNow();
            transport.answering.shutdown();
        }

        // Calls ending in 1 were throttled once and retried after a pause on the scheduler.
        assertThat(answers).allSatisfy(a -> assertThat(a.join().text()).isEqualTo("ok"));
        assertThat(transport.attempts).hasValue(CALLS + CALLS / 10);
        assertThat(records).hasSize(CALLS + CALLS / 10);
        assertThat(records).extracting(UsageRecord::operation).containsOnly(Operation.CONVERSE);
        assertThat(records.stream().filter(r -> r.outcome() == Outcome.THROTTLED)).hasSize(CALLS / 10);
        assertThat(doubleReleases).hasValue(0);
        assertThat(released).hasSize(CALLS);
        assertThat(released.values().stream().mapToInt(List::size).sum()).isEqualTo(CALLS + CALLS / 10);
    }

    /**
     * An admission that answers later (a remote store, a fair-share or budget wait) holds no thread either: 2,000
     * calls from 4 threads all wait on admission at once, and go on when it answers on its own thread.
     */
    @Test
    void chatAsync_admissionAnsweringLater_holdsNoThread_andEveryCallGoesOnOnceAdmitted() throws Exception {
        List<String> journal = new CopyOnWriteArrayList<>();
        List<UsageRecord> records = new CopyOnWriteArrayList<>();
        GatedTransport transport = new GatedTransport();
        transport.open();
        List<CompletableFuture<Admission.Permit>> pending = new CopyOnWriteArrayList<>();
        AtomicInteger releases = new AtomicInteger();
        Admission later = asyncOnly(() -> {
            CompletableFuture<Admission.Permit> answer = new CompletableFuture<>();
            pending.add(answer);
            return answer;
        });
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        ChatClient chat = ChatPipeline.builder().resolver(Fixtures.resolver(journal))
                .meter(Fixtures.meter(journal, records)).transport(transport).admission(later).scheduler(scheduler)
                .retryPolicy(RetryPolicy.backoff().maxAttempts(2).baseDelay(Duration.ofMillis(1))
                        .maxDelay(Duration.ofMillis(5)).build())
                .build();
        ExecutorService callers = Executors.newFixedThreadPool(CALLER_THREADS);
        ExecutorService store = Executors.newSingleThreadExecutor();
        List<CompletableFuture<ChatResponse>> answers = new CopyOnWriteArrayList<>();
        try {
            List<java.util.concurrent.Future<?>> started = new ArrayList<>();
            for (int t = 0; t < CALLER_THREADS; t++) {
                int thread = t;
                started.add(callers.submit(() -> {
                    for (int i = thread; i < CALLS; i += CALLER_THREADS) {
                        answers.add(chat.chatAsync(TenantContext.of("acme"), ChatRequest.builder().model("chat")
                                .message(ChatMessage.user("question " + i)).build()).toCompletableFuture());
                    }
                }));
            }
            for (var f : started) {
                f.get(60, TimeUnit.SECONDS);
            }
            assertThat(pending).hasSize(CALLS);
            assertThat(transport.attempts).hasValue(0);
            assertThat(answers).allSatisfy(a -> assertThat(a).isNotDone());

            for (CompletableFuture<Admission.Permit> p : pending) {
                store.execute(() -> p.complete(attempts -> releases.incrementAndGet()));
            }
            CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        } finally {
            callers.shutdownNow();
            store.shutdownNow();
            scheduler.shutdownNow();
            transport.answering.shutdown();
        }

        assertThat(records).hasSize(CALLS + CALLS / 10);
        assertThat(releases).hasValue(CALLS);
    }

    /** A call cancelled while its admission is pending sends nothing, and its late permit is released once. */
    @Test
    void chatAsync_cancelledWhileAdmissionIsPending_sendsNothing_andReleasesTheLatePermitOnce() {
        List<String> journal = new CopyOnWriteArrayList<>();
        List<UsageRecord> records = new CopyOnWriteArrayList<>();
        GatedTransport transport = new GatedTransport();
        transport.open();
        CompletableFuture<Admission.Permit> pending = new CompletableFuture<>();
        List<List<UsageRecord>> released = new CopyOnWriteArrayList<>();
        Admission later = asyncOnly(() -> pending);
        ChatClient chat = ChatPipeline.builder().resolver(Fixtures.resolver(journal))
                .meter(Fixtures.meter(journal, records)).transport(transport).admission(later).build();

        CompletableFuture<ChatResponse> answer = chat.chatAsync(TenantContext.of("acme"), ChatRequest.builder()
                .model("chat").message(ChatMessage.user("question")).build()).toCompletableFuture();
        assertThat(answer.cancel(true)).isTrue();
        pending.complete(released::add);
        transport.answering.shutdown();

        assertThat(transport.attempts).hasValue(0);
        assertThat(records).isEmpty();
        assertThat(released).containsExactly(List.of());
    }

    /** An admission that answers only asynchronously, with the stage {@code answers} gives for each call. */
    private static Admission asyncOnly(java.util.function.Supplier<CompletableFuture<Admission.Permit>> answers) {
        return new Admission() {
            @Override
            public Permit admit(TenantContext tenant, AdmissionRequest request,
                                dev.aip.core.profile.ResolvedProfile profile) {
                throw new AssertionError("the async call must not take the blocking admission");
            }

            @Override
            public java.util.concurrent.CompletionStage<Permit> admitAsync(TenantContext tenant,
                    AdmissionRequest request, dev.aip.core.profile.ResolvedProfile profile) {
                return answers.get();
            }
        };
    }
}
