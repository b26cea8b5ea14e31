package dev.aip.testkit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.opentest4j.AssertionFailedError;

/**
 * A Redis server for tests: {@code AIP_REDIS_URL} if set; else a {@code redis-server} (Debian's {@code redis-server}
 * package) started on a free loopback port for this JVM and stopped when it exits; else the test is skipped through a
 * JUnit assumption, unless {@code AIP_REQUIRE_REDIS=1}, when it fails (so a CI that promises Redis cannot pass by
 * skipping).
 *
 * <pre>{@code
 * RedisGovernanceState redis = RedisGovernanceState.builder().uri(LocalRedis.url()).build();
 * }</pre>
 *
 * <p>The server keeps nothing on disk. Thread-safe; one server per JVM.
 */
public final class LocalRedis {

    private static String url;

    private LocalRedis() {
    }

    /**
     * Returns the URL ({@code redis://host:port}) of a running Redis, starting one on first use.
     *
     * @return the URL
     * @throws org.opentest4j.TestAbortedException when there is no Redis and none is required
     */
    public static synchronized String url() {
        if (url == null) {
            url = find();
        }
        return url;
    }

    /** Returns a {@code redis://} URL on which nothing listens, for failure tests. */
    public static String unreachableUrl() {
        return "redis://127.0.0.1:" + Ports.free();
    }

    private static String find() {
        String env = System.getenv("AIP_REDIS_URL");
        if (env != null && !env.isBlank()) {
            return env;
        }
        File binary = onPath("redis-server");
        if (binary == null) {
            if ("1".equals(System.getenv("AIP_REQUIRE_REDIS"))) {
                throw new AssertionFailedError("AIP_REQUIRE_REDIS=1 but neither AIP_REDIS_URL is set nor"
                        + " redis-server is on the PATH: apt-get install redis-server");
            }
            assumeTrue(false, "No Redis: set AIP_REDIS_URL or install redis-server");
        }
        int port = Ports.free();
        Process process;
        try {
            process = new ProcessBuilder(binary.getPath(), "--port", Integer.toString(port), "--bind",
                    "127.0.0.1", "--save", "", "--appendonly", "no")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new IllegalStateException("Could not start " + binary, e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroy));
        String started = "redis://127.0.0.1:" + port;
        awaitReady(started, process);
        return started;
    }

    /** Waits until the server answers PING; each attempt is refused at once until it listens. */
    private static void awaitReady(String redisUrl, Process process) {
        URI uri = URI.create(redisUrl);
        IOException last = null;
        for (int attempt = 0; attempt < 1_000; attempt++) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server exited with " + process.exitValue());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 1_000);
                s.setSoTimeout(5_000);
                OutputStream out = s.getOutputStream();
                out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = s.getInputStream();
                byte[] answer = in.readNBytes(7);
                if (new String(answer, StandardCharsets.US_ASCII).equals("+PONG\r\n")) {
                    return;
                }
            } catch (IOException e) {
                last = e;
            }
            Ports.pause();
        }
        throw new IllegalStateException("redis-server at " + redisUrl + " did not come up", last);
    }

    static File onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            File f = new File(dir, name);
            if (f.canExecute()) {
                return f;
            }
        }
        for (String dir : new String[] {"/usr/bin", "/usr/sbin", "/usr/local/bin"}) {
            File f = new File(dir, name);
            if (f.canExecute()) {
                return f;
            }
        }
        return null;
    }
}
