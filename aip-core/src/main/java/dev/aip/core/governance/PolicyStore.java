package dev.aip.core.governance;

import dev.aip.core.ConfigurationException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Holds the policies in force and swaps them at run time, without a restart.
 *
 * <p>A swap is atomic: each call is admitted under one whole {@link PolicySet}, old or new, never a mix. Calls
 * already admitted keep the limits, reservations and budget account they were admitted under until they are
 * released; only later calls see the new policy. Rate-limit buckets keep their current level when their limit
 * changes (capped at the new limit), so a reload neither grants a fresh burst nor takes one away.
 *
 * <p>A reload that fails validation changes nothing: the old policies stay in force and the error is thrown.
 *
 * <pre>{@code
 * PolicyStore policies = PolicyStore.fromFile(Path.of("policies.yaml"));
 * Governance governance = Governance.builder().policies(policies).build();
 * ...
 * policies.reload();   // e.g. from a file watcher or an admin endpoint
 * }</pre>
 *
 * <p>Thread-safe; share one instance.
 */
public final class PolicyStore {

    private final AtomicReference<PolicySet> current;
    private final Path file;

    private PolicyStore(PolicySet initial, Path file) {
        this.current = new AtomicReference<>(initial);
        this.file = file;
    }

    /**
     * Returns a store holding policies built in code; change them with {@link #replace(PolicySet)}.
     *
     * @param policies the initial policies
     * @return the store
     */
    public static PolicyStore of(PolicySet policies) {
        return new PolicyStore(Objects.requireNonNull(policies, "policies"), null);
    }

    /**
     * Returns a store loaded from a policy file, which {@link #reload()} reads again.
     *
     * @param file a YAML or JSON policy file (see {@link PolicyFile}; YAML needs {@code jackson-dataformat-yaml} on
     *     the class path)
     * @return the store
     * @throws ConfigurationException if the file cannot be read or is invalid, or is YAML without YAML support
     */
    public static PolicyStore fromFile(Path file) {
        Objects.requireNonNull(file, "file");
        return new PolicyStore(PolicyFile.load(file), file);
    }

    /**
     * Returns the policies in force.
     *
     * @return the current set
     */
    public PolicySet current() {
        return current.get();
    }

    /**
     * Puts other policies in force for calls admitted from now on.
     *
     * @param policies the new policies
     * @return the policies they replace
     */
    public PolicySet replace(PolicySet policies) {
        return current.getAndSet(Objects.requireNonNull(policies, "policies"));
    }

    /**
     * Reads the policy file again and puts it in force if it is valid.
     *
     * @return the policies now in force
     * @throws ConfigurationException if the file is unreadable or invalid (the old policies stay in force), or this
     *     store was not loaded from a file
     */
    public PolicySet reload() {
        if (file == null) {
            throw new ConfigurationException("This PolicyStore was built from code and has no file to reload; use"
                    + " replace(PolicySet), or build it with PolicyStore.fromFile(path)");
        }
        PolicySet loaded = PolicyFile.load(file);
        current.set(loaded);
        return loaded;
    }
}
