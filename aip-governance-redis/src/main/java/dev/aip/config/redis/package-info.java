/**
 * Configuration changes told to every replica through Redis: {@link dev.aip.config.redis.RedisConfigBus} announces a
 * new policy version (each replica then checks its policy file, the one source of policies) and profiles deleted or
 * replaced (each replica's resolver forgets them). Part of the module {@code dev.aip:aip-governance-redis}, beside the
 * shared governance state; the only public type is the bus and its builder.
 */
@NullMarked
package dev.aip.config.redis;

import org.jspecify.annotations.NullMarked;
