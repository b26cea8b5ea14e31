package dev.aip.core.governance;

import static dev.aip.core.governance.Gov.ACME;
import static dev.aip.core.governance.Gov.attempt;
import static dev.aip.core.governance.Gov.profile;
import static dev.aip.core.governance.Gov.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.BudgetExceededException;
import dev.aip.core.RateLimitExceededException;
import dev.aip.core.metering.TokenUsage;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * The whole admission path against a model: for any sequence of calls and releases (with real usage below, at or
 * above the estimate), every decision is the one the model predicts (concurrency, then token rate, then budget), so
 * nothing is refused while there is room and nothing is admitted beyond it; and once every permit is released,
 * nothing stays held.
 */
class GovernanceProperties {

    private static final int CAP = 4;
    private static final long TPM = 5_000;
    private static final BigDecimal BUDGET = new BigDecimal("0.01");

    /** Admit a call of the given size; or release open permit {@code index} with the given real usage. */
    record Op(boolean admit, int input, int output, int index) {
    }

    @Provide
    Arbitrary<Op> ops() {
        Arbitrary<Op> admit = Combinators.combine(Arbitraries.integers().between(1, 200),
                Arbitraries.integers().between(1, 200)).as((i, o) -> new Op(true, i, o, 0));
        Arbitrary<Op> release = Combinators.combine(Arbitraries.integers().between(0, 400),
                Arbitraries.integers().between(0, 400), Arbitraries.integers().between(0, 100))
                .as((i, o, idx) -> new Op(false, i, o, idx));
        return Arbitraries.oneOf(admit, release);
    }

    record Open(dev.aip.core.chat.Admission.Permit permit, long tokens, BigDecimal worstCase) {
    }

    @Property(tries = 300)
    void admitAndRelease_decideAsTheModelAndLeakNothing(@ForAll @Size(max = 80) List<@From("ops") Op> ops) {
        Gov.ManualClock clock = new Gov.ManualClock(Gov.T0);
        Governance g = Governance.builder()
                .policies(PolicySet.of(TenantPolicy.builder().maxConcurrentCalls(CAP).tokensPerMinute(TPM)
                        .budget(Gov.monthly(BUDGET.toPlainString())).build()))
                .priceCatalog(Gov.PRICES).clock(clock).ticker(new Gov.ManualTicker()).build();
        List<Open> open = new ArrayList<>();
        long settledTokens = 0;
        BigDecimal spent = BigDecimal.ZERO;

        for (Op op : ops) {
            if (op.admit()) {
                long tokens = op.input() + op.output();
                BigDecimal worst = Gov.cost(op.input(), op.output());
                long tokensLeft = TPM - settledTokens - open.stream().mapToLong(Open::tokens).sum();
                BigDecimal headroom = BUDGET.subtract(spent)
                        .subtract(open.stream().map(Open::worstCase).reduce(BigDecimal.ZERO, BigDecimal::add));
                Decision d = g.tryAdmit(ACME, request(op.input(), op.output()), profile(ACME));
                if (open.size() >= CAP) {
                    assertThat(d.refusal()).isInstanceOfSatisfying(RateLimitExceededException.class,
                            e -> assertThat(e.limitName()).isEqualTo("concurrent-calls"));
                } else if (tokens > tokensLeft) {
                    assertThat(d.refusal()).isInstanceOfSatisfying(RateLimitExceededException.class,
                            e -> assertThat(e.limitName()).isEqualTo("tokens-per-minute"));
                } else if (worst.compareTo(headroom) > 0) {
                    assertThat(d.refusal()).isInstanceOfSatisfying(BudgetExceededException.class,
                            e -> assertThat(e.remaining()).isEqualByComparingTo(headroom.max(BigDecimal.ZERO)));
                } else {
                    assertThat(d.admitted()).as("room for %s tokens / %s USD", tokens, worst).isTrue();
                    open.add(new Open(d.permit(), tokens, worst));
                }
            } else if (!open.isEmpty()) {
                Open o = open.remove(op.index() % open.size());
                TokenUsage used = TokenUsage.of(op.input(), op.output());
                o.permit().release(List.of(attempt(ACME, used)));
                settledTokens += used.totalTokens();
                spent = spent.add(Gov.cost(op.input(), op.output()));
            }
            assertThat(g.inFlight(ACME.id())).isEqualTo(open.size());
            assertThat(g.availableTokens(ACME)).isIn(-1L,
                    TPM - settledTokens - open.stream().mapToLong(Open::tokens).sum());
            assertThat(g.budgetUsage(ACME).spentUsd()).isEqualByComparingTo(spent);
        }

        for (Open o : open) {
            o.permit().release(List.of());
        }
        assertThat(g.inFlight(ACME.id())).isZero();
        assertThat(g.openPermits()).isZero();
        assertThat(g.budgetUsage(ACME).reservedUsd()).isEqualByComparingTo("0");
        assertThat(g.budgetUsage(ACME).spentUsd()).isEqualByComparingTo(spent);
        assertThat(g.availableTokens(ACME)).isIn(-1L, TPM - settledTokens);
    }
}
