package dev.aip.core.governance;

import static dev.aip.core.governance.Gov.attempt;
import static dev.aip.core.governance.Gov.profile;
import static dev.aip.core.governance.Gov.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.AipException;
import dev.aip.core.chat.Admission.Permit;
import dev.aip.core.chat.AdmissionRequest;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.constraints.Size;
import org.jspecify.annotations.Nullable;

/**
 * {@link Governance#tryAdmitAsync} decides as {@link Governance#tryAdmit}: two governances with the same policy, each
 * on its own states, one admitting synchronously and one asynchronously (its states answer later, on another
 * thread), go through the same scripted calls, releases, outages (a state that throws, fails its stage, or throws
 * from its async method) and passing time; after every step their decisions (admitted or not, the refusal's type,
 * message and retry-after) and everything they hold (permits, slots, tokens, requests, budget, fail-open count) are
 * equal.
 */
class GovernanceAsyncProperties {

    private static final ExecutorService LATER = Executors.newFixedThreadPool(2);
    private static final String OTHER_MODEL = "other";

    @AfterContainer
    static void stop() throws InterruptedException {
        LATER.shutdownNow();
        LATER.awaitTermination(5, TimeUnit.SECONDS);
    }

    /** One tenant's policy for the whole run, and the failure policies of two tiers. */
    record Setup(int cap, long rpm, long tpm, @Nullable String budget, int maxOutput, boolean onlyChat,
                 boolean fairShare, FailurePolicy basic, FailurePolicy premium) {
    }

    /**
     * A step: admit a call of tenant {@code tenant} (model, input, maxTokens) with the given states down (bit 0
     * concurrency, 1 rate limits, 2 budget; bit 3: an async method throws instead of failing its stage); or release
     * open permit {@code index} with real usage; or let {@code seconds} pass.
     */
    record Op(int kind, int tenant, boolean otherModel, int input, @Nullable Integer maxTokens, int down, int index,
              int usedIn, int usedOut, int seconds) {
    }

    @Provide
    Arbitrary<Setup> setups() {
        Arbitrary<FailureMode> mode = Arbitraries.of(FailureMode.class);
        Arbitrary<FailurePolicy> failure = Combinators.combine(mode, mode, mode).as(FailurePolicy::new);
        return Combinators.combine(
                Arbitraries.integers().between(0, 4),
                Arbitraries.longs().between(0, 12),
                Arbitraries.of(0L, 500L, 2_000L, 8_000L),
                Arbitraries.of("none", "0.002", "0.01", "1"),
                Arbitraries.of(0, 300, 1_000),
                Arbitraries.of(false, true),
                Arbitraries.of(false, true),
                Combinators.combine(failure, failure).as(List::of))
                .as((cap, rpm, tpm, budget, maxOutput, onlyChat, fairShare, tiers) -> new Setup(cap, rpm, tpm,
                        budget.equals("none") ? null : budget, maxOutput, onlyChat, fairShare, tiers.get(0),
                        tiers.get(1)));
    }

