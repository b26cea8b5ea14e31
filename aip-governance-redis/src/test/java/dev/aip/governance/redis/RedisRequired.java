package dev.aip.governance.redis;

import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;
import org.opentest4j.TestAbortedException;

/**
 * Skips a jqwik container or property when {@link RedisServer} finds no Redis (it fails instead under
 * {@code AIP_REQUIRE_REDIS=1}), as JUnit's assumptions do for plain tests: jqwik would count an aborted try as
 * rejected, not skipped.
 */
public final class RedisRequired implements SkipExecutionHook {

    @Override
    public SkipResult shouldBeSkipped(LifecycleContext context) {
        try {
            RedisServer.url();
            return SkipResult.doNotSkip();
        } catch (TestAbortedException e) {
            return SkipResult.skip(e.getMessage());
        }
    }
}
