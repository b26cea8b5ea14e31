package dev.aip.core.chat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.RateLimitExceededException;
import dev.aip.core.metering.UsageMeter;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.ProfileBalancer;
import dev.aip.core.tenant.TenantContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.RepeatedTest;

/**
 * 32 threads of sync calls and streams over balanced profiles with a fallback chain, through a transport that
 * throttles, fails and answers at random (streams on other threads), some streams cancelled by their callers at
 * once: every attempt is one record, every permit is released once with exactly its call's records, and every
 * in-flight count returns to zero.
 */
class ResilienceStressTest {

    private static final int THREADS = 32;
    private static final int CALLS_PER_THREAD = 60;

    /** Answers at random: half succeed, the rest throttle, fail on the server or fail validation. */
    /**
     * Runs {@code callsPerThread} calls on each of {@code threads} threads started together, each at random a whole
     * chat or a stream (one stream in {@code cancelOneIn} cancelled), and waits for every call and stream to end
     * (failed, refused and cancelled ones included); then stops {@code scheduler} and the transport's stream threads.
     */
    static void mixedLoad(ChatClient chat, TenantContext tenant, int threads, int callsPerThread, int cancelOneIn,
                          RandomTransport transport, ScheduledExecutorService scheduler) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CyclicBarrier start = new CyclicBarrier(threads);
        List<ChatStream> streams = new CopyOnWriteArrayList<>();
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    start.await();
                    ThreadLocalRandom r = ThreadLocalRandom.current();
                    for (int i = 0; i < callsPerThread; i++) {
                        if (r.nextBoolean()) {
                            try {
                                chat.chat(tenant, Fixtures.request());
                            } catch (RuntimeException expected) {
                                // throttled, failed or refused: the callers count it through their records
                            }
                        } else {
                            ChatStream s = chat.stream(tenant, Fixtures.request(), new ChatStreamListener() { });
                            streams.add(s);
                            if (r.nextInt(cancelOneIn) == 0) {
                                s.cancel();
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(120, TimeUnit.SECONDS);
            }
            for (ChatStream s : streams) {
                try {
                    s.completion().get(60, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.CancellationException e) {
                    // ended by a failure or a cancel: both are recorded
                }
            }
        } finally {
            pool.shutdownNow();
            scheduler.shutdownNow();
            transport.streams.shutdown();
            transport.streams.awaitTermination(30, TimeUnit.SECONDS);
        }
    }

    static final class RandomTransport implements ChatTransport {
        final AtomicInteger attempts = new AtomicInteger();
        final ExecutorService streams = Executors.newFixedThreadPool(4);

        static RuntimeException failure() {
            int r = ThreadLocalRandom.current().nextInt(100);
            if (r < 50) {
                return null;
            }
            Outcome outcome = r < 75 ? Outcome.THROTTLED : r < 92 ? Outcome.SERVER_ERROR : Outcome.CLIENT_ERROR;
            return new FakeTransport.FakeFailure(outcome, outcome.name());
        }

        @Override
        public ChatResponse converse(ChatInvocation invocation, CallProgress progress) {
            attempts.incrementAndGet();
            RuntimeException f = failure();
            if (f != null) {
                throw f;
            }
            return FakeTransport.response(invocation, "ok", TokenUsage.of(5, 2), "r");
        }

        @Override
        public ChatStream converseStream(ChatInvocation invocation, CallProgress progress,
                                         ChatStreamListener listener) {
            attempts.incrementAndGet();
            FakeTransport.FakeStream s = new FakeTransport.FakeStream(invocation, progress, listener);
            streams.execute(() -> {
                if (s.cancelled) {
                    return;
                }
                RuntimeException f = failure();
                if (f != null) {
                    s.error(f);
                } else {
                    s.open("r").text("ok").usage(TokenUsage.of(5, 2)).complete();
                }
            });
            return s;
        }

        @Override
        public TransportFailure classify(Throwable failure) {
            if (failure instanceof FakeTransport.FakeFailure f) {
                return new TransportFailure(f.outcome, f.code, null);
            }
            return new TransportFailure(Outcome.CLIENT_ERROR, failure.getClass().getSimpleName(), null);
        }
    }

    @RepeatedTest(10) // the race it guards is rare: a cancel overtaking an attempt still settling
    void mixedCallsFaultsAndCancels_leaveOneRecordPerAttemptAndNothingInFlight() throws Exception {
        RandomTransport transport = new RandomTransport();
        List<UsageRecord> records = new CopyOnWriteArrayList<>();
        UsageMeter meter = UsageMeter.builder().sink(records::add).region("us-east-1").build();
        ModelResolver resolver = new ModelResolver().siblings("acme", "claude-sonnet", "east", "west", "north");
        ProfileBalancer balancer = ProfileBalancer.builder().strategy(ProfileBalancer.Strategy.LEAST_LOADED).build();
        AtomicInteger rejected = new AtomicInteger();
        AtomicInteger admitted = new AtomicInteger();
        Map<String, List<UsageRecord>> released = new ConcurrentHashMap<>();
        AtomicInteger doubleReleases = new AtomicInteger();
        Admission admission = (tenant, request, profile) -> {
            if (ThreadLocalRandom.current().nextInt(20) == 0) {
                rejected.incrementAndGet();
                throw new RateLimitExceededException(tenant.id(), "requests-per-minute", 1, 0, Duration.ofSeconds(1),
                        "busy");
            }
            admitted.incrementAndGet();
            String permitId = UsageRecord.newId();
            return attempts -> {
                if (released.putIfAbsent(permitId, List.copyOf(attempts)) != null) {
                    doubleReleases.incrementAndGet();
                }
            };
        };
        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
        ChatClient chat = ChatPipeline.builder().resolver(resolver).meter(meter).transport(transport)
                .admission(admission).balancer(balancer).scheduler(scheduler)
                .fallbackRoutes((t, r, p) -> List.of("fallback"))
                .retryPolicy(RetryPolicy.backoff().maxAttempts(2).baseDelay(Duration.ofNanos(1000))
                        .maxDelay(Duration.ofNanos(50_000)).build())
                .build();
        TenantContext acme = TenantContext.of("acme");
        mixedLoad(chat, acme, THREADS, CALLS_PER_THREAD, 4, transport, scheduler);

        assertThat(records).hasSize(transport.attempts.get() + rejected.get());
        assertThat(records).extracting(UsageRecord::recordId).doesNotHaveDuplicates();
        assertThat(records.stream().filter(r -> r.outcome() == Outcome.REJECTED_BY_POLICY)).hasSize(rejected.get());
        assertThat(doubleReleases).hasValue(0);
        assertThat(released).hasSize(admitted.get());
        Set<String> releasedRecords = ConcurrentHashMap.newKeySet();
        released.values().forEach(list -> list.forEach(r -> assertThat(releasedRecords.add(r.recordId())).isTrue()));
        assertThat(releasedRecords).hasSize(transport.attempts.get());
        for (String arn : List.of("east", "west", "north", "fallback")) {
            assertThat(balancer.inFlight(ModelResolver.arn("acme", arn))).as(arn).isZero();
        }
        assertThat(records.stream().map(UsageRecord::profileArn).distinct())
                .contains(ModelResolver.arn("acme", "fallback"));
    }
}
