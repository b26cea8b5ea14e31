package dev.aip.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.UsageRecord;
import dev.aip.emulator.BedrockEmulator;
import dev.aip.emulator.InvocationRecord;
import dev.aip.ledger.jdbc.JdbcLedger;
import dev.aip.testkit.LocalPostgres;
import dev.aip.testkit.LocalRedis;
import java.io.File;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Three gateway replicas, each its own JVM (as in production: a replica can be killed with {@code kill -9}), on one
 * Redis, one PostgreSQL and one Bedrock emulator. Calls go round-robin over the replicas, as a load balancer sends
 * them. Governance holds across replicas with exact counts, the PostgreSQL ledger equals what the emulator saw per
 * tenant, and a replica killed mid-load loses no answered call's record and leaves no concurrency slot held past its
 * lease.
 *
 * <p>The number of mixed calls is {@code -Daip.cluster.calls=N} (default 300; 5,000 by hand).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class GatewayClusterTest {

    static final int CALLS = Integer.getInteger("aip.cluster.calls", 300);
    static final int REPLICAS = 3;
    static final String HAIKU = "us.anthropic.claude-3-5-haiku-20241022-v1:0";
    static final List<String> TENANTS = List.of("mix1", "mix2", "rl", "cc", "bud", "kill", "held");
    static final int RATE_LIMIT = 10;
    static final int CONCURRENCY_CAP = 3;
    static final BigDecimal BUDGET = new BigDecimal("0.0040");
    static final Duration SLOT_LEASE = Duration.ofSeconds(6);
    static final Pattern RECORD_ID = Pattern.compile("\"record_id\":\"([^\"]+)\"");

    BedrockEmulator emulator;
    final List<Process> replicas = new ArrayList<>();
    final List<Integer> ports = new ArrayList<>();
    final AtomicInteger next = new AtomicInteger();
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    String schema;
    Instant started;
    /** Record ids of calls answered by a replica that was killed later. */
    final Set<String> answeredBeforeKill = ConcurrentHashMap.newKeySet();

    @BeforeAll
    void startCluster(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        String redis = LocalRedis.url();
        String postgres = LocalPostgres.url();
        schema = LocalPostgres.freshSchema();
        started = Instant.now().minusSeconds(5);
        emulator = BedrockEmulator.builder().invocationLogCapacity(100_000).build().start();
        emulator.script().forAnyModel().whenPromptContains("[throttle]").fail("ThrottlingException");
        emulator.script().forAnyModel().whenPromptContains("[slow]").delay(Duration.ofMillis(400)).replyAsModel();
        emulator.script().forAnyModel().whenPromptContains("[hold]").delay(Duration.ofMinutes(2)).replyAsModel();

        Path policies = dir.resolve("policies.yaml");
        Files.writeString(policies, String.join("\n",
                "defaults:",
                "  requestsPerMinute: unlimited",
                "  maxConcurrentCalls: unlimited",
                "tenants:",
                "  rl: { requestsPerMinute: " + RATE_LIMIT + " }",
                "  cc: { maxConcurrentCalls: " + CONCURRENCY_CAP + " }",
                "  held: { maxConcurrentCalls: " + CONCURRENCY_CAP + " }",
                "  bud: { budget: { usd: \"" + BUDGET.toPlainString() + "\", period: day, zone: UTC } }",
                ""));
        // The replicas get the main class path only: the tests' own configurations stay out of their contexts.
        String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.endsWith("test-classes")).collect(Collectors.joining(File.pathSeparator));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String prefix = "cluster" + System.nanoTime();
        for (int i = 0; i < REPLICAS; i++) {
            int port = GatewayClusterTest.freePort();
            List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1",
                    "-XX:+UseSerialGC", "-cp", classPath, GatewayApplication.class.getName(),
                    "--server.port=" + port,
                    "--aip.endpoint=" + emulator.endpoint(),
                    "--aip.region=" + emulator.region(),
                    "--aip.profiles.strategy=provisioning",
                    "--aip.profiles.account-id=" + emulator.accountId(),
                    "--aip.profiles.routes.claude-haiku=" + HAIKU,
                    "--aip.policy-file=" + policies,
                    "--aip.redis.uri=" + redis,
                    "--aip.redis.key-prefix=" + prefix,
                    "--aip.redis.slot-lease=" + SLOT_LEASE,
                    "--aip.ledger.jdbc.url=" + postgres,
                    "--aip.ledger.jdbc.schema=" + schema,
                    "--aip.ledger.jdbc.durability=sync",
                    "--aip.ledger.jdbc.spool=" + dir.resolve("replica-" + i + "-spool.jsonl"),
                    "--management.endpoints.web.exposure.include=health",
                    "--logging.level.root=WARN"));
            for (int t = 0; t < TENANTS.size(); t++) {
                command.add("--aip.tenants." + TENANTS.get(t) + ".tier=standard");
                command.add("--aip.gateway.keys[" + t + "].tenant=" + TENANTS.get(t));
                command.add("--aip.gateway.keys[" + t + "].sha256=" + ApiKeys.sha256Hex(key(TENANTS.get(t))));
            }
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("replica-" + i + ".log").toFile());
            pb.environment().put("AWS_ACCESS_KEY_ID", "AKIDAIPCLUSTER");
            pb.environment().put("AWS_SECRET_ACCESS_KEY", "aip-cluster");
            replicas.add(pb.start());
            ports.add(port);
        }
        for (int i = 0; i < REPLICAS; i++) {
            awaitReady(i, dir.resolve("replica-" + i + ".log"));
        }
    }

    @AfterAll
    void stopCluster() throws InterruptedException {
        for (Process p : replicas) {
            p.destroy();
        }
        for (Process p : replicas) {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        if (emulator != null) {
            emulator.close();
        }
    }

    @Test
    @Order(1)
    void mixedCalls_roundRobinWithThrottles_eachAnsweredOrThrottled() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        Semaphore window = new Semaphore(32);
        Map<Integer, Integer> expected = new ConcurrentHashMap<>();
        for (int i = 0; i < CALLS; i++) {
            String tenant = i % 2 == 0 ? "mix1" : "mix2";
            boolean throttled = i % 10 == 7;
            boolean stream = i % 3 == 0;
            window.acquire();
            calls.add(call(next(), tenant, (throttled ? "[throttle] " : "") + "Call " + i, stream)
                    .whenComplete((r, e) -> window.release()));
            // Bedrock throttled every attempt: the gateway answers 503 (capacity), not 429 (the tenant's limits).
            expected.merge(throttled ? 503 : 200, 1, Integer::sum);
        }
        Map<Integer, Integer> statuses = new HashMap<>();
        for (CompletableFuture<HttpResponse<String>> c : calls) {
            HttpResponse<String> r = c.get(2, TimeUnit.MINUTES);
            statuses.merge(r.statusCode(), 1, Integer::sum);
            if (r.statusCode() == 200 && r.request().uri().toString().contains("stream")) {
                assertThat(r.body()).endsWith("data: [DONE]\n\n");
            }
        }
        assertThat(statuses).isEqualTo(expected);
    }

    @Test
    @Order(2)
    void rateLimit_callsSpreadOverReplicas_admitsExactlyTheLimitOnce() throws Exception {
        long start = System.nanoTime();
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < RATE_LIMIT * 3; i++) {
            calls.add(call(next(), "rl", "Rate " + i, false));
        }
        int admitted = 0;
        int refused = 0;
        for (CompletableFuture<HttpResponse<String>> c : calls) {
            int status = c.get(2, TimeUnit.MINUTES).statusCode();
            if (status == 200) {
                admitted++;
            } else if (status == 429) {
                refused++;
            }
        }
        // Per-replica state would admit the limit on each replica (3x). The bucket refills one call every
        // 60 s / limit: exact while the burst lasts less than that, else the refills are the only extra.
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        long refills = seconds * RATE_LIMIT / 60;
        assertThat(admitted).isBetween(RATE_LIMIT, (int) (RATE_LIMIT + refills));
        assertThat(admitted + refused).isEqualTo(RATE_LIMIT * 3);
    }

    @Test
    @Order(3)
    void concurrencyCap_callsSpreadOverReplicas_neverExceededAtBedrock() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < CONCURRENCY_CAP * 6; i++) {
            calls.add(call(next(), "cc", "[slow] Cap " + i, i % 2 == 0));
        }
        int answered = 0;
        int refused = 0;
        for (CompletableFuture<HttpResponse<String>> c : calls) {
            int status = c.get(2, TimeUnit.MINUTES).statusCode();
            answered += status == 200 ? 1 : 0;
            refused += status == 429 ? 1 : 0;
        }
        assertThat(answered).isPositive();
        assertThat(refused).as("more calls than the cap arrived at once").isPositive();
        assertThat(answered + refused).isEqualTo(CONCURRENCY_CAP * 6);
        assertThat(maxInFlight(invocations("cc"))).isBetween(1, CONCURRENCY_CAP);
    }

    @Test
    @Order(4)
    void budget_callsSpreadOverReplicas_neverOverspent() throws Exception {
        int answered = 0;
        int refused = 0;
        for (int wave = 0; wave < 10 && refused == 0; wave++) {
            List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < 9; i++) {
                calls.add(call(next(), "bud", "Budget " + wave + "-" + i, i % 3 == 0));
            }
            for (CompletableFuture<HttpResponse<String>> c : calls) {
                int status = c.get(2, TimeUnit.MINUTES).statusCode();
                answered += status == 200 ? 1 : 0;
                refused += status != 200 ? 1 : 0;
            }
        }
        assertThat(answered).isPositive();
        assertThat(refused).as("the budget ran out").isPositive();
        BigDecimal spent = ledger().stream().filter(r -> r.tenant().value().equals("bud"))
                .map(r -> r.cost().amount().orElseThrow()).reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(spent).isPositive().isLessThanOrEqualTo(BUDGET);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Checks of shared state that other parts of the cluster add belong here, between the governance checks above
    // and the kill below (which leaves two replicas): an API key revoked through one replica refused by all; a
    // flooder on several replicas held to its fair share once, not once per replica; a policy change reaching
    // every replica.
    // ------------------------------------------------------------------------------------------------------------

    @Test
    @Order(10)
    void killOneReplicaMidLoad_everyAnsweredCallRecorded_itsSlotsFreeAfterTheirLease() throws Exception {
        int victim = REPLICAS - 1;
        // The victim holds every concurrency slot of "held" (calls that run for minutes), as all replicas see.
        List<CompletableFuture<HttpResponse<String>>> holding = new ArrayList<>();
        for (int i = 0; i < CONCURRENCY_CAP; i++) {
            holding.add(call(victim, "held", "[hold] " + i, false));
        }
        int probe = 0;
        for (long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(1); probe != 429 && System.nanoTime() < until; ) {
            probe = call(0, "held", "One more", false).get(1, TimeUnit.MINUTES).statusCode();
        }
        assertThat(probe).as("the cap is held across replicas").isEqualTo(429);

        // Load on every replica; the victim dies once some of it has been answered.
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        Semaphore window = new Semaphore(24);
        AtomicInteger answered = new AtomicInteger();
        for (int i = 0; i < 240; i++) {
            window.acquire();
            if (i == 120) {
                replicas.get(victim).destroyForcibly(); // SIGKILL: no shutdown, no flush
            }
            int replica = i < 120 ? i % REPLICAS : i % (REPLICAS - 1);
            calls.add(call(replica, "kill", "Kill " + i, i % 2 == 0).whenComplete((r, e) -> {
                window.release();
                if (r != null && r.statusCode() == 200) {
                    answered.incrementAndGet();
                    Matcher m = RECORD_ID.matcher(r.body());
                    if (m.find()) {
                        answeredBeforeKill.add(m.group(1));
                    }
                }
            }));
        }
        for (CompletableFuture<HttpResponse<String>> c : calls) {
            c.handle((r, e) -> r).get(2, TimeUnit.MINUTES);
        }
        assertThat(replicas.get(victim).waitFor(1, TimeUnit.MINUTES)).isTrue();
        assertThat(answered.get()).isGreaterThanOrEqualTo(120);
        assertThat(answeredBeforeKill).hasSizeGreaterThanOrEqualTo(answered.get() / 2);
        Set<String> inLedger = ledger().stream().map(UsageRecord::recordId).collect(Collectors.toSet());
        assertThat(inLedger).as("every answered call's record is in PostgreSQL").containsAll(answeredBeforeKill);

        // The dead replica's slots expire with their lease: "held" gets its whole cap back on the others.
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        boolean free = false;
        while (!free && System.nanoTime() < deadline) {
            List<CompletableFuture<HttpResponse<String>>> again = new ArrayList<>();
            for (int i = 0; i < CONCURRENCY_CAP; i++) {
                again.add(call(i % (REPLICAS - 1), "held", "[slow] Again " + i, false));
            }
            free = true;
            for (CompletableFuture<HttpResponse<String>> c : again) {
                free &= c.get(1, TimeUnit.MINUTES).statusCode() == 200;
            }
            if (!free) {
                Thread.sleep(500);
            }
        }
        assertThat(free).as("the killed replica's slots were reclaimed after their lease").isTrue();
    }

    @Test
    @Order(20)
    void ledger_perTenant_equalsWhatBedrockSaw() throws Exception {
        Map<String, long[]> ledger = new HashMap<>();
        Map<String, Integer> refusals = new HashMap<>();
        for (UsageRecord r : ledger()) {
            if (r.outcome() == Outcome.REJECTED_BY_POLICY) {
                // Refused by governance before Bedrock: recorded, never sent.
                refusals.merge(r.tenant().value(), 1, Integer::sum);
                continue;
            }
            long[] t = ledger.computeIfAbsent(r.tenant().value(), k -> new long[3]);
            t[0]++;
            t[1] += r.usage().totalInputTokens();
            t[2] += r.usage().outputTokens();
        }
        for (String tenant : List.of("mix1", "mix2", "rl", "cc", "bud")) {
            long[] truth = new long[3];
            for (InvocationRecord i : invocations(tenant)) {
                truth[0]++;
                truth[1] += i.totalInputTokens();
                truth[2] += i.outputTokens();
            }
            assertThat(truth[0]).as("%s reached Bedrock", tenant).isPositive();
            assertThat(ledger.get(tenant)).as("%s: records, input tokens, output tokens", tenant)
                    .containsExactly(truth);
        }
        assertThat(refusals.get("rl") + ledger.get("rl")[0]).isEqualTo(RATE_LIMIT * 3);
        assertThat(refusals.get("cc") + ledger.get("cc")[0]).isEqualTo(CONCURRENCY_CAP * 6);
        // The killed replica's calls: what it answered is recorded (above); what Bedrock saw may be more.
        assertThat(ledger.get("kill")[0]).isLessThanOrEqualTo(invocations("kill").size());
    }

    // ------------------------------------------------------------------------------------------------------------

    private int next() {
        return next.getAndIncrement() % REPLICAS;
    }

    static String key(String tenant) {
        return "sk-cluster-" + tenant;
    }

    private CompletableFuture<HttpResponse<String>> call(int replica, String tenant, String prompt, boolean stream) {
        String body = "{\"model\":\"claude-haiku\",\"max_tokens\":60," + (stream
                ? "\"stream\":true,\"stream_options\":{\"include_usage\":true}," : "")
                + "\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}";
        return http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.get(replica)
                        + "/v1/chat/completions" + (stream ? "?stream" : "")))
                .header("Authorization", "Bearer " + key(tenant)).header("Content-Type", "application/json")
                .timeout(Duration.ofMinutes(3)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private List<InvocationRecord> invocations(String tenant) {
        return emulator.invocations().stream()
                .filter(i -> tenant.equals(i.requestMetadata().get("tenantId"))).toList();
    }

    /** The most calls of the list that were running at Bedrock at one time (arrival to last byte). */
    static int maxInFlight(List<InvocationRecord> calls) {
        List<long[]> events = new ArrayList<>();
        for (InvocationRecord c : calls) {
            long start = c.timestamp().toEpochMilli();
            events.add(new long[] {start, 1});
            events.add(new long[] {start + c.latencyMs(), -1});
        }
        // Ends before starts at the same millisecond: a slot released then taken is not an overlap.
        events.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        int now = 0;
        int max = 0;
        for (long[] e : events) {
            now += (int) e[1];
            max = Math.max(max, now);
        }
        return max;
    }

    private List<UsageRecord> ledger() {
        PGSimpleDataSource db = new PGSimpleDataSource();
        db.setURL(LocalPostgres.url() + "&currentSchema=" + schema);
        try (Stream<UsageRecord> records = JdbcLedger.read(db, started, Instant.now().plusSeconds(600))) {
            return records.toList();
        }
    }

    private void awaitReady(int replica, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        while (System.nanoTime() < deadline) {
            if (!replicas.get(replica).isAlive()) {
                throw new IllegalStateException("replica " + replica + " exited:\n" + Files.readString(log));
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + ports.get(replica) + "/actuator/health/readiness")).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("replica " + replica + " not ready in 4 minutes:\n" + Files.readString(log));
    }

    private static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
