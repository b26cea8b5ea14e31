package dev.aip.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
 * lease. An API key created and revoked through one replica's admin endpoint works, then is refused, on every replica
 * (the PostgreSQL key store each refreshes); a flooder spread over the replicas gets its fair share once, exactly what
 * one instance would admit (fair share's windows on Redis).
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
    /**
     * Redis's lease on a slot: a dead replica's slots come back after it. Long enough that the held calls' slots are
     * still live when the probe that should find the cap full arrives, on a busy machine too.
     */
    static final Duration SLOT_LEASE = Duration.ofSeconds(20);
    static final Pattern RECORD_ID = Pattern.compile("\"record_id\":\"([^\"]+)\"");
    static final String ADMIN_TOKEN = "cluster-admin-token";
    /** The tenant of the keys created through the admin endpoint. */
    static final String KEYED = "keyed";
    /** Fair share's model: a route of its own, so the calls of the other checks are not in its windows. */
    static final String FAIR_MODEL = "us.anthropic.claude-3-haiku-20240307-v1:0";
    static final String FAIR_SOURCE = "anthropic.claude-3-haiku-20240307-v1:0";
    static final long FAIR_CAPACITY = 10_000;
    static final int FAIR_MAX_TOKENS = 1_000;
    /** A premium tenant with a steady load and a basic one flooding, on the fair-share model. */
    static final String QUIET = "quiet";
    static final String FLOODER = "flooder";

    static final ObjectMapper JSON = new ObjectMapper();

    BedrockEmulator emulator;
    final List<Process> replicas = new ArrayList<>();
    final List<Integer> ports = new ArrayList<>();
    final AtomicInteger next = new AtomicInteger();
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    String schema;
    String keySchema;
    Path policies;
    String basePolicies;
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
        // Fair share's calls use what they reserve: their output is their max_tokens.
        emulator.script().forAnyModel().whenPromptContains("[fair]").replyTokens(FAIR_MAX_TOKENS);

        policies = dir.resolve("policies.yaml");
        keySchema = LocalPostgres.freshSchema();
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
        basePolicies = Files.readString(policies);
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
                    "--aip.profiles.routes.claude-fair=" + FAIR_MODEL,
                    "--aip.policy-file=" + policies,
                    "--aip.redis.uri=" + redis,
                    "--aip.redis.key-prefix=" + prefix,
                    "--aip.redis.slot-lease=" + SLOT_LEASE,
                    "--aip.ledger.jdbc.url=" + postgres,
                    "--aip.ledger.jdbc.schema=" + schema,
                    "--aip.ledger.jdbc.durability=sync",
                    "--aip.ledger.jdbc.spool=" + dir.resolve("replica-" + i + "-spool.jsonl"),
                    "--aip.gateway.key-store.jdbc-url=" + postgres,
                    "--aip.gateway.key-store.schema=" + keySchema,
                    "--aip.gateway.key-store.refresh-interval=500ms",
                    "--aip.gateway.admin-token-sha256=" + ApiKeys.sha256Hex(ADMIN_TOKEN),
                    "--aip.tenants." + KEYED + ".tier=standard",
                    "--aip.tenants." + QUIET + ".tier=premium",
                    "--aip.tenants." + FLOODER + ".tier=basic",
                    "--management.endpoints.web.exposure.include=health,aip",
                    "--logging.level.root=WARN"));
            for (int t = 0; t < TENANTS.size(); t++) {
                command.add("--aip.tenants." + TENANTS.get(t) + ".tier=standard");
                command.add("--aip.gateway.keys[" + t + "].tenant=" + TENANTS.get(t));
                command.add("--aip.gateway.keys[" + t + "].sha256=" + ApiKeys.sha256Hex(key(TENANTS.get(t))));
            }
            for (String tenant : List.of(QUIET, FLOODER)) {
                int t = QUIET.equals(tenant) ? TENANTS.size() : TENANTS.size() + 1;
                command.add("--aip.gateway.keys[" + t + "].tenant=" + tenant);
                command.add("--aip.gateway.keys[" + t + "].sha256=" + ApiKeys.sha256Hex(key(tenant)));
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
        assertThat(InvocationRecord.peakInFlight(invocations("cc"))).isBetween(1, CONCURRENCY_CAP);
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
    // Shared state beyond governance, while all three replicas run (the kill below leaves two): an API key revoked
    // through one replica is refused by all; a flooder spread over the replicas gets its fair share once. (Policy
    // versions reaching every replica are proven by RedisConfigBusTest and ReplicaConfigSpringTest.)
    // ------------------------------------------------------------------------------------------------------------

    @Test
    @Order(5)
    void apiKey_revokedThroughOneReplica_refusedByEveryReplica() throws Exception {
        HttpResponse<String> created = send(0, "POST", "/admin/keys", "{\"tenant\":\"" + KEYED
                + "\",\"name\":\"cluster\"}", ADMIN_TOKEN);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode issued = JSON.readTree(created.body());
        String key = issued.get("key").asText();
        String id = issued.get("id").asText();

        // Every replica reads the store every 500 ms: the new key reaches the others with their next refresh.
        List<Integer> statuses = pollEveryReplica(key, 200);
        assertThat(statuses).as("the created key works on every replica").containsOnly(200);

        HttpResponse<String> revoked = send(0, "DELETE", "/admin/keys/" + id, null, ADMIN_TOKEN);
        assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(200);
        assertThat(JSON.readTree(revoked.body()).get("revokedAt").isNull()).isFalse();

        assertThat(pollEveryReplica(key, 401)).as("the revoked key is refused by every replica").containsOnly(401);
        for (int replica = 0; replica < REPLICAS; replica++) {
            HttpResponse<String> refused = send(replica, "POST", "/v1/chat/completions", chatBody("claude-haiku",
                    60, "After revocation"), key);
            assertThat(refused.statusCode()).isEqualTo(401);
            JsonNode error = JSON.readTree(refused.body()).get("error");
            assertThat(error.get("code").asText()).isEqualTo("invalid_api_key");
            assertThat(error.get("message").asText()).as("replica %d", replica).contains("revoked");
        }
    }

    @Test
    @Order(6)
    void fairShare_flooderSpreadOverReplicas_getsItsShareOnceNotOncePerReplica() throws Exception {
        // Fair share on a model of its own, turned on by a policy reload on every replica (and off again after).
        Files.writeString(policies, basePolicies + String.join("\n",
                "fairShare:",
                "  capacity:",
                "    " + FAIR_SOURCE + ": " + FAIR_CAPACITY,
                ""));
        try {
            reloadPoliciesEverywhere();
            // Six rounds of one quiet call and five flooder calls, one at a time, every call to the next replica.
            List<String[]> sequence = new ArrayList<>();
            for (int round = 0; round < 6; round++) {
                sequence.add(new String[] {QUIET, "[fair] q" + round});
                for (int f = 0; f < 5; f++) {
                    sequence.add(new String[] {FLOODER, "[fair] f" + round + f});
                }
            }
            Map<String, Integer> admitted = new HashMap<>();
            Map<String, Integer> sent = new HashMap<>();
            for (int i = 0; i < sequence.size(); i++) {
                String tenant = sequence.get(i)[0];
                HttpResponse<String> r = send(i % REPLICAS, "POST", "/v1/chat/completions",
                        chatBody("claude-fair", FAIR_MAX_TOKENS, sequence.get(i)[1]), key(tenant));
                sent.merge(tenant, 1, Integer::sum);
                if (r.statusCode() == 200) {
                    admitted.merge(tenant, 1, Integer::sum);
                } else {
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
                    assertThat(r.body()).as("refused by fair share").contains("fair share of");
                }
            }

            // The same sequence decided by one instance, and by three replicas each on its own state. Each call
            // reserves its estimate, ceil(prompt chars / 4) + max_tokens, and is settled to what it used: its
            // max_tokens of output plus its input as Bedrock counts it (3 tokens more per message). Either way a
            // call weighs a little over 1,000 tokens, so the model (capacity 10,000, congested above 9,000) is
            // congested from the ninth call on whichever of the two counts, and the decisions do not depend on
            // when a call's settlement lands relative to the next admission.
            Map<String, Integer> one = decide(sequence, 1, 0);
            assertThat(decide(sequence, 1, 3)).as("the count does not depend on the settlement").isEqualTo(one);
            Map<String, Integer> apart = decide(sequence, REPLICAS, 0);

            assertThat(admitted.get(FLOODER)).as("three replicas on one Redis admit what one instance admits")
                    .isEqualTo(one.get(FLOODER));
            assertThat(admitted.get(QUIET)).as("the quiet tenant loses nothing").isEqualTo(sent.get(QUIET));
            assertThat(one.get(FLOODER)).isLessThan(sent.get(FLOODER) / 4);
            assertThat(admitted.get(FLOODER)).as("far below each replica on its own")
                    .isLessThan(apart.get(FLOODER))
                    .isLessThan(3 * one.get(FLOODER));
        } finally {
            Files.writeString(policies, basePolicies);
            reloadPoliciesEverywhere();
        }
    }

    @Test
    @Order(10)
    void killOneReplicaMidLoad_everyAnsweredCallRecorded_itsSlotsFreeAfterTheirLease() throws Exception {
        int victim = REPLICAS - 1;
        // The victim holds every concurrency slot of "held" (calls that run for minutes), as all replicas see.
        List<CompletableFuture<HttpResponse<String>>> holding = new ArrayList<>();
        for (int i = 0; i < CONCURRENCY_CAP; i++) {
            holding.add(call(victim, "held", "[hold] " + i, false));
        }
        // Probe only once every held call has its slot (as the shared state says, asked through another replica):
        // a probe admitted earlier would take a slot a held call needs, and the cap would never fill.
        long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (inFlight(0, "held") < CONCURRENCY_CAP && System.nanoTime() < until) {
            assertThat(holding).as("the held calls are still running").noneMatch(CompletableFuture::isDone);
            Thread.sleep(100);
        }
        assertThat(inFlight(0, "held")).as("the held calls' slots, seen from another replica")
                .isEqualTo(CONCURRENCY_CAP);
        HttpResponse<String> probe = call(0, "held", "One more", false).get(1, TimeUnit.MINUTES);
        assertThat(probe.statusCode()).as("the cap is held across replicas: %s", probe.body()).isEqualTo(429);

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

    /**
     * Fair share's admissions for {@code sequence} (tenant, prompt) sent in turn to {@code instances} instances that
     * each decide on their own state, every call weighing its estimate plus {@code extra} tokens: a call passes while
     * the model's minute, the call included, stays within the capacity less 10 %, or while its tenant's minute
     * stays within its share (the capacity by tier weight over the tenants active on that instance: premium 4,
     * basic 1; premium's reserved 30 % is below its weighted share here), or if its tenant had used nothing; a
     * refused call's tokens are taken back.
     */
    static Map<String, Integer> decide(List<String[]> sequence, int instances, long extra) {
        long congested = FAIR_CAPACITY - FAIR_CAPACITY / 10;
        Map<String, Long> weights = Map.of(QUIET, 4L, FLOODER, 1L);
        long[] model = new long[instances];
        List<Map<String, Long>> used = new ArrayList<>();
        for (int n = 0; n < instances; n++) {
            used.add(new HashMap<>());
        }
        Map<String, Integer> admitted = new HashMap<>();
        for (int i = 0; i < sequence.size(); i++) {
            String tenant = sequence.get(i)[0];
            long tokens = (sequence.get(i)[1].length() + 3) / 4 + FAIR_MAX_TOKENS + extra;
            int n = i % instances;
            long mine = used.get(n).getOrDefault(tenant, 0L);
            long activeWeights = weights.get(tenant) + used.get(n).entrySet().stream()
                    .filter(e -> !e.getKey().equals(tenant) && e.getValue() > 0)
                    .mapToLong(e -> weights.get(e.getKey())).sum();
            long share = FAIR_CAPACITY * weights.get(tenant) / activeWeights;
            if (model[n] + tokens <= congested || mine == 0 || mine + tokens <= share) {
                model[n] += tokens;
                used.get(n).put(tenant, mine + tokens);
                admitted.merge(tenant, 1, Integer::sum);
            }
        }
        return admitted;
    }

    static String chatBody(String model, int maxTokens, String prompt) {
        return "{\"model\":\"" + model + "\",\"max_tokens\":" + maxTokens
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}";
    }

    /** One request to a replica, with {@code bearer} as its token (an API key or the admin token). */
    private HttpResponse<String> send(int replica, String method, String path, String body, String bearer)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.get(replica) + path))
                .timeout(Duration.ofMinutes(1)).header("Authorization", "Bearer " + bearer)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Calls every replica with {@code key} until all answer {@code status}, for at most 30 s; returns the last
     * answers' statuses.
     */
    private List<Integer> pollEveryReplica(String key, int status) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        List<Integer> statuses;
        while (true) {
            statuses = new ArrayList<>();
            for (int replica = 0; replica < REPLICAS; replica++) {
                statuses.add(send(replica, "POST", "/v1/chat/completions",
                        chatBody("claude-haiku", 60, "Key " + replica), key).statusCode());
            }
            if (statuses.stream().allMatch(s -> s == status) || System.nanoTime() > deadline) {
                return statuses;
            }
            Thread.sleep(200);
        }
    }

    /** A tenant's calls holding a concurrency slot, as a replica reads them ({@code GET /actuator/aip/{tenant}}). */
    private int inFlight(int replica, String tenant) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + ports.get(replica) + "/actuator/aip/" + tenant)).timeout(Duration.ofSeconds(30)).GET()
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        Matcher m = Pattern.compile("\"inFlight\":(\\d+)").matcher(r.body());
        assertThat(m.find()).as(r.body()).isTrue();
        return Integer.parseInt(m.group(1));
    }

    /** Reloads the policy file on every live replica ({@code POST /actuator/aip/policies/reload}). */
    private void reloadPoliciesEverywhere() throws Exception {
        for (int replica = 0; replica < REPLICAS; replica++) {
            if (!replicas.get(replica).isAlive()) {
                continue;
            }
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                            + ports.get(replica) + "/actuator/aip/policies/reload")).timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
    }

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
