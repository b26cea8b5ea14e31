package dev.aip.core.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.metering.CallInfo;
import dev.aip.core.metering.Operation;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageMeter;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.TenantProfileResolver;
import dev.aip.core.tenant.TenantContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/**
 * The engine's observer hook: absent, nothing is needed (no OpenTelemetry on this module's class path); present, it
 * hears of every call's start and end exactly once, after the call's attempts, whatever ends the call, and an observer
 * that throws cannot break a call.
 */
class CallObserverTest {

    private static final TenantContext ACME = TenantContext.of("acme");

    private final List<String> journal = new CopyOnWriteArrayList<>();
    private final List<UsageRecord> records = new CopyOnWriteArrayList<>();
    private final UsageMeter meter = Fixtures.meter(journal, records);
    private final TenantProfileResolver resolver = Fixtures.resolver(journal);

    /** Counts every observer call per call id and checks the order of each call's events. */
    static final class Counting implements CallObserver {
        final Map<String, AtomicInteger> started = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> ended = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> attemptsEnded = new ConcurrentHashMap<>();
        final List<String> violations = new CopyOnWriteArrayList<>();
        final List<@Nullable Throwable> failures = new CopyOnWriteArrayList<>();
        final AtomicInteger attemptsStarted = new AtomicInteger();
        final List<String> finishReasons = new CopyOnWriteArrayList<>();
        final Map<String, @Nullable ObservedCall> covers = new ConcurrentHashMap<>();
        /** Lingers in each attempt's end, widening the window in which a call may end on another thread. */
        volatile boolean slowEnds;

        @Override
        public ObservedCall callStarted(LogicalCall call, @Nullable ObservedCall cover) {
            started.computeIfAbsent(call.callId(), k -> new AtomicInteger()).incrementAndGet();
            if (cover != null) {
                covers.put(call.callId(), cover);
            }
            AtomicInteger open = new AtomicInteger();
            return new ObservedCall() {
                @Override
                public ObservedAttempt attemptStarted(CallInfo attempt) {
                    attemptsStarted.incrementAndGet();
                    open.incrementAndGet();
                    AtomicInteger once = new AtomicInteger();
                    return record -> {
                        if (slowEnds) {
                            Thread.yield();
                            java.util.concurrent.locks.LockSupport.parkNanos(200_000);
                        }
                        if (once.incrementAndGet() != 1) {
                            violations.add("attempt ended twice in " + call.callId());
                        }
                        if (record == null || !record.callId().equals(call.callId())) {
                            violations.add("attempt ended without its record in " + call.callId());
                        }
                        open.decrementAndGet();
                        attemptsEnded.computeIfAbsent(call.callId(), k -> new AtomicInteger()).incrementAndGet();
                    };
                }

                @Override
                public void finishReason(String reason) {
                    finishReasons.add(reason);
                }

                @Override
                public void callEnded(LogicalCall ended, @Nullable Throwable failure) {
                    if (open.get() != 0) {
                        violations.add("call " + call.callId() + " ended with " + open.get() + " attempts open");
                    }
                    failures.add(failure);
                    Counting.this.ended.computeIfAbsent(call.callId(), k -> new AtomicInteger()).incrementAndGet();
                }
            };
        }
    }

    @Test
    void noObserver_theEngineRunsWithoutOpenTelemetryOnTheClassPath() {
        assertThatThrownBy(() -> Class.forName("io.opentelemetry.api.OpenTelemetry"))
                .isInstanceOf(ClassNotFoundException.class);
        FakeTransport transport = new FakeTransport(journal).answer(TokenUsage.of(5, 2));
        ChatClient chat = ChatPipeline.builder().resolver(resolver).meter(meter).transport(transport).build();

        ChatResponse answer = chat.chat(ACME, Fixtures.request());

        assertThat(answer.usage()).isEqualTo(TokenUsage.of(5, 2));
        assertThat(records).hasSize(1);
    }

    @Test
    void chat_retriedOnce_startsAndEndsTheCallOnceAndEachAttemptOnceWithTheFinishReason() {
        Counting observer = new Counting();
        FakeTransport transport = new FakeTransport(journal).failWith(dev.aip.core.metering.Outcome.THROTTLED,
                "ThrottlingException").answer(TokenUsage.of(5, 2));
        ChatClient chat = ChatPipeline.builder().resolver(resolver).meter(meter).transport(transport)
                .retryPolicy(RetryPolicy.backoff().maxAttempts(2).baseDelay(Duration.ZERO).build())
                .observer(observer).build();

        chat.chat(ACME, Fixtures.request());

        String callId = records.get(0).callId();
        assertThat(observer.started).containsOnlyKeys(callId);
        assertThat(observer.started.get(callId)).hasValue(1);
        assertThat(observer.ended.get(callId)).hasValue(1);
        assertThat(observer.attemptsEnded.get(callId)).hasValue(2);
        assertThat(observer.finishReasons).containsExactly("end_turn");
        assertThat(observer.failures).containsExactly((Throwable) null);
        assertThat(observer.violations).isEmpty();
    }

