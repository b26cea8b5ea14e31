package dev.aip.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aip.agentcore.AgentCoreServer;
import dev.aip.agentcore.Invocation;
import dev.aip.agentcore.StreamingAgentHandler;
import dev.aip.agentcore.TenantIdentity;
import dev.aip.core.UnknownTenantException;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.emulator.BedrockEmulator;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.memory.ChatMemory;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.TokenStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A "production deployment" lab: the Lab 4 agent served under the Amazon Bedrock AgentCore Runtime HTTP contract by
 * {@code aip-agentcore}'s {@link AgentCoreServer}, then called the way the runtime calls a container.
 *
 * <p>The lab provisions each tenant's application inference profile (as Lab 4), serves the agent on a local port,
 * and plays the runtime's role with the JDK {@link HttpClient}: {@code GET /ping}; invocations for tenant A with a
 * JWT bearer token (the runtime's inbound JWT authorizer would have validated it) and for tenant B with the custom
 * tenant header a SigV4 caller sends, each in its own runtime session, as JSON and as server-sent events; a call
 * whose tool waits for the lab's approval while {@code /ping} answers {@code HealthyBusy}; and a call without
 * identity, refused with 401. It
 * then prints the usage per tenant and session from aip's records and checks them against the server's per-profile
 * metrics (the emulator's own books, or CloudWatch with {@code --aws}).
 *
 * <p>With {@code --serve} it only serves, until stopped: that is the container's command under AgentCore Runtime
 * ({@code aip-examples/agentcore/Dockerfile}).
 *
 * <pre>{@code
 * java -cp ... dev.aip.examples.Lab8AgentCore [--aws [--region R]] [--serve [--bind 0.0.0.0] [--port 8080]]
 * }</pre>
 */
@Command(name = "lab8-agentcore", mixinStandardHelpOptions = true, version = "aip examples 0.1.0-SNAPSHOT",
        description = "Lab 8: the Lab 4 agent served under the AgentCore Runtime HTTP contract; the lab plays the"
                + " runtime (JWT and header identities, sessions, JSON and SSE, ping) and checks the usage per"
                + " tenant and session against the server.")
public final class Lab8AgentCore implements Callable<Integer> {

    /** The prompt of the call that runs until the lab approves it, while the lab pings. */
    static final String HELD_PROMPT = "Schedule the launch email for the campaign.";

    /** The longest a launch email waits for approval, so a lab that never approves cannot hang. */
    static final Duration APPROVAL_WAIT = Duration.ofSeconds(60);

    @Mixin
    LabOptions options = new LabOptions();

    @Option(names = "--serve", description = "Only serve the agent, until stopped (the container's command).")
    boolean serve;

    @Option(names = "--bind", paramLabel = "ADDRESS", defaultValue = "127.0.0.1", description = "The address to"
            + " listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 in a container).")
    String bind;

    @Option(names = "--port", paramLabel = "PORT", description = "The port (default: 8080 with --serve, a free"
            + " port otherwise).")
    Integer port;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrintStream out;
    private final LabEnvironment.Host host;
    private final HttpClient http = HttpClient.newHttpClient();

    private Lab8AgentCore(PrintStream out, LabEnvironment.Host host) {
        this.out = out;
        this.host = host;
    }

    /** The Lab 4 agent, streaming: the same tools and prompts, its answer as a token stream. */
    interface StreamingMarketingAgent {
        TokenStream run(String brief);
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out));
    }

    /** Runs the lab; returns the exit code (0 done, 1 failed, 2 cannot start as asked). */
    static int run(String[] args, PrintStream out) {
        return run(args, out, System.err, LabEnvironment.Host.system());
    }

    static int run(String[] args, PrintStream out, PrintStream err, LabEnvironment.Host host) {
        return Labs.execute(new Lab8AgentCore(out, host), args, out, err);
    }

    @Override
    public Integer call() throws Exception {
        try (FrameworkLab lab = FrameworkLab.open(options, host, out,
                "Lab 8: production deployment, the Lab 4 agent under the AgentCore Runtime HTTP contract",
                "AgentCore Runtime calls POST /invocations and GET /ping on port 8080; aip-agentcore finds the tenant"
                        + " in the inbound identity and runs the agent in its scope, so every model call is routed"
                        + " to the tenant's profile and metered with the runtime session", !serve)) {
            lab.emulator().ifPresent(emulator -> script(emulator, lab));
            // Serving alone, nobody approves: launch emails are scheduled at once.
            CountDownLatch approval = new CountDownLatch(serve ? 0 : 1);
            CampaignAgents agents = new CampaignAgents(lab, new LaunchTools(approval));
            Map<TenantId, TenantContext> tenants = new LinkedHashMap<>();
            lab.tenants().forEach(t -> tenants.put(t.id(), t.context().withAttribute("agent", Lab4Agent.AGENT)));
            try (AgentCoreServer server = AgentCoreServer.builder()
                    .bindAddress(bind)
                    .port(port != null ? port : serve ? AgentCoreServer.DEFAULT_PORT : 0)
                    .identity(TenantIdentity.firstOf(TenantIdentity.jwtClaim(), TenantIdentity.header()))
                    .tenants(id -> {
                        TenantContext tenant = tenants.get(id);
                        if (tenant == null) {
                            throw new UnknownTenantException(id, "Tenant " + id + " is not served by this agent");
                        }
                        return tenant;
                    })
                    .handler(agents)
                    .shutdownTimeout(Duration.ofSeconds(10))
                    .build()
                    .start()) {
                String base = "http://" + ("0.0.0.0".equals(bind) ? "127.0.0.1" : bind) + ":" + server.port();
                out.println("SERVING  AgentCoreServer on " + bind + ":" + server.port() + " (POST /invocations, GET"
                        + " /ping); tenant from the JWT claim " + TenantIdentity.DEFAULT_CLAIM + ", else the header "
                        + TenantIdentity.TENANT_HEADER);
                out.println();
                if (serve) {
                    return serveUntilStopped(server, base);
                }
                playRuntime(base, lab, approval);
            }
            lab.emulator().ifPresent(emulator -> lab.awaitRecords(emulator.invocations().size()));
            printSessions(lab);
            lab.reconcile();
            out.println("Every model call of the served agent ran on its caller's profile and was metered once,");
            out.println("with its runtime session: one container serves every tenant under AgentCore Runtime.");
            return 0;
        }
    }

    /** The lab as the runtime: pings and invocations as AgentCore Runtime sends them to the container. */
    private void playRuntime(String base, FrameworkLab lab, CountDownLatch approval) throws Exception {
        out.println("RUNTIME  the lab plays AgentCore Runtime with the JDK HttpClient");
        printPing("ping, idle", ping(base));
        List<LabTenant> workshop = lab.tenants();
        for (LabTenant tenant : workshop) {
            boolean jwt = tenant.id().value().equals("tenant-a");
            String session = "lab8-" + tenant.id() + "-" + UUID.randomUUID();
            List<String> tasks = Lab4Agent.TASKS.get(tenant.id().value());
            for (int i = 0; i < tasks.size(); i++) {
                // Tenant B's second task is streamed; the rest answer JSON.
                boolean sse = !jwt && i == 1;
                HttpRequest.Builder request = invocation(base, tasks.get(i), session, identity(tenant, jwt));
                if (sse) {
                    request.header("Accept", "text/event-stream");
                }
                HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                out.printf("  %-9s %-6s %-4s session=%s %s%n", tenant.id(), jwt ? "JWT" : "header", sse ? "SSE"
                        : "JSON", session, Labs.preview(tasks.get(i), 50));
                out.printf("  %-9s -> %d %s%n", "", r.statusCode(), sse ? events(r.body()) : answer(r.body()));
            }
            if (jwt) {
                heldCall(base, tenant, session, approval);
            }
        }
        HttpResponse<String> refused = http.send(invocation(base, "Who am I?", null, b -> { }).build(),
                HttpResponse.BodyHandlers.ofString());
        out.printf("  %-9s %-6s -> %d %s%n", "nobody", "none", refused.statusCode(),
                JSON.readTree(refused.body()).get("error").asText() + ": nothing ran, nothing metered");
        out.println();
    }

    /**
     * A call whose tool waits for the lab's approval: {@code /ping} answers HealthyBusy while it runs (the lab
     * approves only once it has seen that), Healthy after it answered.
     */
    private void heldCall(String base, LabTenant tenant, String session, CountDownLatch approval) throws Exception {
        out.printf("  %-9s %-6s %-4s session=%s %s (its tool waits for approval)%n", tenant.id(), "JWT", "JSON",
                session, Labs.preview(HELD_PROMPT, 50));
        CompletableFuture<HttpResponse<String>> call = http.sendAsync(
                invocation(base, HELD_PROMPT, session, identity(tenant, true)).build(),
                HttpResponse.BodyHandlers.ofString());
        long deadline = System.nanoTime() + APPROVAL_WAIT.toNanos();
        JsonNode busy = ping(base);
        while (!"HealthyBusy".equals(busy.get("status").asText()) && System.nanoTime() < deadline) {
            Thread.sleep(10);
            busy = ping(base);
        }
        printPing("ping, while it waits", busy);
        approval.countDown();
        HttpResponse<String> r = call.get(5, TimeUnit.MINUTES);
        out.printf("  %-9s -> %d %s%n", "", r.statusCode(), answer(r.body()));
        printPing("ping, after it answered", ping(base));
    }

    private int serveUntilStopped(AgentCoreServer server, String base) throws InterruptedException {
        out.println("Serving until stopped (Ctrl-C, or SIGTERM from the runtime). Try:");
        out.println("  curl " + base + "/ping");
        out.println("  curl -H '" + TenantIdentity.TENANT_HEADER + ": tenant-a' -H '"
                + AgentCoreServer.SESSION_HEADER + ": " + "lab8-local-session-0000000000000000000' -d"
                + " '{\"prompt\":\"" + Lab4Agent.TASKS.get("tenant-a").get(0) + "\"}' " + base + "/invocations");
        out.flush();
        // The runtime stops a session with SIGTERM: the hook lets running invocations answer before the JVM halts.
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "lab8-stop"));
        stopped.await();
        return 0;
    }

    private static Consumer<HttpRequest.Builder> identity(LabTenant tenant, boolean jwt) {
        return jwt
                ? b -> b.header("Authorization", "Bearer " + jwt(tenant.id()))
                : b -> b.header(TenantIdentity.TENANT_HEADER, tenant.id().value());
    }

    /**
     * An unsigned token with the tenant claim. Under AgentCore the runtime's inbound JWT authorizer validates a real
     * one from the identity provider before the container sees it; the container only reads the claim.
     */
    private static String jwt(TenantId tenant) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(("{\"sub\":\"alex@" + tenant + "\",\"" + TenantIdentity.DEFAULT_CLAIM + "\":\""
                        + tenant + "\"}").getBytes(StandardCharsets.UTF_8)) + ".lab";
    }

    private static HttpRequest.Builder invocation(String base, String prompt, String session,
                                                  Consumer<HttpRequest.Builder> identity) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/invocations"))
                .header("Content-Type", "application/json")
                .header(AgentCoreServer.REQUEST_ID_HEADER, UUID.randomUUID().toString())
                .POST(HttpRequest.BodyPublishers.ofString(JSON.createObjectNode().put("prompt", prompt).toString()));
        if (session != null) {
            b.header(AgentCoreServer.SESSION_HEADER, session);
        }
        identity.accept(b);
        return b;
    }

    private JsonNode ping(String base) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/ping")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }

    private void printPing(String what, JsonNode ping) {
        out.printf("  %-30s -> %s time_of_last_update=%d%n", what, ping.get("status").asText(),
                ping.get("time_of_last_update").asLong());
    }

    private static String answer(String body) throws IOException {
        JsonNode reply = JSON.readTree(body);
        JsonNode response = reply.get("response");
        return response != null ? Labs.preview(response.asText(), 70) : body;
    }

    private static String events(String body) throws IOException {
        int tokens = 0;
        String last = "";
        String finalData = "";
        for (String block : body.split("\n\n")) {
            String event = "";
            String data = "";
            for (String line : block.split("\n")) {
                if (line.startsWith("event: ")) {
                    event = line.substring(7);
                } else if (line.startsWith("data: ")) {
                    data = line.substring(6);
                }
            }
            if (event.equals("token")) {
                tokens++;
            } else if (!event.isEmpty()) {
                last = event;
                finalData = data;
            }
        }
        return tokens + " token events, then " + last + ": " + ("final".equals(last) ? answer(finalData) : finalData);
    }

    /** Prints calls, tokens and cost per tenant and runtime session, from aip's records. */
    private void printSessions(FrameworkLab lab) {
        out.println("USAGE BY SESSION  aip's records, by tenant and the attribute "
                + AgentCoreServer.SESSION_ATTRIBUTE);
        out.printf("  %-9s %-50s %5s %10s %10s %11s%n", "TENANT", "SESSION", "CALLS", "IN TOKENS", "OUT TOKENS",
                "COST");
        Map<String, List<UsageRecord>> bySession = new TreeMap<>();
        for (UsageRecord r : lab.records) {
            String session = r.attributes().getOrDefault(AgentCoreServer.SESSION_ATTRIBUTE, "-");
            bySession.computeIfAbsent(r.tenant() + " " + session, k -> new java.util.ArrayList<>()).add(r);
        }
        bySession.forEach((key, records) -> {
            FrameworkLab.Totals t = FrameworkLab.Totals.of(records);
            String[] parts = key.split(" ", 2);
            out.printf("  %-9s %-50s %5d %10d %10d %11s%n", parts[0], parts[1], t.calls(),
                    t.tokens().totalInputTokens(), t.tokens().outputTokens(), t.cost());
        });
        out.println();
    }

    /** Lab 4's scripted tool use, and the launch email: the model schedules it with the approval tool. */
    private static void script(BedrockEmulator emulator, FrameworkLab lab) {
        Lab4Agent.script(emulator, lab);
        for (LabTenant tenant : lab.tenants()) {
            emulator.script().forModel(lab.profiles.get(tenant).arn()).whenPromptContains(HELD_PROMPT)
                    .useTool("schedule_launch_email", "{\"subject\":\"Halve your incident response time\"}",
                            "The launch email \"Halve your incident response time\" is approved and scheduled.");
        }
    }

    /**
     * The launch tool of Lab 8's agent: scheduling the launch email waits for the marketing lead's approval (in the
     * lab, given once {@code /ping} has shown the call running). Thread-safe.
     */
    static final class LaunchTools {

        private final CountDownLatch approval;

        LaunchTools(CountDownLatch approval) {
            this.approval = approval;
        }

        @Tool(name = "schedule_launch_email", value = "Schedules the campaign's launch email once the marketing lead"
                + " approves it")
        String scheduleLaunchEmail(@P(name = "subject", value = "the email's subject line") String subject)
                throws InterruptedException {
            return approval.await(APPROVAL_WAIT.toMillis(), TimeUnit.MILLISECONDS)
                    ? "Approved and scheduled: " + subject
                    : "Not approved within " + APPROVAL_WAIT.toSeconds() + " s; not scheduled.";
        }
    }

    /**
     * The agent the server serves: Lab 4's tools and per-tenant system prompts, plus the launch tool, on the lab's
     * tenant-aware models, one chat memory per tenant and runtime session. Thread-safe.
     */
    static final class CampaignAgents implements StreamingAgentHandler {

        private final ChatModel model;
        private final StreamingChatModel streamingModel;
        private final Map<String, ChatMemory> memories = new ConcurrentHashMap<>();
        private final LaunchTools launch;

        CampaignAgents(FrameworkLab lab, LaunchTools launch) {
            this.launch = launch;
            ChatRequestParameters parameters = ChatRequestParameters.builder().maxOutputTokens(400).temperature(0.7)
                    .build();
            this.model = lab.models.chatModel(LabProfiles.LOGICAL_MODEL, b -> b.defaultRequestParameters(parameters));
            this.streamingModel = lab.models.streamingChatModel(LabProfiles.LOGICAL_MODEL,
                    b -> b.defaultRequestParameters(parameters));
        }

        @Override
        public Object invoke(Invocation invocation) {
            Lab4Agent.MarketingAgent agent = AiServices.builder(Lab4Agent.MarketingAgent.class)
                    .chatModel(model)
                    .systemMessageProvider(id -> systemPrompt(invocation))
                    .chatMemory(memory(invocation))
                    .tools(new MarketingTools(), launch)
                    .build();
            return reply(invocation, agent.run(brief(invocation)));
        }

        @Override
        public Object stream(Invocation invocation, Consumer<String> tokens) throws Exception {
            StreamingMarketingAgent agent = AiServices.builder(StreamingMarketingAgent.class)
                    .streamingChatModel(streamingModel)
                    .systemMessageProvider(id -> systemPrompt(invocation))
                    .chatMemory(memory(invocation))
                    .tools(new MarketingTools(), launch)
                    .build();
            CompletableFuture<ChatResponse> done = new CompletableFuture<>();
            agent.run(brief(invocation))
                    .onPartialResponse(tokens)
                    .onCompleteResponse(done::complete)
                    .onError(done::completeExceptionally)
                    .start();
            return reply(invocation, done.get(5, TimeUnit.MINUTES).aiMessage().text());
        }

        private static String brief(Invocation invocation) {
            return invocation.text("prompt").orElseThrow(() -> new IllegalArgumentException(
                    "The payload has no \"prompt\" text; send {\"prompt\": \"...\"}"));
        }

        private static String systemPrompt(Invocation invocation) {
            return Lab4Agent.SYSTEM_PROMPTS.getOrDefault(invocation.tenant().id().value(),
                    "You are a marketing expert. Answer in at most 120 words.");
        }

        private ChatMemory memory(Invocation invocation) {
            String key = invocation.tenant().id() + "/" + invocation.sessionId();
            return memories.computeIfAbsent(key, k -> MessageWindowChatMemory.withMaxMessages(40));
        }

        private static Map<String, Object> reply(Invocation invocation, String text) {
            Map<String, Object> reply = new LinkedHashMap<>();
            reply.put("response", text);
            reply.put("tenant", invocation.tenant().id().value());
            reply.put("session", invocation.sessionId());
            return reply;
        }
    }
}
