package dev.aip.spring;

import dev.aip.core.AipException;
import dev.aip.core.BudgetExceededException;
import dev.aip.core.PolicyViolationException;
import dev.aip.core.RateLimitExceededException;
import dev.aip.core.chat.Admission;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The admission every aip path in a Spring application goes through ({@link #admission()}): it asks the governance
 * {@link Admission} (normally {@code Governance}), remembers each tenant's last refusal for {@code /actuator/aip}, and lets a
 * ChatClient call admitted once by {@link TenantAdvisor} cover the model calls it makes (a tool loop's rounds).
 *
 * <p><b>Covered calls.</b> {@link #admitCall} admits a whole ChatClient call and opens a cover with an id; the
 * advisor puts the id in the prompt's user-message metadata, the {@link TenantBridgeInterceptor} takes it out of
 * each Bedrock request of that call again and {@linkplain #pass passes} it to this gate on the SDK's thread, right
 * before the routing interceptor asks for admission. A model call under a cover is admitted without asking the
 * governance again; its attempts' records go to the cover, and the cover releases the governance permit once, with
 * the records of every model call, when the ChatClient call has ended and its last model call is over. So a tool
 * loop counts as one request against the tenant's rate, and its budget reservation settles to the loop's real cost.
 *
 * <p>The gate itself is not an {@link Admission} bean, so that it never competes with the governance it wraps for
 * injection; pass {@link #admission()} to whatever admits calls (the SDK interceptor, a chat pipeline).
 *
 * <p>Thread-safe; one per application.
 */
public final class AdmissionGate {

    private static final ThreadLocal<Cover> PASS = new ThreadLocal<>();

    private final Admission delegate;
    private final Clock clock;
    private final Map<String, Cover> covers = new ConcurrentHashMap<>();
    private final Map<TenantId, Refusals> refusals = new ConcurrentHashMap<>();
    private final Admission view = new Admission() {
        @Override
        public Permit admit(TenantContext tenant, ChatRequest request, ResolvedProfile profile) {
            return AdmissionGate.this.admit(tenant, request, profile);
        }

        @Override
        public ChatRequest shape(TenantContext tenant, ChatRequest request) {
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

    private Admission.Permit admit(TenantContext tenant, ChatRequest request, ResolvedProfile profile) {
        Cover cover = PASS.get();
        if (cover != null) {
            PASS.remove();
            if (cover.tenant.equals(tenant.id())) {
                return cover.child();
            }
        }
        return ask(tenant, request, profile);
    }

    /** Admits a whole ChatClient call; the caller must {@link Cover#end()} it exactly once. */
    Cover admitCall(TenantContext tenant, ChatRequest request, ResolvedProfile profile) {
        Admission.Permit permit = ask(tenant, request, profile);
        // A random id: a cover lets model calls skip admission, so it must not be guessable from a counter.
        Cover cover = new Cover(UsageRecord.newId(), tenant.id(), permit);
        covers.put(cover.id, cover);
        return cover;
    }

    /** Marks the Bedrock request now being prepared on this thread as part of a covered call (or of none). */
    void pass(String coverId) {
        Cover cover = coverId == null ? null : covers.get(coverId);
        if (cover == null) {
            PASS.remove();
        } else {
            PASS.set(cover);
        }
    }

    /** Forgets a pass that no admission consumed (the request was not routed, or failed before admission). */
    static void clearPass() {
        PASS.remove();
    }

    /** Covers open now; for tests and the actuator. */
    int openCovers() {
        return covers.size();
    }

    /** The last refusal per tenant, and refusals counted per limit. */
    Map<TenantId, Refusals> refusals() {
        return Map.copyOf(refusals);
    }

    private Admission.Permit ask(TenantContext tenant, ChatRequest request, ResolvedProfile profile) {
        try {
            return delegate.admit(tenant, request, profile);
        } catch (RuntimeException e) {
            if (e instanceof AipException) {
                refusals.computeIfAbsent(tenant.id(), k -> new Refusals()).add(e, clock.instant());
            }
            throw e;
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

    /**
     * One admitted ChatClient call. Its governance permit is released once: when the call has {@linkplain #end()
     * ended} and every model call under it has released its share.
     */
    final class Cover {
        final String id;
        final TenantId tenant;
        private final Admission.Permit permit;
        private final List<UsageRecord> attempts = new ArrayList<>();
        private int open;
        private boolean ended;
        private boolean released;

        private Cover(String id, TenantId tenant, Admission.Permit permit) {
            this.id = id;
            this.tenant = tenant;
            this.permit = permit;
        }

        synchronized Admission.Permit child() {
            open++;
            return records -> {
                boolean release;
                synchronized (Cover.this) {
                    attempts.addAll(records);
                    open--;
                    release = takeRelease();
                }
                if (release) {
                    releaseNow();
                }
            };
        }

        /** The ChatClient call is over (normally, by failure or by cancellation); call once. */
        void end() {
            boolean release;
            synchronized (this) {
                ended = true;
                release = takeRelease();
            }
            if (release) {
                releaseNow();
            }
        }

        private boolean takeRelease() {
            if (ended && open == 0 && !released) {
                released = true;
                return true;
            }
            return false;
        }

        private void releaseNow() {
            covers.remove(id);
            List<UsageRecord> all;
            synchronized (this) {
                all = List.copyOf(attempts);
            }
            permit.release(all);
        }
    }
}
