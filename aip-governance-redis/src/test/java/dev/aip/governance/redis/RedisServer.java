package dev.aip.governance.redis;

import dev.aip.testkit.LocalRedis;

/** The Redis the tests use: {@link LocalRedis} (skipped, or failed under {@code AIP_REQUIRE_REDIS=1}). */
public final class RedisServer {

    private RedisServer() {
    }

    /** Returns the URL of a running Redis, or skips (or fails) the test. */
    public static String url() {
        return LocalRedis.url();
    }

    /** Returns a URL on which nothing listens. */
    public static String unreachableUrl() {
        return LocalRedis.unreachableUrl();
    }
}
