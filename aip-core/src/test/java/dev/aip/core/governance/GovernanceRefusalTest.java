package dev.aip.core.governance;

import static dev.aip.core.governance.Gov.profile;
import static dev.aip.core.governance.Gov.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.AipException;
import dev.aip.core.BudgetExceededException;
import dev.aip.core.GovernanceUnavailableException;
import dev.aip.core.PolicyViolationException;
import dev.aip.core.RateLimitExceededException;
import dev.aip.core.chat.Admission.Permit;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Refusals are values until asked for: a refused {@link Decision} builds its exception once, on request, without a
 * stack trace, and says when to retry without building it; {@link Governance#admit} throws the same exception.
 */
class GovernanceRefusalTest {

    private static final TenantContext CAPPED = TenantContext.of("capped");
    private static final TenantContext BROKE = TenantContext.of("broke");
    private static final TenantContext PICKY = TenantContext.of("picky");
    private static final TenantContext CLOSED = new TenantContext(TenantId.of("closed"), Tier.PREMIUM, Map.of());

    private final Governance g = Governance.builder()
            .policies(PolicySet.builder()
                    .tenant(CAPPED.id(), TenantPolicy.builder().maxConcurrentCalls(1).build())
                    .tenant(BROKE.id(), TenantPolicy.builder().budget(Gov.monthly("0.001")).build())
                    .tenant(PICKY.id(), TenantPolicy.builder().allowedModels("other").build())
                    .tenant(CLOSED.id(), TenantPolicy.builder().budget(Gov.monthly("1")).build())
                    .build())
            .priceCatalog(Gov.PRICES).clock(new Gov.ManualClock(Gov.T0)).ticker(new Gov.ManualTicker())
            .budgetStore(new DownForClosed())
            .failurePolicy(Tier.PREMIUM, FailurePolicy.CLOSED)
            .build();

    /** A local store, unreachable for the tenant {@link #CLOSED}. */
    static final class DownForClosed implements BudgetStore {
        private final BudgetStore local = BudgetStore.local();

        @Override
        public Reservation reserve(BudgetKey key, BigDecimal amountUsd, BigDecimal limitUsd) {
            if (key.tenant().equals(CLOSED.id())) {
                throw new IllegalStateException("budget store down");
            }
            return local.reserve(key, amountUsd, limitUsd);
        }

        @Override
        public Settlement settle(Reservation reservation, BigDecimal actualUsd) {
            return local.settle(reservation, actualUsd);
        }

        @Override
        public Usage usage(BudgetKey key) {
            return local.usage(key);
        }
    }

    @Test
    void everyRefusal_isBuiltOnceOnRequest_withoutAStackTrace() {
        Permit held = g.admit(CAPPED, request(10, 10), profile(CAPPED));
        Decision concurrency = g.tryAdmit(CAPPED, request(10, 10), profile(CAPPED));
        Decision budget = g.tryAdmit(BROKE, request(100, 1_000), profile(BROKE));
        Decision model = g.tryAdmit(PICKY, request(10, 10), profile(PICKY));
        Decision unavailable = g.tryAdmit(CLOSED, request(10, 10), profile(CLOSED));

        for (Decision d : List.of(concurrency, budget, model, unavailable)) {
            assertThat(d.admitted()).isFalse();
            assertThat(d.permit()).isNull();
            AipException e = d.refusal();
            assertThat(d.refusal()).isSameAs(e);
            assertThat(e.getStackTrace()).isEmpty();
        }
        assertThat(concurrency.refusal()).isInstanceOf(RateLimitExceededException.class);
        assertThat(budget.refusal()).isInstanceOf(PolicyViolationException.class);
        assertThat(model.refusal()).isInstanceOf(PolicyViolationException.class);
        assertThat(unavailable.refusal()).isInstanceOfSatisfying(GovernanceUnavailableException.class,
                e -> assertThat(e.getCause()).hasMessage("budget store down").isNotNull());
        assertThat(unavailable.refusal().getCause().getStackTrace()).as("the store's own trace is kept").isNotEmpty();
        held.release(List.of());
    }

    @Test
    void retryAfter_isTheRefusalsWithoutBuildingIt() {
        Permit held = g.admit(CAPPED, request(10, 10), profile(CAPPED));
        Decision concurrency = g.tryAdmit(CAPPED, request(10, 10), profile(CAPPED));
        Permit spent = g.admit(BROKE, request(100, 100), profile(BROKE));
        Decision budget = g.tryAdmit(BROKE, request(100, 100), profile(BROKE));

        assertThat(concurrency.retryAfter()).contains(
                ((RateLimitExceededException) concurrency.refusal()).retryAfter());
        assertThat(budget.retryAfter()).contains(((BudgetExceededException) budget.refusal()).retryAfter());
        assertThat(g.tryAdmit(PICKY, request(10, 10), profile(PICKY)).retryAfter()).isEmpty();
        assertThat(g.tryAdmit(CLOSED, request(10, 10), profile(CLOSED)).retryAfter()).isEmpty();
        held.release(List.of());
        spent.release(List.of());
    }

    @Test
    void admit_throwsTheRefusalDecisionWouldGive() {
        Permit held = g.admit(CAPPED, request(10, 10), profile(CAPPED));
        String message = g.tryAdmit(CAPPED, request(10, 10), profile(CAPPED)).refusal().getMessage();

        assertThatThrownBy(() -> g.admit(CAPPED, request(10, 10), profile(CAPPED)))
                .isInstanceOf(RateLimitExceededException.class).hasMessage(message)
                .satisfies(e -> assertThat(e.getStackTrace()).isEmpty());
        held.release(List.of());
    }
}