    @Provide
    Arbitrary<Op> ops() {
        Arbitrary<Op> admit = Combinators.combine(Arbitraries.integers().between(0, 2),
                Arbitraries.integers().between(0, 9), Arbitraries.integers().between(1, 400),
                Arbitraries.integers().between(0, 1_200), Arbitraries.integers().between(0, 31))
                .as((tenant, model, input, max, down) -> new Op(0, tenant, model == 0, input, max == 0 ? null : max,
                        down < 16 ? 0 : down - 16, 0, 0, 0, 0));
        Arbitrary<Op> release = Combinators.combine(Arbitraries.integers().between(0, 50),
                Arbitraries.integers().between(0, 500), Arbitraries.integers().between(0, 900),
                Arbitraries.integers().between(0, 31))
                .as((index, in, out, down) -> new Op(1, 0, false, 0, null, down < 24 ? 0 : down - 16, index, in, out,
                        0));
        Arbitrary<Op> pass = Arbitraries.integers().between(1, 90)
                .map(s -> new Op(2, 0, false, 0, null, 0, 0, 0, 0, s));
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, admit), net.jqwik.api.Tuple.of(3, release), net.jqwik.api.Tuple.of(1, pass));
    }

    private static final TenantContext[] TENANTS = {
        TenantContext.of("acme").withTier(Tier.BASIC),
        TenantContext.of("vip").withTier(Tier.PREMIUM),
        TenantContext.of("plain"),
    };

    @Property(tries = 200)
    void asyncAdmission_decidesAndHoldsExactlyAsSync(@ForAll("setups") Setup setup,
                                                      @ForAll @Size(max = 60) List<@From("ops") Op> ops) {
        Gov.ManualClock clock = new Gov.ManualClock(Gov.T0);
        Gov.ManualTicker ticker = new Gov.ManualTicker();
        Outage outage = new Outage();
        Governance sync = governance(setup, clock, ticker, outage, false);
        Governance async = governance(setup, clock, ticker, outage, true);
        List<Permit> syncOpen = new ArrayList<>();
        List<Permit> asyncOpen = new ArrayList<>();

        for (Op op : ops) {
            outage.down = op.down();
            switch (op.kind()) {
                case 0 -> {
                    TenantContext tenant = TENANTS[op.tenant()];
                    AdmissionRequest request = request(op.otherModel() ? OTHER_MODEL : Gov.MODEL, op.input(),
                            op.maxTokens());
                    Decision s = sync.tryAdmit(tenant, request, profile(tenant));
                    Decision a = async.tryAdmitAsync(tenant, request, profile(tenant)).toCompletableFuture().join();
                    assertSame(s, a);
                    if (s.admitted()) {
                        syncOpen.add(s.permit());
                        asyncOpen.add(a.permit());
                    }
                }
                case 1 -> {
                    if (!syncOpen.isEmpty()) {
                        int i = op.index() % syncOpen.size();
                        var used = List.of(attempt(TENANTS[0], TokenUsage.of(op.usedIn(), op.usedOut())));
                        syncOpen.remove(i).release(used);
                        asyncOpen.remove(i).release(used);
                    }
                }
                default -> {
                    clock.advance(Duration.ofSeconds(op.seconds()));
                    ticker.advance(Duration.ofSeconds(op.seconds()));
                }
            }
            outage.down = 0;
            assertSameState(sync, async);
        }
        syncOpen.forEach(p -> p.release(List.of()));
        asyncOpen.forEach(p -> p.release(List.of()));
        assertSameState(sync, async);
        assertThat(async.openPermits()).isZero();
    }

    private static void assertSame(Decision sync, Decision async) {
        assertThat(async.admitted()).as("admitted").isEqualTo(sync.admitted());
        assertThat(async.retryAfter()).isEqualTo(sync.retryAfter());
        if (!sync.admitted()) {
            AipException s = sync.refusal();
            AipException a = async.refusal();
            assertThat(a).hasSameClassAs(s).hasMessage(s.getMessage());
            assertThat(a.retryable()).isEqualTo(s.retryable());
        }
    }

    private static void assertSameState(Governance sync, Governance async) {
        assertThat(async.openPermits()).as("open permits").isEqualTo(sync.openPermits());
        assertThat(async.failOpenAdmissions()).as("fail-open admissions").isEqualTo(sync.failOpenAdmissions());
        for (TenantContext t : TENANTS) {
            assertThat(async.inFlight(t.id())).as("in flight").isEqualTo(sync.inFlight(t.id()));
            assertThat(async.availableTokens(t)).as("tokens").isEqualTo(sync.availableTokens(t));
            assertThat(async.availableRequests(t)).as("requests").isEqualTo(sync.availableRequests(t));
            assertThat(async.budgetUsage(t)).as("budget").isEqualTo(sync.budgetUsage(t));
        }
    }

    private static Governance governance(Setup setup, Gov.ManualClock clock, Gov.ManualTicker ticker, Outage outage,
                                         boolean later) {
        TenantPolicy.Builder policy = TenantPolicy.builder();
        if (setup.cap() > 0) {
            policy.maxConcurrentCalls(setup.cap());
        }
        if (setup.rpm() > 0) {
            policy.requestsPerMinute(setup.rpm());
        }
        if (setup.tpm() > 0) {
            policy.tokensPerMinute(setup.tpm());
        }
        if (setup.budget() != null) {
            policy.budget(Gov.monthly(setup.budget()));
        }
        if (setup.maxOutput() > 0) {
            policy.maxOutputTokens(setup.maxOutput());
        }
        if (setup.onlyChat()) {
            policy.allowedModels(Gov.MODEL);
        }
        Governance.Builder b = Governance.builder().policies(PolicySet.of(policy.build())).priceCatalog(Gov.PRICES)
                .clock(clock).ticker(ticker)
                .concurrencyState(new FlakySlots(ConcurrencyState.local(), outage, later))
                .rateLimitState(new FlakyRates(RateLimitState.local(ticker), outage, later))
                .budgetStore(new FlakyBudgets(BudgetStore.local(), outage, later))
                .failurePolicy(Tier.BASIC, setup.basic()).failurePolicy(Tier.PREMIUM, setup.premium());
        if (setup.fairShare()) {
            b.fairShare(FairShare.builder().capacity(Gov.SOURCE, 3_000).headroom(BigDecimal.ZERO).build());
        }
        return b.build();
    }

    /** Which states are down right now; read when a state is called, so both governances see the same outage. */
    static final class Outage {
        volatile int down;

        boolean concurrency() {
            return (down & 1) != 0;
        }

        boolean rates() {
            return (down & 2) != 0;
        }

        boolean budget() {
            return (down & 4) != 0;
        }

        /** Whether an async method throws instead of failing its stage. */
        boolean throwsAtOnce() {
            return (down & 8) != 0;
        }

        /** The async answer of a state: later, on another thread, or failed as the outage says. */
        <T> CompletionStage<T> later(boolean isDown, String state, java.util.function.Supplier<T> call) {
            if (isDown) {
                RuntimeException e = new IllegalStateException(state + " down");
                if (throwsAtOnce()) {
                    throw e;
                }
                return CompletableFuture.supplyAsync(() -> {
                    throw e;
                }, LATER);
            }
            return CompletableFuture.supplyAsync(call, LATER);
        }

        void check(boolean isDown, String state) {
            if (isDown) {
                throw new IllegalStateException(state + " down");
            }
        }
    }

    /** Slots in memory that fail while the concurrency state is down; async ones answer on another thread. */
    record FlakySlots(ConcurrencyState delegate, Outage outage, boolean later) implements ConcurrencyState {
        @Override
        public Slots slots(TenantId tenant) {
            Slots slots = delegate.slots(tenant);
            return new Slots() {
                @Override
                public @Nullable Slot tryAcquire(int cap) {
                    outage.check(outage.concurrency(), "slots");
                    return slots.tryAcquire(cap);
                }

                @Override
                public CompletionStage<@Nullable Slot> tryAcquireAsync(int cap) {
                    return later ? outage.later(outage.concurrency(), "slots", () -> slots.tryAcquire(cap))
                            : Slots.super.tryAcquireAsync(cap);
                }

                @Override
                public int held() {
                    return slots.held();
                }
            };
        }
    }

    /** Buckets in memory that fail while the rate-limit state is down; async takes answer on another thread. */
    record FlakyRates(RateLimitState delegate, Outage outage, boolean later) implements RateLimitState {
        @Override
        public TokenBucket bucket(TenantId tenant, String name, Limit limit) {
            TokenBucket bucket = delegate.bucket(tenant, name, limit);
            return new TokenBucket() {
                @Override
                public Consumption tryConsume(long tokens) {
                    outage.check(outage.rates(), "buckets");
                    return bucket.tryConsume(tokens);
                }

                @Override
                public CompletionStage<Consumption> tryConsumeAsync(long tokens) {
                    return later ? outage.later(outage.rates(), "buckets", () -> bucket.tryConsume(tokens))
                            : TokenBucket.super.tryConsumeAsync(tokens);
                }

                @Override
                public void addTokens(long tokens) {
                    outage.check(outage.rates(), "buckets");
                    bucket.addTokens(tokens);
                }

                @Override
                public void consumeIgnoringLimit(long tokens) {
                    outage.check(outage.rates(), "buckets");
                    bucket.consumeIgnoringLimit(tokens);
                }

                @Override
                public long availableTokens() {
                    return bucket.availableTokens();
                }

                @Override
                public void reconfigure(Limit limit) {
                    bucket.reconfigure(limit);
                }
            };
        }
    }

    /** A budget store in memory that fails while the budget state is down; async reserves answer on another thread. */
    record FlakyBudgets(BudgetStore delegate, Outage outage, boolean later) implements BudgetStore {
        @Override
        public Reservation reserve(BudgetKey key, BigDecimal amountUsd, BigDecimal limitUsd) {
            outage.check(outage.budget(), "budget store");
            return delegate.reserve(key, amountUsd, limitUsd);
        }

        @Override
        public CompletionStage<Reservation> reserveAsync(BudgetKey key, BigDecimal amountUsd, BigDecimal limitUsd) {
            return later ? outage.later(outage.budget(), "budget store", () -> delegate.reserve(key, amountUsd,
                    limitUsd)) : BudgetStore.super.reserveAsync(key, amountUsd, limitUsd);
        }

        @Override
        public Settlement settle(Reservation reservation, BigDecimal actualUsd) {
            outage.check(outage.budget(), "budget store");
            return delegate.settle(reservation, actualUsd);
        }

        @Override
        public Usage usage(BudgetKey key) {
            return delegate.usage(key);
        }
    }
}
