package dev.aip.core.governance;

import dev.aip.core.ConfigurationException;
import java.time.Clock;
import java.time.Duration;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a file-backed {@link PolicyStore} in line with its file: every {@link Builder#interval(Duration) interval}
 * (and whenever {@link #checkSoon()} is asked, e.g. by a notification that new policies were published) it reads the
 * file and, if its content differs from the policies in force ({@link PolicyStore#version()}), reloads it.
 *
 * <pre>{@code
 * PolicyStore policies = PolicyStore.fromFile(Path.of("/etc/aip/policies.yaml"));
 * PolicyWatcher watcher = PolicyWatcher.builder(policies).interval(Duration.ofSeconds(5)).build().start();
 * ...
 * watcher.status().version();   // what this replica enforces, for health and the actuator endpoint
 * }</pre>
 *
 * <p><b>Why polling the content.</b> The file is compared by its SHA-256, not by modification time or file-system
 * events: a Kubernetes ConfigMap is updated by swapping a symbolic link, network file systems deliver no events, and
 * an editor may rewrite a file within the same second with the same size. A policy file is small, so reading it every
 * few seconds costs nothing that matters, and every replica that reads the same text reports the same version.
 *
 * <p><b>Failures keep the old policies.</b> A file that cannot be read or is invalid leaves the policies in force
 * unchanged; the failure is logged once per distinct content (not once per poll) and shown by {@link #status()}
 * until a later check succeeds or the file is back to the version in force.
 *
 * <p>Thread-safe; share one instance. Checks run one at a time. {@link #close()} stops the polling.
 */
public final class PolicyWatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PolicyWatcher.class);

    /**
     * What a watcher last saw. Immutable.
     *
     * @param version the version of the policies in force ({@link PolicyStore#version()}), or {@code null} for
     *     policies put in force from code
     * @param checkedAt when the file was last checked, or {@code null} before the first check
     * @param reloads how many times a changed file was put in force
     * @param failure why the latest check could not put the file in force, or {@code null} when the file and the
     *     policies in force agree
     * @param failedVersion the SHA-256 of the content that failed, or {@code null} if the file could not be read
     *     (or there is no failure)
     * @param announcedVersion the latest version announced to this replica ({@link #announced(String)}), or
     *     {@code null} when none was
     */
    public record Status(@Nullable String version, @Nullable Instant checkedAt, long reloads,
                         @Nullable String failure, @Nullable String failedVersion,
                         @Nullable String announcedVersion) {

        /**
         * Whether this replica enforces what was last announced to it; {@code true} when nothing was announced.
         *
         * @return whether the policies in force are the announced ones
         */
        public boolean upToDate() {
            return announcedVersion == null || announcedVersion.equals(version);
        }
    }

    private final PolicyStore store;
    private final Duration interval;
    private final Clock clock;
    private final ScheduledExecutorService executor;
    private final boolean ownsExecutor;

    // Guarded by this.
    private Instant checkedAt;
    private long reloads;
    private String failure;
    private String failedVersion;
    private String announcedVersion;
    private ScheduledFuture<?> scheduled;

    private PolicyWatcher(Builder b) {
        this.store = b.store;
        this.interval = b.interval;
        this.clock = b.clock;
        this.ownsExecutor = b.executor == null;
        this.executor = b.executor != null ? b.executor : Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "aip-policy-watcher");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Returns a builder for a watcher of a store loaded from a file.
     *
     * @param store the store; must have been built with {@link PolicyStore#fromFile}
     * @return the builder
     * @throws ConfigurationException if the store has no file
     */
    public static Builder builder(PolicyStore store) {
        Objects.requireNonNull(store, "store");
        if (store.file().isEmpty()) {
            throw new ConfigurationException("A PolicyWatcher watches a policy file, but this PolicyStore was built"
                    + " from code; build it with PolicyStore.fromFile(path), or change its policies with"
                    + " replace(PolicySet)");
        }
        return new Builder(store);
    }

    /**
     * Schedules a check every interval, the first one interval from now.
     *
     * @return this watcher
     * @throws IllegalStateException if already started
     */
    public synchronized PolicyWatcher start() {
        if (scheduled != null) {
            throw new IllegalStateException("the policy watcher is already started");
        }
        long period = interval.toMillis();
        scheduled = executor.scheduleWithFixedDelay(this::checkQuietly, period, period, TimeUnit.MILLISECONDS);
        return this;
    }

    /**
     * Reads the file now, on the calling thread, and puts it in force if its content changed and is valid.
     *
     * @return whether new policies were put in force
     */
    public synchronized boolean check() {
        Path file = store.file().orElseThrow();
        checkedAt = clock.instant();
        String text;
        try {
            text = PolicyStore.read(file);
        } catch (ConfigurationException e) {
            fail(e.getMessage(), null);
            return false;
        }
        String version = PolicyStore.sha256(text);
        if (version.equals(store.version().orElse(null))) {
            failure = null;
            failedVersion = null;
            return false;
        }
        if (version.equals(failedVersion)) {
            return false;
        }
        try {
            store.load(text);
        } catch (ConfigurationException e) {
            fail(e.getMessage(), version);
            return false;
        }
        reloads++;
        failure = null;
        failedVersion = null;
        LOG.info("Policies reloaded from {}: version {}", file, version);
        return true;
    }

    /**
     * Asks for a check on the watcher's executor as soon as possible, without waiting for it: for callers that must
     * not block, such as a listener on a messaging thread.
     */
    public void checkSoon() {
        try {
            executor.execute(this::checkQuietly);
        } catch (RejectedExecutionException closed) {
            LOG.debug("Policy watcher is closed; check not run");
        }
    }

    /**
     * Records the version that was announced as published (e.g. by a message that every replica receives), so that
     * {@link Status#upToDate()} tells whether this replica has caught up, and asks for a check ({@link #checkSoon()}).
     *
     * @param version the SHA-256 of the published policy text
     */
    public void announced(String version) {
        Objects.requireNonNull(version, "version");
        synchronized (this) {
            announcedVersion = version;
        }
        checkSoon();
    }

    /**
     * Returns what the watcher last saw.
     *
     * @return the status
     */
    public synchronized Status status() {
        return new Status(store.version().orElse(null), checkedAt, reloads, failure, failedVersion,
                announcedVersion);
    }

    /** The store this watcher keeps in line with its file. */
    public PolicyStore store() {
        return store;
    }

    /** Stops the polling and, if the watcher made its own thread, that thread. Idempotent. */
    @Override
    public synchronized void close() {
        if (scheduled != null) {
            scheduled.cancel(false);
        }
        if (ownsExecutor) {
            executor.shutdownNow();
        }
    }

    private void fail(String message, String version) {
        if (!Objects.equals(message, failure)) {
            LOG.warn("Policies not reloaded; the policies in force (version {}) stay: {}",
                    store.version().orElse("from code"), message);
        }
        failure = message;
        failedVersion = version;
    }

    private void checkQuietly() {
        try {
            check();
        } catch (RuntimeException e) {
            LOG.warn("Policy check failed; the policies in force stay", e);
        }
    }

    /**
     * Builds a {@link PolicyWatcher}. Each setting may be set once. Not thread-safe; confine to one thread.
     */
    public static final class Builder {
        private final Map<String, Object> given = new HashMap<>();
        private final PolicyStore store;
        private Duration interval = Duration.ofSeconds(5);
        private Clock clock = Clock.systemUTC();
        private ScheduledExecutorService executor;

        private Builder(PolicyStore store) {
            this.store = store;
        }

        /** Time between two checks of the file after {@link #start()} (default 5 seconds). */
        public Builder interval(Duration value) {
            Objects.requireNonNull(value, "interval");
            if (value.isZero() || value.isNegative()) {
                throw new ConfigurationException("PolicyWatcher.interval must be positive, was " + value);
            }
            ConfigurationException.requireFirstSet(given, "PolicyWatcher.interval", value);
            this.interval = value;
            return this;
        }

        /** The clock for {@link Status#checkedAt()} (default UTC system clock). */
        public Builder clock(Clock value) {
            ConfigurationException.requireFirstSet(given, "PolicyWatcher.clock", value);
            this.clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        /**
         * Runs the checks on this executor instead of a daemon thread of the watcher's own; the watcher does not
         * shut it down.
         */
        public Builder executor(ScheduledExecutorService value) {
            ConfigurationException.requireFirstSet(given, "PolicyWatcher.executor", value);
            this.executor = Objects.requireNonNull(value, "executor");
            return this;
        }

        /**
         * Builds the watcher; reads nothing until {@link #start()} or {@link #check()}.
         *
         * @return the watcher
         */
        public PolicyWatcher build() {
            return new PolicyWatcher(this);
        }
    }
}
