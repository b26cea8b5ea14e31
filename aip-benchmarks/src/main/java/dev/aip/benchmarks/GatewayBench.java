package dev.aip.benchmarks;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The gateway against the emulator it fronts, in one command: every scenario of the gateway's aims, each measured
 * straight to the emulator and through {@code aip-gateway}, alternating in one run, and printed as one table.
 *
 * <pre>{@code
 * mvn -B -q -ntp -DskipTests package -pl aip-benchmarks,aip-cli,aip-gateway -am
 * java -cp aip-benchmarks/target/benchmarks.jar dev.aip.benchmarks.GatewayBench --warmup 60 --seconds 20
 * }</pre>
 *
 * <p>The emulator ({@code aip emulator}) and the gateway ({@code aip-gateway.jar}, its dev profile with the
 * in-process emulator off and {@code aip.endpoint} pointing at the standalone one) run in their own JVMs; this JVM is
 * the load generator (the JDK's HTTP client, a fixed number of requests in flight per scenario: its "connections").
 * Straight calls are Converse requests to the emulator; gateway calls are OpenAI chat completions for the same model
 * and prompt, as tenant {@code acme} (key {@code sk-acme-dev}; its in-flight cap lifted, and the gateway's async Bedrock
 * client allowed 4,096 connections, so the widest scenario is not refused). Each scenario warms both paths up, then
 * measures
 * direct, gateway, direct, gateway; the table gives the better round of each.
 *
 * <p>Options: {@code --warmup S} seconds per latency setting before measuring (default 60: a cold JIT halves the
 * figures), {@code --seconds S} per measured round (default 20), {@code --streams N} for the SSE scenario (default
 * 10,000), {@code --only NAME,...} scenario names ({@code c1}, {@code c16}, {@code c64}, {@code c2000-1s},
 * {@code sse}), {@code --gateway-jvm "OPTIONS"} JVM options of the gateway's process (e.g. a heap bound),
 * {@code --gateway-args "--name=value ..."} settings of the gateway.
 */
public final class GatewayBench {

    private static final String MODEL = "claude-haiku";
    private static final String SOURCE = "us.anthropic.claude-3-5-haiku-20241022-v1:0";
    /** The standalone emulator's account, which the gateway needs to expand the system profile ids it routes to. */
    private static final String ACCOUNT = "123456789012";
    private static final String PROMPT = "Summarise the quarterly report in three bullet points.";

    /** One row of the table: how many requests in flight, at what model latency. */
    record Scenario(String name, int connections, Duration latency) {
    }

    /** What one measured round saw. */
    record Round(double callsPerSecond, double p50Millis, double p99Millis, long errors) {
    }

    private GatewayBench() {
    }

    public static void main(String[] args) throws Exception {
        int warmup = Args.integer(args, "--warmup", 60);
        int seconds = Args.integer(args, "--seconds", 20);
        int streams = Args.integer(args, "--streams", 10_000);
        String only = Args.str(args, "--only", "");
        // JVM options of the gateway's process, e.g. --gateway-jvm "-Xmx512m -XX:+UseSerialGC".
        gatewayJvm = List.of(Args.str(args, "--gateway-jvm", "").trim().split("\\s+")).stream()
                .filter(o -> !o.isEmpty()).toList();
        // Extra gateway settings, e.g. --gateway-args "--aip.gateway.share-event-loops=false".
        gatewayArgs = List.of(Args.str(args, "--gateway-args", "").trim().split("\\s+")).stream()
                .filter(o -> !o.isEmpty()).toList();
        List<Scenario> scenarios = new ArrayList<>(List.of(
                new Scenario("c1", 1, Duration.ZERO),
                new Scenario("c16", 16, Duration.ZERO),
                new Scenario("c64", 64, Duration.ZERO),
                new Scenario("c2000-1s", 2000, Duration.ofSeconds(1))));
        if (!only.isEmpty()) {
            List<String> names = Arrays.asList(only.split(","));
            scenarios.removeIf(s -> !names.contains(s.name()));
        }
        Path root = Path.of("").toAbsolutePath();
        Path cli = root.resolve("aip-cli/target/aip.jar");
        Path gateway = root.resolve("aip-gateway/target/aip-gateway.jar");
        for (Path jar : List.of(cli, gateway)) {
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException(jar + " is missing: build it first with"
                        + " mvn -B -q -ntp -DskipTests package -pl aip-benchmarks,aip-cli,aip-gateway -am");
            }
        }
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newFixedThreadPool(4)).connectTimeout(Duration.ofSeconds(10)).build();
        Map<Scenario, Round[]> results = new LinkedHashMap<>();
        Map<Duration, List<Scenario>> byLatency = new LinkedHashMap<>();
        for (Scenario s : scenarios) {
            byLatency.computeIfAbsent(s.latency(), k -> new ArrayList<>()).add(s);
        }
        for (Map.Entry<Duration, List<Scenario>> group : byLatency.entrySet()) {
            int emulatorPort = freePort();
            int gatewayPort = freePort();
            List<String> emulatorCmd = new ArrayList<>(List.of("java", "-jar", cli.toString(), "emulator",
                    "--port", Integer.toString(emulatorPort)));
            if (!group.getKey().isZero()) {
                emulatorCmd.addAll(List.of("--latency", group.getKey().toMillis() + "ms"));
            }
            Process emulator = start(emulatorCmd, Map.of());
            Process gw = null;
            try {
                waitFor(http, URI.create("http://127.0.0.1:" + emulatorPort + "/foundation-models"));
                gw = start(gatewayCommand(gateway, gatewayPort, emulatorPort, 4096), Map.of("AWS_ACCESS_KEY_ID", "bench", "AWS_SECRET_ACCESS_KEY", "bench"));
                waitFor(http, URI.create("http://127.0.0.1:" + gatewayPort + "/actuator/health"));
                Target direct = directTarget(emulatorPort);
                Target through = gatewayTarget(gatewayPort);
                int widest = group.getValue().stream().mapToInt(Scenario::connections).max().orElse(1);
                System.out.printf("latency %s: warming up %d s (direct and gateway alternately, %d in flight)%n",
                        group.getKey(), warmup, widest);
                for (int left = warmup; left > 0; left -= 10) {
                    run(http, direct, widest, Math.min(5, left));
                    run(http, through, widest, Math.min(5, left));
                }
                for (Scenario s : group.getValue()) {
                    Round d1 = run(http, direct, s.connections(), seconds);
                    Round g1 = run(http, through, s.connections(), seconds);
                    Round d2 = run(http, direct, s.connections(), seconds);
                    Round g2 = run(http, through, s.connections(), seconds);
                    results.put(s, new Round[] {better(d1, d2), better(g1, g2)});
                    System.out.printf("%s done%n", s.name());
                }
            } finally {
                stop(gw, emulator);
            }
        }
        System.out.println();
        System.out.println("| scenario | direct calls/s | direct p50 / p99 ms | gateway calls/s | gateway p50 / p99 ms"
                + " | gateway / direct | added p50 / p99 ms | errors (direct, gateway) |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (Map.Entry<Scenario, Round[]> e : results.entrySet()) {
            Round d = e.getValue()[0];
            Round g = e.getValue()[1];
            System.out.printf(Locale.ROOT, "| %d connections, latency %d ms | %.0f | %.2f / %.2f | %.0f | %.2f / %.2f"
                    + " | %.2f | %.2f / %.2f | %d, %d |%n", e.getKey().connections(),
                    e.getKey().latency().toMillis(), d.callsPerSecond(), d.p50Millis(), d.p99Millis(),
                    g.callsPerSecond(), g.p50Millis(), g.p99Millis(), g.callsPerSecond() / d.callsPerSecond(),
                    g.p50Millis() - d.p50Millis(), g.p99Millis() - d.p99Millis(), d.errors(), g.errors());
        }
        if (only.isEmpty() || Arrays.asList(only.split(",")).contains("sse")) {
            System.out.println();
            System.out.println(sse(http, cli, gateway, streams));
        }
        System.exit(0);
    }

    /**
     * Holds {@code count} SSE streams through the gateway at once (time to first token 300 ms, 100 chunks 50 ms apart):
     * how many ended with {@code [DONE]}, how long the whole batch took, the gateway's peak resident memory, and how
     * many calls the gateway metered for the tenant.
     */
    private static String sse(HttpClient http, Path cli, Path gateway, int count) throws Exception {
        int emulatorPort = freePort();
        int gatewayPort = freePort();
        Process emulator = start(List.of("java", "-jar", cli.toString(), "emulator", "--port",
                Integer.toString(emulatorPort), "--ttft", "300ms", "--chunk-delay", "50ms", "--reply-tokens", "100",
                "--stream-chunk-tokens", "1"), Map.of());
        Process gw = null;
        try {
            waitFor(http, URI.create("http://127.0.0.1:" + emulatorPort + "/foundation-models"));
            gw = start(gatewayCommand(gateway, gatewayPort, emulatorPort, count), Map.of("AWS_ACCESS_KEY_ID", "bench",
                    "AWS_SECRET_ACCESS_KEY", "bench"));
            waitFor(http, URI.create("http://127.0.0.1:" + gatewayPort + "/actuator/health"));
            String body = "{\"model\":\"" + MODEL + "\",\"stream\":true,\"max_tokens\":256,\"messages\":"
                    + "[{\"role\":\"user\",\"content\":\"" + PROMPT + "\"}]}";
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatewayPort
                            + "/v1/chat/completions"))
                    .header("Content-Type", "application/json").header("Authorization", "Bearer sk-acme-dev")
                    .timeout(Duration.ofMinutes(5)).POST(HttpRequest.BodyPublishers.ofString(body)).build();
            // Warm the path up first: a few rounds of a few hundred streams at once (each lasts about 5.3 s).
            for (int round = 0; round < 3; round++) {
                List<CompletableFuture<?>> warm = new ArrayList<>();
                for (int i = 0; i < 300; i++) {
                    warm.add(http.sendAsync(request, HttpResponse.BodyHandlers.discarding()));
                }
                CompletableFuture.allOf(warm.toArray(CompletableFuture[]::new))
                        .exceptionally(e -> null).join();
            }
            long before = meteredCalls(http, gatewayPort);
            AtomicLong done = new AtomicLong();
            AtomicLong failed = new AtomicLong();
            long start = System.nanoTime();
            List<CompletableFuture<?>> all = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                all.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofLines()).thenAccept(r -> {
                    boolean finished = r.statusCode() == 200 && r.body().anyMatch("data: [DONE]"::equals);
                    (finished ? done : failed).incrementAndGet();
                }).exceptionally(e -> {
                    failed.incrementAndGet();
                    return null;
                }));
            }
            long peakRss = 0;
            CompletableFuture<Void> every = CompletableFuture.allOf(
                    all.toArray(CompletableFuture[]::new));
            while (!every.isDone()) {
                peakRss = Math.max(peakRss, rssKiB(gw.pid()));
                Thread.sleep(200);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Thread.sleep(2_000);   // records of the last streams reach the aggregates
            long metered = meteredCalls(http, gatewayPort) - before;
            return String.format(Locale.ROOT, "| %,d SSE streams at once (TTFT 300 ms, 100 chunks 50 ms apart) | %,d"
                    + " ended with [DONE], %,d failed or cut | all done in %.1f s | gateway peak RSS %,d MiB |"
                    + " metered %,d calls |", count, done.get(), failed.get(), seconds, peakRss / 1024, metered);
        } finally {
            stop(gw, emulator);
        }
    }

    /** The tenant's calls as the gateway's {@code /actuator/aip} counts them; -1 if it cannot be read. */
    private static long meteredCalls(HttpClient http, int gatewayPort) {
        try {
            String json = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatewayPort
                    + "/actuator/aip")).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
            Matcher m = Pattern.compile("\"acme\"\\s*:\\s*\\{[^}]*?\"calls\"\\s*:\\s*(\\d+)")
                    .matcher(json);
            return m.find() ? Long.parseLong(m.group(1)) : -1;
        } catch (IOException | InterruptedException e) {
            return -1;
        }
    }

    /** The resident memory of a process, from /proc; 0 where that cannot be read. */
    private static long rssKiB(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }

    /** Extra JVM options of the gateway's process ({@code --gateway-jvm}). */
    private static List<String> gatewayJvm = List.of();
    /** Extra settings of the gateway ({@code --gateway-args}). */
    private static List<String> gatewayArgs = List.of();

    private static List<String> gatewayCommand(Path gateway, int gatewayPort, int emulatorPort, int inFlight) {
        List<String> command = new ArrayList<>(List.of("java"));
        command.addAll(gatewayJvm);
        command.addAll(List.of("-jar", gateway.toString(), "--server.port=" + gatewayPort,
                "--spring.profiles.active=dev", "--aip.emulator.enabled=false",
                "--aip.endpoint=http://127.0.0.1:" + emulatorPort, "--aip.region=us-east-1",
                "--aip.profiles.account-id=" + ACCOUNT,
                // One tenant drives every scenario: lift its in-flight cap above the widest scenario, and let the
                // async Bedrock client hold as many calls as the gateway does.
                "--aip.gateway.max-in-flight-per-tenant=100000", "--aip.gateway.max-in-flight=100000",
                "--aip.http.max-connections=" + Math.max(4096, inFlight + 100)));
        command.addAll(gatewayArgs);
        return command;
    }

    /** Where and what to send. */
    record Target(String name, HttpRequest request) {
    }

    private static Target directTarget(int port) {
        String body = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"" + PROMPT + "\"}]}],"
                + "\"inferenceConfig\":{\"maxTokens\":256}}";
        return new Target("direct", HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/model/"
                        + SOURCE.replace(":", "%3A") + "/converse"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private static Target gatewayTarget(int port) {
        String body = "{\"model\":\"" + MODEL + "\",\"max_tokens\":256,\"messages\":[{\"role\":\"user\",\"content\":\""
                + PROMPT + "\"}]}";
        return new Target("gateway", HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/v1/chat/completions"))
                .header("Content-Type", "application/json").header("Authorization", "Bearer sk-acme-dev")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    /** Keeps {@code inFlight} requests going for {@code seconds}; latencies of requests started in that time. */
    private static Round run(HttpClient http, Target target, int inFlight, int seconds) throws InterruptedException {
        Load.Result r = Load.keepInFlight(inFlight, seconds, () -> http.sendAsync(target.request(),
                HttpResponse.BodyHandlers.discarding()).thenApply(response -> response.statusCode() == 200));
        return new Round(r.perSecond(), r.percentileMs(0.50), r.percentileMs(0.99), r.errors());
    }

    private static Round better(Round a, Round b) {
        return a.callsPerSecond() >= b.callsPerSecond() ? a : b;
    }

    private static Process start(List<String> command, Map<String, String> env) throws IOException {
        ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        b.environment().putAll(env);
        return b.start();
    }

    private static void waitFor(HttpClient http, URI uri) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            try {
                http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.discarding());
                return;
            } catch (IOException notYet) {
                Thread.sleep(200);
            }
        }
        throw new IllegalStateException(uri + " did not answer within 120 s");
    }

    /** Stops the gateway (if it was started) and then the emulator, waiting for each. */
    private static void stop(Process gateway, Process emulator) throws InterruptedException {
        if (gateway != null) {
            gateway.destroy();
            gateway.waitFor(30, TimeUnit.SECONDS);
        }
        emulator.destroy();
        emulator.waitFor(30, TimeUnit.SECONDS);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
