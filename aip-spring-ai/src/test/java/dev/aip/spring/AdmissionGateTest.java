package dev.aip.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.RateLimitExceededException;
import dev.aip.core.chat.Admission;
import dev.aip.core.chat.AdmissionRequest;
import dev.aip.core.chat.CallEngine;
import dev.aip.core.chat.InferenceSettings;
import dev.aip.core.chat.LogicalCall;
import dev.aip.core.metering.UsageMeter;
import dev.aip.core.metering.MeteredCall;
import dev.aip.core.metering.Operation;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class AdmissionGateTest {

    static final TenantContext ACME = TenantContext.of("acme");
    static final AdmissionRequest REQUEST = new AdmissionRequest("claude-haiku", 1, InferenceSettings.DEFAULTS);
    static final ResolvedProfile PROFILE = new ResolvedProfile(TenantId.of("acme"), "claude-haiku",
            "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/p1", "p1",
            "anthropic.claude-3-5-haiku-20241022-v1:0", "us-east-1", false);

    /** Counts admissions and keeps every release. */
    static final class CountingAdmission implements Admission {
        final AtomicInteger admitted = new AtomicInteger();
        final List<List<UsageRecord>> released = new CopyOnWriteArrayList<>();

        @Override
        public Permit admit(TenantContext tenant, AdmissionRequest request, ResolvedProfile profile) {
            admitted.incrementAndGet();
            return released::add;
        }
    }

    /** The ChatClient call as the advisor opens it: begun on the engine, admitted once, opened in the gate. */
    private static LogicalCall admitCall(CallEngine engine) {
        LogicalCall call = engine.begin(ACME, Operation.CONVERSE, REQUEST, Map.of());
        call.admit();
        return call;
    }

    /** A model call as the routing interceptor makes it under the cover the bridge found by its id. */
    private static LogicalCall modelCall(CallEngine engine, TenantContext tenant, LogicalCall cover) {
        LogicalCall call = engine.begin(UsageRecord.newId(), tenant, Operation.CONVERSE, REQUEST, Map.of(), cover);
        call.admit();
        return call;
    }

    /** One successful attempt, then the model call ends. */
    private static void answered(LogicalCall call, int attempts) {
        for (int i = 1; i <= attempts; i++) {
            MeteredCall attempt = call.startAttempt(i, call.profile());
            attempt.succeed(TokenUsage.of(10, 5));
            call.attemptEnded(attempt);
        }
        call.end();
    }

    @Test
    void openCover_coversTheModelCall_withoutAskingGovernanceAgain() {
        CountingAdmission governance = new CountingAdmission();
        AdmissionGate gate = new AdmissionGate(governance, Clock.systemUTC());
        CallEngine engine = engine(gate);
        LogicalCall cover = admitCall(engine);
        String id = gate.open(cover);

        LogicalCall child = modelCall(engine, ACME, gate.cover(id));
        LogicalCall uncovered = modelCall(engine, ACME, gate.cover("no-such-cover"));

        assertThat(governance.admitted).hasValue(2);   // the ChatClient call, and the call made without a cover
        answered(child, 1);
        assertThat(governance.released).isEmpty();      // the ChatClient call is not over yet
        gate.close(id);
        cover.end();
        assertThat(governance.released).singleElement().satisfies(r -> assertThat(r).hasSize(1));
        answered(uncovered, 1);
        assertThat(governance.released).hasSize(2);
        assertThat(gate.openCovers()).isZero();
    }

    @Test
    void coverOfAnotherTenant_isNotHonoured() {
        CountingAdmission governance = new CountingAdmission();
        AdmissionGate gate = new AdmissionGate(governance, Clock.systemUTC());
        CallEngine engine = engine(gate);
        LogicalCall cover = admitCall(engine);
        String id = gate.open(cover);

        modelCall(engine, TenantContext.of("globex"), gate.cover(id));

        assertThat(governance.admitted).hasValue(2);
        gate.close(id);
        cover.end();
        assertThat(governance.released).hasSize(1);
    }

    @Test
    void refusals_areRememberedPerTenantWithTheirLimitAndRetryAfter() {
        Instant now = Instant.parse("2026-11-26T10:00:00Z");
        AdmissionGate gate = new AdmissionGate((tenant, request, profile) -> {
            throw new RateLimitExceededException(tenant.id(), "requests-per-minute", 10, 0, Duration.ofSeconds(4),
                    "limit");
        }, Clock.fixed(now, ZoneOffset.UTC));

        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> gate.admission().admit(ACME, REQUEST, PROFILE))
                    .isInstanceOf(RateLimitExceededException.class);
        }

        AdmissionGate.Refusals refusals = gate.refusals().get(TenantId.of("acme"));
        assertThat(refusals.byLimit()).containsEntry("requests-per-minute", 2L);
        assertThat(refusals.lastAt()).isEqualTo(now);
        assertThat(refusals.lastRetryAfter()).isEqualTo(Duration.ofSeconds(4));
    }

    /** Model calls of one cover ending on many threads while the ChatClient call ends: one release, all records. */
    @RepeatedTest(20)
    void concurrentChildren_andEnd_releaseTheGovernancePermitExactlyOnce_withEveryRecord() throws Exception {
        CountingAdmission governance = new CountingAdmission();
        AdmissionGate gate = new AdmissionGate(governance, Clock.systemUTC());
        CallEngine engine = engine(gate);
        LogicalCall cover = admitCall(engine);
        String id = gate.open(cover);
        int children = 64;
        List<LogicalCall> calls = new ArrayList<>();
        for (int i = 0; i < children; i++) {
            calls.add(modelCall(engine, ACME, gate.cover(id)));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (LogicalCall c : calls) {
                done.add(pool.submit(() -> {
                    start.await();
                    answered(c, 2);
                    return null;
                }));
            }
            done.add(pool.submit(() -> {
                start.await();
                gate.close(id);
                cover.end();
                return null;
            }));
            start.countDown();
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(governance.admitted).hasValue(1);
        assertThat(governance.released).singleElement().satisfies(r -> assertThat(r).hasSize(2 * children));
        assertThat(gate.openCovers()).isZero();
    }

    private static CallEngine engine(AdmissionGate gate) {
        return CallEngine.builder().resolver((tenant, model) -> new ResolvedProfile(tenant.id(), model,
                        PROFILE.profileArn(), PROFILE.profileId(), PROFILE.sourceModelId(), PROFILE.region(), false))
                .meter(UsageMeter.builder().sink(r -> { }).build()).admission(gate.admission()).build();
    }
}
