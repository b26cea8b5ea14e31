package dev.aip.agentcore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aip.core.BudgetExceededException;
import dev.aip.core.ConfigurationException;
import dev.aip.core.UnknownTenantException;
import dev.aip.core.bedrock.BedrockChatTransport;
import dev.aip.core.chat.ChatClient;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatPipeline;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.ChatResponse;
import dev.aip.core.chat.ChatStreamListener;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.TenantScope;
import dev.aip.testkit.EmulatorFixture;
import dev.aip.testkit.ManualClock;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The AgentCore Runtime HTTP contract, driven with the JDK's HTTP client on loopback and the Bedrock emulator. */
class AgentCoreServerTest {

    @RegisterExtension
    static final EmulatorFixture BEDROCK = EmulatorFixture.builder().tenants("acme", "globex").build();

    static final ObjectMapper JSON = new ObjectMapper();
    static final String SESSION_A = "session-acme-0001-aaaaaaaaaaaaaaaaaaaaa";
    static final String SESSION_B = "session-globex-0002-bbbbbbbbbbbbbbbbbbbb";

    final HttpClient http = HttpClient.newHttpClient();
    final List<AgentCoreServer> servers = new ArrayList<>();
    ChatClient chat;

    @BeforeEach
    void setUp() {
        BEDROCK.reset();
        chat = ChatPipeline.builder().resolver(BEDROCK.resolver()).meter(BEDROCK.meter())
                .transport(BedrockChatTransport.builder().client(BEDROCK.runtimeClient())
                        .asyncClient(BEDROCK.asyncRuntimeClient()).build())
                .build();
    }

    @AfterEach
    void tearDown() {
        servers.forEach(AgentCoreServer::close);
    }

    /** The agent of most tests: one model call for the tenant in scope, the prompt from the payload. */
    AgentHandler agent() {
        return invocation -> Map.of("response", chat.chat(request(invocation)).text());
    }

    static ChatRequest request(Invocation invocation) {
        return ChatRequest.builder().model(EmulatorFixture.MODEL)
                .message(ChatMessage.user(invocation.text("prompt").orElse("hello"))).build();
    }

    /** Most tests: the JWT claim for end users, then the custom header for the SaaS backend. */
    static final TenantIdentity IDENTITY = TenantIdentity.firstOf(TenantIdentity.jwtClaim(), TenantIdentity.header());

    AgentCoreServer serve(AgentHandler handler) {
        return serve(handler, IDENTITY, b -> { });
    }

    AgentCoreServer serve(AgentHandler handler, Consumer<AgentCoreServer.Builder> settings) {
        return serve(handler, IDENTITY, settings);
    }

    AgentCoreServer serve(AgentHandler handler, TenantIdentity identity, Consumer<AgentCoreServer.Builder> settings) {
        AgentCoreServer.Builder b = AgentCoreServer.builder().port(0).bindAddress("127.0.0.1").handler(handler)
                .identity(identity);
        settings.accept(b);
        AgentCoreServer server = b.build().start();
        servers.add(server);
        return server;
    }

