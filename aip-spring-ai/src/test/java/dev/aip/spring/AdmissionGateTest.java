package dev.aip.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.RateLimitExceededException;
import dev.aip.core.chat.Admission;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.metering.Cost;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.UsageProvenance;
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
    static final ChatRequest REQUEST = ChatRequest.builder().model("claude-haiku").message(ChatMessage.user("hi"))
            .build();
    static final ResolvedProfile PROFILE = new ResolvedProfile(TenantId.of("acme"), "claude-haiku",
            "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/p1", "p1",
            "anthropic.claude-3-5-haiku-20241022-v1:0", "us-east-1", false);

    /** Counts admissions and keeps every release. */
    static final class CountingAdmission implements Admission {
        final AtomicInteger admitted = new AtomicInteger();
        final List<List<UsageRecord>> released = new CopyOnWriteArrayList<>();

        @Override
        public Permit admit(TenantContext tenant, ChatRequest request, ResolvedProfile profile) {
            admitted.incrementAndGet();
            return released::add;
        }
    }

    @Test
    void passedCover_coversTheModelCall_withoutAskingGovernanceAgain() {
        CountingAdmission governance = new CountingAdmission();
        AdmissionGate gate = new AdmissionGate(governance, Clock.systemUTC());
        AdmissionGate.Cover cover = gate.admitCall(ACME, REQUEST, PROFILE);

        gate.pass(cover.id);
        Admission.Permit child = gate.admission().admit(ACME, REQUEST, PROFILE);
        Admission.Permit uncovered = gate.admission().admit(ACME, REQUEST, PROFILE);

        assertThat(governance.admitted).hasValue(2);   // the ChatClient call, and the call made without a pass
        child.release(List.of(record()));
        assertThat(governance.released).isEmpty();      // the ChatClient call is not over yet
        cover.end();
        assertThat(governance.released).singleElement().satisfies(r -> assertThat(r).hasSize(1));
        uncovered.release(List.of());
        assertThat(governance.released).hasSize(2);
        assertThat(gate.openCovers()).isZero();
    }

    @Test
    void passForAnotherTenant_isNotHonoured() {
        CountingAdmission governance = new CountingAdmission();
        AdmissionGate gate = new AdmissionGate(governance, Clock.systemUTC());
        AdmissionGate.Cover cover = gate.admitCall(ACME, REQUEST, PROFILE);

        gate.pass(cover.id);
        gate.admission().admit(TenantContext.of("globex"), REQUEST, PROFILE);

        assertThat(governance.admitted).hasValue(2);
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

    /** Model calls of one cover released on many threads while the ChatClient call ends: one release, all records. */
    @RepeatedTest(20)
    void concurrentChildren_andEnd_releaseTheGovernancePermitExactlyOnce_withEveryRecord() throws Exception {
        CountingAdmission governance = new CountingAdmission();
        AdmissionGate gate = new AdmissionGate(governance, Clock.systemUTC());
        AdmissionGate.Cover cover = gate.admitCall(ACME, REQUEST, PROFILE);
        int children = 64;
        List<Admission.Permit> permits = new ArrayList<>();
        for (int i = 0; i < children; i++) {
            gate.pass(cover.id);
            permits.add(gate.admission().admit(ACME, REQUEST, PROFILE));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (Admission.Permit p : permits) {
                done.add(pool.submit(() -> {
                    start.await();
                    p.release(List.of(record(), record()));
                    return null;
                }));
            }
            done.add(pool.submit(() -> {
                start.await();
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

    private static UsageRecord record() {
        return UsageRecord.builder().newRecordId().callId(UsageRecord.newId()).attempt(1).tenant(ACME)
                .operation("Converse").requestedModel("claude-haiku").region("us-east-1")
                .usage(TokenUsage.of(10, 5)).provenance(UsageProvenance.REPORTED)
                .cost(Cost.unknownModel("test")).outcome(Outcome.SUCCESS).startedAt(Instant.EPOCH)
                .latency(Duration.ofMillis(3)).build();
    }
}
