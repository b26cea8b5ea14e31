package dev.aip.core.chat;

import dev.aip.core.ConfigurationException;
import dev.aip.core.metering.CallInfo;
import dev.aip.core.metering.MeteredCall;
import dev.aip.core.metering.Operation;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.ProfileBalancer;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.tenant.TenantContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One logical call of the {@link CallEngine}: routed when begun, then shaped, admitted, attempted and ended by its
 * driver. See {@link CallEngine} for the lifecycle.
 *
 * <p><b>Exactly once.</b> Every attempt the driver {@linkplain #startAttempt starts} must be
 * {@linkplain #attemptEnded ended} once, after its {@link MeteredCall} is settled; {@link #end()} may be called any
 * number of times from any thread. The permit is released once, after the call is ended and its last started attempt
 * (and every call it covers) has ended, with their records in order; a permit granted after the call ended (a caller
 * that cancelled while an asynchronous admission was pending) is released at once. The engine's
 * {@link CallObserver}, if any, hears of each started attempt and of the call's end exactly once, at the same
 * points.
 *
 * <p>Thread-safe: attempts end on transport threads while the caller may cancel.
 */
public final class LogicalCall {

    private static final Logger LOG = LoggerFactory.getLogger(LogicalCall.class);
    private static final CompletableFuture<Void> ADMITTED = CompletableFuture.completedFuture(null);

    private final CallEngine engine;
    private final String callId;
    private final TenantContext tenant;
    private final Operation operation;
    private final Map<String, String> attributes;
    private volatile AdmissionRequest request;
    private volatile @Nullable ResolvedProfile profile;
    private volatile @Nullable List<ResolvedProfile> balanced;
    private volatile @Nullable LogicalCall cover;
    private volatile ProfileBalancer.@Nullable Lease lease;
    // Set once in CallEngine.begin, before the call is handed out; null without an observer.
    private volatile CallObserver.@Nullable ObservedCall observed;
    // Guarded by this. Most calls have one attempt: its record needs no collection.
    private Admission.@Nullable Permit permit;
    private @Nullable UsageRecord firstRecord;
    private @Nullable List<UsageRecord> laterRecords;
    private int open;
    private boolean ending;
    private boolean released;
    private @Nullable Throwable unrouted;
    private @Nullable IdentityHashMap<MeteredCall, CallObserver.ObservedAttempt> observedAttempts;

    LogicalCall(CallEngine engine, String callId, TenantContext tenant, Operation operation,
                AdmissionRequest request, Map<String, String> attributes) {
        this.engine = engine;
        this.callId = callId;
        this.tenant = tenant;
        this.operation = operation;
        this.request = request;
        this.attributes = attributes;
    }

    /** @return the id every record of this call carries */
    public String callId() {
        return callId;
    }

    /** @return the tenant */
    public TenantContext tenant() {
        return tenant;
    }

    /** @return the operation */
    public Operation operation() {
        return operation;
    }

    /** @return the admission request, as shaped once {@link #shape()} ran */
    public AdmissionRequest request() {
        return request;
    }

    /**
     * @return the profile the call is routed to and admitted on (with a balancer, the first in its order)
     * @throws IllegalStateException if the call was refused before it had one
     */
    public ResolvedProfile profile() {
        ResolvedProfile p = profile;
        if (p == null) {
            throw new IllegalStateException("The call " + callId + " has no profile");
        }
        return p;
    }

    /** @return with a balancer, all the profiles the call may use, in order (the first is {@link #profile()}) */
    public @Nullable List<ResolvedProfile> balanced() {
        return balanced;
    }

    /** @return whether an admitted call covers this one, so it is not admitted again */
    public boolean covered() {
        return cover != null;
    }

    /**
     * Lets the admission shape the settings, once. A refusal is recorded ({@code REJECTED_BY_POLICY}), ends the call
     * and is thrown.
     *
     * @return the request to admit and send (the same instance when nothing changed)
     * @throws RuntimeException the admission's refusal, or a {@link ConfigurationException} if it changed more
     *     than the settings
     */
    public AdmissionRequest shape() {
        Admission admission = engine.admission();
        AdmissionRequest asked = request;
        if (admission == null) {
            return asked;
        }
        AdmissionRequest shaped;
        try {
            shaped = admission.shape(tenant, asked);
        } catch (RuntimeException refusal) {
            throw reject(refusal);
        }
        if (shaped == asked) {
            return asked;
        }
        if (shaped == null || !shaped.model().equals(asked.model())
                || shaped.estimatedInputTokens() != asked.estimatedInputTokens()) {
            throw reject(new ConfigurationException("Admission.shape may change a request's inference settings only;"
                    + " it returned " + (shaped == null ? "null" : "a request with another model or input estimate")));
        }
        request = shaped;
        return shaped;
    }

    /**
     * Admits the call, once, on its {@link #profile()}; a call under a cover, or an engine without admission, is
     * admitted without asking. A refusal is recorded, ends the call and is thrown.
     *
     * @throws RuntimeException the admission's refusal
     */
    public void admit() {
        Admission admission = engine.admission();
        if (admission == null || cover != null) {
            return;
        }
        Admission.Permit granted;
        try {
            granted = admission.admit(tenant, request, profile());
        } catch (RuntimeException refusal) {
            throw reject(refusal);
        }
        granted(granted);
    }

    /**
     * Admits the call like {@link #admit()}, without parking the calling thread on the admission's store.
     *
     * @return a stage that completes when the call is admitted, or exceptionally with the (recorded) refusal
     */
    public CompletionStage<Void> admitAsync() {
        Admission admission = engine.admission();
        if (admission == null || cover != null) {
            return ADMITTED;
        }
        CompletionStage<Admission.Permit> asked;
        try {
            asked = admission.admitAsync(tenant, request, profile());
        } catch (RuntimeException refusal) {
            return CompletableFuture.failedFuture(reject(refusal));
        }
        CompletableFuture<Void> admitted = new CompletableFuture<>();
        asked.whenComplete((granted, error) -> {
            if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null
                        ? error.getCause() : error;
                if (cause instanceof RuntimeException refusal) {
                    reject(refusal);
                } else {
                    end();
                }
                admitted.completeExceptionally(cause);
            } else {
                granted(granted);
                admitted.complete(null);
            }
        });
        return admitted;
    }

    /** With a balancer, counts the call as in flight on its profile until it ends (one lease per call). */
    public void trackLoad() {
        ProfileBalancer balancer = engine.balancer();
        ResolvedProfile p = profile;
        if (balancer != null && p != null && lease == null) {
            lease = balancer.acquire(p);
        }
    }

    /**
     * Starts a metered attempt on a profile.
     *
     * @param attempt the attempt's 1-based number in the call
     * @param on the profile the attempt uses
     * @return the attempt to report to and settle, then hand to {@link #attemptEnded}; {@code null} if the call is
     *     already over (ended, typically by a cancel that raced with a retry): the attempt must then not be sent,
     *     since its cost could no longer be settled
     */
    public @Nullable MeteredCall startAttempt(int attempt, ResolvedProfile on) {
        synchronized (this) {
            if (ending) {
                return null;
            }
            open++;
        }
        MeteredCall metered = engine.meter().start(info(attempt, on));
        CallObserver.ObservedCall o = observed;
        if (o != null) {
            attemptObserved(o, metered);
        }
        return metered;
    }

    /**
     * Reports why the model stopped (from a successful attempt's answer) to the engine's
     * {@linkplain CallEngine.Builder#observer observer}, if there is one; a no-op otherwise.
     *
     * @param reason the stop reason, in Bedrock's spelling (e.g. {@code end_turn})
     */
    public void finishReason(String reason) {
        CallObserver.ObservedCall o = observed;
        if (o != null && reason != null) {
            try {
                o.finishReason(reason);
            } catch (RuntimeException e) {
                LOG.warn("A call observer failed on the finish reason of call {}; the call goes on", callId, e);
            }
        }
    }

    /**
     * An attempt that {@link #startAttempt} started is settled: keeps its record for the permit, and releases the
     * call if it is over and this was the last attempt still running. Call once per attempt.
     *
     * @param attempt the settled attempt
     */
    public void attemptEnded(MeteredCall attempt) {
        UsageRecord record = attempt.record().orElse(null);
        boolean release = false;
        CallObserver.ObservedAttempt watching = null;
        synchronized (this) {
            if (record != null) {
                add(record);
            }
            if (observedAttempts != null) {
                watching = observedAttempts.remove(attempt);
            }
            if (watching == null) {
                open--;
                release = takeRelease();
            }
        }
        if (watching != null) {
            // The attempt stays open until its observer has heard of its end: a call ending on another thread
            // meanwhile must not report its own end first.
            try {
                watching.attemptEnded(record);
            } catch (RuntimeException e) {
                LOG.warn("A call observer failed at the end of an attempt of call {}; the call goes on", callId, e);
            }
            synchronized (this) {
                open--;
                release = takeRelease();
            }
        }
        if (release) {
            release();
        }
    }

    /**
     * Records a refusal of this call (one {@code REJECTED_BY_POLICY} attempt, with the profile if the call has one)
     * and ends it.
     *
     * @param refusal why the call is refused
     * @return {@code refusal}, to throw
     */
    public RuntimeException reject(RuntimeException refusal) {
        MeteredCall rejected = engine.meter().start(info(1, profile));
        rejected.fail(Outcome.REJECTED_BY_POLICY, refusal.getClass().getSimpleName());
        UsageRecord record = rejected.record().orElse(null);
        if (record != null) {
            synchronized (this) {
                add(record);
            }
        }
        end();
        return refusal;
    }

    /**
     * The call is over (complete, failed or cancelled): its permit is released once every attempt it started has
     * ended, now or when the last one does. Idempotent.
     */
    public void end() {
        boolean release;
        synchronized (this) {
            if (ending) {
                return;
            }
            ending = true;
            release = takeRelease();
        }
        if (release) {
            release();
        }
    }

    /** The records of the call's attempts so far, in order; unmodifiable. */
    public synchronized List<UsageRecord> records() {
        if (firstRecord == null) {
            return List.of();
        }
        if (laterRecords == null) {
            return List.of(firstRecord);
        }
        List<UsageRecord> all = new ArrayList<>(1 + laterRecords.size());
        all.add(firstRecord);
        all.addAll(laterRecords);
        return Collections.unmodifiableList(all);
    }

    /** The pipeline's answer said why the model stopped: lower-cased to Bedrock's spelling only when watched. */
    void finishReason(StopReason reason) {
        if (observed != null) {
            finishReason(reason.name().toLowerCase(Locale.ROOT));
        }
    }

    /** Lets the observer watch this call, nested under its cover's observation if the cover is watched. */
    void observe(CallObserver observer, @Nullable LogicalCall coverCall) {
        try {
            observed = observer.callStarted(this, coverCall == null ? null : coverCall.observed);
        } catch (RuntimeException e) {
            LOG.warn("A call observer failed at the start of call {}; the call goes on unobserved", callId, e);
        }
    }

    /** Routing failed without a record (a model the resolver could not resolve): the call is over. */
    void endUnrouted(RuntimeException failure) {
        synchronized (this) {
            if (!ending) {
                unrouted = failure;
            }
        }
        end();
    }

    private void attemptObserved(CallObserver.ObservedCall o, MeteredCall metered) {
        CallObserver.ObservedAttempt watching;
        try {
            watching = o.attemptStarted(metered.info());
        } catch (RuntimeException e) {
            LOG.warn("A call observer failed at the start of an attempt of call {}; the call goes on", callId, e);
            return;
        }
        if (watching != null) {
            synchronized (this) {
                if (observedAttempts == null) {
                    observedAttempts = new IdentityHashMap<>(2);
                }
                observedAttempts.put(metered, watching);
            }
        }
    }

    void routed(ResolvedProfile primary, @Nullable List<ResolvedProfile> ordered) {
        profile = primary;
        balanced = ordered;
    }

    /** Runs under {@code parent}, unless it is already over: then this call is admitted on its own. */
    void coveredBy(LogicalCall parent) {
        synchronized (parent) {
            if (parent.ending) {
                return;
            }
            parent.open++;
        }
        cover = parent;
    }

    private void granted(Admission.@Nullable Permit granted) {
        Admission.Permit p = granted != null ? granted : Admission.Permit.NONE;
        boolean lateRelease;
        synchronized (this) {
            lateRelease = released;
            if (!lateRelease) {
                permit = p;
            }
        }
        if (lateRelease) {
            // Ended (cancelled) while the admission was pending: nothing ran under this permit.
            releaseQuietly(p, List.of());
        }
    }

    /** A covered call ended: its records count for this cover's permit. */
    private void coveredEnded(List<UsageRecord> records) {
        boolean release;
        synchronized (this) {
            for (UsageRecord r : records) {
                add(r);
            }
            open--;
            release = takeRelease();
        }
        if (release) {
            release();
        }
    }

    private void add(UsageRecord record) {
        if (firstRecord == null) {
            firstRecord = record;
        } else {
            if (laterRecords == null) {
                laterRecords = new ArrayList<>(2);
            }
            laterRecords.add(record);
        }
    }

    private boolean takeRelease() {
        if (!ending || open > 0 || released) {
            return false;
        }
        released = true;
        return true;
    }

    private void release() {
        Admission.Permit p;
        synchronized (this) {
            p = permit;
            permit = null;
        }
        ProfileBalancer.Lease l = lease;
        lease = null;
        if (l != null) {
            l.release();
        }
        LogicalCall parent = cover;
        if (p != null || parent != null) {
            List<UsageRecord> all = records();
            if (p != null) {
                releaseQuietly(p, all);
            }
            // Before the cover hears of it, so a watched covered call ends before the call that covers it.
            observedEnd();
            if (parent != null) {
                parent.coveredEnded(all);
            }
        } else {
            observedEnd();
        }
    }

    private void observedEnd() {
        CallObserver.ObservedCall o = observed;
        if (o != null) {
            Throwable failure;
            synchronized (this) {
                failure = unrouted;
            }
            try {
                o.callEnded(this, failure);
            } catch (RuntimeException e) {
                LOG.warn("A call observer failed at the end of call {}", callId, e);
            }
        }
    }

    private void releaseQuietly(Admission.Permit p, List<UsageRecord> all) {
        try {
            p.release(all);
        } catch (RuntimeException e) {
            LOG.warn("Releasing the admission permit of a {} call of tenant {} failed", operation.wireName(),
                    tenant.id(), e);
        }
    }

    private CallInfo info(int attempt, @Nullable ResolvedProfile on) {
        AdmissionRequest r = request;
        if (on == null) {
            return CallInfo.builder().callId(callId).attempt(attempt).tenant(tenant).operation(operation)
                    .requestedModel(r.model()).streaming(operation.streaming())
                    .estimatedInputTokens(r.estimatedInputTokens()).attributes(attributes).build();
        }
        return new CallInfo(callId, attempt, tenant, operation, r.model(), on.profileArn(),
                on.profileId(), on.sourceModelId(), on.region(), on.pooled(), operation.streaming(),
                r.estimatedInputTokens(), attributes);
    }
}
