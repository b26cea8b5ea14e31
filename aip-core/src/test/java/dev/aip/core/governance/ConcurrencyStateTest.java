package dev.aip.core.governance;

import static dev.aip.core.governance.Gov.attempt;
import static dev.aip.core.governance.Gov.profile;
import static dev.aip.core.governance.Gov.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.aip.core.GovernanceUnavailableException;
import dev.aip.core.RateLimitExceededException;
import dev.aip.core.chat.Admission.Permit;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The concurrency step behind its seam: a shared state, a state that fails, and what a refusal gives back. */
class ConcurrencyStateTest {

    private static final TenantContext BASIC = new TenantContext(TenantId.of("cheap"), Tier.BASIC, Map.of());
    private static final TenantContext PREMIUM = new TenantContext(TenantId.of("vip"), Tier.PREMIUM, Map.of());

    private static Governance.Builder governance(TenantPolicy policy) {
        return Governance.builder().policies(PolicySet.of(policy)).priceCatalog(Gov.PRICES)
                .clock(new Gov.ManualClock(Gov.T0)).ticker(new Gov.ManualTicker());
    }

    /** Counts acquisitions and releases; fails when told to. */
    static final class FakeState implements ConcurrencyState {
        final AtomicInteger held = new AtomicInteger();
        final AtomicInteger releases = new AtomicInteger();
        volatile boolean down;
        volatile boolean releaseFails;

        @Override
        public Slots slots(TenantId tenant) {
            return new Slots() {
                @Override
                public Slot tryAcquire(int cap) {
                    if (down) {
                        throw new IllegalStateException("slot store down");
                    }
                    if (held.incrementAndGet() > cap) {
                        held.decrementAndGet();
                        return null;
                    }
                    return () -> {
                        releases.incrementAndGet();
                        if (releaseFails) {
                            throw new IllegalStateException("slot store down");
                        }
                        held.decrementAndGet();
                    };
                }

                @Override
                public int held() {
                    return held.get();
                }
            };
        }
    }

    @Test
    void localState_sharedByTwoGovernances_holdsOneCapAcrossThem() {
        ConcurrencyState shared = ConcurrencyState.local();
        TenantPolicy policy = TenantPolicy.builder().maxConcurrentCalls(2).build();
        Governance a = governance(policy).concurrencyState(shared).build();
        Governance b = governance(policy).concurrencyState(shared).build();

        Permit first = a.admit(Gov.ACME, request(10, 10), profile(Gov.ACME));
        Permit second = b.admit(Gov.ACME, request(10, 10), profile(Gov.ACME));

        assertThat(a.tryAdmit(Gov.ACME, request(10, 10), profile(Gov.ACME)).refusal())
                .isInstanceOfSatisfying(RateLimitExceededException.class,
                        e -> assertThat(e.limitName()).isEqualTo("concurrent-calls"));
        assertThat(b.inFlight(Gov.ACME.id())).isEqualTo(2);
        first.release(List.of());
        assertThat(b.tryAdmit(Gov.ACME, request(10, 10), profile(Gov.ACME)).admitted()).isTrue();
        second.release(List.of());
    }

    @Test
    void unreachableState_failsOpenOrClosedByTier() {
        FakeState state = new FakeState();
        state.down = true;
        Governance g = governance(TenantPolicy.builder().maxConcurrentCalls(1).tokensPerMinute(1000).build())
                .concurrencyState(state)
                .failurePolicy(Tier.BASIC, new FailurePolicy(FailureMode.FAIL_CLOSED, FailureMode.FAIL_CLOSED)
                        .withConcurrency(FailureMode.FAIL_OPEN))
                .failurePolicy(Tier.PREMIUM, FailurePolicy.DEFAULT.withConcurrency(FailureMode.FAIL_CLOSED))
                .build();

        // Open: admitted twice over a cap of 1, since the check is skipped; counted; nothing to release.
        Permit one = g.admit(BASIC, request(10, 10), profile(BASIC));
        Permit two = g.admit(BASIC, request(10, 10), profile(BASIC));
        assertThat(g.failOpenAdmissions()).isEqualTo(2);
        one.release(List.of(attempt(BASIC, TokenUsage.of(10, 10))));
        two.release(List.of());
        assertThat(state.releases).hasValue(0);

        assertThat(g.tryAdmit(PREMIUM, request(10, 10), profile(PREMIUM)).refusal())
                .isInstanceOfSatisfying(GovernanceUnavailableException.class, e -> {
                    assertThat(e.state()).isEqualTo("concurrency");
                    assertThat(e.retryable()).isTrue();
                    assertThat(e.getCause()).hasMessage("slot store down");
                });
        assertThat(g.failOpenAdmissions()).isEqualTo(2);
        assertThat(g.availableTokens(PREMIUM)).isEqualTo(1000);
        assertThat(g.openPermits()).isZero();
    }

    @Test
    void refusalByALaterCheck_releasesTheSlotItTookOnce() {
        FakeState state = new FakeState();
        Governance g = governance(TenantPolicy.builder().maxConcurrentCalls(3).tokensPerMinute(100).build())
                .concurrencyState(state).build();

        assertThat(g.tryAdmit(Gov.ACME, request(50, 40), profile(Gov.ACME)).admitted()).isTrue();
        assertThat(g.tryAdmit(Gov.ACME, request(50, 40), profile(Gov.ACME)).refusal())
                .isInstanceOfSatisfying(RateLimitExceededException.class,
                        e -> assertThat(e.limitName()).isEqualTo("tokens-per-minute"));

        assertThat(state.releases).hasValue(1);
        assertThat(state.held).hasValue(1);
    }

    @Test
    void slotReleaseThatFails_isLoggedAndTheRestOfTheSettlementStands() {
        FakeState state = new FakeState();
        Governance g = governance(TenantPolicy.builder().maxConcurrentCalls(3).tokensPerMinute(1000)
                .budget(Gov.monthly("1")).build()).concurrencyState(state).build();
        Permit permit = g.admit(Gov.ACME, request(100, 100), profile(Gov.ACME));
        state.releaseFails = true;

        assertThatCode(() -> permit.release(List.of(attempt(Gov.ACME, TokenUsage.of(100, 50)))))
                .doesNotThrowAnyException();

        assertThat(state.releases).hasValue(1);
        assertThat(g.openPermits()).isZero();
        assertThat(g.availableTokens(Gov.ACME)).isEqualTo(1000 - 150);
        assertThat(g.budgetUsage(Gov.ACME).spentUsd()).isEqualByComparingTo(Gov.cost(100, 50));
        assertThat(g.budgetUsage(Gov.ACME).reservedUsd()).isEqualByComparingTo("0");
    }

    @Test
    void failurePolicy_twoModes_concurrencyFollowsTheRateLimits() {
        assertThat(new FailurePolicy(FailureMode.FAIL_CLOSED, FailureMode.FAIL_OPEN).concurrency())
                .isEqualTo(FailureMode.FAIL_CLOSED);
        assertThat(FailurePolicy.DEFAULT.concurrency()).isEqualTo(FailureMode.FAIL_OPEN);
        assertThat(FailurePolicy.CLOSED.concurrency()).isEqualTo(FailureMode.FAIL_CLOSED);
        assertThat(FailurePolicy.OPEN.withConcurrency(FailureMode.FAIL_CLOSED))
                .isEqualTo(new FailurePolicy(FailureMode.FAIL_OPEN, FailureMode.FAIL_OPEN, FailureMode.FAIL_CLOSED));
    }
}
