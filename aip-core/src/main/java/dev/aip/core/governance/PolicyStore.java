package dev.aip.core.governance;

import dev.aip.core.ConfigurationException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
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
 * <p><b>Version.</b> {@link #version()} is the SHA-256 of the policy text in force, so replicas that read the same
 * file show the same version; a {@link PolicyWatcher} reloads the file when its content changes.
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
    // Written together with current, under this; read alone (it only labels the policies in force).
    private volatile String version;

    private PolicyStore(PolicySet initial, Path file, String version) {
        this.current = new AtomicReference<>(initial);
        this.file = file;
        this.version = version;
    }

    /**
     * Returns a store holding policies built in code; change them with {@link #replace(PolicySet)}.
     *
     * @param policies the initial policies
     * @return the store
     */
    public static PolicyStore of(PolicySet policies) {
        return new PolicyStore(Objects.requireNonNull(policies, "policies"), null, null);
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
        String text = read(file);
        return new PolicyStore(parse(file, text), file, sha256(text));
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
    public synchronized PolicySet replace(PolicySet policies) {
        PolicySet old = current.getAndSet(Objects.requireNonNull(policies, "policies"));
        version = null;
        return old;
    }

    /**
     * Returns the version of the policies in force: the SHA-256 (64 lowercase hex digits) of the policy text they
     * were read from. Replicas that read the same text show the same version, so comparing it across replicas
     * tells whether they all enforce the same policies.
     *
     * @return the version, or empty when the policies in force were put there from code ({@link #of},
     *     {@link #replace})
     */
    public Optional<String> version() {
        return Optional.ofNullable(version);
    }

    /**
     * Returns the policy file this store reads.
     *
     * @return the file, or empty for a store built from code
     */
    public Optional<Path> file() {
        return Optional.ofNullable(file);
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
        return load(read(file));
    }

    /** Puts the given text of the policy file in force if it is valid; the watcher hashes what it loads. */
    synchronized PolicySet load(String text) {
        PolicySet loaded = parse(file, text);
        current.set(loaded);
        version = sha256(text);
        return loaded;
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new ConfigurationException("Cannot read policy file " + file + ": " + e + ". Check the path and"
                    + " its permissions.", e);
        }
    }

    private static PolicySet parse(Path file, String text) {
        boolean json = file.getFileName() != null && file.getFileName().toString().endsWith(".json");
        return PolicyFile.parse(text, file.toString(), json);
    }

    static String sha256(String text) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
