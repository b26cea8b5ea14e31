package dev.aip.spring;

import dev.aip.core.ConfigurationException;
import dev.aip.core.governance.PolicyStore;
import dev.aip.core.governance.PolicyWatcher;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The policies of this replica as the actuator shows and reloads them: the version in force, the watcher's last
 * check and failure, whether it enforces the version last announced to the replicas, and a reload that checks the
 * file and announces the new version to the other replicas. Thread-safe.
 */
final class PolicyReloads {

    private final PolicyStore store;
    private final @Nullable PolicyWatcher watcher;
    private final @Nullable PolicyAnnouncer announcer;

    PolicyReloads(PolicyStore store, @Nullable PolicyWatcher watcher, @Nullable PolicyAnnouncer announcer) {
        this.store = store;
        this.watcher = watcher;
        this.announcer = announcer;
    }

    /** For {@code /actuator/aip}: {@code version}, {@code source}, and the watcher's and the messaging's state. */
    Map<String, Object> status() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("version", store.version().orElse("none (policies from the application's configuration)"));
        out.put("source", store.current().source());
        if (watcher != null) {
            PolicyWatcher.Status s = watcher.status();
            out.put("watched", true);
            out.put("checkedAt", s.checkedAt() == null ? "never" : s.checkedAt().toString());
            out.put("reloads", s.reloads());
            if (s.failure() != null) {
                out.put("failure", s.failure());
            }
            if (s.announcedVersion() != null) {
                out.put("announcedVersion", s.announcedVersion());
                out.put("upToDate", s.upToDate());
            }
        } else {
            out.put("watched", false);
        }
        if (announcer != null) {
            out.put("configBus", announcer.status());
        }
        return out;
    }

    /** Whether the latest check of the policy file failed (the old policies stay in force). */
    boolean failing() {
        return watcher != null && watcher.status().failure() != null;
    }

    /**
     * Reads the policy file again, puts it in force if valid, and announces the version in force to the other
     * replicas (which then check their own file).
     *
     * @throws ConfigurationException if the store has no file, or the file is invalid (the old policies stay)
     */
    Map<String, Object> reload() {
        Map<String, Object> out = new LinkedHashMap<>();
        if (watcher != null) {
            boolean changed = watcher.check();
            PolicyWatcher.Status s = watcher.status();
            if (s.failure() != null) {
                throw new ConfigurationException(s.failure() + " The policies in force (version "
                        + s.version() + ") stay.");
            }
            out.put("reloaded", changed);
        } else {
            store.reload();
            out.put("reloaded", true);
        }
        String version = store.version().orElseThrow();
        out.put("version", version);
        if (announcer != null) {
            out.put("announcedTo", announcer.announce(version));
        }
        return out;
    }
}
