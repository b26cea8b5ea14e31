package dev.aip.core.governance;

import static dev.aip.core.governance.Gov.profile;
import static dev.aip.core.governance.Gov.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.chat.Admission.Permit;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** Where released permits settle: inline for state in memory, off the releasing thread for a remote state. */
class GovernanceSettlementTest {

    private static final TenantContext ACME = TenantContext.of("acme");

    /** Slots that say they are remote and note the thread each release runs on. */
    static final class RemoteSlots implements ConcurrencyState {
        final AtomicInteger held = new AtomicInteger();
        final AtomicReference<String> releasedOn = new AtomicReference<>();
        final CountDownLatch released = new CountDownLatch(1);

        @Override
        public boolean remote() {
            return true;
        }

        @Override
        public Slots slots(TenantId tenant) {
            return new Slots() {
                @Override
                public @Nullable Slot tryAcquire(int cap) {
                    if (held.incrementAndGet() > cap) {
                        held.decrementAndGet();
                        return null;
                    }
                    return () -> {
                        releasedOn.set(Thread.currentThread().getName());
                        held.decrementAndGet();
                        released.countDown();
                    };
                }

                @Override
                public int held() {
                    return held.get();
                }
            };
        }
    }

    private static Governance.Builder governance(ConcurrencyState slots) {
        return Governance.builder().policies(PolicySet.of(TenantPolicy.builder().maxConcurrentCalls(1).build()))
                .priceCatalog(Gov.PRICES).clock(new Gov.ManualClock(Gov.T0)).ticker(new Gov.ManualTicker())
                .concurrencyState(slots);
    }

    @Test
    void remoteState_settlesOnTheSettlementPool_neverOnTheReleasingThread() throws Exception {
        RemoteSlots slots = new RemoteSlots();
        Governance g = governance(slots).build();

        Permit permit = g.admit(ACME, request(10, 10), profile(ACME));
        permit.release(List.of());

        assertThat(slots.released.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(slots.releasedOn.get()).startsWith("aip-settlement-")
                .isNotEqualTo(Thread.currentThread().getName());
        assertThat(slots.held).hasValue(0);
    }

    @Test
    void settlementExecutor_runnableRun_settlesInline_evenForARemoteState() {
        RemoteSlots slots = new RemoteSlots();
        Governance g = governance(slots).settlementExecutor(Runnable::run).build();

        g.admit(ACME, request(10, 10), profile(ACME)).release(List.of());

        assertThat(slots.releasedOn.get()).isEqualTo(Thread.currentThread().getName());
        assertThat(g.openPermits()).isZero();
    }

    @Test
    void localState_settlesInline() {
        Governance g = governance(ConcurrencyState.local()).build();

        g.admit(ACME, request(10, 10), profile(ACME)).release(List.of());

        assertThat(g.inFlight(ACME.id())).isZero();
        assertThat(g.openPermits()).isZero();
    }
}
