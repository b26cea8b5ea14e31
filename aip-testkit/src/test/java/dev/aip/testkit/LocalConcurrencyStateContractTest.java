package dev.aip.testkit;

import dev.aip.core.governance.ConcurrencyState;

/**
 * The in-memory concurrency state keeps the concurrency contract. It only counts, handing every call of a tenant the
 * same slot, so a release is a decrement: it does not promise idempotent releases, and it has no lease.
 */
class LocalConcurrencyStateContractTest extends ConcurrencyStateContract {

    @Override
    protected ConcurrencyState newState(ManualClock time) {
        return ConcurrencyState.local();
    }
}
