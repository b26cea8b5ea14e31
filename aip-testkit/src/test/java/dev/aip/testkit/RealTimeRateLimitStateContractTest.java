package dev.aip.testkit;

import dev.aip.core.governance.RateLimitState;

/**
 * The contract's path for a state whose time the test cannot move: the in-memory state on the real ticker, ignoring
 * the manual clock, with {@link #controlsTime()} off. The refill tests are skipped and the rest must still pass.
 */
class RealTimeRateLimitStateContractTest extends RateLimitStateContract {

    @Override
    protected RateLimitState newState(ManualClock time) {
        return RateLimitState.local(System::nanoTime);
    }

    @Override
    protected boolean controlsTime() {
        return false;
    }
}
