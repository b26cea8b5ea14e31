package dev.aip.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.governance.BudgetKey;
import dev.aip.core.governance.BudgetStore;
import dev.aip.core.governance.BudgetStore.Reservation;
import dev.aip.core.governance.BudgetStore.Settlement;
import dev.aip.core.governance.BudgetStore.Usage;
import dev.aip.core.tenant.TenantId;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The tests every {@link BudgetStore} must pass, from the promises in its Javadoc. Extend it in your test sources
 * and create a fresh, empty store in {@link #newStore()}:
 *
 * <pre>{@code
 * class PostgresBudgetStoreContractTest extends BudgetStoreContract {
 *
 *     @Override
 *     protected BudgetStore newStore() {
 *         return PostgresBudgetStore.create(testDataSource(), "test-" + UUID.randomUUID());
 *     }
 * }
 * }</pre>
 *
 * <p>What it checks:
 * <ul>
 *   <li><b>Exact arithmetic.</b> {@code reserve} is granted if and only if {@code spent + reserved + amount <= limit}
 *       (a reservation of exactly the headroom is granted), its {@code remainingUsd} is the exact headroom left, and
 *       a refusal changes nothing; {@code settle} moves the reservation out of {@code reserved} and charges the actual
 *       amount in full, above the reservation too; amounts of many decimal places add up without rounding. A seeded
 *       random sequence of reserves and settlements must match a reference model step by step.</li>
 *   <li><b>Idempotent settlement.</b> A second settlement of a reservation changes nothing and says so, also when
 *       many threads settle the same reservation at once, and also after the account was evicted and used again.</li>
 *   <li><b>No overshoot under concurrency.</b> Many threads reserving against one limit get exactly as many grants
 *       as fit, {@code reserved} never passes the limit, and after every settlement {@code reserved} is zero and
 *       {@code spent} the exact sum.</li>
 *   <li><b>Isolation and expiry.</b> Accounts of different keys never touch each other; reservation ids are unique
 *       across accounts; {@code evictEnded} never drops an account that holds a reservation or whose period has not
 *       ended.</li>
 * </ul>
 *
 * <p>Keys are built by {@link #key}: periods around the current wall time, so a store that expires keys by its own
 * clock keeps them through the test. Each test makes its own stores and, for a store that is also
 * {@link AutoCloseable}, the kit closes them after it.
 *
 * <p>Not thread-safe itself: JUnit creates one instance per test method.
 */
public abstract class BudgetStoreContract {

    private static final BigDecimal LIMIT = new BigDecimal("10.00");
    private static final int THREADS = 8;

    private final List<BudgetStore> stores = new ArrayList<>();

    /**
     * Creates a fresh, empty store: no account of any key {@link #key} returns holds spend or reservations.
     *
     * @return a new store
     * @throws Exception if the store cannot be created (the test fails)
     */
    protected abstract BudgetStore newStore() throws Exception;

    /**
     * Returns the account key of a tenant for the tests: a one-day period that started an hour ago. Override if the
     * store needs keys of another shape; distinct tenants must give distinct keys.
     *
     * @param tenant the tenant
     * @return the key
     */
    protected BudgetKey key(String tenant) {
        Instant start = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofHours(1));
        return new BudgetKey(TenantId.of(tenant), "contract/" + start, start, start.plus(Duration.ofDays(1)));
    }

    @AfterEach
    final void closeStores() {
        for (BudgetStore store : stores) {
            if (store instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception e) {
                    // the tests are about the store's figures; closing only frees resources
                }
            }
        }
    }

    private BudgetStore store() throws Exception {
        BudgetStore store = newStore();
        assertThat(store).as("newStore()").isNotNull();
        stores.add(store);
        return store;
    }

    private static BigDecimal usd(String amount) {
        return new BigDecimal(amount);
    }

    @Test
    void usage_ofAnAccountNeverUsed_isNone() throws Exception {
        BudgetStore store = store();

        Usage usage = store.usage(key("acme"));

        assertThat(usage.spentUsd()).isEqualByComparingTo("0");
        assertThat(usage.reservedUsd()).isEqualByComparingTo("0");
        assertThat(usage.openReservations()).isZero();
    }

    @Test
    void reserve_withinHeadroom_isGrantedAndHeldExactly() throws Exception {
        BudgetStore store = store();
        BudgetKey key = key("acme");

        Reservation r = store.reserve(key, usd("2.5"), LIMIT);

        assertThat(r.granted()).isTrue();
        assertThat(r.key()).isEqualTo(key);
        assertThat(r.amountUsd()).isEqualByComparingTo("2.5");
        assertThat(r.remainingUsd()).isEqualByComparingTo("7.5");
        assertThat(store.usage(key)).isEqualTo(new Usage(BigDecimal.ZERO, usd("2.5"), 1));
    }

    @Test
    void reserve_exactlyTheHeadroom_isGranted() throws Exception {
        BudgetStore store = store();
        BudgetKey key = key("acme");
        store.reserve(key, usd("3.3"), LIMIT);

        Reservation rest = store.reserve(key, usd("6.7"), LIMIT);

        assertThat(rest.granted()).isTrue();
        assertThat(rest.remainingUsd()).isEqualByComparingTo("0");
    }

    @Test
    void reserve_beyondHeadroom_isRefusedAndChangesNothing() throws Exception {
        BudgetStore store = store();
        BudgetKey key = key("acme");
        store.reserve(key, usd("9.99"), LIMIT);

        Reservation refused = store.reserve(key, usd("0.02"), LIMIT);

        assertThat(refused.granted()).isFalse();
        assertThat(refused.remainingUsd()).isEqualByComparingTo("0.01");
        assertThat(store.usage(key)).isEqualTo(new Usage(BigDecimal.ZERO, usd("9.99"), 1));
    }

    @Test
    void settle_grantedReservation_movesItFromReservedToSpentExactly() throws Exception {
        BudgetStore store = store();
        BudgetKey key = key("acme");
        Reservation r = store.reserve(key, usd("0.3"), LIMIT);

        Settlement s = store.settle(r, usd("0.1000001"));

        assertThat(s.applied()).isTrue();
        assertThat(s.key()).isEqualTo(key);
        assertThat(s.spentBeforeUsd()).isEqualByComparingTo("0");
        assertThat(s.spentAfterUsd()).isEqualByComparingTo("0.1000001");
        assertThat(store.usage(key)).isEqualTo(new Usage(usd("0.1000001"), BigDecimal.ZERO, 0));
    }

    @Test
    void settle_aboveTheReservation_chargesTheActualAmountInFull() throws Exception {
        BudgetStore store = store();
        BudgetKey key = key("acme");
        Reservation r = store.reserve(key, usd("1"), LIMIT);

        Settlement s = store.settle(r, usd("12.345"));

        assertThat(s.spentAfterUsd()).isEqualByComparingTo("12.345");
        assertThat(store.usage(key)).isEqualTo(new Usage(usd("12.345"), BigDecimal.ZERO, 0));
        assertThat(store.reserve(key, usd("0.0001"), LIMIT).granted()).as("reserve after an overrun").isFalse();
    }

    @Test
    void settle_twice_appliesOnce() throws Exception {
        BudgetStore store = store();
        BudgetKey key = key("acme");
        Reservation r = store.reserve(key, usd("2"), LIMIT);
        store.settle(r, usd("1.5"));

        Settlement again = store.settle(r, usd("1.5"));

        assertThat(again.applied()).isFalse();
        assertThat(again.spentAfterUsd()).isEqualByComparingTo(again.spentBeforeUsd());
        assertThat(store.usage(key)).isEqualTo(new Usage(usd("1.5"), BigDecimal.ZERO, 0));
    }

    @Test
    void reserve_afterASettlementBelowTheReservation_seesTheFreedHeadroom() throws Exception {
        BudgetStore store = store();
        BudgetKey key = key("acme");
        Reservation big = store.reserve(key, usd("9"), LIMIT);
        assertThat(store.reserve(key, usd("2"), LIMIT).granted()).isFalse();

        store.settle(big, usd("1"));

        Reservation next = store.reserve(key, usd("9"), LIMIT);
        assertThat(next.granted()).isTrue();
        assertThat(next.remainingUsd()).isEqualByComparingTo("0");
    }

    @Test
    void reserve_forDifferentKeys_keepsAccountsApart() throws Exception {
        BudgetStore store = store();
        BudgetKey acme = key("acme");
        BudgetKey globex = key("globex");
        Reservation a = store.reserve(acme, usd("10"), LIMIT);

        Reservation g = store.reserve(globex, usd("10"), LIMIT);
        store.settle(a, usd("4"));

        assertThat(g.granted()).isTrue();
        assertThat(store.usage(acme)).isEqualTo(new Usage(usd("4"), BigDecimal.ZERO, 0));
        assertThat(store.usage(globex)).isEqualTo(new Usage(BigDecimal.ZERO, usd("10"), 1));
    }

    @Test
    void reserve_acrossAccounts_givesUniqueIds() throws Exception {
        BudgetStore store = store();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            ids.add(store.reserve(key("acme"), usd("0.01"), LIMIT).id());
            ids.add(store.reserve(key("globex"), usd("0.01"), LIMIT).id());
        }

        assertThat(ids).hasSize(40);
    }

    @Test
    void evictEnded_keepsAccountsWithOpenReservationsOrUnendedPeriods() throws Exception {
        BudgetStore store = store();
        BudgetKey held = key("acme");
        BudgetKey running = key("globex");
        store.reserve(held, usd("1"), LIMIT);
        store.settle(store.reserve(running, usd("1"), LIMIT), usd("0.5"));

        store.evictEnded(running.end().minusNanos(1));
        assertThat(store.usage(running)).as("before the period ends").isEqualTo(new Usage(usd("0.5"),
                BigDecimal.ZERO, 0));

        store.evictEnded(held.end());
        assertThat(store.usage(held)).as("with a reservation open").isEqualTo(new Usage(BigDecimal.ZERO, usd("1"),
                1));
    }

    @Test
    void settle_again_afterTheAccountWasEvictedAndUsedAgain_touchesNothing() throws Exception {
        BudgetStore store = store();
        BudgetKey key = key("acme");
        Reservation old = store.reserve(key, usd("1"), LIMIT);
        store.settle(old, usd("0.5"));
        store.evictEnded(key.end());
        Usage before = store.usage(key);
        Reservation fresh = store.reserve(key, usd("2"), LIMIT);

        Settlement again = store.settle(old, usd("0.5"));

        assertThat(fresh.id()).isNotEqualTo(old.id());
        assertThat(again.applied()).isFalse();
        assertThat(store.usage(key)).isEqualTo(new Usage(before.spentUsd(), before.reservedUsd().add(usd("2")),
                before.openReservations() + 1));
    }

    @Test
    @Timeout(120)
    void reserve_fromManyThreadsAtOnce_neverOvershootsTheLimit() throws Exception {
        BudgetStore store = store();
        BudgetKey key = key("acme");
        BigDecimal slice = usd("0.01");
        int attempts = 2000; // twice what fits
        ConcurrentLinkedQueue<Reservation> granted = new ConcurrentLinkedQueue<>();
        AtomicInteger next = new AtomicInteger();

        concurrently(() -> {
            while (next.getAndIncrement() < attempts) {
                Reservation r = store.reserve(key, slice, LIMIT);
                if (r.granted()) {
                    granted.add(r);
                }
                assertThat(store.usage(key).reservedUsd()).isLessThanOrEqualTo(LIMIT);
            }
        });

        assertThat(granted).hasSize(1000);
        assertThat(store.usage(key)).isEqualTo(new Usage(BigDecimal.ZERO, LIMIT, 1000));

        List<Reservation> toSettle = new ArrayList<>(granted);
        AtomicInteger settling = new AtomicInteger();
        concurrently(() -> {
            int i;
            while ((i = settling.getAndIncrement()) < toSettle.size()) {
                // actual cost alternates below and at the reservation: 0.005, 0.01, 0.005 ...
                assertThat(store.settle(toSettle.get(i), i % 2 == 0 ? usd("0.005") : slice).applied()).isTrue();
            }
        });

        assertThat(store.usage(key)).isEqualTo(new Usage(usd("7.5"), BigDecimal.ZERO, 0));
    }

    @Test
    @Timeout(120)
    void settle_sameReservationFromManyThreadsAtOnce_appliesOnce() throws Exception {
        BudgetStore store = store();
        BudgetKey key = key("acme");
        List<Reservation> reservations = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            reservations.add(store.reserve(key, usd("0.1"), LIMIT));
        }
        AtomicInteger applied = new AtomicInteger();

        concurrently(() -> {
            for (Reservation r : reservations) {
                if (store.settle(r, usd("0.03")).applied()) {
                    applied.incrementAndGet();
                }
            }
        });

        assertThat(applied).hasValue(50);
        assertThat(store.usage(key)).isEqualTo(new Usage(usd("1.5"), BigDecimal.ZERO, 0));
    }

    @Test
    void reserveAndSettle_inAnySeededOrder_matchTheReferenceArithmetic() throws Exception {
        for (long seed = 1; seed <= 20; seed++) {
            BudgetStore store = store();
            BudgetKey key = key("seed-" + seed);
            Random random = new Random(seed);
            List<Reservation> open = new ArrayList<>();
            BigDecimal spent = BigDecimal.ZERO;
            BigDecimal reserved = BigDecimal.ZERO;
            BigDecimal limit = BigDecimal.valueOf(1 + random.nextInt(500), 2);
            for (int step = 0; step < 200; step++) {
                String at = "seed " + seed + ", step " + step;
                if (open.isEmpty() || random.nextInt(3) > 0) {
                    BigDecimal amount = BigDecimal.valueOf(random.nextInt(200), 1 + random.nextInt(4));
                    BigDecimal headroom = limit.subtract(spent).subtract(reserved);
                    Reservation r = store.reserve(key, amount, limit);
                    assertThat(r.granted()).as(at).isEqualTo(headroom.compareTo(amount) >= 0);
                    if (r.granted()) {
                        reserved = reserved.add(amount);
                        open.add(r);
                        assertThat(r.remainingUsd()).as(at).isEqualByComparingTo(headroom.subtract(amount));
                    } else {
                        assertThat(r.remainingUsd()).as(at).isEqualByComparingTo(headroom);
                    }
                } else {
                    Reservation r = open.remove(random.nextInt(open.size()));
                    BigDecimal actual = BigDecimal.valueOf(random.nextInt(300), 1 + random.nextInt(5));
                    Settlement s = store.settle(r, actual);
                    assertThat(s.applied()).as(at).isTrue();
                    assertThat(s.spentBeforeUsd()).as(at).isEqualByComparingTo(spent);
                    spent = spent.add(actual);
                    reserved = reserved.subtract(r.amountUsd());
                    assertThat(s.spentAfterUsd()).as(at).isEqualByComparingTo(spent);
                }
                Usage usage = store.usage(key);
                assertThat(usage.spentUsd()).as(at).isEqualByComparingTo(spent);
                assertThat(usage.reservedUsd()).as(at).isEqualByComparingTo(reserved);
                assertThat(usage.openReservations()).as(at).isEqualTo(open.size());
            }
        }
    }

    private static void concurrently(Concurrently.Body body) throws Exception {
        Concurrently.run(THREADS, body);
    }
}
