package dev.aip.governance.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.governance.BudgetKey;
import dev.aip.core.governance.BudgetStore;
import dev.aip.core.governance.ConcurrencyState;
import dev.aip.core.tenant.TenantId;
import dev.aip.testkit.ManualClock;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;

/**
 * The Redis budget store and concurrency slots against a model of their contracts, over arbitrary sequences of
 * reservations, settlements (below, at and above the reservation; repeated; after the store's lease charged them),
 * slot acquisitions and releases (repeated; after the slot lease reclaimed them), and clock moves past the leases:
 * every answer is the model's, so nothing is overspent beyond what settlements used above their reservation, nothing
 * is refused while there is room, and nothing stays held once everything is settled and released.
 *
 * <p>Each try uses its own tenant, so its keys are its own; tries are few because each step is a round trip.
 */
@AddLifecycleHook(RedisRequired.class)
class RedisStateProperties {

    private static final BigDecimal LIMIT = new BigDecimal("1.000000");
    private static final int CAP = 3;
    private static final Duration LEASE = Duration.ofMinutes(10);
    private static final Duration SLOT_LEASE = Duration.ofMinutes(5);

    private final ManualClock clock = ManualClock.at(Instant.now());
    private RedisGovernanceState state;

    @BeforeProperty
    void connect() {
        state = RedisGovernanceState.builder().uri(RedisServer.url()).keyPrefix("aip-prop-" + UUID.randomUUID())
                .clock(clock).lease(LEASE).slotLease(SLOT_LEASE).build();
    }

    @AfterProperty
    void close() {
        if (state != null) {
            state.close();
        }
    }

    sealed interface Op permits Reserve, Settle, Advance, Acquire, Release {
    }

    /** Reserves {@code micros} millionths of a dollar. */
    record Reserve(long micros) implements Op {
    }

    /**
     * Settles open reservation {@code index} at {@code percent} of its amount (maybe twice); or, if {@code stale},
     * one the store's lease already charged.
     */
    record Settle(int index, int percent, boolean twice, boolean stale) implements Op {
    }

    /** Moves the clock. */
    record Advance(Duration by) implements Op {
    }

    /** Takes a concurrency slot. */
    record Acquire() implements Op {
    }

    /** Releases taken slot {@code index} (maybe twice). */
    record Release(int index, boolean twice) implements Op {
    }

    @Provide
    Arbitrary<Op> ops() {
        Arbitrary<Op> reserve = Arbitraries.longs().between(0, 400_000).map(Reserve::new);
        Arbitrary<Op> settle = Combinators.combine(Arbitraries.integers().between(0, 1000),
                        Arbitraries.integers().between(0, 150), Arbitraries.of(false, false, false, true),
                        Arbitraries.of(false, false, false, true))
                .as(Settle::new);
        Arbitrary<Op> advance = Arbitraries.of(Duration.ofSeconds(1), Duration.ofMinutes(4), Duration.ofMinutes(6),
                Duration.ofMinutes(11)).map(Advance::new);
        Arbitrary<Op> acquire = Arbitraries.just(new Acquire());
        Arbitrary<Op> release = Combinators.combine(Arbitraries.integers().between(0, 1000),
                Arbitraries.of(false, false, false, true)).as(Release::new);
        return Arbitraries.frequencyOf(Tuple.of(4, reserve), Tuple.of(3, settle),
                Tuple.of(1, advance), Tuple.of(3, acquire),
                Tuple.of(3, release));
    }

    record Open(BudgetStore.Reservation reservation, long leaseEnd) {
    }

    record Held(ConcurrencyState.Slot slot, long leaseEnd) {
    }

