package dev.aip.gateway;

import dev.aip.core.tenant.TenantId;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Caps on calls in flight: one for the whole gateway ({@code aip.gateway.max-in-flight}) and one per tenant
 * ({@code aip.gateway.max-in-flight-per-tenant}). A call over a cap is refused at once, never queued: 503 over the
 * gateway's cap (the gateway is full), 429 over the tenant's (that tenant is using its share), both with
 * {@code Retry-After}. A permit is held from just before the call starts until the call is settled, and released
 * exactly once. At shutdown, calls still in flight when the grace period ends are aborted ({@link #abortAll()}).
 *
 * <p>Thread-safe; lock-free.
 */
final class InFlightLimits {

    /** Seconds a refused client is asked to wait. */
    static final String RETRY_AFTER_SECONDS = "1";

    private final int maxInFlight;
    private final int maxPerTenant;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Map<TenantId, AtomicInteger> perTenant = new ConcurrentHashMap<>();
    private final Set<Permit> live = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    InFlightLimits(int maxInFlight, int maxPerTenant) {
        if (maxInFlight < 1 || maxPerTenant < 1) {
            throw new IllegalArgumentException("aip.gateway.max-in-flight and max-in-flight-per-tenant must be"
                    + " positive");
        }
        this.maxInFlight = maxInFlight;
        this.maxPerTenant = maxPerTenant;
    }

    /**
     * Takes a permit for one call of {@code tenant}.
     *
     * @throws GatewayError 503 over the gateway's cap, 429 over the tenant's
     */
    Permit acquire(TenantId tenant) {
        if (closed) {
            throw new GatewayError(503, "api_error", "gateway_shutting_down", null,
                    "The gateway is shutting down; retry shortly.", RETRY_AFTER_SECONDS);
        }
        AtomicInteger mine = perTenant.computeIfAbsent(tenant, t -> new AtomicInteger());
        if (mine.incrementAndGet() > maxPerTenant) {
            mine.decrementAndGet();
            throw new GatewayError(429, "rate_limit_exceeded", "too_many_concurrent_requests", null,
                    "This key has " + maxPerTenant + " requests in flight, its most; retry when one ends.",
                    RETRY_AFTER_SECONDS);
        }
        if (inFlight.incrementAndGet() > maxInFlight) {
            inFlight.decrementAndGet();
            mine.decrementAndGet();
            throw new GatewayError(503, "api_error", "gateway_overloaded", null,
                    "The gateway is at its capacity; retry shortly.", RETRY_AFTER_SECONDS);
        }
        Permit permit = new Permit(mine);
        live.add(permit);
        return permit;
    }

    /**
     * Shutdown, once the grace period is over: refuses new calls and aborts every call still in flight (each
     * settles once, as cancelled, and releases its permit).
     *
     * @return the calls aborted
     */
    int abortAll() {
        closed = true;
        int aborted = 0;
        for (Permit p : live) {
            Runnable abort = p.abort;
            if (abort != null && !p.released.get()) {
                aborted++;
                try {
                    abort.run();
                } catch (RuntimeException ignored) {
                    // One call's failure to abort must not keep the others running.
                }
            }
        }
        return aborted;
    }

    /** Calls in flight in the gateway. */
    int inFlight() {
        return inFlight.get();
    }

    /** Calls in flight of one tenant. */
    int inFlight(TenantId tenant) {
        AtomicInteger n = perTenant.get(tenant);
        return n == null ? 0 : n.get();
    }

    /** One call's place; {@link #release()} is idempotent. */
    final class Permit {

        private final AtomicInteger tenantCount;
        private final AtomicBoolean released = new AtomicBoolean();
        private volatile Runnable abort;

        private Permit(AtomicInteger tenantCount) {
            this.tenantCount = tenantCount;
        }

        /** How to stop this call if it is still running when the gateway's grace period ends. */
        void onAbort(Runnable action) {
            this.abort = action;
        }

        void release() {
            if (released.compareAndSet(false, true)) {
                live.remove(this);
                tenantCount.decrementAndGet();
                inFlight.decrementAndGet();
            }
        }
    }
}
