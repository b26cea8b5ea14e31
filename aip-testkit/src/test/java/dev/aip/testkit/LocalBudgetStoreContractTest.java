package dev.aip.testkit;

import dev.aip.core.governance.BudgetStore;

/** The in-memory budget store keeps the budget store contract. */
class LocalBudgetStoreContractTest extends BudgetStoreContract {

    @Override
    protected BudgetStore newStore() {
        return BudgetStore.local();
    }
}