    @Property(tries = 40)
    void reserveSettleAcquireRelease_answerAsTheModelAndLeakNothing(@ForAll @Size(max = 40) List<@From("ops") Op> ops) {
        clock.set(Instant.now().truncatedTo(ChronoUnit.MILLIS));
        TenantId tenant = TenantId.of("t-" + UUID.randomUUID());
        BudgetKey key = new BudgetKey(tenant, "p", clock.instant().minus(Duration.ofDays(1)),
                clock.instant().plus(Duration.ofDays(60)));
        BudgetStore store = state.budgetStore();
        ConcurrencyState.Slots slots = state.concurrencyState().slots(tenant);
        List<Open> open = new ArrayList<>();
        List<BudgetStore.Reservation> charged = new ArrayList<>();
        List<Held> held = new ArrayList<>();     // in the store's set, as the model sees it
        List<Held> taken = new ArrayList<>();    // acquired and not yet released by the caller
        BigDecimal spent = BigDecimal.ZERO;
        BigDecimal overrun = BigDecimal.ZERO;

        for (Op op : ops) {
            long now = clock.millis();
            if (op instanceof Reserve r) {
                // the store first charges reservations whose lease has ended, at their reserved amount
                for (Open o : List.copyOf(open)) {
                    if (o.leaseEnd() <= now) {
                        open.remove(o);
                        charged.add(o.reservation());
                        spent = spent.add(o.reservation().amountUsd());
                    }
                }
                BigDecimal amount = BigDecimal.valueOf(r.micros(), 6);
                BigDecimal headroom = LIMIT.subtract(spent).subtract(sum(open));
                BudgetStore.Reservation got = store.reserve(key, amount, LIMIT);
                assertThat(got.granted()).as("granted iff the headroom %s covers %s", headroom, amount)
                        .isEqualTo(headroom.compareTo(amount) >= 0);
                if (got.granted()) {
                    open.add(new Open(got, now + LEASE.toMillis()));
                    assertThat(got.remainingUsd()).isEqualByComparingTo(headroom.subtract(amount));
                } else {
                    assertThat(got.remainingUsd()).isEqualByComparingTo(headroom);
                }
            } else if (op instanceof Settle s) {
                if (s.stale() && !charged.isEmpty()) {
                    BudgetStore.Reservation r = charged.get(s.index() % charged.size());
                    assertThat(store.settle(r, r.amountUsd()).applied()).as("settled after the lease charged it")
                            .isFalse();
                } else if (!open.isEmpty()) {
                    BudgetStore.Reservation r = open.remove(s.index() % open.size()).reservation();
                    BigDecimal actual = r.amountUsd().multiply(BigDecimal.valueOf(s.percent())).movePointLeft(2);
                    BudgetStore.Settlement done = store.settle(r, actual);
                    assertThat(done.applied()).isTrue();
                    assertThat(done.spentBeforeUsd()).isEqualByComparingTo(spent);
                    assertThat(done.spentAfterUsd()).isEqualByComparingTo(spent.add(actual));
                    spent = spent.add(actual);
                    overrun = overrun.add(actual.subtract(r.amountUsd()).max(BigDecimal.ZERO));
                    if (s.twice()) {
                        assertThat(store.settle(r, actual).applied()).isFalse();
                    }
                }
            } else if (op instanceof Advance a) {
                clock.advance(a.by());
            } else if (op instanceof Acquire) {
                held.removeIf(h -> h.leaseEnd() <= now);
                boolean room = held.size() < CAP;
                ConcurrencyState.Slot slot = slots.tryAcquire(CAP);
                assertThat(slot != null).as("a slot iff fewer than %d of %s are live", CAP, held.size())
                        .isEqualTo(room);
                if (slot != null) {
                    Held h = new Held(slot, now + SLOT_LEASE.toMillis());
                    held.add(h);
                    taken.add(h);
                }
            } else if (op instanceof Release r && !taken.isEmpty()) {
                Held h = taken.remove(r.index() % taken.size());
                h.slot().release();
                held.remove(h);
                if (r.twice()) {
                    h.slot().release();
                }
            }

            long at = clock.millis();
            BudgetStore.Usage usage = store.usage(key);
            assertThat(usage.spentUsd()).isEqualByComparingTo(spent);
            assertThat(usage.reservedUsd()).isEqualByComparingTo(sum(open));
            assertThat(usage.openReservations()).isEqualTo(open.size());
            assertThat(usage.spentUsd().add(usage.reservedUsd())).isLessThanOrEqualTo(LIMIT.add(overrun));
            assertThat(slots.held()).isEqualTo((int) held.stream().filter(h -> h.leaseEnd() > at).count());
        }

        for (Open o : open) {
            assertThat(store.settle(o.reservation(), BigDecimal.ZERO).applied()).isTrue();
        }
        for (Held h : taken) {
            h.slot().release();
        }
        BudgetStore.Usage end = store.usage(key);
        assertThat(end.reservedUsd()).isEqualByComparingTo("0");
        assertThat(end.openReservations()).isZero();
        assertThat(end.spentUsd()).isEqualByComparingTo(spent);
        assertThat(slots.held()).isZero();
        assertThat(slots.tryAcquire(CAP)).as("every slot is free again").isNotNull().satisfies(s -> s.release());
    }

    @Example
    void reserve_limitAboveWhatAnAccountHolds_isEnforcedAsTheMost() {
        clock.set(Instant.now().truncatedTo(ChronoUnit.MILLIS));
        BudgetKey key = new BudgetKey(TenantId.of("t-" + UUID.randomUUID()), "p",
                clock.instant().minus(Duration.ofDays(1)), clock.instant().plus(Duration.ofDays(60)));
        BudgetStore store = state.budgetStore();

        BudgetStore.Reservation r = store.reserve(key, new BigDecimal("1000"), new BigDecimal("1000000000"));

        assertThat(r.granted()).isTrue();
        assertThat(store.settle(r, new BigDecimal("999.5")).spentAfterUsd()).isEqualByComparingTo("999.5");
        assertThat(store.reserve(key, new BigDecimal("9223000"), new BigDecimal("1000000000")).granted())
                .as("more than the most an account holds, less what is spent").isFalse();
    }

    private static BigDecimal sum(List<Open> open) {
        return open.stream().map(o -> o.reservation().amountUsd()).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

}
