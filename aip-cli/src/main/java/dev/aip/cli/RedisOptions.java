package dev.aip.cli;

import dev.aip.config.redis.RedisConfigBus;
import dev.aip.core.ConfigurationException;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/** The Redis the replicas of an application share ({@code aip.redis.uri} there), for announcing changes to them. */
final class RedisOptions {

    @Option(names = "--redis-uri", paramLabel = "URI",
            description = "The Redis the replicas use (their aip.redis.uri), e.g. redis://10.0.0.5:6379: announce the"
                    + " change there, so every replica applies it without a restart.")
    @Nullable String uri;

    @Option(names = "--redis-channel", paramLabel = "CHANNEL", defaultValue = RedisConfigBus.DEFAULT_CHANNEL,
            description = "The replicas' aip.redis.config-channel (default: ${DEFAULT-VALUE}).")
    String channel = RedisConfigBus.DEFAULT_CHANNEL;

    /** A bus that only publishes (never subscribes), or {@code null} without {@code --redis-uri}. */
    @Nullable RedisConfigBus bus() {
        if (uri == null) {
            return null;
        }
        try {
            return RedisConfigBus.builder().uri(uri).channel(channel).build();
        } catch (ConfigurationException e) {
            throw CliException.usage("--redis-uri: " + e.getMessage(), e);
        }
    }
}
