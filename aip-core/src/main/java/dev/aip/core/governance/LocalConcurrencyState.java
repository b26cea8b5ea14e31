package dev.aip.core.governance;

import dev.aip.core.tenant.TenantId;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Slots counted in this process's memory: one counter per tenant, which is also the slot every call of the tenant
 * holds (a release is a decrement), so taking and giving back a slot allocates nothing.
 */
final class LocalConcurrencyState implements ConcurrencyState {

    private final Map<TenantId, Counter> tenants = new ConcurrentHashMap<>();

    @Override
    public Slots slots(TenantId tenant) {
        return tenants.computeIfAbsent(tenant, t -> new Counter());
    }

    /** Calls admitted and not yet released. */
    static final class Counter extends AtomicInteger implements Slots, Slot {

        @Override
        public @Nullable Slot tryAcquire(int cap) {
            while (true) {
                int n = get();
                if (n >= cap) {
                    return null;
                }
                if (compareAndSet(n, n + 1)) {
                    return this;
                }
            }
        }

        @Override
        public int held() {
            return get();
        }

        @Override
        public void release() {
            decrementAndGet();
        }
    }
}
