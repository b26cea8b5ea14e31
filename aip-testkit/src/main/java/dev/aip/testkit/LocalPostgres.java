package dev.aip.testkit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.opentest4j.AssertionFailedError;

/**
 * A PostgreSQL server for tests: {@code AIP_PG_URL} if set (a {@code jdbc:postgresql:} URL with its credentials);
 * else a server started for this JVM from Debian's {@code postgresql} package ({@code /usr/lib/postgresql/<version>/bin},
 * the newest): a fresh {@code initdb} in a temporary directory, {@code postgres} on a free loopback port with
 * durability off (tests do not survive power loss), stopped and deleted when the JVM exits. PostgreSQL refuses to run
 * as root, so when the JVM runs as root both run as the {@code postgres} OS user (which the package creates) through
 * {@code runuser}. Without either the test is skipped through a JUnit assumption, unless
 * {@code AIP_REQUIRE_POSTGRES=1}, when it fails.
 *
 * <pre>{@code
 * JdbcLedger ledger = JdbcLedger.builder().jdbcUrl(LocalPostgres.url()).schema(LocalPostgres.freshSchema()).build();
 * }</pre>
 *
 * <p>Thread-safe; one server per JVM.
 */
public final class LocalPostgres {

    private static final AtomicInteger SCHEMAS = new AtomicInteger();
    private static String url;

    private LocalPostgres() {
    }

    /**
     * Returns the JDBC URL of a running PostgreSQL (user {@code postgres}, database {@code postgres}), starting one on
     * first use.
     *
     * @return the URL
     * @throws org.opentest4j.TestAbortedException when there is no PostgreSQL and none is required
     */
    public static synchronized String url() {
        if (url == null) {
            url = find();
        }
        return url;
    }

    /** Returns a schema name no other caller in this JVM (or another JVM's tests) gets: {@code t<pid>_<n>}. */
    public static String freshSchema() {
        return "t" + ProcessHandle.current().pid() + "_" + SCHEMAS.incrementAndGet();
    }

    /** Returns a JDBC URL on which nothing listens, for failure tests. */
    public static String unreachableUrl() {
        return "jdbc:postgresql://127.0.0.1:" + Ports.free() + "/postgres?user=postgres&connectTimeout=1";
    }

    private static String find() {
        String env = System.getenv("AIP_PG_URL");
        if (env != null && !env.isBlank()) {
            return env;
        }
        Path bin = newestBin();
        if (bin == null) {
            if ("1".equals(System.getenv("AIP_REQUIRE_POSTGRES"))) {
                throw new AssertionFailedError("AIP_REQUIRE_POSTGRES=1 but neither AIP_PG_URL is set nor is"
                        + " PostgreSQL installed (/usr/lib/postgresql/<version>/bin/initdb): apt-get install postgresql");
            }
            assumeTrue(false, "No PostgreSQL: set AIP_PG_URL or install Debian's postgresql package");
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        try {
            Path dir = Files.createTempDirectory("aip-pg");
            Path data = dir.resolve("data");
            Path log = dir.resolve("server.log");
            if (root) {
                run(List.of("chown", "-R", "postgres:", dir.toString()), dir,
                        "the postgres OS user is missing? Debian's postgresql package creates it");
            }
            run(asServerUser(root, bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres",
                    "--auth=trust", "-E", "UTF8", "--no-sync"), dir, "initdb failed");
            int port = Ports.free();
            Process server = new ProcessBuilder(asServerUser(root, bin.resolve("postgres").toString(),
                    "-D", data.toString(), "-p", Integer.toString(port), "-k", dir.toString(),
                    "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
                    "-c", "full_page_writes=off", "-c", "max_connections=300"))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(root, bin, data, server, dir)));
            awaitReady(bin, port, server, log);
            return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres";
        } catch (IOException e) {
            throw new IllegalStateException("Could not start PostgreSQL from " + bin, e);
        }
    }

    private static Path newestBin() {
        File[] versions = new File("/usr/lib/postgresql").listFiles();
        if (versions == null) {
            return null;
        }
        return Arrays.stream(versions)
                .filter(v -> new File(v, "bin/initdb").canExecute() && new File(v, "bin/postgres").canExecute())
                .max(Comparator.comparingInt(v -> version(v.getName())))
                .map(v -> v.toPath().resolve("bin"))
                .orElse(null);
    }

    private static int version(String name) {
        try {
            return Integer.parseInt(name);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static List<String> asServerUser(boolean root, String... command) {
        List<String> full = new ArrayList<>();
        if (root) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(Arrays.asList(command));
        return full;
    }

    private static void run(List<String> command, Path dir, String hint) throws IOException {
        Path out = Files.createTempFile("aip-pg-cmd", ".log");
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(out.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + ": " + hint + "\n"
                        + Files.readString(out, StandardCharsets.UTF_8));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while running " + command, e);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** Waits until {@code pg_isready} says the server takes connections. */
    private static void awaitReady(Path bin, int port, Process server, Path log) throws IOException {
        for (int attempt = 0; attempt < 1_200; attempt++) {
            if (!server.isAlive()) {
                throw new IllegalStateException("postgres exited with " + server.exitValue() + ":\n"
                        + Files.readString(log, StandardCharsets.UTF_8));
            }
            try {
                Process probe = new ProcessBuilder(bin.resolve("pg_isready").toString(), "-q", "-h", "127.0.0.1",
                        "-p", Integer.toString(port), "-U", "postgres", "-d", "postgres")
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (probe.waitFor(30, TimeUnit.SECONDS) && probe.exitValue() == 0) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for PostgreSQL", e);
            }
            Ports.pause();
        }
        throw new IllegalStateException("postgres on port " + port + " did not come up:\n"
                + Files.readString(log, StandardCharsets.UTF_8));
    }

    private static void stop(boolean root, Path bin, Path data, Process server, Path dir) {
        try {
            Process p = new ProcessBuilder(asServerUser(root, bin.resolve("pg_ctl").toString(), "stop", "-D",
                    data.toString(), "-m", "immediate", "-w"))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            p.waitFor(30, TimeUnit.SECONDS);
        } catch (IOException e) {
            // fall through to the kill below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.destroyForcibly();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind
        }
    }
}
