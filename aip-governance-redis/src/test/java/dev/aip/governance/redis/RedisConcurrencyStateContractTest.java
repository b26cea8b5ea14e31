package dev.aip.governance.redis;

import dev.aip.core.governance.ConcurrencyState;
import dev.aip.testkit.ConcurrencyStateContract;
import dev.aip.testkit.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;

/**
 * The Redis concurrency state passes the contract every {@link ConcurrencyState} must pass, and the two promises it
 * makes beyond it: a release is one {@code ZREM} of the slot's id, so releasing twice frees one slot; and a slot never
 * released is reclaimed when its lease, on the state's clock, ends. Each test gets its own key prefix on the test
 * Redis.
 */
class RedisConcurrencyStateContractTest extends ConcurrencyStateContract {

    private static final Duration LEASE = Duration.ofMinutes(1);

    private final List<RedisGovernanceState> states = new CopyOnWriteArrayList<>();

    @Override
    protected ConcurrencyState newState(ManualClock time) {
        RedisGovernanceState state = RedisGovernanceState.builder().uri(RedisServer.url())
                .keyPrefix("aip-contract-" + System.nanoTime() + ":").clock(time).slotLease(LEASE).build();
        states.add(state);
        return state.concurrencyState();
    }

    @Override
    protected boolean releaseIsIdempotent() {
        return true;
    }

    @Override
    protected Optional<Duration> slotLease() {
        return Optional.of(LEASE);
    }

    @AfterEach
    void close() {
        states.forEach(RedisGovernanceState::close);
        states.clear();
    }
}
