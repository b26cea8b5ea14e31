package dev.aip.governance.redis;

import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;

/**
 * The Redis the tests use: {@code AIP_REDIS_URL} if set; else a {@code redis-server} started on a free loopback port
 * for this JVM, if the binary is on the PATH; else the test is skipped, unless {@code AIP_REQUIRE_REDIS=1}, when it
 * fails.
 */
public final class RedisServer {

    private static String url;

    private RedisServer() {
    }

    /** Returns the URL of a running Redis, or skips (or fails) the test. */
    public static synchronized String url() {
        if (url == null) {
            url = find();
        }
        return url;
    }

    /** Returns a URL on which nothing listens. */
    public static String unreachableUrl() {
        return "redis://127.0.0.1:" + freePort();
    }

    private static String find() {
        String env = System.getenv("AIP_REDIS_URL");
        if (env != null && !env.isBlank()) {
            return env;
        }
        boolean required = "1".equals(System.getenv("AIP_REQUIRE_REDIS"));
        File binary = onPath("redis-server");
        if (binary == null) {
            if (required) {
                fail("AIP_REQUIRE_REDIS=1 but neither AIP_REDIS_URL is set nor redis-server is on the PATH");
            }
            assumeTrue(false, "No Redis: set AIP_REDIS_URL or install redis-server");
        }
        int port = freePort();
        try {
            Process process = new ProcessBuilder(binary.getPath(), "--port", Integer.toString(port), "--bind",
                    "127.0.0.1", "--save", "", "--appendonly", "no")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            Runtime.getRuntime().addShutdownHook(new Thread(process::destroy));
        } catch (IOException e) {
            throw new IllegalStateException("Could not start " + binary, e);
        }
        String started = "redis://127.0.0.1:" + port;
        awaitReady(started);
        return started;
    }

    /** Waits until the server answers PING: connection attempts, each refused at once until it listens. */
    private static void awaitReady(String redisUrl) {
        RedisClient client = RedisClient.create(redisUrl);
        try {
            RuntimeException last = null;
            for (int attempt = 0; attempt < 500; attempt++) {
                try (StatefulRedisConnection<String, String> c = client.connect()) {
                    c.sync().ping();
                    return;
                } catch (RedisConnectionException e) {
                    last = e;
                    Thread.onSpinWait();
                }
            }
            throw new IllegalStateException("redis-server at " + redisUrl + " did not come up", last);
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
    }

    private static File onPath(String name) {
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

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
