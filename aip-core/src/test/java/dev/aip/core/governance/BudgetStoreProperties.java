package dev.aip.core.governance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.tenant.TenantId;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * The local budget store against a model of the contract, over arbitrary sequences of reservations and settlements
 * (below, at and above the reservation, and repeated).
 */
class BudgetStoreProperties {

    private static final BudgetKey KEY = new BudgetKey(TenantId.of("acme"), "2026-03",
            Instant.parse("2026-03-01T00:00:00Z"), Instant.parse("2026-04-01T00:00:00Z"));
    private static final BigDecimal LIMIT = new BigDecimal("1.000000");

    /** Reserve {@code micros} millionths of a dollar; or settle open reservation {@code index} at a percentage. */
    record Op(boolean reserve, long micros, int index, int percent, boolean twice) {
    }

    @Provide
    Arbitrary<Op> ops() {
        Arbitrary<Op> reserve = Arbitraries.longs().between(0, 400_000).map(m -> new Op(true, m, 0, 0, false));
        Arbitrary<Op> settle = net.jqwik.api.Combinators.combine(Arbitraries.integers().between(0, 1000),
                        Arbitraries.integers().between(0, 150), Arbitraries.of(false, false, false, true))
                .as((i, p, t) -> new Op(false, 0, i, p, t));
        return Arbitraries.oneOf(reserve, settle);
    }

    @Property(tries = 300)
    void reserveAndSettle_neverOverspendNeverFalselyRefuseNeverLeak(@ForAll @Size(max = 60) List<@net.jqwik.api.From(
            "ops") Op> ops) {
        BudgetStore store = BudgetStore.local();
        BigDecimal spent = BigDecimal.ZERO;
        BigDecimal overrun = BigDecimal.ZERO;
        List<BudgetStore.Reservation> open = new ArrayList<>();

        for (Op op : ops) {
            if (op.reserve()) {
                BigDecimal amount = BigDecimal.valueOf(op.micros(), 6);
                BigDecimal headroom = LIMIT.subtract(spent).subtract(sum(open));
                BudgetStore.Reservation r = store.reserve(KEY, amount, LIMIT);
                assertThat(r.granted()).as("granted iff the headroom %s covers %s", headroom, amount)
                        .isEqualTo(headroom.compareTo(amount) >= 0);
                if (r.granted()) {
                    open.add(r);
                    assertThat(r.remainingUsd()).isEqualByComparingTo(headroom.subtract(amount));
                } else {
                    assertThat(r.remainingUsd()).isEqualByComparingTo(headroom);
                }
            } else if (!open.isEmpty()) {
                BudgetStore.Reservation r = open.remove(op.index() % open.size());
                BigDecimal actual = r.amountUsd().multiply(BigDecimal.valueOf(op.percent())).movePointLeft(2);
                BudgetStore.Settlement s = store.settle(r, actual);
                assertThat(s.applied()).isTrue();
                assertThat(s.spentAfterUsd()).isEqualByComparingTo(s.spentBeforeUsd().add(actual));
                spent = spent.add(actual);
                overrun = overrun.add(actual.subtract(r.amountUsd()).max(BigDecimal.ZERO));
                if (op.twice()) {
                    assertThat(store.settle(r, actual).applied()).isFalse();
                }
            }
            BudgetStore.Usage usage = store.usage(KEY);
            assertThat(usage.spentUsd()).isEqualByComparingTo(spent);
            assertThat(usage.reservedUsd()).isEqualByComparingTo(sum(open));
            assertThat(usage.openReservations()).isEqualTo(open.size());
            assertThat(usage.spentUsd().add(usage.reservedUsd())).isLessThanOrEqualTo(LIMIT.add(overrun));
        }

        for (BudgetStore.Reservation r : open) {
            store.settle(r, BigDecimal.ZERO);
        }
        assertThat(store.usage(KEY).reservedUsd()).isEqualByComparingTo("0");
        assertThat(store.usage(KEY).openReservations()).isZero();
        assertThat(store.usage(KEY).spentUsd()).isEqualByComparingTo(spent);
    }

    private static BigDecimal sum(List<BudgetStore.Reservation> open) {
        return open.stream().map(BudgetStore.Reservation::amountUsd).reduce(BigDecimal.ZERO, BigDecimal::add);
    }
}