    @Test
    void begin_modelTheResolverCannotResolve_endsTheObservedCallWithTheFailure() {
        Counting observer = new Counting();
        RuntimeException unresolvable = new IllegalStateException("no profile");
        CallEngine engine = CallEngine.builder().resolver((t, m) -> {
            throw unresolvable;
        }).meter(meter).observer(observer).build();

        assertThatThrownBy(() -> engine.begin(ACME, Operation.CONVERSE, AdmissionRequest.of(Fixtures.request()),
                Map.of())).isSameAs(unresolvable);

        assertThat(observer.started).hasSize(1);
        assertThat(observer.ended.values()).singleElement().satisfies(n -> assertThat(n).hasValue(1));
        assertThat(observer.failures).containsExactly(unresolvable);
        assertThat(records).isEmpty();
    }

    @Test
    void begin_underACover_handsTheCoversObservationToTheObserver() {
        Counting observer = new Counting();
        CallEngine engine = CallEngine.builder().resolver(resolver).meter(meter).observer(observer).build();
        AdmissionRequest ask = AdmissionRequest.of(Fixtures.request());
        LogicalCall cover = engine.begin(ACME, Operation.CONVERSE, ask, Map.of());

        LogicalCall covered = engine.begin(UsageRecord.newId(), ACME, Operation.CONVERSE, ask, Map.of(), cover);
        covered.end();
        cover.end();

        assertThat(observer.covers).containsOnlyKeys(covered.callId());
        assertThat(observer.ended).containsOnlyKeys(cover.callId(), covered.callId());
    }

    @Test
    void observerThatThrowsEverywhere_neverReachesTheCall() {
        CallObserver throwing = (call, cover) -> {
            throw new IllegalStateException("observer broken");
        };
        CallObserver throwingLater = (call, cover) -> new CallObserver.ObservedCall() {
            @Override
            public CallObserver.ObservedAttempt attemptStarted(CallInfo attempt) {
                return record -> {
                    throw new IllegalStateException("observer broken");
                };
            }

            @Override
            public void finishReason(String reason) {
                throw new IllegalStateException("observer broken");
            }

            @Override
            public void callEnded(LogicalCall ended, @Nullable Throwable failure) {
                throw new IllegalStateException("observer broken");
            }
        };
        for (CallObserver observer : List.of(throwing, throwingLater)) {
            FakeTransport transport = new FakeTransport(journal).answer(TokenUsage.of(5, 2));
            ChatClient chat = ChatPipeline.builder().resolver(resolver).meter(meter).transport(transport)
                    .observer(observer).build();

            assertThat(chat.chat(ACME, Fixtures.request()).usage()).isEqualTo(TokenUsage.of(5, 2));
        }
        assertThat(records).hasSize(2);
    }

    @RepeatedTest(5) // the race it guards is rare: a cancel overtaking an attempt still settling
    void concurrentCallsStreamsCancelsAndRefusals_eachCallEndsOnceAfterItsAttempts() throws Exception {
        concurrentCallsStreamsCancelsAndRefusals(false);
    }

    /** The same with an observer that lingers in each attempt's end, so a call ending meanwhile is likely. */
    @RepeatedTest(3)
    void slowObserver_concurrentCallsStreamsCancelsAndRefusals_eachCallEndsOnceAfterItsAttempts() throws Exception {
        concurrentCallsStreamsCancelsAndRefusals(true);
    }

    private void concurrentCallsStreamsCancelsAndRefusals(boolean slowEnds) throws Exception {
        ResilienceStressTest.RandomTransport transport = new ResilienceStressTest.RandomTransport();
        Counting observer = new Counting();
        observer.slowEnds = slowEnds;
        AtomicInteger refused = new AtomicInteger();
        Admission admission = (tenant, request, profile) -> {
            if (ThreadLocalRandom.current().nextInt(20) == 0) {
                refused.incrementAndGet();
                throw new IllegalStateException("refused");
            }
            return Admission.Permit.NONE;
        };
        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
        ChatClient chat = ChatPipeline.builder().resolver(resolver).meter(meter).transport(transport)
                .admission(admission).scheduler(scheduler).observer(observer)
                .retryPolicy(RetryPolicy.backoff().maxAttempts(2).baseDelay(Duration.ofNanos(1000))
                        .maxDelay(Duration.ofNanos(50_000)).build())
                .build();
        int threads = 16;
        int callsPerThread = 50;
        ResilienceStressTest.mixedLoad(chat, ACME, threads, callsPerThread, 3, transport, scheduler);
        // A cancelled stream's last attempt may settle on a transport thread after completion(): wait for it.
        for (int i = 0; i < 1000 && observer.ended.size() < threads * callsPerThread; i++) {
            Thread.sleep(10);
        }

        int calls = threads * callsPerThread;
        assertThat(observer.started).hasSize(calls);
        assertThat(observer.started.values()).allSatisfy(n -> assertThat(n).hasValue(1));
        assertThat(observer.ended).hasSize(calls);
        assertThat(observer.ended.values()).allSatisfy(n -> assertThat(n).hasValue(1));
        assertThat(observer.attemptsStarted).hasValue(transport.attempts.get());
        assertThat(observer.attemptsEnded.values().stream().mapToInt(AtomicInteger::get).sum())
                .isEqualTo(transport.attempts.get());
        assertThat(records).hasSize(transport.attempts.get() + refused.get());
        assertThat(observer.violations).isEmpty();
    }
}