    static String jwt(String claims) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8)) + ".c2lnbmF0dXJl";
    }

    HttpRequest.Builder invocation(AgentCoreServer server, String body) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/invocations"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode ping(AgentCoreServer server) throws IOException, InterruptedException {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                + "/ping")).GET());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        return JSON.readTree(r.body());
    }

    /** Polls /ping until it reports {@code status}; the deadline only bounds a hang. */
    JsonNode awaitPing(AgentCoreServer server, String status) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        JsonNode last = ping(server);
        while (!status.equals(last.get("status").asText()) && System.nanoTime() < deadline) {
            Thread.sleep(5);
            last = ping(server);
        }
        assertThat(last.get("status").asText()).isEqualTo(status);
        return last;
    }

    @Test
    void ping_idle_isHealthyWithTheStartTime() throws Exception {
        ManualClock clock = ManualClock.start();
        AgentCoreServer server = serve(agent(), b -> b.clock(clock));
        clock.advance(Duration.ofMinutes(5));

        JsonNode ping = ping(server);

        assertThat(ping.get("status").asText()).isEqualTo("Healthy");
        assertThat(ping.get("time_of_last_update").asLong()).isEqualTo(ManualClock.DEFAULT_START.getEpochSecond());
        assertThat(ping.size()).isEqualTo(2);
    }

    @Test
    void ping_duringAHeldInvocation_isHealthyBusyAndItsTimeMovesOnlyOnTransitions() throws Exception {
        ManualClock clock = ManualClock.start();
        CountDownLatch release = new CountDownLatch(1);
        AgentCoreServer server = serve(invocation -> {
            release.await();
            return Map.of("response", "done");
        }, b -> b.clock(clock));
        Instant busyAt = clock.advance(Duration.ofSeconds(10)).instant();

        CompletableFuture<HttpResponse<String>> call = http.sendAsync(invocation(server, "{\"prompt\":\"hold\"}")
                .header("Authorization", "Bearer " + jwt("{\"tenant_id\":\"acme\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode busy = awaitPing(server, "HealthyBusy");
        assertThat(busy.get("time_of_last_update").asLong()).isEqualTo(busyAt.getEpochSecond());

        // Still busy later: the time stays at the transition.
        Instant idleAt = clock.advance(Duration.ofSeconds(20)).instant();
        assertThat(ping(server).get("time_of_last_update").asLong()).isEqualTo(busyAt.getEpochSecond());

        release.countDown();
        assertThat(call.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        JsonNode idle = awaitPing(server, "Healthy");
        assertThat(idle.get("time_of_last_update").asLong()).isEqualTo(idleAt.getEpochSecond());

        clock.advance(Duration.ofSeconds(30));
        assertThat(ping(server).get("time_of_last_update").asLong()).isEqualTo(idleAt.getEpochSecond());
    }

    @Test
    void ping_whileABackgroundTaskRuns_isHealthyBusyUntilItCloses() throws Exception {
        AgentCoreServer server = serve(agent());
        BusyTracker.Task task = server.busy().begin();
        assertThat(ping(server).get("status").asText()).isEqualTo("HealthyBusy");
        task.close();
        task.close();
        assertThat(ping(server).get("status").asText()).isEqualTo("Healthy");
        assertThat(server.busy().running()).isZero();
    }

    @Test
    void invocation_json_answersTheReplyAndMetersOnTheTenantsProfileWithTheSession() throws Exception {
        AgentCoreServer server = serve(agent());

        HttpResponse<String> r = send(invocation(server, "{\"prompt\":\"Plan a launch\"}")
                .header("Authorization", "Bearer " + jwt("{\"sub\":\"u1\",\"tenant_id\":\"acme\"}"))
                .header(AgentCoreServer.SESSION_HEADER, SESSION_A)
                .header(AgentCoreServer.REQUEST_ID_HEADER, "req-1"));

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(JSON.readTree(r.body()).get("response").asText()).isNotBlank();
        assertThat(BEDROCK.records()).singleElement().satisfies(record -> {
            assertThat(record.tenant()).isEqualTo(TenantId.of("acme"));
            assertThat(record.profileArn()).isEqualTo(BEDROCK.profileArn("acme"));
            assertThat(record.attributes()).containsEntry(AgentCoreServer.SESSION_ATTRIBUTE, SESSION_A);
        });
    }

    @Test
    void invocation_handler_seesTheTenantSessionRequestIdAndPayload() throws Exception {
        List<Invocation> seen = new CopyOnWriteArrayList<>();
        List<TenantContext> scoped = new CopyOnWriteArrayList<>();
        AgentCoreServer server = serve(invocation -> {
            seen.add(invocation);
            scoped.add(TenantScope.require());
            return null;
        });

        HttpResponse<String> r = send(invocation(server, "{\"prompt\":\"hi\",\"n\":[1,2]}")
                .header(TenantIdentity.TENANT_HEADER, "globex")
                .header("X-Amzn-Bedrock-AgentCore-Runtime-Custom-Feature", "campaigns")
                .header(AgentCoreServer.SESSION_HEADER, SESSION_B)
                .header(AgentCoreServer.REQUEST_ID_HEADER, "req-2"));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("null");
        Invocation i = seen.get(0);
        assertThat(i.tenant().id()).isEqualTo(TenantId.of("globex"));
        assertThat(i.tenant().attributes()).containsEntry(AgentCoreServer.SESSION_ATTRIBUTE, SESSION_B);
        assertThat(scoped).containsExactly(i.tenant());
        assertThat(i.sessionId()).isEqualTo(SESSION_B);
        assertThat(i.requestId()).isEqualTo("req-2");
        assertThat(i.text("prompt")).hasValue("hi");
        assertThat(i.payload().get("n").size()).isEqualTo(2);
        assertThat(i.headers().firstValue("x-amzn-bedrock-agentcore-runtime-custom-feature")).hasValue("campaigns");
    }

    @Test
    void invocation_withoutASessionHeader_runsWithoutTheSessionAttribute() throws Exception {
        AgentCoreServer server = serve(agent());

        HttpResponse<String> r = send(invocation(server, "{}").header(TenantIdentity.TENANT_HEADER, "acme"));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(BEDROCK.records()).singleElement()
                .satisfies(record -> assertThat(record.attributes())
                        .doesNotContainKey(AgentCoreServer.SESSION_ATTRIBUTE));
    }

    @Test
    void invocation_eventStream_streamsTokensThenTheFinalReply() throws Exception {
        StreamingAgentHandler streaming = (invocation, tokens) -> {
            ChatResponse done = chat.stream(request(invocation), new ChatStreamListener() {
                @Override
                public void onText(String text) {
                    tokens.accept(text);
                }
            }).completion().get(30, TimeUnit.SECONDS);
            return Map.of("response", done.text());
        };
        AgentCoreServer server = serve(streaming);

        HttpResponse<String> r = send(invocation(server, "{\"prompt\":\"Write a slogan\"}")
                .header("Accept", "text/event-stream")
                .header("Authorization", "Bearer " + jwt("{\"tenant_id\":\"globex\"}"))
                .header(AgentCoreServer.SESSION_HEADER, SESSION_B));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/event-stream"));
        List<Event> events = Event.parse(r.body());
        assertThat(events).hasSizeGreaterThanOrEqualTo(2);
        assertThat(events.subList(0, events.size() - 1)).allSatisfy(e -> assertThat(e.name()).isEqualTo("token"));
        Event last = events.get(events.size() - 1);
        assertThat(last.name()).isEqualTo("final");
        StringBuilder text = new StringBuilder();
        for (Event e : events.subList(0, events.size() - 1)) {
            text.append(JSON.readTree(e.data()).get("text").asText());
        }
        assertThat(JSON.readTree(last.data()).get("response").asText()).isNotBlank().isEqualTo(text.toString());
        awaitRecords(1);
        assertThat(BEDROCK.records()).singleElement().satisfies(record -> {
            assertThat(record.profileArn()).isEqualTo(BEDROCK.profileArn("globex"));
            assertThat(record.attributes()).containsEntry(AgentCoreServer.SESSION_ATTRIBUTE, SESSION_B);
        });
    }

    @Test
    void invocation_eventStreamToAPlainHandler_answersJson() throws Exception {
        AgentCoreServer server = serve(agent());

        HttpResponse<String> r = send(invocation(server, "{}").header("Accept", "text/event-stream")
                .header(TenantIdentity.TENANT_HEADER, "acme"));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    }

    @Test
    void invocation_failingMidStream_endsWithAnErrorEvent() throws Exception {
        AgentCoreServer server = serve((StreamingAgentHandler) (invocation, tokens) -> {
            tokens.accept("Half an ");
            throw new IllegalStateException("the agent broke");
        });

        HttpResponse<String> r = send(invocation(server, "{}").header("Accept", "text/event-stream")
                .header(TenantIdentity.TENANT_HEADER, "acme"));

        assertThat(r.statusCode()).isEqualTo(200);
        List<Event> events = Event.parse(r.body());
        assertThat(events).extracting(Event::name).containsExactly("token", "error");
        JsonNode error = JSON.readTree(events.get(1).data());
        assertThat(error.get("status").asInt()).isEqualTo(500);
        assertThat(error.get("error").asText()).isEqualTo("internal_error");
        assertThat(error.get("message").asText()).doesNotContain("the agent broke");
    }

    @Test
    void invocation_refusedByABudget_is429WithRetryAfterBeforeAnyToken() throws Exception {
        BudgetExceededException refusal = new BudgetExceededException(TenantId.of("acme"), "DAILY",
                new BigDecimal("1.00"), BigDecimal.ZERO, new BigDecimal("0.10"), Duration.ofMillis(90_500),
                "Tenant acme has spent its daily budget of $1.00; wait for the next day or raise the budget.");
        AgentCoreServer server = serve((StreamingAgentHandler) (invocation, tokens) -> {
            throw new RuntimeException("wrapped by a framework", refusal);
        });

        for (String accept : List.of("application/json", "text/event-stream")) {
            HttpResponse<String> r = send(invocation(server, "{}").header("Accept", accept)
                    .header(TenantIdentity.TENANT_HEADER, "acme"));

            assertThat(r.statusCode()).isEqualTo(429);
            assertThat(r.headers().firstValue("Retry-After")).hasValue("91");
            JsonNode body = JSON.readTree(r.body());
            assertThat(body.get("error").asText()).isEqualTo("budget_exceeded");
            assertThat(body.get("message").asText()).isEqualTo(refusal.getMessage());
        }
    }

    @Test
    void invocation_overThePayloadLimit_is413AndTheAgentDoesNotRun() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        AgentCoreServer server = serve(invocation -> calls.incrementAndGet(), b -> b.maxPayloadBytes(1024));

        HttpResponse<String> over = send(invocation(server, "{\"prompt\":\"" + "x".repeat(4096) + "\"}")
                .header(TenantIdentity.TENANT_HEADER, "acme"));
        HttpResponse<String> under = send(invocation(server, "{\"prompt\":\"" + "x".repeat(1000) + "\"}")
                .header(TenantIdentity.TENANT_HEADER, "acme"));

        assertThat(over.statusCode()).isEqualTo(413);
        JsonNode error = JSON.readTree(over.body());
        assertThat(error.get("error").asText()).isEqualTo("payload_too_large");
        assertThat(error.get("message").asText()).contains("1024 bytes");
        assertThat(under.statusCode()).isEqualTo(200);
        assertThat(calls).hasValue(1);
    }

    @Test
    void invocation_overThePayloadLimitWithoutALength_is413() throws Exception {
        AgentCoreServer server = serve(agent(), b -> b.maxPayloadBytes(1024));
        byte[] body = ("{\"prompt\":\"" + "x".repeat(4096) + "\"}").getBytes(StandardCharsets.UTF_8);

        HttpResponse<String> r = send(invocation(server, "").header(TenantIdentity.TENANT_HEADER, "acme")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body))));

        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(BEDROCK.records()).isEmpty();
    }

    @Test
    void invocation_malformedJson_is400NamingTheProblem() throws Exception {
        AgentCoreServer server = serve(agent());

        HttpResponse<String> broken = send(invocation(server, "{\"prompt\": \"unterminated")
                .header(TenantIdentity.TENANT_HEADER, "acme"));
        HttpResponse<String> trailing = send(invocation(server, "{} {}").header(TenantIdentity.TENANT_HEADER, "acme"));
        HttpResponse<String> empty = send(invocation(server, "").header(TenantIdentity.TENANT_HEADER, "acme"));

        for (HttpResponse<String> r : List.of(broken, trailing, empty)) {
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(JSON.readTree(r.body()).get("error").asText()).isEqualTo("invalid_json");
        }
        assertThat(JSON.readTree(broken.body()).get("message").asText()).contains("not valid JSON at line 1");
        assertThat(JSON.readTree(empty.body()).get("message").asText()).contains("body is empty");
        assertThat(BEDROCK.records()).isEmpty();
    }

    @Test
    void invocation_tenantFromACustomClaim_isRoutedToThatTenant() throws Exception {
        AgentCoreServer server = serve(agent(), TenantIdentity.jwtClaim("custom:tenant"), b -> { });

        HttpResponse<String> r = send(invocation(server, "{}")
                .header("Authorization", "Bearer " + jwt("{\"tenant_id\":\"acme\",\"custom:tenant\":\"globex\"}")));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(BEDROCK.records()).singleElement()
                .satisfies(record -> assertThat(record.profileArn()).isEqualTo(BEDROCK.profileArn("globex")));
    }

    @Test
    void invocation_tenantFromTheCustomHeader_isRoutedToThatTenant() throws Exception {
        AgentCoreServer server = serve(agent(), TenantIdentity.header(), b -> { });

        HttpResponse<String> r = send(invocation(server, "{}")
                .header("x-amzn-bedrock-agentcore-runtime-custom-tenant-id", "globex")
                .header("Authorization", "Bearer " + jwt("{\"tenant_id\":\"acme\"}")));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(BEDROCK.records()).singleElement()
                .satisfies(record -> assertThat(record.profileArn()).isEqualTo(BEDROCK.profileArn("globex")));
    }

    @Test
    void invocation_withoutIdentity_is401AndNothingIsMetered() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        AgentCoreServer server = serve(invocation -> {
            calls.incrementAndGet();
            return agent().invoke(invocation);
        });

        HttpResponse<String> none = send(invocation(server, "{}"));
        HttpResponse<String> noClaim = send(invocation(server, "{}")
                .header("Authorization", "Bearer " + jwt("{\"sub\":\"u1\"}")));
        HttpResponse<String> notJwt = send(invocation(server, "{}").header("Authorization", "Bearer opaque-token"));
        HttpResponse<String> sigV4 = send(invocation(server, "{}")
                .header("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/bedrock-agentcore"));

        for (HttpResponse<String> r : List.of(none, noClaim, notJwt, sigV4)) {
            assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
            assertThat(JSON.readTree(r.body()).get("error").asText()).isEqualTo("tenant_required");
        }
        assertThat(JSON.readTree(notJwt.body()).get("message").asText()).contains("not a JWT");
        assertThat(calls).hasValue(0);
        assertThat(BEDROCK.records()).isEmpty();
        assertThat(BEDROCK.emulator().invocations()).isEmpty();
    }

    @Test
    void invocation_invalidTenantIdInClaimOrHeader_is400NamingIt() throws Exception {
        AgentCoreServer server = serve(agent());

        HttpResponse<String> claim = send(invocation(server, "{}")
                .header("Authorization", "Bearer " + jwt("{\"tenant_id\":\"acme corp\"}")));
        HttpResponse<String> header = send(invocation(server, "{}").header(TenantIdentity.TENANT_HEADER, "-acme"));

        assertThat(claim.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(claim.body()).get("error").asText()).isEqualTo("invalid_tenant_id");
        assertThat(JSON.readTree(claim.body()).get("message").asText()).contains("JWT claim \"tenant_id\"");
        assertThat(header.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(header.body()).get("message").asText()).contains(TenantIdentity.TENANT_HEADER);
        assertThat(BEDROCK.records()).isEmpty();
    }

    @Test
    void invocation_forATenantTheAgentDoesNotServe_is403AndNothingIsMetered() throws Exception {
        AgentCoreServer server = serve(agent(), b -> b.tenants(id -> {
            if (!id.value().equals("acme")) {
                throw new UnknownTenantException(id, "Tenant " + id + " is not served by this agent");
            }
            return TenantContext.of(id).withAttribute("agent", "planner");
        }));

        HttpResponse<String> globex = send(invocation(server, "{}").header(TenantIdentity.TENANT_HEADER, "globex"));
        HttpResponse<String> acme = send(invocation(server, "{}").header(TenantIdentity.TENANT_HEADER, "acme")
                .header(AgentCoreServer.SESSION_HEADER, SESSION_A));

        assertThat(globex.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(globex.body()).get("error").asText()).isEqualTo("unknown_tenant");
        assertThat(acme.statusCode()).isEqualTo(200);
        assertThat(BEDROCK.records()).singleElement().satisfies(record -> assertThat(record.attributes())
                .containsEntry("agent", "planner").containsEntry(AgentCoreServer.SESSION_ATTRIBUTE, SESSION_A));
    }

    @Test
    void invocation_sessionIdOutsideTheRuntimesLengths_is400() throws Exception {
        AgentCoreServer server = serve(agent());

        HttpResponse<String> shortId = send(invocation(server, "{}").header(TenantIdentity.TENANT_HEADER, "acme")
                .header(AgentCoreServer.SESSION_HEADER, "x".repeat(32)));
        HttpResponse<String> longId = send(invocation(server, "{}").header(TenantIdentity.TENANT_HEADER, "acme")
                .header(AgentCoreServer.SESSION_HEADER, "x".repeat(257)));
        HttpResponse<String> shortest = send(invocation(server, "{}").header(TenantIdentity.TENANT_HEADER, "acme")
                .header(AgentCoreServer.SESSION_HEADER, "x".repeat(33)));

        assertThat(shortId.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(shortId.body()).get("message").asText()).contains("32 characters");
        assertThat(longId.statusCode()).isEqualTo(400);
        assertThat(shortest.statusCode()).isEqualTo(200);
    }

    @Test
    void routes_otherPathsAndMethods_areAnsweredWithJsonErrors() throws Exception {
        AgentCoreServer server = serve(agent());
        String base = "http://127.0.0.1:" + server.port();

        HttpResponse<String> unknown = send(HttpRequest.newBuilder(URI.create(base + "/ws")).GET());
        HttpResponse<String> getInvocations = send(HttpRequest.newBuilder(URI.create(base + "/invocations")).GET());
        HttpResponse<String> postPing = send(HttpRequest.newBuilder(URI.create(base + "/ping"))
                .POST(HttpRequest.BodyPublishers.noBody()));

        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(getInvocations.statusCode()).isEqualTo(405);
        assertThat(getInvocations.headers().firstValue("Allow")).hasValue("POST");
        assertThat(postPing.statusCode()).isEqualTo(405);
        assertThat(postPing.headers().firstValue("Allow")).hasValue("GET");
    }

    @Test
    void close_whileAnInvocationRuns_letsItAnswerAndRefusesNewOnes() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AgentCoreServer server = serve(invocation -> {
            entered.countDown();
            release.await();
            return Map.of("response", "finished");
        });
        CompletableFuture<HttpResponse<String>> running = http.sendAsync(invocation(server, "{}")
                .header(TenantIdentity.TENANT_HEADER, "acme").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
        HttpResponse<String> refused = awaitRefusal(server);
        assertThat(closing).isNotDone();
        release.countDown();

        assertThat(running.get(30, TimeUnit.SECONDS).body()).contains("finished");
        closing.get(30, TimeUnit.SECONDS);
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(JSON.readTree(refused.body()).get("error").asText()).isEqualTo("shutting_down");
    }

    @Test
    void builder_secondSetOfASetting_isRefusedNamingBothValues() {
        AgentCoreServer.Builder b = AgentCoreServer.builder().port(8080);
        assertThatThrownBy(() -> b.port(9090))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("8080").hasMessageContaining("9090");
    }

    @Test
    void build_withoutIdentityOrHandler_isRefusedSayingWhatToSet() {
        assertThatThrownBy(() -> AgentCoreServer.builder().handler(agent()).build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("TenantIdentity.jwtClaim()");
        assertThatThrownBy(() -> AgentCoreServer.builder().identity(IDENTITY).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("handler is not set");
    }

    /** Sends invocations until the closing server refuses one (it refuses as soon as close() starts). */
    HttpResponse<String> awaitRefusal(AgentCoreServer server) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        HttpResponse<String> r;
        do {
            r = send(invocation(server, "{}").header(TenantIdentity.TENANT_HEADER, "acme"));
        } while (r.statusCode() != 503 && System.nanoTime() < deadline);
        return r;
    }

    void awaitRecords(int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (BEDROCK.records().size() < count && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    /** One server-sent event. */
    record Event(String name, String data) {

        static List<Event> parse(String body) {
            List<Event> events = new ArrayList<>();
            for (String block : body.split("\n\n")) {
                if (block.isBlank()) {
                    continue;
                }
                String name = "message";
                StringBuilder data = new StringBuilder();
                for (String line : block.split("\n")) {
                    if (line.startsWith("event: ")) {
                        name = line.substring(7);
                    } else if (line.startsWith("data: ")) {
                        data.append(line.substring(6));
                    }
                }
                events.add(new Event(name, data.toString()));
            }
            return events;
        }
    }
}
