package dev.aip.governance.redis;

import dev.aip.core.governance.RateLimitState;
import dev.aip.testkit.ManualClock;
import dev.aip.testkit.RateLimitStateContract;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;

/**
 * The Redis rate-limit state passes the contract every {@link RateLimitState} must pass: exact levels, refill by its
 * clock (the manual clock, at millisecond resolution), debt, reconfiguration, async agreeing with sync, atomic
 * consumption under concurrency. Each test gets its own key prefix on the test Redis.
 */
class RedisRateLimitStateContractTest extends RateLimitStateContract {

    private final List<RedisGovernanceState> states = new CopyOnWriteArrayList<>();

    @Override
    protected RateLimitState newState(ManualClock time) {
        RedisGovernanceState state = RedisGovernanceState.builder().uri(RedisServer.url())
                .keyPrefix("aip-contract-" + System.nanoTime() + ":").clock(time).build();
        states.add(state);
        return state.rateLimitState();
    }

    @AfterEach
    void close() {
        states.forEach(RedisGovernanceState::close);
        states.clear();
    }
}
