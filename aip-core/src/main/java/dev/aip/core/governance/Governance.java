package dev.aip.core.governance;

import dev.aip.core.BudgetExceededException;
import dev.aip.core.ConfigurationException;
import dev.aip.core.GovernanceUnavailableException;
import dev.aip.core.PolicyViolationException;
import dev.aip.core.RateLimitExceededException;
import dev.aip.core.chat.Admission;
import dev.aip.core.chat.AdmissionRequest;
import dev.aip.core.metering.UsageMeter;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.pricing.PriceCatalog;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-tenant governance for the chat pipeline: model policy, concurrency caps, request and token rates, and budgets,
 * enforced before a call and settled to its real usage after.
 *
 * <pre>{@code
 * Governance governance = Governance.builder()
 *     .policies(PolicyStore.fromFile(Path.of("policies.yaml")))
 *     .budgetListener(alert -> alerts.send(alert))
 *     .build();
 * ChatClient chat = ChatPipeline.builder()....admission(governance).build();
 * }</pre>
 *
 * <p><b>Admission order.</b> {@link #admit} checks, in this order, under the tenant's {@link TenantPolicy}
 * (from the {@link PolicyStore}, read once per call):
 * <ol>
 *   <li><b>Model policy</b>: the request's logical model is allowed (a request naming a profile ARN: the ARN, or
 *       the logical model the profile serves); its {@code maxTokens} is within
 *       {@code maxOutputTokens}. Else {@link PolicyViolationException}.</li>
 *   <li><b>Concurrency</b>: takes one of {@code maxConcurrentCalls} slots. Else {@link RateLimitExceededException}
 *       ({@code concurrent-calls}).</li>
 *   <li><b>Request rate</b>: takes one request from the tenant's requests-per-minute bucket. Else
 *       {@link RateLimitExceededException} ({@code requests-per-minute}).</li>
 *   <li><b>Token rate</b>: reserves the call's estimated tokens in the tokens-per-minute bucket: input estimated
 *       from the request's characters ({@link UsageMeter#estimateTokens}), plus {@code maxTokens}, or
 *       {@code maxOutputTokens} when the request sets none, or the builder's
 *       {@linkplain Builder#defaultOutputTokens default} when neither does. Else
 *       {@link RateLimitExceededException} ({@code tokens-per-minute}).</li>
 *   <li><b>Fair share</b> (when {@linkplain Builder#fairShare configured}, or the policy set has
 *       {@linkplain PolicySet#fairShare() settings}): counts the same token estimate against the account capacity of
 *       the profile's source model and region, which all tenants share. While the model is within its capacity
 *       estimate every call passes; when it is congested, a tenant above its weighted share of the estimate is shed.
 *       Else {@link RateLimitExceededException} ({@code fair-share}). Settlement puts the attempts' real tokens in
 *       place of the estimate and reports Bedrock's throttles to the estimate. As shared as its
 *       {@link FairShareState} (default: this instance's memory); see {@link FairShare}.</li>
 *   <li><b>Budget</b>: reserves the call's worst-case cost in the current period's account: the estimated input at
 *       the highest of the model's input and prompt-cache prices, plus the output estimate at its output price,
 *       priced by the profile's source model. Else {@link BudgetExceededException}.</li>
 * </ol>
 * Cheap, local checks come first, and the shared budget account last, so a call refused by a rate limit never
 * touches the budget store. Each step is one check ({@code AdmissionCheck}), which owns what it takes; they run in this
 * order, and when a step refuses, the earlier steps give back what they took, in reverse order, before the refusal
 * is returned or thrown: <b>a refused call consumes nothing</b>. A call that can never fit (more tokens than a whole
 * minute's limit; a worst case above the whole budget; a budgeted model without a price) is a
 * {@link PolicyViolationException}, not a rate or budget error, because waiting would not help. What the steps read
 * (the call's token estimate, its output reservation, the policy, tier and time) is computed once, before the first.
 *
 * <p><b>Refusals</b> are values on the hot path: {@link #tryAdmit} returns a {@link Decision} that builds the typed
 * exception, message included, only when asked ({@link Decision#refusal()}); {@link #admit} builds it to throw it.
 * These exceptions carry no stack trace: a refusal is expected control flow and its message says everything.
 *
 * <p><b>Settlement.</b> The permit's {@code release(attempts)} settles, exactly once, to what the call's attempts
 * really used, step by step in reverse order: the budget account replaces the reservation by the attempts' real cost
 * (the record's priced cost; usage repriced from this catalog when the record has none; the reservation when neither
 * can be priced), and budget alerts fire; fair share puts the real tokens in place of the estimate; the token bucket
 * gets back {@code reserved - actual} tokens ({@code addTokens}) or pays the extra ({@code consumeIgnoringLimit},
 * which may leave it in debt so later calls wait); the request taken stays taken. Then the concurrency slot is
 * freed. Actual tokens are
 * {@link dev.aip.core.metering.TokenUsage#totalTokens()} of each attempt (see {@link TenantPolicy} for why cache
 * tokens count).
 *
 * <p><b>Leases.</b> Every permit has a lease ({@link Builder#lease}, default 15 minutes). A permit not released
 * when its lease ends is expired by {@link #sweep()}: settled as if the call had used everything it reserved (never
 * under-charging a call that may have run), and its slot freed. {@code sweep()} also runs on the admitting thread
 * at most every {@code lease / 10}, so a caller that forgets a permit cannot hold a tenant's slots or budget
 * forever. A release after expiry changes nothing and is logged. The chat pipeline releases every permit on every
 * outcome (success, error, timeout, cancelled or abandoned stream); leases are the backstop for code that calls
 * {@link #admit} itself.
 *
 * <p><b>Guarantees</b>, per tenant and period: spend never exceeds the budget plus what calls in flight have
 * reserved, except by what settled calls used beyond their reservation (an input estimate that was low, several
 * attempts in one call), which is charged, never dropped; no call is refused while the budget's real headroom (budget
 * minus spent minus reserved) covers its worst case; after all permits are released nothing stays reserved and every
 * slot is free. Budget alerts ({@link BudgetListener}) fire on settled spend, once per threshold and period.
 *
 * <p><b>Scope.</b> Each check is as shared as its state: concurrency slots as the {@link ConcurrencyState} (default
 * {@link ConcurrencyState#local()}: a counter per tenant in this instance), request and token rates as the
 * {@link RateLimitState} (default: token buckets in this instance), budgets as the {@link BudgetStore} (default:
 * this instance's memory). With all three on Redis ({@code dev.aip.governance.redis.RedisGovernanceState}, in the
 * {@code aip-governance-redis} module) N instances enforce one concurrency cap, one rate limit and one budget per
 * tenant; with fair share's {@link FairShareState} on Redis too, they keep one usage window per tenant and model and
 * one capacity estimate per model, and give a flooding tenant its share once, not once per instance.
 * With a {@link SharedAdmission} ({@link Builder#sharedAdmission}, e.g. {@code RedisGovernanceState#admission()})
 * the slot, both rates and the budget are one claim, taken or refused in one step of the shared store and released
 * in one more, with the same decisions, figures and failure modes.
 *
 * <p><b>Request shaping and fallback.</b> Before admitting, {@link #shape} applies the tenant's
 * {@code defaultSettings} and {@code maxOutputTokens} to the request (see {@link TenantPolicy}), on the pipeline and
 * on the SDK interceptor alike, so the output reserved is the output sent to Bedrock. The policy's
 * {@code fallbackChain} reaches the pipeline through {@link #fallbackRoutes()}. One admission covers a logical call
 * with all its retries and fail-overs: its reservation is priced on the first profile, its settlement charges every
 * attempt at its own model's price.
 *
 * <p><b>Unreachable state.</b> When the concurrency state, the rate-limit state or the budget store throws (e.g.
 * Redis is down), or fails the stage of an async admission, the tenant's tier decides, per check, by its
 * {@link FailurePolicy}
 * ({@link Builder#failurePolicy(Tier, FailurePolicy)}, default {@link FailurePolicy#DEFAULT}: rate limits and
 * concurrency fail open, budgets fail closed). {@link FailureMode#FAIL_OPEN} skips the check for this call, takes
 * nothing in that state, logs a warning and counts the call in {@link #failOpenAdmissions()};
 * {@link FailureMode#FAIL_CLOSED} refuses with a retryable {@link GovernanceUnavailableException}
 * ({@code concurrency}, {@code rate-limits} or {@code budget}) and gives back what earlier checks took. The tier is
 * the policy's {@link TenantPolicy#tier()} when set, else the caller's. Settlement against an unreachable state is
 * logged and dropped (a Redis budget store's lease then charges the reservation, and a Redis slot's lease frees the
 * slot). A shared {@link FairShareState} that cannot be reached follows the tier's rate-limit mode: fail open decides
 * the call on this instance's own fair share (its local windows and estimate), fail closed refuses it
 * ({@code fair-share}).
 *
 * <p><b>Non-blocking admission.</b> {@link #tryAdmitAsync} runs the same steps without parking the calling thread on
 * a round trip to a shared state: each step uses its state's async operation and the next step runs when it
 * completes. States in memory answer at once, and then nothing is chained. Failure modes and give-back are those of
 * {@link #tryAdmit}. Getting a tenant's buckets or slots for the first time, reconfiguring a bucket whose limit
 * changed, and the lease sweep stay synchronous, on the calling thread, before the first check.
 *
 * <p>Thread-safe; share one instance.
 */
public final class Governance implements Admission {

    private static final Logger LOG = LoggerFactory.getLogger(Governance.class);

    private final PolicyStore policies;
    private final Clock clock;
    private final BudgetStore budgets;
    private final Duration lease;
    private final long sweepEveryMillis;
    private final int defaultOutputTokens;
    private final RateLimitState rates;
    private final FailurePolicy defaultFailure;
    private final Map<Tier, FailurePolicy> tierFailure;
    private final AtomicLong failOpenAdmissions = new AtomicLong();
    private final ConcurrencyState concurrency;
    private final long leaseMillis;
    private final Map<TenantId, TenantLimits> tenants = new ConcurrentHashMap<>();
    private final Function<TenantId, TenantLimits> newLimits;
    private final OpenPermits open = new OpenPermits();
    private final AtomicLong nextSweepMillis;
    private final AtomicLong expiredLeases = new AtomicLong();
    private final FairShareController fairShare;
    private final @Nullable FairShareState sharedFairShare;
    /** The admission steps, in the order of the class comment; each owns what it takes. */
    private final AdmissionCheck[] checks;
    /** Where released permits settle; {@code null}: inline, on the releasing thread. */
    private final @Nullable Executor settlement;
    /** Every shared check in one step, or {@code null}: each check asks its own state. */
    private final @Nullable SharedAdmission shared;

    private Governance(Builder b) {
        this.policies = b.policies;
        this.clock = b.clock;
        LongSupplier ticker = b.ticker;
        this.rates = b.rates != null ? b.rates : RateLimitState.local(ticker);
        this.concurrency = b.concurrency != null ? b.concurrency : ConcurrencyState.local();
        this.newLimits = id -> new TenantLimits(id, rates, concurrency);
        this.defaultFailure = b.defaultFailure;
        this.tierFailure = Map.copyOf(b.tierFailure);
        this.budgets = b.budgets;
        this.lease = b.lease;
        this.leaseMillis = b.lease.toMillis();
        this.sweepEveryMillis = Math.max(1000, b.lease.toMillis() / 10);
        this.defaultOutputTokens = b.defaultOutputTokens;
        this.nextSweepMillis = new AtomicLong(clock.millis() + sweepEveryMillis);
        this.fairShare = new FairShareController(b.fairShare, ticker);
        this.sharedFairShare = b.fairShareState;
        this.shared = b.shared;
        this.settlement = b.settlement != null ? b.settlement
                : rates.remote() || concurrency.remote() || budgets.remote() || shared != null && shared.remote()
                || (sharedFairShare != null && sharedFairShare.remote()) ? Settlement.pool() : null;
        BudgetCheck budgetCheck = new BudgetCheck(b.prices, b.budgets, b.listener,
                List.copyOf(new TreeSet<>(b.thresholds)));
        this.checks = shared != null ? new AdmissionCheck[] {
            new ModelPolicyCheck(),
            new SharedCheck(shared, budgetCheck, failOpenAdmissions, clock),
            new FairShareCheck(fairShare, sharedFairShare, failOpenAdmissions),
        } : new AdmissionCheck[] {
            new ModelPolicyCheck(),
            new Guarded(new ConcurrencyCheck(), Guarded.State.CONCURRENCY, failOpenAdmissions),
            new Guarded(new RequestRateCheck(), Guarded.State.RATE_LIMITS, failOpenAdmissions),
            new Guarded(new TokenRateCheck(), Guarded.State.RATE_LIMITS, failOpenAdmissions),
            new FairShareCheck(fairShare, sharedFairShare, failOpenAdmissions),
            new Guarded(budgetCheck, Guarded.State.BUDGET, failOpenAdmissions),
        };
    }

    /**
     * Returns a builder; policies are required.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Admits a call or throws why not (see the class comment for the order).
     *
     * @throws PolicyViolationException if the call breaks the tenant's model policy or can never fit its limits
     * @throws RateLimitExceededException if a concurrency, request or token limit is reached (retryable)
     * @throws BudgetExceededException if the worst-case cost does not fit the budget's headroom
     * @throws GovernanceUnavailableException if a shared state is unreachable and the tier fails closed on it
     */
    @Override
    public Permit admit(TenantContext tenant, AdmissionRequest request, ResolvedProfile profile) {
        Decision decision = tryAdmit(tenant, request, profile);
        if (!decision.admitted()) {
            throw Objects.requireNonNull(decision.refused()).exception();
        }
        return Objects.requireNonNull(decision.permit());
    }

    /**
     * Admits a call without parking the calling thread on a shared state (Redis round trips run on its client's
     * futures): {@link #tryAdmitAsync}, completed with the permit or, exceptionally, with the refusal that
     * {@link #admit} would throw. The chat pipeline's streams and asynchronous calls, and the Spring AI advisor's
     * streams, admit this way.
     */
    @Override
    public CompletionStage<Permit> admitAsync(TenantContext tenant, AdmissionRequest request,
                                              ResolvedProfile profile) {
        return tryAdmitAsync(tenant, request, profile).thenCompose(decision -> decision.admitted()
                ? CompletableFuture.completedFuture(decision.permit())
                : CompletableFuture.failedFuture(decision.refusal()));
    }

    /**
     * Fills the settings a request leaves unset from the tenant's {@code defaultSettings}, and a missing
     * {@code maxTokens} with its {@code maxOutputTokens} (or the default settings' {@code maxTokens}, if lower). A
     * {@code maxTokens} the request sets is kept; above the cap, {@link #admit} refuses it.
     *
     * @return the shaped request, or {@code request} itself when the policy changes nothing
     */
    @Override
    public AdmissionRequest shape(TenantContext tenant, AdmissionRequest request) {
        return RequestShaping.shape(policies.current().policyFor(tenant), request);
    }

    /**
     * Returns the tenants' fallback chains as the pipeline's fallback routes, read from this governance's policies.
     *
     * @return the routes; see {@link PolicyRoutes}
     */
    public PolicyRoutes fallbackRoutes() {
        return PolicyRoutes.of(policies);
    }

    /**
     * Admits a call or says why not, without throwing.
     *
     * @param tenant the tenant
     * @param request the request
     * @param profile the profile the call will use (its source model prices the budget reservation)
     * @return a permit to release exactly once when the call is over, with its attempts' records; or the refusal
     */
    public Decision tryAdmit(TenantContext tenant, AdmissionRequest request, ResolvedProfile profile) {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(request, "request");
        Ask ask = ask(tenant, request.model(), request.estimatedInputTokens(),
                request.settings().maxTokens(), profile);
        GovernancePermit grant = newGrant(ask);
        for (int i = 0; i < checks.length; i++) {
            Refusal refusal;
            try {
                refusal = checks[i].take(ask, grant);
            } catch (RuntimeException e) {
                giveBack(grant, i);
                throw e;
            }
            if (refusal != null) {
                return refuse(grant, i, refusal);
            }
        }
        return admitted(grant);
    }

    /**
     * Admits a call or says why not, like {@link #tryAdmit}, without parking the calling thread on a round trip to a
     * shared state: each check asks its state's async operation ({@link ConcurrencyState.Slots#tryAcquireAsync},
     * {@link RateLimitState.TokenBucket#tryConsumeAsync}, {@link BudgetStore#reserveAsync}) and the next check runs
     * when it completes, on the thread that completes it. States in memory complete at once, and the checks then run
     * on the calling thread as {@link #tryAdmit} does. The checks, their order, the failure modes (a failed stage is
     * an unreachable state) and what a refusal gives back are those of {@link #tryAdmit}.
     *
     * @param tenant the tenant
     * @param request the request
     * @param profile the profile the call will use (its source model prices the budget reservation)
     * @return the decision; a permit to release exactly once when the call is over, or the refusal. It fails only
     *     where {@link #tryAdmit} would throw (a bug, not a refusal), after giving back what the call took.
     */
    public CompletionStage<Decision> tryAdmitAsync(TenantContext tenant, AdmissionRequest request,
                                                   ResolvedProfile profile) {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(request, "request");
        Ask ask = ask(tenant, request.model(), request.estimatedInputTokens(),
                request.settings().maxTokens(), profile);
        if (shared == null) {
            fetchStates(ask);
        }
        return takeAsync(ask, newGrant(ask), 0);
    }

    /**
     * Gets the tenant's slots and buckets on the calling thread. On first use, or when a limit has changed, that may
     * go to the state synchronously, which must not happen on the thread an earlier check's answer arrives on (for
     * Redis, its I/O thread); afterwards the checks find them cached. A failure is left to the check, which meets it
     * again under its failure mode.
     */
    private static void fetchStates(Ask ask) {
        TenantPolicy policy = ask.policy();
        TenantLimits limits = ask.limits();
        try {
            if (policy.concurrencyCap() > 0) {
                limits.slots();
            }
        } catch (RuntimeException e) {
            // the concurrency check meets it again
        }
        try {
            if (policy.requestRate() > 0) {
                limits.requests(policy.requestRate());
            }
            if (policy.tokenRate() > 0) {
                limits.tokens(policy.tokenRate());
            }
        } catch (RuntimeException e) {
            // the rate checks meet it again
        }
    }

    /**
     * Computes once what the checks read: the call's tokens, the tenant's policy, limits, tier and failure policy;
     * and sweeps expired leases when due.
     */
    private Ask ask(TenantContext tenant, String model, long inputTokens, @Nullable Integer maxTokens,
                    ResolvedProfile profile) {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(profile, "profile");
        Instant now = clock.instant();
        maybeSweep(now);
        PolicySet policySet = policies.current();
        TenantPolicy policy = policySet.policyFor(tenant);
        TenantId id = tenant.id();
        int cap = policy.outputCap();
        long outputTokens = maxTokens != null ? maxTokens : cap > 0 ? cap : defaultOutputTokens;
        TenantLimits limits = tenants.get(id);
        if (limits == null) {
            limits = tenants.computeIfAbsent(id, newLimits);
        }
        Tier tier = policy.tier() != null ? policy.tier() : tenant.tier();
        FailurePolicy onFailure = tierFailure.isEmpty() ? defaultFailure
                : tierFailure.getOrDefault(tier, defaultFailure);
        return new Ask(tenant, model, maxTokens, inputTokens, outputTokens, Math.addExact(inputTokens, outputTokens),
                tier, policySet, policy, limits, onFailure, profile, now);
    }

    /** Runs the checks from {@code from} on, each when the one before has completed, on the thread completing it. */
    private CompletionStage<Decision> takeAsync(Ask ask, GovernancePermit grant, int from) {
        for (int i = from; i < checks.length; i++) {
            CompletionStage<@Nullable Refusal> stage;
            try {
                stage = checks[i].takeAsync(ask, grant);
            } catch (RuntimeException e) {
                return giveBackAsync(grant, i, null, e);
            }
            if (AdmissionCheck.Stages.ready(stage)) {
                // the fast path: a check in memory, or a state that answered at once; no stage to chain
                Refusal refusal = AdmissionCheck.Stages.now(stage);
                if (refusal != null) {
                    return giveBackAsync(grant, i, Decision.refuse(refusal), null);
                }
                continue;
            }
            int at = i;
            return stage.handle((refusal, failure) -> {
                if (failure != null) {
                    return giveBackAsync(grant, at, null, AdmissionCheck.Stages.unwrap(failure));
                }
                if (refusal != null) {
                    return giveBackAsync(grant, at, Decision.refuse(refusal), null);
                }
                return takeAsync(ask, grant, at + 1);
            }).thenCompose(Function.identity());
        }
        return CompletableFuture.completedFuture(admitted(grant));
    }

    /**
     * The async {@link #giveBack}: the checks before {@code taken} give back in reverse order, each when the one after
     * it is done (through its state's async operations: this may run on a state's I/O thread), and then the stage
     * completes with the refusal, or fails with what an unexpected failure was.
     */
    private CompletionStage<Decision> giveBackAsync(GovernancePermit grant, int taken, @Nullable Decision refused,
                                                    @Nullable Throwable failure) {
        for (int i = taken - 1; i >= 0; i--) {
            CompletionStage<@Nullable Void> given = checks[i].giveBackAsync(grant);
            if (!AdmissionCheck.Stages.ready(given)) {
                int next = i;
                return given.thenCompose(v -> giveBackAsync(grant, next, refused, failure));
            }
        }
        return failure != null ? CompletableFuture.failedFuture(failure) : CompletableFuture.completedFuture(refused);
    }

    /** What this call takes, step by step: given back at once on refusal, settled on release. */
    private GovernancePermit newGrant(Ask ask) {
        return new GovernancePermit(this, ask.tenant(), ask.profile(), ask.limits(),
                ask.now().toEpochMilli() + leaseMillis);
    }

    private Decision admitted(GovernancePermit grant) {
        open.add(grant);
        return Decision.admit(grant);
    }

    /** Check {@code at} refused: the checks before it give back what they took, in reverse order. */
    private Decision refuse(GovernancePermit grant, int at, Refusal refusal) {
        giveBack(grant, at);
        return Decision.refuse(refusal);
    }

    private void giveBack(GovernancePermit grant, int taken) {
        for (int i = taken - 1; i >= 0; i--) {
            checks[i].giveBack(grant);
        }
    }

    /**
     * Expires every permit whose lease has ended: settles it at its reservations and frees its slot.
     *
     * @return how many permits were expired by this call
     */
    public int sweep() {
        Instant now = clock.instant();
        int expired = 0;
        for (GovernancePermit grant : open.expiredAt(now.toEpochMilli())) {
            if (grant.expire()) {
                expired++;
                expiredLeases.incrementAndGet();
                LOG.warn("A call of tenant {} on {} was not released within its lease of {}; settled at its"
                        + " reservations ({} tokens, {} USD). Release every permit when its call ends.",
                        grant.tenant.id(), grant.profile.profileArn(), lease, grant.reservedTokens,
                        grant.budget == null ? "0" : grant.budget.amountUsd().toPlainString());
            }
        }
        budgets.evictEnded(now.minus(lease));
        return expired;
    }

    /**
     * Returns a tenant's budget account for the current period.
     *
     * @param tenant the tenant
     * @return spent and reserved amounts, after expiring the leases that have ended when a sweep is due;
     *     {@link BudgetStore.Usage#NONE} if the tenant has no budget
     */
    public BudgetStore.Usage budgetUsage(TenantContext tenant) {
        maybeSweep(clock.instant());
        Budget budget = policies.current().policyFor(tenant).budgetInForce();
        if (budget == null) {
            return BudgetStore.Usage.NONE;
        }
        BudgetKey key = budget.period().keyAt(tenant.id(), clock.instant());
        return shared != null ? shared.usage(key) : budgets.usage(key);
    }

    /**
     * Returns how many of a tenant's calls hold a concurrency slot: admitted and not yet released.
     *
     * @param tenant the tenant
     * @return the count, counted only for tenants with a concurrency cap; with a shared {@link ConcurrencyState},
     *     across every instance that shares it. A permit whose lease has ended holds no slot: the sweep runs first
     *     when due, as on admission, so the count agrees with a shared state whose slot leases end on their own
     * @throws RuntimeException what a shared state throws when it cannot be reached
     */
    public int inFlight(TenantId tenant) {
        maybeSweep(clock.instant());
        if (shared != null) {
            return shared.held(tenant, clock.instant());
        }
        TenantLimits limits = tenants.get(tenant);
        return limits != null ? limits.slots().held() : concurrency.slots(tenant).held();
    }

    /**
     * Returns how many permits have been open (admitted, not yet released or expired).
     *
     * @return the count
     */
    public int openPermits() {
        return open.size();
    }

    /**
     * Returns how many checks were skipped because their shared state was unreachable and the tier fails open.
     *
     * @return the count since this instance was built; a call that skipped two checks counts twice
     */
    public long failOpenAdmissions() {
        return failOpenAdmissions.get();
    }

    /**
     * Returns how many permits the lease sweeper has expired since this instance was built.
     *
     * @return the count
     */
    public long expiredLeases() {
        return expiredLeases.get();
    }

    /**
     * Returns what fair share knows now: per source model and region, the capacity estimate, recent use, and each
     * tenant's use, share and shed calls. Cheap enough for a dashboard or an actuator endpoint to poll.
     *
     * @return the snapshot; {@link FairShareSnapshot#enabled()} is false when fair share is not configured. With a
     *     shared {@link FairShareState}, what it holds for every instance; this instance's own while it cannot be
     *     reached (logged)
     */
    public FairShareSnapshot fairShare() {
        FairShare settings = fairShare.settings(policies.current());
        FairShareState shared = sharedFairShare;
        if (shared != null && settings != null) {
            try {
                return shared.snapshot(settings);
            } catch (RuntimeException e) {
                LOG.warn("The shared fair-share state cannot be reached ({}); showing this instance's own",
                        e.toString());
            }
        }
        return fairShare.snapshot(settings);
    }

    /** Tokens left in a tenant's tokens-per-minute bucket, or -1 if it has none; for tests. */
    long availableTokens(TenantContext tenant) {
        long tpm = policies.current().policyFor(tenant).tokenRate();
        TenantLimits limits = tenants.get(tenant.id());
        return limits == null || tpm == 0 ? -1 : limits.tokens(tpm).availableTokens();
    }

    /** Requests left in a tenant's requests-per-minute bucket, or -1 if it has none; for tests. */
    long availableRequests(TenantContext tenant) {
        long rpm = policies.current().policyFor(tenant).requestRate();
        TenantLimits limits = tenants.get(tenant.id());
        return limits == null || rpm == 0 ? -1 : limits.requests(rpm).availableTokens();
    }

    /**
     * Settles a grant, once; {@code attempts == null} means its lease expired: charge the reservations. The checks
     * settle in reverse order, so the concurrency slot is freed last; each is guarded so that a failing store cannot
     * keep the slot, and nothing reaches the releasing caller.
     */
    void settle(GovernancePermit grant, @Nullable List<UsageRecord> attempts) {
        Executor on = settlement;
        if (on != null) {
            try {
                on.execute(() -> settleNow(grant, attempts));
                return;
            } catch (RejectedExecutionException full) {
                LOG.warn("The settlement executor refused a permit of tenant {}; settling it on this thread",
                        grant.tenant.id());
            }
        }
        settleNow(grant, attempts);
    }

    private void settleNow(GovernancePermit grant, @Nullable List<UsageRecord> attempts) {
        try {
            for (int i = checks.length - 1; i >= 0; i--) {
                try {
                    checks[i].settle(grant, attempts);
                } catch (RuntimeException e) {
                    LOG.error("Could not settle the {} check of a call of tenant {}", checks[i], grant.tenant.id(),
                            e);
                }
            }
        } finally {
            open.remove(grant);
        }
    }

    void lateRelease(GovernancePermit grant) {
        if (grant.expired()) {
            LOG.warn("A call of tenant {} was released after its lease of {} had expired; it stays settled at its"
                    + " reservations. Raise Governance.builder().lease(...) above your longest call.",
                    grant.tenant.id(), lease);
        }
    }

    private void maybeSweep(Instant now) {
        long due = nextSweepMillis.get();
        long nowMillis = now.toEpochMilli();
        if (nowMillis >= due && nextSweepMillis.compareAndSet(due, nowMillis + sweepEveryMillis)) {
            sweep();
        }
    }

    /**
     * Builds a {@link Governance}. Each setting may be set once. Not thread-safe; confine to one thread.
     */
    public static final class Builder {
        private PolicyStore policies;
        private PriceCatalog prices;
        private Clock clock;
        private LongSupplier ticker;
        private BudgetStore budgets;
        private RateLimitState rates;
        private ConcurrencyState concurrency;
        private FailurePolicy defaultFailure;
        private final Map<Tier, FailurePolicy> tierFailure = new HashMap<>();
        private BudgetListener listener;
        private List<BigDecimal> thresholds;
        private Duration lease;
        private Integer defaultOutputTokens;
        private FairShare fairShare;
        private FairShareState fairShareState;
        private Executor settlement;
        private SharedAdmission shared;

        private Builder() {
        }

        /** Sets the policies, reloadable through the store (required, or {@link #policies(PolicySet)}). */
        public Builder policies(PolicyStore value) {
            policies = once(policies, value, "policies");
            return this;
        }

        /** Sets fixed policies (required, or {@link #policies(PolicyStore)}). */
        public Builder policies(PolicySet value) {
            return policies(PolicyStore.of(Objects.requireNonNull(value, "policies")));
        }

        /** Sets the prices budget reservations are estimated with; default {@link PriceCatalog#bundled()}. */
        public Builder priceCatalog(PriceCatalog value) {
            prices = once(prices, value, "priceCatalog");
            return this;
        }

        /** Sets the clock for budget periods and leases; default the system UTC clock. */
        public Builder clock(Clock value) {
            clock = once(clock, value, "clock");
            return this;
        }

        /** Sets the nanosecond ticker that refills rate-limit buckets; default {@link System#nanoTime()}. */
        public Builder ticker(LongSupplier value) {
            ticker = once(ticker, value, "ticker");
            return this;
        }

        /** Sets where budget accounts live; default {@link BudgetStore#local()}. */
        public Builder budgetStore(BudgetStore value) {
            budgets = once(budgets, value, "budgetStore");
            return this;
        }

        /**
         * Sets where the request and token buckets live; default this instance's memory, refilled by the
         * {@linkplain #ticker ticker}. A shared state refills by its own clock.
         */
        public Builder rateLimitState(RateLimitState value) {
            rates = once(rates, value, "rateLimitState");
            return this;
        }

        /**
         * Sets where the concurrency slots live; default {@link ConcurrencyState#local()}, a counter per tenant in
         * this instance, so {@code maxConcurrentCalls} holds per instance. A shared state makes it hold per tenant.
         */
        public Builder concurrencyState(ConcurrencyState value) {
            concurrency = once(concurrency, value, "concurrencyState");
            return this;
        }

        /**
         * Sets what calls of tiers without a policy of their own do when a shared state is unreachable; default
         * {@link FailurePolicy#DEFAULT} (rate limits and concurrency fail open, budgets fail closed).
         */
        public Builder failurePolicy(FailurePolicy value) {
            defaultFailure = once(defaultFailure, value, "failurePolicy");
            return this;
        }

        /** Sets what one tier's calls do when a shared state is unreachable; once per tier. */
        public Builder failurePolicy(Tier tier, FailurePolicy value) {
            Objects.requireNonNull(tier, "tier");
            Objects.requireNonNull(value, "failurePolicy");
            if (tierFailure.putIfAbsent(tier, value) != null) {
                throw new ConfigurationException("Governance.failurePolicy for tier " + tier.name()
                        + " is set twice; set it once");
            }
            return this;
        }

        /** Sets who hears budget alerts; default none. */
        public Builder budgetListener(BudgetListener value) {
            listener = once(listener, value, "budgetListener");
            return this;
        }

        /**
         * Sets the alert thresholds, as fractions of the budget; default 0.8 and 1.0.
         *
         * @param fractions each above 0, e.g. {@code 0.5}, {@code 0.8}, {@code 1.0}
         * @return this builder
         */
        public Builder budgetThresholds(BigDecimal... fractions) {
            List<BigDecimal> list = List.of(fractions);
            for (BigDecimal f : list) {
                if (f.signum() <= 0) {
                    throw new ConfigurationException("Budget alert thresholds must be above 0, got " + f);
                }
            }
            thresholds = once(thresholds, list, "budgetThresholds");
            return this;
        }

        /** Sets how long a permit may stay unreleased before the sweeper settles it; default 15 minutes. */
        public Builder lease(Duration value) {
            if (value.isNegative() || value.isZero()) {
                throw new ConfigurationException("Governance.lease must be positive, was " + value);
            }
            lease = once(lease, value, "lease");
            return this;
        }

        /**
         * Sets the output tokens reserved for calls that set no {@code maxTokens} under a policy without
         * {@code maxOutputTokens}; default 4096. Such calls may use more, which is then charged at settlement.
         *
         * @param value at least 1
         * @return this builder
         */
        public Builder defaultOutputTokens(int value) {
            if (value < 1) {
                throw new ConfigurationException("Governance.defaultOutputTokens must be at least 1, was " + value);
            }
            defaultOutputTokens = once(defaultOutputTokens, value, "defaultOutputTokens");
            return this;
        }

        /**
         * Turns on fair share of each model's account capacity among tenants, by tier (see {@link FairShare});
         * default off. A policy set's own settings ({@link PolicySet#fairShare()}, e.g. from the policy file) win
         * over these.
         *
         * @param value the settings, e.g. {@link FairShare#defaults()}
         * @return this builder
         */
        public Builder fairShare(FairShare value) {
            fairShare = once(fairShare, value, "fairShare");
            return this;
        }

        /**
         * Sets where fair share keeps its usage windows and capacity estimates; default this instance's memory. A
         * shared state (e.g. {@code RedisGovernanceState.fairShareState()}) makes every instance that uses it decide
         * on one window per tenant and model and one estimate per model. It changes nothing unless fair share is on
         * ({@link #fairShare}, or the policy set's settings).
         *
         * @param value the state
         * @return this builder
         */
        public Builder fairShareState(FairShareState value) {
            fairShareState = once(fairShareState, value, "fairShareState");
            return this;
        }

        /**
         * Sets where released permits settle (refund or charge the token bucket, settle the budget, free the slot).
         * Default: on the releasing thread when every state lives in this instance's memory; else, when a state is
         * {@linkplain RateLimitState#remote() remote} (Redis), on a small pool of daemon threads shared by every
         * Governance, so that a call ending on a transport's event loop never waits for a round trip there.
         * {@code Runnable::run} settles inline whatever the states (what tests that read the state right after a
         * release want).
         *
         * @param value the executor
         * @return this builder
         */
        public Builder settlementExecutor(Executor value) {
            settlement = once(settlement, value, "settlementExecutor");
            return this;
        }

        /**
         * Takes every shared check of an admission in one step of a shared store (one Redis round trip per
         * admission and one per release with {@code RedisGovernanceState#admission()}) instead of one or more per
         * check; default none (each check asks its own state). Then the concurrency slots, both buckets and the
         * budget accounts live in that store, the buckets refill by this governance's {@linkplain #clock clock}, and
         * the order of the class comment holds with one difference: fair share runs after the shared step, so a
         * call it sheds gives back what the shared step took (one more step) and a call both over budget and shed
         * is refused as over budget. Failure modes apply per check, as with separate states. Set it instead of
         * {@link #budgetStore}, {@link #rateLimitState} and {@link #concurrencyState}.
         *
         * @param value the shared admission
         * @return this builder
         */
        public Builder sharedAdmission(SharedAdmission value) {
            shared = once(shared, value, "sharedAdmission");
            return this;
        }

        /**
         * Builds the governance.
         *
         * @return the governance
         * @throws ConfigurationException if no policies were set, or a shared admission and a separate state were
         */
        public Governance build() {
            if (policies == null) {
                throw new ConfigurationException("Governance needs policies: Governance.builder().policies(...)");
            }
            if (shared != null && (budgets != null || rates != null || concurrency != null)) {
                throw new ConfigurationException("Governance.sharedAdmission holds the budgets, rate limits and"
                        + " concurrency slots; it was set together with "
                        + (budgets != null ? "budgetStore" : rates != null ? "rateLimitState" : "concurrencyState")
                        + ". Set the shared admission alone, or the separate states without it.");
            }
            prices = prices != null ? prices : PriceCatalog.bundled();
            clock = clock != null ? clock : Clock.systemUTC();
            ticker = ticker != null ? ticker : System::nanoTime;
            budgets = budgets != null ? budgets : BudgetStore.local();
            defaultFailure = defaultFailure != null ? defaultFailure : FailurePolicy.DEFAULT;
            listener = listener != null ? listener : BudgetListener.NONE;
            thresholds = thresholds != null ? thresholds : List.of(new BigDecimal("0.8"), BigDecimal.ONE);
            lease = lease != null ? lease : Duration.ofMinutes(15);
            defaultOutputTokens = defaultOutputTokens != null ? defaultOutputTokens : 4096;
            return new Governance(this);
        }

        private static <T> T once(T current, T value, String name) {
            Objects.requireNonNull(value, name);
            if (current != null) {
                throw new ConfigurationException("Governance." + name + " was already set to " + current
                        + "; cannot set it to " + value + ". Set each setting once.");
            }
            return value;
        }
    }
}
