package dev.aip.spring;

import dev.aip.core.AipException;
import dev.aip.core.BudgetExceededException;
import dev.aip.core.PolicyViolationException;
import dev.aip.core.RateLimitExceededException;
import dev.aip.core.chat.Admission;
import dev.aip.core.chat.AdmissionRequest;
import dev.aip.core.chat.LogicalCall;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The admission every aip path in a Spring application goes through ({@link #admission()}): it asks the governance
 * {@link Admission} (normally {@code Governance}), remembers each tenant's last refusal for {@code /actuator/aip},
 * and keeps the ChatClient calls admitted once by {@link TenantAdvisor} that model calls may run under.
 *
 * <p><b>Covered calls.</b> The advisor admits a whole ChatClient call as one {@link LogicalCall} and
 * {@linkplain #open opens} it here under a random id, which it puts in the prompt's user-message metadata. The
 * {@link TenantBridgeInterceptor} takes the id out of each Bedrock request of that call again, looks the call up
 * here and hands it to the routing interceptor as the request's
 * {@link dev.aip.core.bedrock.TenantRoutingInterceptor#COVER} execution attribute. A model call under a cover is not
 * admitted again; its records count for the cover's permit, released once when the ChatClient call and every model
 * call under it have ended. So a tool loop counts as one request against the tenant's rate, and its budget
 * reservation settles to the loop's real cost.
 *
 * <p>The gate itself is not an {@link Admission} bean, so that it never competes with the governance it wraps for
 * injection; pass {@link #admission()} to whatever admits calls (the SDK interceptor, a chat pipeline).
 *
 * <p>Thread-safe; one per application.
 */
public final class AdmissionGate {

    private final Admission delegate;
    private final Clock clock;
    private final Map<String, LogicalCall> covers = new ConcurrentHashMap<>();
    private final Map<TenantId, Refusals> refusals = new ConcurrentHashMap<>();
    private final Admission view = new Admission() {
        @Override
        public Permit admit(TenantContext tenant, AdmissionRequest request, ResolvedProfile profile) {
            try {
                return delegate.admit(tenant, request, profile);
            } catch (RuntimeException e) {
                refused(tenant, e);
                throw e;
            }
        }

        @Override
        public CompletionStage<Permit> admitAsync(TenantContext tenant, AdmissionRequest request,
                                                  ResolvedProfile profile) {
            return delegate.admitAsync(tenant, request, profile).whenComplete((permit, error) -> {
                if (error != null) {
                    refused(tenant, error instanceof CompletionException && error.getCause() != null
                            ? error.getCause() : error);
                }
            });
        }

        @Override
        public AdmissionRequest shape(TenantContext tenant, AdmissionRequest request) {
            return delegate.shape(tenant, request);
        }
    };

    /**
     * Creates the gate.
     *
     * @param delegate the governance to ask
     * @param clock the clock refusals are timed with
     */
    public AdmissionGate(Admission delegate, Clock clock) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Returns the admission to give to the SDK interceptor or a chat pipeline. It shapes requests as the governance
     * does (default settings, output caps) and admits them through this gate.
     *
     * @return the gate's admission
     */
    public Admission admission() {
        return view;
    }

    /** Opens an admitted ChatClient call for the model calls it makes; returns the id that names it. */
    String open(LogicalCall call) {
        // A random id: a cover lets model calls skip admission, so it must not be guessable from a counter.
        String id = UsageRecord.newId();
        covers.put(id, call);
        return id;
    }

    /** The open call an id names, or {@code null} (unknown, or already closed). */
    LogicalCall cover(String id) {
        return id == null ? null : covers.get(id);
    }

    /** The ChatClient call is over: later model calls no longer run under it. */
    void close(String id) {
        if (id != null) {
            covers.remove(id);
        }
    }

    /** Covers open now; for tests and the actuator. */
    int openCovers() {
        return covers.size();
    }

    /** The last refusal per tenant, and refusals counted per limit. */
    Map<TenantId, Refusals> refusals() {
        return Map.copyOf(refusals);
    }

    private void refused(TenantContext tenant, Throwable e) {
        if (e instanceof AipException) {
            refusals.computeIfAbsent(tenant.id(), k -> new Refusals()).add((RuntimeException) e, clock.instant());
        }
    }

    /** One tenant's refusals. Thread-safe. */
    static final class Refusals {
        private final Map<String, Long> byLimit = new TreeMap<>();
        private String lastLimit;
        private Instant lastAt;
        private Duration lastRetryAfter;

        synchronized void add(RuntimeException e, Instant at) {
            String limit = limitOf(e);
            byLimit.merge(limit, 1L, Long::sum);
            lastLimit = limit;
            lastAt = at;
            lastRetryAfter = e instanceof RateLimitExceededException r ? r.retryAfter()
                    : e instanceof BudgetExceededException b ? b.retryAfter() : null;
        }

        synchronized Map<String, Long> byLimit() {
            return Map.copyOf(byLimit);
        }

        synchronized String lastLimit() {
            return lastLimit;
        }

        synchronized Instant lastAt() {
            return lastAt;
        }

        synchronized Duration lastRetryAfter() {
            return lastRetryAfter;
        }

        private static String limitOf(RuntimeException e) {
            if (e instanceof RateLimitExceededException r) {
                return r.limitName();
            }
            if (e instanceof BudgetExceededException b) {
                return b.limitName();
            }
            if (e instanceof PolicyViolationException p) {
                return p.rule();
            }
            return e.getClass().getSimpleName();
        }
    }
}
