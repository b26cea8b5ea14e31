package dev.aip.core.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.ConfigurationException;
import dev.aip.core.ProfileResolutionException;
import dev.aip.core.RateLimitExceededException;
import dev.aip.core.UnknownTenantException;
import dev.aip.core.metering.UsageMeter;
import dev.aip.core.metering.MeteredCall;
import dev.aip.core.metering.Operation;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.profile.TenantProfileResolver;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/** The engine's lifecycle, independent of any driver: routing, refusals, attempts, covers and the one release. */
class CallEngineTest {

    private static final TenantContext ACME = TenantContext.of("acme");
    private static final TenantContext GLOBEX = TenantContext.of("globex");
    private static final AdmissionRequest ASK = new AdmissionRequest("claude-sonnet", 12,
            InferenceSettings.DEFAULTS.withMaxTokens(100));

    private final List<UsageRecord> records = new CopyOnWriteArrayList<>();
    private final UsageMeter meter = UsageMeter.builder().sink(records::add).region("us-east-1").build();
    private final TenantProfileResolver resolver = new TenantProfileResolver() {
        @Override
        public ResolvedProfile resolve(TenantContext tenant, String model) {
            if (tenant.id().value().equals("nobody")) {
                throw new UnknownTenantException(tenant.id(), "no such tenant");
            }
            return Fixtures.profile(tenant.id(), model);
        }

        @Override
        public Optional<ResolvedProfile> resolveArn(TenantContext tenant, String arn) {
            return arn.equals(Fixtures.arn("acme"))
                    ? Optional.of(Fixtures.profile(TenantId.of("acme"), "claude-sonnet")) : Optional.empty();
        }
    };
    private final Counting governance = new Counting();

    /** Counts admissions and keeps every release; refuses while {@code refuse} is set. */
    static final class Counting implements Admission {
        final AtomicInteger admitted = new AtomicInteger();
        final List<List<UsageRecord>> released = new CopyOnWriteArrayList<>();
        volatile boolean refuse;

        @Override
        public Permit admit(TenantContext tenant, AdmissionRequest request, ResolvedProfile profile) {
            if (refuse) {
                throw new RateLimitExceededException(tenant.id(), "requests-per-minute", 1, 0, Duration.ofSeconds(1),
                        "limit");
            }
            admitted.incrementAndGet();
            return released::add;
        }
    }

    private CallEngine engine(Admission admission) {
        return CallEngine.builder().resolver(resolver).meter(meter).admission(admission).build();
    }

    private static void attempt(LogicalCall call, int n) {
        MeteredCall m = call.startAttempt(n, call.profile());
        m.succeed(TokenUsage.of(10, 5));
        call.attemptEnded(m);
    }

    @Test
    void begin_routesALogicalModelToTheTenantsProfile() {
        LogicalCall call = engine(governance).begin(ACME, Operation.CONVERSE, ASK, Map.of());

        assertThat(call.profile().profileArn()).isEqualTo(Fixtures.arn("acme"));
        assertThat(call.balanced()).isNull();
        assertThat(records).isEmpty();
    }

