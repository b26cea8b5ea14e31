package dev.aip.testkit;

import dev.aip.core.governance.RateLimitState;

/** The in-memory rate-limit state keeps the rate-limit contract, refilled by the manual clock's ticker. */
class LocalRateLimitStateContractTest extends RateLimitStateContract {

    @Override
    protected RateLimitState newState(ManualClock time) {
        return RateLimitState.local(time.ticker());
    }
}
