package dev.aip.governance.redis;

import dev.aip.core.governance.BudgetStore;
import dev.aip.testkit.BudgetStoreContract;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;

/**
 * The Redis budget store passes the contract every {@link BudgetStore} must pass: exact arithmetic, idempotent
 * settlement, no overshoot under concurrency, isolation. Each test gets its own key prefix on the test Redis.
 */
class RedisBudgetStoreContractTest extends BudgetStoreContract {

    private final List<RedisGovernanceState> states = new CopyOnWriteArrayList<>();

    @Override
    protected BudgetStore newStore() {
        RedisGovernanceState state = RedisGovernanceState.builder().uri(RedisServer.url())
                .keyPrefix("aip-contract-" + System.nanoTime() + ":").build();
        states.add(state);
        return state.budgetStore();
    }

    @AfterEach
    void close() {
        states.forEach(RedisGovernanceState::close);
        states.clear();
    }
}