    @Test
    void begin_namedProfileOfAnotherTenant_isRefusedWithOneRejectedRecord_beforeAnyAdmission() {
        AdmissionRequest named = new AdmissionRequest(Fixtures.arn("globex"), 12, InferenceSettings.DEFAULTS);

        assertThatThrownBy(() -> engine(governance).begin(ACME, Operation.CONVERSE_STREAM, named, Map.of()))
                .isInstanceOf(ProfileResolutionException.class);

        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.REJECTED_BY_POLICY);
            assertThat(r.errorCode()).isEqualTo("ProfileResolutionException");
            assertThat(r.requestedModel()).isEqualTo(Fixtures.arn("globex"));
            assertThat(r.profileArn()).isNull();
            assertThat(r.operation()).isEqualTo(Operation.CONVERSE_STREAM);
        });
        assertThat(governance.admitted).hasValue(0);
    }

    @Test
    void begin_namedOwnProfile_goesThere() {
        AdmissionRequest named = new AdmissionRequest(Fixtures.arn("acme"), 12, InferenceSettings.DEFAULTS);

        LogicalCall call = engine(governance).begin(ACME, Operation.CONVERSE, named, Map.of());

        assertThat(call.profile().profileArn()).isEqualTo(Fixtures.arn("acme"));
    }

    @Test
    void begin_unresolvableLogicalModel_throwsAndLeavesNoRecord() {
        assertThatThrownBy(() -> engine(governance).begin(TenantContext.of("nobody"), Operation.CONVERSE, ASK,
                Map.of())).isInstanceOf(UnknownTenantException.class);

        assertThat(records).isEmpty();
    }

    @Test
    void admit_refused_recordsOnceWithTheProfile_andEndsTheCall() {
        governance.refuse = true;
        LogicalCall call = engine(governance).begin(ACME, Operation.CONVERSE, ASK, Map.of());

        assertThatThrownBy(call::admit).isInstanceOf(RateLimitExceededException.class);

        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.REJECTED_BY_POLICY);
            assertThat(r.errorCode()).isEqualTo("RateLimitExceededException");
            assertThat(r.profileArn()).isEqualTo(Fixtures.arn("acme"));
            assertThat(r.callId()).isEqualTo(call.callId());
        });
        assertThat(call.startAttempt(1, call.profile())).isNull();
    }

    @Test
    void shape_thatChangesTheModel_isRefusedWithOneRejectedRecord() {
        Admission bad = new Admission() {
            @Override
            public Permit admit(TenantContext tenant, AdmissionRequest request, ResolvedProfile profile) {
                return Permit.NONE;
            }

            @Override
            public AdmissionRequest shape(TenantContext tenant, AdmissionRequest request) {
                return new AdmissionRequest("other", request.estimatedInputTokens(), request.settings());
            }
        };
        LogicalCall call = engine(bad).begin(ACME, Operation.CONVERSE, ASK, Map.of());

        assertThatThrownBy(call::shape).isInstanceOf(ConfigurationException.class);
        assertThat(records).singleElement().satisfies(r ->
                assertThat(r.outcome()).isEqualTo(Outcome.REJECTED_BY_POLICY));
    }

    @Test
    void end_beforeTheLastAttemptSettles_releasesOnceThatAttemptEnds_withEveryRecord() {
        LogicalCall call = engine(governance).begin(ACME, Operation.CONVERSE, ASK, Map.of());
        call.admit();
        attempt(call, 1);
        MeteredCall second = call.startAttempt(2, call.profile());

        call.end();
        assertThat(governance.released).isEmpty();
        assertThat(call.startAttempt(3, call.profile())).isNull();
        second.fail(Outcome.THROTTLED, "ThrottlingException");
        call.attemptEnded(second);
        call.end();

        assertThat(governance.released).singleElement().satisfies(r -> {
            assertThat(r).hasSize(2);
            assertThat(r.get(1).outcome()).isEqualTo(Outcome.THROTTLED);
        });
    }

    @Test
    void admitAsync_grantedAfterTheCallEnded_isReleasedAtOnce_withNoRecords() {
        CompletableFuture<Admission.Permit> pending = new CompletableFuture<>();
        List<List<UsageRecord>> released = new CopyOnWriteArrayList<>();
        Admission slow = new Admission() {
            @Override
            public Permit admit(TenantContext tenant, AdmissionRequest request, ResolvedProfile profile) {
                throw new AssertionError("the async path must not ask the sync admission");
            }

            @Override
            public CompletionStage<Permit> admitAsync(TenantContext tenant, AdmissionRequest request,
                                                      ResolvedProfile profile) {
                return pending;
            }
        };
        LogicalCall call = engine(slow).begin(ACME, Operation.CONVERSE, ASK, Map.of());

        CompletableFuture<Void> admitted = call.admitAsync().toCompletableFuture();
        call.end();   // the caller cancelled while the admission was pending
        assertThat(admitted).isNotDone();
        pending.complete(released::add);

        assertThat(released).containsExactly(List.of());
        assertThat(records).isEmpty();
    }

    @Test
    void admitAsync_refused_completesExceptionally_withOneRejectedRecord() {
        governance.refuse = true;
        LogicalCall call = engine(governance).begin(ACME, Operation.CONVERSE, ASK, Map.of());

        CompletableFuture<Void> admitted = call.admitAsync().toCompletableFuture();

        assertThat(admitted).isCompletedExceptionally();
        assertThatThrownBy(admitted::join).hasCauseInstanceOf(RateLimitExceededException.class);
        assertThat(records).singleElement().satisfies(r ->
                assertThat(r.outcome()).isEqualTo(Outcome.REJECTED_BY_POLICY));
    }

    @Test
    void coveredCall_isNotAdmittedAgain_andItsRecordsSettleTheCoversPermit() {
        CallEngine engine = engine(governance);
        LogicalCall cover = engine.begin(ACME, Operation.CONVERSE, ASK, Map.of());
        cover.admit();

        LogicalCall child = engine.begin(UsageRecord.newId(), ACME, Operation.CONVERSE, ASK, Map.of(), cover);
        child.admit();
        assertThat(child.covered()).isTrue();
        attempt(child, 1);
        attempt(child, 2);
        cover.end();
        assertThat(governance.released).isEmpty();   // a model call under the cover is still open
        child.end();

        assertThat(governance.admitted).hasValue(1);
        assertThat(governance.released).singleElement().satisfies(r -> assertThat(r).hasSize(2));
    }

    @Test
    void coverOfAnotherTenant_orAlreadyOver_isNotUsed() {
        CallEngine engine = engine(governance);
        LogicalCall cover = engine.begin(ACME, Operation.CONVERSE, ASK, Map.of());
        cover.admit();

        LogicalCall other = engine.begin(UsageRecord.newId(), GLOBEX, Operation.CONVERSE, ASK, Map.of(), cover);
        other.admit();
        cover.end();
        LogicalCall late = engine.begin(UsageRecord.newId(), ACME, Operation.CONVERSE, ASK, Map.of(), cover);
        late.admit();

        assertThat(other.covered()).isFalse();
        assertThat(late.covered()).isFalse();
        assertThat(governance.admitted).hasValue(3);
        assertThat(governance.released).hasSize(1);
    }

    /** Attempts and covered calls ending on many threads while the call ends: one release, every record. */
    @RepeatedTest(20)
    void concurrentEnds_releaseThePermitExactlyOnce_withEveryRecord() throws Exception {
        CallEngine engine = engine(governance);
        LogicalCall call = engine.begin(ACME, Operation.CONVERSE, ASK, Map.of());
        call.admit();
        List<MeteredCall> attempts = new ArrayList<>();
        for (int i = 1; i <= 32; i++) {
            attempts.add(call.startAttempt(i, call.profile()));
        }
        List<LogicalCall> children = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            children.add(engine.begin(UsageRecord.newId(), ACME, Operation.CONVERSE, ASK, Map.of(), call));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (MeteredCall m : attempts) {
                done.add(pool.submit(() -> {
                    start.await();
                    m.succeed(TokenUsage.of(1, 1));
                    call.attemptEnded(m);
                    return null;
                }));
            }
            for (LogicalCall c : children) {
                done.add(pool.submit(() -> {
                    start.await();
                    attempt(c, 1);
                    c.end();
                    return null;
                }));
            }
            for (int i = 0; i < 4; i++) {
                done.add(pool.submit(() -> {
                    start.await();
                    call.end();
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(governance.admitted).hasValue(1);
        assertThat(governance.released).singleElement().satisfies(r -> assertThat(r).hasSize(64));
        assertThat(records).hasSize(64);
    }
}
