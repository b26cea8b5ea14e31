package dev.aip.spring;

import java.util.Map;

/**
 * Tells the other replicas about a policy version, and what the messaging between them has seen: the seam between
 * the auto-configuration and {@code RedisConfigBus}, so that nothing outside the Redis configuration names a class of
 * the optional {@code aip-governance-redis}. Thread-safe.
 */
interface PolicyAnnouncer {

    /** Announces a policy version; returns how many replicas received it. */
    long announce(String version);

    /** What the messaging has seen, for {@code /actuator/aip}. */
    Map<String, Object> status();
}
