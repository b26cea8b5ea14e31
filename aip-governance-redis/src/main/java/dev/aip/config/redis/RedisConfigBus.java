package dev.aip.config.redis;

import dev.aip.core.ConfigurationException;
import dev.aip.core.governance.PolicyStore;
import dev.aip.core.governance.PolicyWatcher;
import dev.aip.core.profile.ActionResult;
import dev.aip.core.profile.ApplyListener;
import dev.aip.core.profile.PlanAction;
import dev.aip.core.profile.TenantProfileResolver;
import dev.aip.core.tenant.TenantId;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells every replica about configuration changes through one Redis pub/sub channel: new policies and profiles that
 * were deleted or replaced.
 *
 * <pre>{@code
 * PolicyStore policies = PolicyStore.fromFile(Path.of("/etc/aip/policies.yaml"));   // the same file on every replica
 * PolicyWatcher watcher = PolicyWatcher.builder(policies).build().start();
 * RedisConfigBus bus = RedisConfigBus.builder().uri("redis://10.0.0.5:6379")
 *     .policies(watcher).resolver(resolver).build().start();
 * ...
 * watcher.check();                  // on the replica where the file was changed (or an admin endpoint)
 * bus.publishPolicies();            // every replica checks its file now and reports whether it has this version
 * lifecycle.apply(plan, bus.profileChanges());   // every replica forgets the profiles the plan deleted or replaced
 * }</pre>
 *
 * <p><b>Policies: the file is the source, Redis the doorbell.</b> A policy message carries only the version (the
 * SHA-256 of the policy text, {@link PolicyStore#version()}); each replica then checks its own policy file
 * ({@link PolicyWatcher#announced}), so a ConfigMap or shared file stays the one place policies are written, reviewed
 * and versioned, and Redis never holds a second copy that could drift from it. The version is also kept in the key
 * {@code CHANNEL:policies}, which a replica reads whenever it (re)subscribes, so one that was down or disconnected
 * learns what the fleet should enforce and shows in its {@link PolicyWatcher.Status#upToDate()} whether it does.
 * Pub/sub delivers at most once: a lost message only delays a replica until its watcher's next poll.
 *
 * <p><b>Profiles.</b> A profile message names a tenant and a logical model; every replica's resolver
 * {@linkplain TenantProfileResolver#invalidate forgets} what it cached for them, so the next call resolves again. A
 * lost message is covered by the resolvers themselves: a call that fails on a gone profile invalidates and resolves
 * again.
 *
 * <p><b>Threads and failures.</b> Messages arrive on Lettuce's I/O thread and are handed on without blocking (the
 * watcher checks its file on its own thread; invalidation makes no call). If Redis cannot be reached at
 * {@link #start()}, the bus keeps trying every {@link Builder#reconnectInterval} on a daemon thread of its own, so a
 * replica starts while Redis is down; Lettuce reconnects and subscribes again after a lost connection. Publishing
 * is synchronous and throws Lettuce's {@code RedisException} when Redis cannot be reached. A malformed message is
 * logged and ignored.
 *
 * <p>Thread-safe; one per replica; {@link #close()} when done.
 */
public final class RedisConfigBus implements AutoCloseable {

    /** The channel used unless {@link Builder#channel} sets another. */
    public static final String DEFAULT_CHANNEL = "aip:config";

    private static final Logger LOG = LoggerFactory.getLogger(RedisConfigBus.class);

    /**
     * What the bus has seen. Immutable.
     *
     * @param subscribed whether the bus is subscribed to its channel now
     * @param received how many messages it received (its own included)
     * @param lastReceivedAt when the last one arrived, or {@code null} before the first
     * @param announcedPolicyVersion the policy version last announced on the channel (or read from its key), or
     *     {@code null} if none was
     */
    public record Status(boolean subscribed, long received, @Nullable Instant lastReceivedAt,
                         @Nullable String announcedPolicyVersion) {
    }

    private final RedisClient client;
    private final String channel;
    private final String versionKey;
    private final @Nullable PolicyWatcher policies;
    private final @Nullable TenantProfileResolver resolver;
    private final Clock clock;
    private final Duration reconnectInterval;
    private final String replica = UUID.randomUUID().toString();
    private final ScheduledExecutorService worker;
    private final AtomicLong received = new AtomicLong();

    // Guarded by this.
    private StatefulRedisConnection<String, String> publisher;
    private StatefulRedisPubSubConnection<String, String> subscription;
    private boolean started;
    private boolean closed;

    private volatile boolean subscribed;
    private volatile Instant lastReceivedAt;
    private volatile String announced;

    private RedisConfigBus(Builder b) {
        RedisURI uri = RedisURI.create(b.uri);
        uri.setTimeout(b.timeout);
        this.client = RedisClient.create(uri);
        client.setOptions(ClientOptions.builder()
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(b.timeout).build())
                .timeoutOptions(TimeoutOptions.enabled(b.timeout))
                .build());
        this.channel = b.channel;
        this.versionKey = b.channel + ":policies";
        this.policies = b.policies;
        this.resolver = b.resolver;
        this.clock = b.clock;
        this.reconnectInterval = b.reconnectInterval;
        this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "aip-config-bus");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Returns a builder; the URI is required.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Subscribes to the channel, now or, if Redis cannot be reached, as soon as it can. Publishing needs no
     * {@code start()}: a bus that only publishes (a command-line tool) never starts.
     *
     * @return this bus
     * @throws IllegalStateException if already started or closed
     */
    public synchronized RedisConfigBus start() {
        if (started || closed) {
            throw new IllegalStateException(closed ? "the configuration bus is closed"
                    : "the configuration bus is already started");
        }
        started = true;
        worker.execute(this::subscribeOrRetry);
        return this;
    }

    /**
     * Announces the version of the policies in force on this replica's {@linkplain Builder#policies watcher}: every
     * replica checks its policy file now. Call it after this replica has checked the changed file
     * ({@link PolicyWatcher#check()}).
     *
     * @return the number of replicas subscribed that received the message
     * @throws ConfigurationException if the bus has no watcher, or its policies were put in force from code (no
     *     version)
     */
    public long publishPolicies() {
        if (policies == null) {
            throw new ConfigurationException("This RedisConfigBus has no PolicyWatcher; build it with"
                    + " policies(watcher), or publish a version with publishPolicies(version)");
        }
        String version = policies.store().version().orElseThrow(() -> new ConfigurationException("The policies in"
                + " force were put there from code and have no version to publish; load them from a file"));
        return publishPolicies(version);
    }

    /**
     * Announces a policy version (the SHA-256 of the policy text, as {@link PolicyStore#version()} gives it): it is
     * stored under {@code CHANNEL:policies} and every replica subscribed checks its policy file now.
     *
     * @param version 64 lowercase hex digits
     * @return the number of replicas subscribed that received the message
     * @throws IllegalArgumentException if the version is not a SHA-256 in hex
     */
    public long publishPolicies(String version) {
        Objects.requireNonNull(version, "version");
        if (!version.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("A policy version is the SHA-256 of the policy text in lowercase hex"
                    + " (PolicyStore.version()), was \"" + version + "\"");
        }
        var commands = publisher().sync();
        commands.set(versionKey, version);
        return commands.publish(channel, ConfigMessage.policies(version, replica).encode());
    }

    /**
     * Announces that a tenant's profile for a logical model was deleted or replaced: every replica's resolver
     * forgets it.
     *
     * @param tenant the tenant
     * @param logicalModel the logical model
     * @return the number of replicas subscribed that received the message
     */
    public long publishProfileChanged(TenantId tenant, String logicalModel) {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(logicalModel, "logicalModel");
        return publisher().sync().publish(channel, ConfigMessage.profile(tenant, logicalModel, replica).encode());
    }

    /**
     * Returns a listener for {@code ProfileLifecycle.apply} that announces every profile an applied plan deleted,
     * replaced or retagged ({@link #publishProfileChanged}); a failure to publish is logged (the replicas then
     * notice the change when a call to a gone profile fails).
     *
     * @return the listener
     */
    public ApplyListener profileChanges() {
        return new ApplyListener() {
            @Override
            public void onActionDone(PlanAction action, ActionResult result) {
                if (action.kind() == PlanAction.Kind.CREATE || !result.succeeded()) {
                    return;
                }
                try {
                    publishProfileChanged(action.tenant(), action.logicalModel());
                } catch (RuntimeException e) {
                    LOG.warn("Could not announce the {} of the profile of tenant {} for {}: {}", action.kind(),
                            action.tenant(), action.logicalModel(), e.toString());
                }
            }
        };
    }

    /**
     * Returns what the bus has seen.
     *
     * @return the status
     */
    public Status status() {
        return new Status(subscribed, received.get(), lastReceivedAt, announced);
    }

    /** Unsubscribes, closes the connections and the client. Idempotent. */
    @Override
    public void close() {
        StatefulRedisPubSubConnection<String, String> sub;
        StatefulRedisConnection<String, String> pub;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            sub = subscription;
            pub = publisher;
            subscription = null;
            publisher = null;
        }
        worker.shutdownNow();
        subscribed = false;
        if (sub != null) {
            sub.close();
        }
        if (pub != null) {
            pub.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    private synchronized StatefulRedisConnection<String, String> publisher() {
        if (closed) {
            throw new IllegalStateException("the configuration bus is closed");
        }
        if (publisher == null || !publisher.isOpen()) {
            publisher = client.connect();
        }
        return publisher;
    }

    private void subscribeOrRetry() {
        StatefulRedisPubSubConnection<String, String> connection = null;
        try {
            connection = client.connectPubSub();
            connection.addListener(new Listener());
            connection.addListener(new RedisConnectionStateListener() {
                @Override
                public void onRedisDisconnected(RedisChannelHandler<?, ?> handler) {
                    // Lettuce reconnects and subscribes again; subscribed() then reports it.
                    subscribed = false;
                }
            });
            synchronized (this) {
                if (closed) {
                    connection.close();
                    return;
                }
                subscription = connection;
            }
            connection.sync().subscribe(channel);
        } catch (RuntimeException e) {
            if (connection != null) {
                connection.close();
            }
            LOG.warn("Cannot subscribe to Redis channel {} ({}); trying again in {}", channel, e.toString(),
                    reconnectInterval);
            try {
                worker.schedule(this::subscribeOrRetry, reconnectInterval.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException closedMeanwhile) {
                LOG.debug("Configuration bus closed; not retrying");
            }
        }
    }

    /* On every (re)subscription: what was announced while this replica was not listening. Off the I/O thread. */
    private void catchUp() {
        if (policies == null) {
            return;
        }
        try {
            String version = publisher().sync().get(versionKey);
            if (version != null) {
                announced = version;
                policies.announced(version);
            } else {
                policies.checkSoon();
            }
        } catch (RuntimeException e) {
            LOG.warn("Cannot read the announced policy version from {}: {}", versionKey, e.toString());
            policies.checkSoon();
        }
    }

    private void handle(String text) {
        received.incrementAndGet();
        lastReceivedAt = clock.instant();
        ConfigMessage message;
        try {
            message = ConfigMessage.decode(text);
        } catch (IllegalArgumentException e) {
            LOG.warn("Ignoring a malformed message on {}: {}", channel, e.getMessage());
            return;
        }
        switch (message.type()) {
            case POLICIES -> {
                announced = message.version();
                if (policies != null) {
                    policies.announced(message.version());
                }
            }
            case PROFILE -> {
                if (resolver != null) {
                    try {
                        resolver.invalidate(message.tenant(), message.logicalModel());
                    } catch (RuntimeException e) {
                        LOG.warn("The resolver failed to forget the profile of tenant {} for {}", message.tenant(),
                                message.logicalModel(), e);
                    }
                }
            }
        }
    }

    /** Runs on Lettuce's I/O thread: hands on, never blocks. */
    private final class Listener extends RedisPubSubAdapter<String, String> {

        @Override
        public void message(String ch, String message) {
            if (channel.equals(ch)) {
                handle(message);
            }
        }

        @Override
        public void subscribed(String ch, long count) {
            if (channel.equals(ch)) {
                subscribed = true;
                try {
                    worker.execute(RedisConfigBus.this::catchUp);
                } catch (RejectedExecutionException closedMeanwhile) {
                    LOG.debug("Configuration bus closed; not catching up");
                }
            }
        }

        @Override
        public void unsubscribed(String ch, long count) {
            if (channel.equals(ch)) {
                subscribed = false;
            }
        }
    }

    /**
     * Builds a {@link RedisConfigBus}. Each setting may be set once. Not thread-safe; confine to one thread.
     */
    public static final class Builder {
        private final Map<String, Object> given = new HashMap<>();
        private String uri;
        private String channel = DEFAULT_CHANNEL;
        private @Nullable PolicyWatcher policies;
        private @Nullable TenantProfileResolver resolver;
        private Clock clock = Clock.systemUTC();
        private Duration timeout = Duration.ofSeconds(2);
        private Duration reconnectInterval = Duration.ofSeconds(5);

        private Builder() {
        }

        /** The Redis server, e.g. {@code redis://10.0.0.5:6379} or {@code rediss://...} (required). */
        public Builder uri(String value) {
            ConfigurationException.requireFirstSet(given, "RedisConfigBus.uri", value);
            this.uri = Objects.requireNonNull(value, "uri");
            return this;
        }

        /**
         * The pub/sub channel (default {@value #DEFAULT_CHANNEL}); the announced policy version is kept under
         * {@code CHANNEL:policies}. Replicas of one fleet share a channel; separate fleets on one Redis use their own.
         */
        public Builder channel(String value) {
            Objects.requireNonNull(value, "channel");
            if (value.isBlank()) {
                throw new ConfigurationException("RedisConfigBus.channel must not be blank");
            }
            ConfigurationException.requireFirstSet(given, "RedisConfigBus.channel", value);
            this.channel = value;
            return this;
        }

        /** The watcher told about announced policy versions (default none: policy messages are only counted). */
        public Builder policies(PolicyWatcher value) {
            ConfigurationException.requireFirstSet(given, "RedisConfigBus.policies", value);
            this.policies = Objects.requireNonNull(value, "policies");
            return this;
        }

        /**
         * The resolver that forgets announced profiles (default none). A resolver that looks up through another
         * (a provisioning resolver with a tag-discovery lookup) passes the invalidation on.
         */
        public Builder resolver(TenantProfileResolver value) {
            ConfigurationException.requireFirstSet(given, "RedisConfigBus.resolver", value);
            this.resolver = Objects.requireNonNull(value, "resolver");
            return this;
        }

        /** The clock for {@link Status#lastReceivedAt()} (default UTC system clock). */
        public Builder clock(Clock value) {
            ConfigurationException.requireFirstSet(given, "RedisConfigBus.clock", value);
            this.clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        /** Connect and command timeout (default 2 seconds). */
        public Builder timeout(Duration value) {
            positive(value, "timeout");
            ConfigurationException.requireFirstSet(given, "RedisConfigBus.timeout", value);
            this.timeout = value;
            return this;
        }

        /** Time between two attempts to subscribe while Redis cannot be reached at start (default 5 seconds). */
        public Builder reconnectInterval(Duration value) {
            positive(value, "reconnectInterval");
            ConfigurationException.requireFirstSet(given, "RedisConfigBus.reconnectInterval", value);
            this.reconnectInterval = value;
            return this;
        }

        /**
         * Builds the bus; connects to nothing until {@link RedisConfigBus#start()} or a publish.
         *
         * @return the bus
         * @throws ConfigurationException if no URI is set or it is not a Redis URI
         */
        public RedisConfigBus build() {
            if (uri == null) {
                throw new ConfigurationException("RedisConfigBus needs uri(\"redis://host:port\")");
            }
            try {
                RedisURI.create(uri);
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException("RedisConfigBus.uri is not a Redis URI (redis://host:port or"
                        + " rediss://host:port): " + uri, e);
            }
            return new RedisConfigBus(this);
        }

        private static void positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isZero() || d.isNegative()) {
                throw new ConfigurationException("RedisConfigBus." + name + " must be positive, was " + d);
            }
        }
    }
}
