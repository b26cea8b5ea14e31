package dev.aip.core.governance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.tenant.TenantId;
import java.math.BigDecimal;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Reservation ids of the in-memory store stay unique when an account is evicted and created again. */
class LocalBudgetStoreTest {

    private static final BudgetKey KEY = new BudgetKey(TenantId.of("acme"), "2026-03",
            Instant.parse("2026-03-01T00:00:00Z"), Instant.parse("2026-04-01T00:00:00Z"));
    private static final BigDecimal LIMIT = new BigDecimal("10");

    @Test
    void settleAgain_afterTheAccountWasEvictedAndCreatedAgain_touchesNothingOfTheNewAccount() {
        BudgetStore store = BudgetStore.local();
        BudgetStore.Reservation old = store.reserve(KEY, new BigDecimal("1"), LIMIT);
        store.settle(old, new BigDecimal("0.5"));
        store.evictEnded(KEY.end());
        assertThat(store.usage(KEY)).isEqualTo(BudgetStore.Usage.NONE);

        BudgetStore.Reservation fresh = store.reserve(KEY, new BigDecimal("2"), LIMIT);

        assertThat(fresh.id()).isNotEqualTo(old.id());
        assertThat(store.settle(old, new BigDecimal("0.5")).applied()).isFalse();
        assertThat(store.usage(KEY).reservedUsd()).isEqualByComparingTo("2");
        assertThat(store.usage(KEY).openReservations()).isEqualTo(1);
        assertThat(store.settle(fresh, new BigDecimal("1")).applied()).isTrue();
        assertThat(store.usage(KEY).spentUsd()).isEqualByComparingTo("1");
    }

    @Test
    void ids_acrossAccounts_areUnique() {
        BudgetStore store = BudgetStore.local();
        BudgetKey other = new BudgetKey(TenantId.of("globex"), "2026-03", KEY.start(), KEY.end());
        BudgetStore.Reservation a = store.reserve(KEY, BigDecimal.ONE, LIMIT);
        BudgetStore.Reservation b = store.reserve(other, BigDecimal.ONE, LIMIT);
        BudgetStore.Reservation c = store.reserve(KEY, BigDecimal.ONE, LIMIT);

        assertThat(java.util.List.of(a.id(), b.id(), c.id())).doesNotHaveDuplicates();
    }
}
