package dev.aip.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.aip.core.governance.ConcurrencyState;
import dev.aip.core.governance.ConcurrencyState.Slot;
import dev.aip.core.governance.ConcurrencyState.Slots;
import dev.aip.core.tenant.TenantId;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The tests every {@link ConcurrencyState} (and the {@link Slots} it hands out) must pass, from the promises in their
 * Javadoc. Extend it in your test sources and create a fresh state, no slot held, in {@link #newState(ManualClock)}:
 *
 * <pre>{@code
 * class PostgresConcurrencyStateContractTest extends ConcurrencyStateContract {
 *
 *     @Override
 *     protected ConcurrencyState newState(ManualClock time) {
 *         return new PostgresConcurrencyState(testDataSource(), "test-" + UUID.randomUUID(), time, LEASE);
 *     }
 *
 *     @Override
 *     protected boolean releaseIsIdempotent() {
 *         return true;
 *     }
 *
 *     @Override
 *     protected Optional<Duration> slotLease() {
 *         return Optional.of(LEASE);
 *     }
 * }
 * }</pre>
 *
 * <p>What an implementation must guarantee:
 * <ul>
 *   <li><b>The cap, exactly.</b> A tenant never used holds no slot; {@code tryAcquire(cap)} takes a slot if and only
 *       if fewer than {@code cap} are held, and a refusal ({@code null}) changes nothing; the cap is the one passed
 *       on each call, so a lowered cap refuses at once while more are held.</li>
 *   <li><b>Exact counting.</b> {@code held()} is the number of slots taken and not released; every release frees
 *       exactly one slot; the {@link Slots} of one tenant share one count however often they are asked for.</li>
 *   <li><b>Async agrees with sync.</b> {@code tryAcquireAsync} and {@code releaseAsync} take and give back the same
 *       slots as their synchronous forms.</li>
 *   <li><b>Isolation.</b> Slots of different tenants never touch each other.</li>
 *   <li><b>Atomicity under concurrency.</b> Many threads taking and releasing slots never hold more than the cap at
 *       once; many taking at once (threads or async calls) get exactly the cap; after concurrent releases
 *       {@code held()} is exact.</li>
 * </ul>
 * And, for implementations that promise more (each an overridable capability, off by default):
 * <ul>
 *   <li>{@link #releaseIsIdempotent()}: releasing a slot twice frees one slot. The interface does not require it
 *       (governance releases each slot exactly once, and a state that only counts may hand every call the same
 *       slot), but a shared state whose release may be retried should guarantee it.</li>
 *   <li>{@link #slotLease()}: a slot not released is reclaimed once its lease, measured on the state's clock, has
 *       ended, and a late release of it frees nothing else; the tests move the {@link ManualClock} past the lease.</li>
 * </ul>
 *
 * <p><b>Time.</b> No test sleeps. The state is handed a {@link ManualClock} whose wall time starts at the current real
 * time (truncated to the second), so a store that expires keys by its server's time keeps them through the test;
 * only the lease tests move it.
 *
 * <p>Each test makes its own states; a state that is also {@link AutoCloseable} is not closed by the kit (close it in
 * your subclass's {@code @AfterEach}).
 *
 * <p>Not thread-safe itself: JUnit creates one instance per test method.
 */
public abstract class ConcurrencyStateContract {

    private static final int THREADS = 8;

    private final ManualClock time = ManualClock.at(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    private int tenants;

    /**
     * Creates a fresh state, no slot held by any tenant the tests use (e.g. give a shared store a fresh key prefix
     * per call), timed by {@code time} if it needs a clock (e.g. for slot leases).
     *
     * @param time the clock the lease tests move
     * @return a new state
     * @throws Exception if the state cannot be created (the test fails)
     */
    protected abstract ConcurrencyState newState(ManualClock time) throws Exception;

    /**
     * Whether releasing a slot a second time leaves every other slot held. Override to return {@code true} if the
     * implementation promises it; the test of double releases is skipped otherwise.
     *
     * @return {@code false} by default
     */
    protected boolean releaseIsIdempotent() {
        return false;
    }

    /**
     * The lease after which the state reclaims a slot never released, measured on the {@link ManualClock} given to
     * {@link #newState}. Override to return it if the implementation has one; the lease tests are skipped otherwise.
     *
     * @return empty by default
     */
    protected Optional<Duration> slotLease() {
        return Optional.empty();
    }

    /**
     * Returns the clock the state was given; the lease tests move it.
     *
     * @return the clock, also the ticker
     */
    protected final ManualClock time() {
        return time;
    }

    private ConcurrencyState state() throws Exception {
        ConcurrencyState state = newState(time);
        assertThat(state).as("newState(time)").isNotNull();
        return state;
    }

    /** The slots of a tenant no other slots of the test use. */
    private Slots slots(ConcurrencyState state) {
        return state.slots(TenantId.of("contract-" + (++tenants)));
    }

    private static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private static List<Slot> acquire(Slots slots, int cap, int count) {
        List<Slot> taken = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Slot slot = slots.tryAcquire(cap);
            assertThat(slot).as("slot %d of %d under a cap of %d", i + 1, count, cap).isNotNull();
            taken.add(slot);
        }
        return taken;
    }

    @Test
    void held_ofATenantNeverUsed_isZero() throws Exception {
        assertThat(slots(state()).held()).isZero();
    }

    @Test
    void tryAcquire_upToTheCap_takesASlotEachAndThenRefuses() throws Exception {
        Slots slots = slots(state());

        for (int i = 1; i <= 3; i++) {
            assertThat(slots.tryAcquire(3)).isNotNull();
            assertThat(slots.held()).isEqualTo(i);
        }

        assertThat(slots.tryAcquire(3)).isNull();
        assertThat(slots.held()).as("a refusal takes nothing").isEqualTo(3);
        assertThat(slots.tryAcquire(3)).isNull();
        assertThat(slots.held()).isEqualTo(3);
    }

    @Test
    void tryAcquire_withACapOfOne_admitsOneAtATime() throws Exception {
        Slots slots = slots(state());

        Slot only = slots.tryAcquire(1);
        assertThat(only).isNotNull();
        assertThat(slots.tryAcquire(1)).isNull();

        only.release();
        assertThat(slots.held()).isZero();
        assertThat(slots.tryAcquire(1)).isNotNull();
    }

    @Test
    void release_freesExactlyOneSlot() throws Exception {
        Slots slots = slots(state());
        List<Slot> taken = acquire(slots, 4, 4);

        taken.get(1).release();

        assertThat(slots.held()).isEqualTo(3);
        assertThat(slots.tryAcquire(4)).as("the freed slot").isNotNull();
        assertThat(slots.tryAcquire(4)).as("only one was freed").isNull();
        assertThat(slots.held()).isEqualTo(4);
    }

    @Test
    void release_ofEverySlot_leavesNoneHeld() throws Exception {
        Slots slots = slots(state());
        List<Slot> taken = acquire(slots, 5, 5);

        for (int i = 0; i < taken.size(); i++) {
            taken.get(i).release();
            assertThat(slots.held()).isEqualTo(4 - i);
        }

        acquire(slots, 5, 5);
        assertThat(slots.tryAcquire(5)).isNull();
    }

    @Test
    void release_twice_freesOneSlot() throws Exception {
        assumeTrue(releaseIsIdempotent(), "the implementation does not promise idempotent releases");
        Slots slots = slots(state());
        List<Slot> taken = acquire(slots, 3, 3);

        taken.get(0).release();
        taken.get(0).release();
        await(taken.get(0).releaseAsync());

        assertThat(slots.held()).isEqualTo(2);
        assertThat(slots.tryAcquire(3)).isNotNull();
        assertThat(slots.tryAcquire(3)).as("a second release freed nothing").isNull();
    }

    @Test
    void tryAcquire_withALowerCap_refusesWhileAsManyAreHeld() throws Exception {
        Slots slots = slots(state());
        acquire(slots, 5, 3);

        assertThat(slots.tryAcquire(3)).as("the cap in force for this call").isNull();
        assertThat(slots.tryAcquire(2)).isNull();
        assertThat(slots.held()).isEqualTo(3);
        assertThat(slots.tryAcquire(4)).as("a higher cap again").isNotNull();
        assertThat(slots.held()).isEqualTo(4);
    }

    @Test
    void slots_askedForAgain_shareTheTenantsCount() throws Exception {
        ConcurrencyState state = state();
        TenantId tenant = TenantId.of("contract-shared");
        Slot first = state.slots(tenant).tryAcquire(2);
        state.slots(tenant).tryAcquire(2);

        assertThat(state.slots(tenant).held()).isEqualTo(2);
        assertThat(state.slots(tenant).tryAcquire(2)).isNull();
        first.release();
        assertThat(state.slots(tenant).held()).isEqualTo(1);
    }

    @Test
    void slots_ofDifferentTenants_areIndependent() throws Exception {
        ConcurrencyState state = state();
        Slots acme = state.slots(TenantId.of("contract-acme"));
        Slots globex = state.slots(TenantId.of("contract-globex"));
        List<Slot> acmeSlots = acquire(acme, 2, 2);

        assertThat(acme.tryAcquire(2)).isNull();
        assertThat(globex.held()).isZero();
        List<Slot> globexSlots = acquire(globex, 2, 2);
        acmeSlots.get(0).release();

        assertThat(acme.held()).isEqualTo(1);
        assertThat(globex.held()).isEqualTo(2);
        assertThat(globex.tryAcquire(2)).isNull();
        globexSlots.forEach(Slot::release);
        assertThat(acme.held()).isEqualTo(1);
    }

    @Test
    void tryAcquireAsync_agreesWithTryAcquire() throws Exception {
        Slots slots = slots(state());

        Slot a = await(slots.tryAcquireAsync(3));
        Slot b = slots.tryAcquire(3);
        Slot c = await(slots.tryAcquireAsync(3));

        assertThat(a).isNotNull();
        assertThat(b).isNotNull();
        assertThat(c).isNotNull();
        assertThat(slots.held()).isEqualTo(3);
        assertThat(await(slots.tryAcquireAsync(3))).as("at the cap").isNull();
        assertThat(slots.held()).isEqualTo(3);

        await(a.releaseAsync());
        assertThat(slots.held()).isEqualTo(2);
        b.release();
        await(c.releaseAsync());
        assertThat(slots.held()).isZero();
        assertThat(slots.tryAcquire(1)).isNotNull();
    }

    @Test
    @Timeout(60)
    void tryAcquireAndRelease_fromManyThreads_neverHoldMoreThanTheCap() throws Exception {
        Slots slots = slots(state());
        int cap = 3;
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger mostInFlight = new AtomicInteger();
        AtomicInteger admitted = new AtomicInteger();

        concurrently(() -> {
            for (int i = 0; i < 50; i++) {
                Slot slot = slots.tryAcquire(cap);
                if (slot == null) {
                    continue;
                }
                admitted.incrementAndGet();
                int now = inFlight.incrementAndGet();
                mostInFlight.accumulateAndGet(now, Math::max);
                assertThat(slots.held()).isBetween(1, cap);
                inFlight.decrementAndGet();
                slot.release();
            }
        });

        assertThat(mostInFlight.get()).isBetween(1, cap);
        assertThat(admitted.get()).isPositive();
        assertThat(slots.held()).isZero();
    }

    @Test
    @Timeout(60)
    void tryAcquire_fromManyThreadsAtOnce_takesExactlyTheCapAndReleasesCountRight() throws Exception {
        Slots slots = slots(state());
        int cap = 20;
        AtomicInteger next = new AtomicInteger();
        ConcurrentLinkedQueue<Slot> taken = new ConcurrentLinkedQueue<>();

        concurrently(() -> {
            while (next.getAndIncrement() < 80) {
                Slot slot = slots.tryAcquire(cap);
                if (slot != null) {
                    taken.add(slot);
                }
            }
        });

        assertThat(taken).hasSize(cap);
        assertThat(slots.held()).isEqualTo(cap);

        List<Slot> toRelease = new ArrayList<>(taken).subList(0, 15);
        AtomicInteger releasing = new AtomicInteger();
        concurrently(() -> {
            int i;
            while ((i = releasing.getAndIncrement()) < toRelease.size()) {
                toRelease.get(i).release();
            }
        });

        assertThat(slots.held()).isEqualTo(5);
        acquire(slots, cap, 15);
        assertThat(slots.tryAcquire(cap)).isNull();
    }

    @Test
    @Timeout(60)
    void tryAcquireAsync_manyAtOnce_takeExactlyTheCap() throws Exception {
        Slots slots = slots(state());
        int cap = 10;
        List<CompletableFuture<@Nullable Slot>> calls = new ArrayList<>();

        for (int i = 0; i < 40; i++) {
            calls.add(slots.tryAcquireAsync(cap).toCompletableFuture());
        }

        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        List<Slot> taken = new ArrayList<>();
        for (CompletableFuture<@Nullable Slot> call : calls) {
            Slot slot = call.join();
            if (slot != null) {
                taken.add(slot);
            }
        }
        assertThat(taken).hasSize(cap);
        assertThat(slots.held()).isEqualTo(cap);

        List<CompletableFuture<?>> releases = new ArrayList<>();
        taken.forEach(s -> releases.add(s.releaseAsync().toCompletableFuture()));
        CompletableFuture.allOf(releases.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        assertThat(slots.held()).isZero();
    }

    @Test
    void slotNeverReleased_isReclaimedWhenItsLeaseEnds() throws Exception {
        Duration lease = slotLease().orElse(null);
        assumeTrue(lease != null, "the implementation has no slot lease");
        Slots slots = slots(state());
        Slot abandoned = slots.tryAcquire(2);
        assertThat(abandoned).isNotNull();

        time.advance(lease.dividedBy(2));
        Slot later = slots.tryAcquire(2);
        assertThat(later).isNotNull();
        assertThat(slots.tryAcquire(2)).as("both leases running").isNull();

        time.advance(lease.dividedBy(2).plusMillis(1));
        assertThat(slots.held()).as("the first lease has ended").isEqualTo(1);
        Slot replacement = slots.tryAcquire(2);
        assertThat(replacement).as("the reclaimed slot").isNotNull();
        assertThat(slots.tryAcquire(2)).isNull();

        abandoned.release();
        assertThat(slots.held()).as("a late release frees nothing it no longer holds").isEqualTo(2);
        later.release();
        replacement.release();
        assertThat(slots.held()).isZero();
    }

    private static void concurrently(Concurrently.Body body) throws Exception {
        Concurrently.run(THREADS, body);
    }
}
