package dev.aip.core.governance;

import static dev.aip.core.governance.Gov.ACME;
import static dev.aip.core.governance.Gov.attempt;
import static dev.aip.core.governance.Gov.profile;
import static dev.aip.core.governance.Gov.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.ConfigurationException;
import dev.aip.core.GovernanceUnavailableException;
import dev.aip.core.PolicyViolationException;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.tenant.TenantId;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Governance with a {@link SharedAdmission}: one take per admission carrying every shared check of the call, one
 * release per permit with the call's real tokens and cost, never-fitting calls named at their step, and the tier's
 * failure policy applied per step when the store fails.
 */
class SharedAdmissionTest {

    /** Records what governance asks; takes everything, or fails when told. */
    static final class Recording implements SharedAdmission {
        final List<Claim> taken = new ArrayList<>();
        final List<String> released = new ArrayList<>();
        @Nullable RuntimeException failure;
        int counter;

        @Override
        public Outcome take(Claim claim) {
            if (failure != null) {
                throw failure;
            }
            taken.add(claim);
            if (claim.refuseAt() != null) {
                return Outcome.refused(claim.refuseAt());
            }
            return Outcome.taken(new Hold(claim, "h" + ++counter));
        }

        @Override
        public BudgetStore.@Nullable Settlement release(Hold hold, long actualTokens, BigDecimal actualUsd,
                                                         Instant now) {
            released.add(hold.id() + " " + actualTokens + " " + actualUsd.toPlainString());
            return null;
        }

        @Override
        public void giveBack(Hold hold, Instant now) {
            released.add(hold.id() + " given back");
        }

        @Override
        public int held(TenantId tenant, Instant now) {
            return taken.size() - released.size();
        }

        @Override
        public BudgetStore.Usage usage(BudgetKey key) {
            return BudgetStore.Usage.NONE;
        }
    }

    private final Recording shared = new Recording();

    private Governance governance(TenantPolicy policy, FailurePolicy failure) {
        return Governance.builder().policies(PolicySet.of(policy)).priceCatalog(Gov.PRICES)
                .sharedAdmission(shared).failurePolicy(failure).settlementExecutor(Runnable::run).build();
    }

    private static final TenantPolicy EVERY_CHECK = TenantPolicy.builder().maxConcurrentCalls(3)
            .requestsPerMinute(10).tokensPerMinute(1_000).budget(Gov.monthly("1")).build();

    @Test
    void admitAndRelease_everyCheck_oneClaimWithEveryStepAndOneRelease() {
        Governance g = governance(EVERY_CHECK, FailurePolicy.DEFAULT);

        g.admit(ACME, request(100, 100), profile(ACME)).release(List.of(attempt(ACME, TokenUsage.of(100, 50))));

        assertThat(shared.taken).singleElement().satisfies(c -> {
            assertThat(c.concurrencyCap()).isEqualTo(3);
            assertThat(c.requestsPerMinute()).isEqualTo(10);
            assertThat(c.tokensPerMinute()).isEqualTo(1_000);
            assertThat(c.tokens()).isEqualTo(200);
            assertThat(c.budgetUsd()).isEqualByComparingTo(Gov.cost(100, 100));
            assertThat(c.budgetLimitUsd()).isEqualByComparingTo("1");
            assertThat(c.refuseAt()).isNull();
        });
        assertThat(shared.released).containsExactly("h1 150 " + Gov.cost(100, 50).toPlainString());
        assertThat(g.openPermits()).isZero();
    }

    @Test
    void admit_moreTokensThanAMinute_isAPolicyViolationAtTheTokenStepAfterTheEarlierSteps() {
        Governance g = governance(EVERY_CHECK, FailurePolicy.DEFAULT);

        Decision d = g.tryAdmit(ACME, request(600, 600), profile(ACME));

        assertThat(d.refusal()).isInstanceOf(PolicyViolationException.class).hasMessageContaining("tokens per minute");
        assertThat(shared.taken).singleElement().satisfies(c -> {
            assertThat(c.refuseAt()).isEqualTo(SharedAdmission.Step.TOKENS);
            assertThat(c.budgeted()).isFalse();
        });
        assertThat(shared.released).isEmpty();
    }

    @Test
    void admit_nothingSharedBeforeTheNeverFittingStep_doesNotAskTheStore() {
        Governance g = governance(TenantPolicy.builder().tokensPerMinute(100).build(), FailurePolicy.DEFAULT);

        assertThat(g.tryAdmit(ACME, request(600, 600), profile(ACME)).refusal())
                .isInstanceOf(PolicyViolationException.class);
        assertThat(governance(TenantPolicy.EMPTY, FailurePolicy.DEFAULT)
                .tryAdmit(ACME, request(10, 10), profile(ACME)).admitted()).isTrue();
        assertThat(shared.taken).isEmpty();
    }

    @Test
    void admit_storeFails_eachStepFailsAsItsTierSays() {
        shared.failure = new IllegalStateException("store down");
        Governance byDefault = governance(EVERY_CHECK, FailurePolicy.DEFAULT);
        Governance open = governance(EVERY_CHECK, FailurePolicy.OPEN);

        Decision refused = byDefault.tryAdmit(ACME, request(10, 10), profile(ACME));
        Decision admitted = open.tryAdmit(ACME, request(10, 10), profile(ACME));

        assertThat(refused.refusal()).isInstanceOfSatisfying(GovernanceUnavailableException.class,
                e -> assertThat(e.state()).isEqualTo("budget"));
        assertThat(byDefault.failOpenAdmissions()).as("slot, requests, tokens").isEqualTo(3);
        assertThat(admitted.admitted()).isTrue();
        assertThat(open.failOpenAdmissions()).isEqualTo(4);
        admitted.permit().release(List.of());
        assertThat(shared.released).as("nothing was held").isEmpty();
    }

    @Test
    void build_sharedAdmissionAndASeparateState_isAConfigurationError() {
        assertThatThrownBy(() -> Governance.builder().policies(PolicySet.of(EVERY_CHECK)).sharedAdmission(shared)
                .rateLimitState(RateLimitState.local(System::nanoTime)).build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("sharedAdmission").hasMessageContaining("rateLimitState");
    }
}
