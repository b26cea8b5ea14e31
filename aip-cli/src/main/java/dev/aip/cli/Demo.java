package dev.aip.cli;

import dev.aip.core.bedrock.BedrockChatTransport;
import dev.aip.core.bedrock.BedrockInferenceProfileApi;
import dev.aip.core.chat.ChatClient;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatPipeline;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.ChatStream;
import dev.aip.core.chat.ChatStreamListener;
import dev.aip.core.chat.ContentPart;
import dev.aip.core.chat.RetryPolicy;
import dev.aip.core.metering.UsageMeter;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.ModelRoutes;
import dev.aip.core.profile.ProvisioningProfileResolver;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.sink.InMemoryUsageAggregates;
import dev.aip.core.sink.JsonLinesLedger;
import dev.aip.core.sink.TenantUsage;
import dev.aip.core.sink.UsageSinks;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantScope;
import dev.aip.core.tenant.Tier;
import dev.aip.emulator.BedrockEmulator;
import dev.aip.emulator.FaultPlan;
import dev.aip.emulator.InvocationRecord;
import dev.aip.emulator.ModelMetrics;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.Message;

/**
 * The demo: the workshop's story told against an in-process Bedrock emulator, in three acts.
 * <ol>
 *   <li>Two tenants call a shared system inference profile: the server sees one series and cannot tell them
 *       apart.</li>
 *   <li>Each tenant gets its own application inference profile, provisioned on first use by
 *       {@link ProvisioningProfileResolver} through the real SDK control-plane client.</li>
 *   <li>A mixed workload runs through a {@link ChatPipeline} (sync and streaming calls, cached system prompts,
 *       injected throttles and errors, one stream abandoned halfway), metered into a {@link JsonLinesLedger} and
 *       {@link InMemoryUsageAggregates}; then the ledger is reconciled with the server's books. Calls are admitted by
 *       governance ({@link DemoGovernance}: one tenant reaches its request rate, one its budget) and retried with
 *       backoff.</li>
 * </ol>
 * Token counts, call counts and the fault pattern depend only on the settings and the seed: each tenant's calls
 * run in order on one thread (tenants run side by side), and the emulator's replies and fault decisions are
 * seeded. Latencies are real time and vary.
 *
 * <p>Confined: one run per instance.
 */
final class Demo {

    static final String LEDGER_FILE = "usage.jsonl";
    static final String HTML_FILE = "report.html";
    /** Marks the prompt of the stream that is abandoned halfway; the emulator answers it at length. */
    private static final String ABANDON_MARKER = "[long-form]";
    private static final int ABANDONED_REPLY_TOKENS = 400;
    private static final int ABANDON_AFTER_DELTAS = 50;
    /** Throttles and 5xx are retried after a short, jittered pause, within a deadline. */
    private static final RetryPolicy RETRIES = RetryPolicy.backoff().maxAttempts(3)
            .baseDelay(Duration.ofMillis(20)).maxDelay(Duration.ofMillis(200)).deadline(Duration.ofSeconds(30))
            .build();
    private static final StaticCredentialsProvider DUMMY =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDDEMO", "demo-secret"));

    /**
     * What to run.
     *
     * @param tenants number of sample tenants
     * @param calls total calls across tenants, or {@code null} to run for {@code duration}
     * @param duration how long to run, used when {@code calls} is {@code null}
     * @param seed the emulator's and the workload's seed
     * @param out directory for the ledger and the report
     */
    record Settings(int tenants, Integer calls, Duration duration, long seed, Path out) {
    }

    /**
     * What a run produced.
     *
     * @param records the ledger's records of this run
     * @param reconciliation the ledger against the server
     * @param ledger the ledger file, absolute
     * @param html the HTML report, absolute
     */
    record Result(List<UsageRecord> records, Reconciliation reconciliation, Path ledger, Path html) {
    }

    /** A tenant of this run with its profile. */
    private record Provisioned(DemoTenants.Tenant tenant, ResolvedProfile profile) {
    }

    private final PrintWriter out;

    Demo(PrintWriter out) {
        this.out = out;
    }

    Result run(Settings s) throws Exception {
        long started = System.nanoTime();
        Path dir = s.out().toAbsolutePath().normalize();
        Path ledgerPath = dir.resolve(LEDGER_FILE);
        prepare(dir, ledgerPath);
        List<DemoTenants.Tenant> tenants = DemoTenants.sample(s.tenants());

        header(s, tenants);
        DemoBurst.DemoClock clock = new DemoBurst.DemoClock();
        try (BedrockEmulator emulator = BedrockEmulator.builder().seed(s.seed()).replyTokens(20, 120)
                .clock(clock).modelCapacity(DemoBurst.FOUNDATION_MODEL, DemoBurst.CAPACITY)
                .invocationLogCapacity(200_000).build().start();
             BedrockClient control = BedrockClient.builder().endpointOverride(emulator.endpoint())
                     .region(Region.of(emulator.region())).credentialsProvider(DUMMY)
                     .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())).build();
             BedrockRuntimeClient sync = BedrockRuntimeClient.builder().endpointOverride(emulator.endpoint())
                     .region(Region.of(emulator.region())).credentialsProvider(DUMMY).build();
             BedrockRuntimeAsyncClient async = BedrockRuntimeAsyncClient.builder()
                     .endpointOverride(emulator.endpoint()).region(Region.of(emulator.region()))
                     .credentialsProvider(DUMMY).build()) {
            out.println("Bedrock emulator on " + emulator.endpoint() + " (region " + emulator.region() + ", account "
                    + emulator.accountId() + ", seed " + s.seed() + ")");
            out.println();

            actOne(emulator, sync, tenants);
            ProvisioningProfileResolver resolver = provisioningResolver(emulator, control);
            List<Provisioned> provisioned = actTwo(resolver, tenants);

            InMemoryUsageAggregates aggregates = new InMemoryUsageAggregates();
            List<UsageRecord> records;
            DemoGovernance governance;
            List<ResolvedProfile> burstProfiles;
            try (JsonLinesLedger ledger = JsonLinesLedger.open(ledgerPath)) {
                UsageMeter meter = UsageMeter.builder().sink(UsageSinks.fanOut(ledger, aggregates)::accept)
                        .region(emulator.region()).build();
                governance = DemoGovernance.of(tenants, quotas(s, provisioned));
                actThree(s, emulator, provisioned, governance, ChatPipeline.builder()
                        .resolver(resolver)
                        .meter(meter)
                        .admission(governance.governance())
                        .retryPolicy(RETRIES)
                        .transport(BedrockChatTransport.builder().client(sync).asyncClient(async).build())
                        .build());
                DemoFrameworks.run(out, emulator, resolver, meter, tenants);
                new DemoSpringAi(out, emulator).run(resolver, meter,
                        provisioned.stream().limit(2).map(Provisioned::tenant).toList());
                burstProfiles = new DemoBurst(out).run(clock, resolver, meter, sync, async, tenants);
                ledger.flush();
                try (Stream<UsageRecord> read = JsonLinesLedger.read(ledgerPath)) {
                    records = read.toList();
                }
                out.println("   " + records.size() + " attempts metered into the ledger: one record per attempt, so"
                        + " a retried throttle or 5xx is a record of its own");
                out.println();
            }

            // Every AIP of the run, the burst's included, is reconciled and shown in Bedrock's view.
            List<Provisioned> profiles = new ArrayList<>(provisioned);
            for (ResolvedProfile b : burstProfiles) {
                tenants.stream().filter(t -> t.id().equals(b.tenant())).findFirst()
                        .ifPresent(t -> profiles.add(new Provisioned(t, b)));
            }
            Map<String, String> owners = new LinkedHashMap<>();
            Map<String, String> ids = new LinkedHashMap<>();
            for (Provisioned p : profiles) {
                owners.put(p.profile().profileArn(), p.tenant().id().value());
                ids.put(p.profile().profileArn(), p.profile().profileId());
            }
            awaitServer(emulator, records);
            Map<String, ModelMetrics> metrics = emulator.metrics();
            Reconciliation reconciliation = Reconciliation.of(records, owners, ids, emulator.invocations(), metrics);

            printTenantTable(provisioned, aggregates);
            governance.report(out, records);
            printServerView(profiles, metrics);
            out.println(reconciliation.line());
            String estimates = reconciliation.estimatesLine();
            if (estimates != null) {
                out.println("  " + estimates);
            }
            out.println();

            Path html = dir.resolve(HTML_FILE);
            List<ModelMetrics> serverView = profiles.stream().map(p -> metrics.get(p.profile().profileId()))
                    .filter(java.util.Objects::nonNull).toList();
            Reports.writeHtml(records, serverView, idsToOwners(profiles), reconciliation.line(), html);
            out.println("Ledger: " + ledgerPath + " (" + records.size() + " records, one JSON object per line)");
            out.println("Report: " + html);
            out.println("Again:  aip usage report --ledger " + ledgerPath + " [--format table|csv|json|html]");
            out.printf(Locale.ROOT, "Done in %.1f s.%n", (System.nanoTime() - started) / 1e9);
            out.flush();
            return new Result(records, reconciliation, ledgerPath, html);
        }
    }

    private static Map<String, String> idsToOwners(List<Provisioned> provisioned) {
        Map<String, String> owners = new LinkedHashMap<>();
        provisioned.forEach(p -> owners.put(p.profile().profileId(), p.tenant().id().value()));
        return owners;
    }

    private static void prepare(Path dir, Path ledgerPath) {
        try {
            Files.createDirectories(dir);
            // Each run is its own story: a ledger left by an earlier run would mix two runs in one report.
            Files.deleteIfExists(ledgerPath);
        } catch (IOException e) {
            String reason = e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason()
                    : e.getClass().getSimpleName();
            throw CliException.usage("cannot use output directory " + dir + " (" + reason
                    + "); choose another with --out DIR", e);
        }
    }

    private void header(Settings s, List<DemoTenants.Tenant> tenants) {
        out.println("aip demo: tenant-aware Amazon Bedrock for a multi-tenant SaaS platform");
        out.println();
        out.println("  Alex runs the AI features of a marketing platform for " + tenants.size()
                + " customer tenants on shared Bedrock models.");
        out.println("  1. Through shared (system) inference profiles, AWS sees one stream of calls: no per-tenant"
                + " usage, cost or latency.");
        out.println("  2. An application inference profile (AIP) per tenant, tagged with its TenantId, makes"
                + " Bedrock count and bill each tenant apart.");
        out.println("  3. aip routes every call to its tenant's AIP and meters it exactly once: tokens (incl."
                + " cache), cost, latency, time to first token, outcome.");
        out.println();
    }

    /** Act 1: two tenants on one shared system profile. */
    private void actOne(BedrockEmulator emulator, BedrockRuntimeClient sync, List<DemoTenants.Tenant> tenants) {
        String shared = DemoTenants.STANDARD_SOURCE;
        List<DemoTenants.Tenant> two = tenants.subList(0, Math.min(2, tenants.size()));
        out.println("1. The problem: " + two.stream().map(t -> t.id().value()).collect(Collectors.joining(" and "))
                + " call the shared system profile " + shared);
        for (DemoTenants.Tenant t : two) {
            for (int i = 0; i < 3; i++) {
                String prompt = String.format(Locale.ROOT, DemoTenants.TASKS[i], t.product(), t.audience());
                sync.converse(r -> r.modelId(shared).messages(Message.builder().role(ConversationRole.USER)
                        .content(ContentBlock.fromText(prompt)).build()));
            }
        }
        ModelMetrics m = emulator.metrics(shared);
        out.println("   Bedrock's metrics (AWS/Bedrock, ModelId=" + shared + "):");
        out.println("     Invocations " + m.invocations() + ", InputTokenCount "
                + Reconciliation.n(m.inputTokenCount()) + ", OutputTokenCount "
                + Reconciliation.n(m.outputTokenCount()));
        out.println("   One series for everyone: which tenant used what, and what it cost, cannot be told.");
        out.println();
    }

    /**
     * Act 2: one AIP per tenant, created on first resolution. The resolver keeps what it resolved, so the pipeline
     * that uses it next makes no further control-plane call.
     */
    private List<Provisioned> actTwo(ProvisioningProfileResolver resolver, List<DemoTenants.Tenant> tenants) {
        out.println("2. The fix: one application inference profile per tenant, created on first use (CreateInference"
                + "Profile, tags TenantId/Tier/Model/ManagedBy/BusinessType)");
        List<Provisioned> provisioned = new ArrayList<>();
        TextTable table = new TextTable("TENANT", "TIER", "MODEL", "COPIES", "AIP (ModelId)", ">CREATED IN");
        for (DemoTenants.Tenant t : tenants) {
            long t0 = System.nanoTime();
            ResolvedProfile profile = resolver.resolve(t.context(), t.model());
            long ms = (System.nanoTime() - t0) / 1_000_000;
            provisioned.add(new Provisioned(t, profile));
            table.row(t.id(), t.tier(), t.model(), profile.sourceModelId(), profile.profileId(), ms + " ms");
        }
        table.print(out, "   ");
        out.println();
        return provisioned;
    }

    private static ProvisioningProfileResolver provisioningResolver(BedrockEmulator emulator, BedrockClient control) {
        String prefix = "arn:aws:bedrock:" + emulator.region() + ":" + emulator.accountId() + ":inference-profile/";
        return ProvisioningProfileResolver.builder(BedrockInferenceProfileApi.create(control))
                .routes(ModelRoutes.builder()
                        .route(DemoTenants.PREMIUM_MODEL, prefix + DemoTenants.PREMIUM_SOURCE)
                        .route(DemoTenants.STANDARD_MODEL, prefix + DemoTenants.STANDARD_SOURCE)
                        .route(DemoTenants.BASIC_MODEL, prefix + DemoTenants.BASIC_SOURCE)
                        .route(DemoBurst.MODEL, prefix + DemoBurst.SOURCE)
                        .build())
                .extraTags(t -> Map.of("BusinessType", t.attributes().getOrDefault("BusinessType", "unknown")))
                .build();
    }

    /** Act 3: the mixed workload. */
    private void actThree(Settings s, BedrockEmulator emulator, List<Provisioned> provisioned,
            DemoGovernance governance, ChatClient chat) throws Exception {
        int[] quota = quotas(s, provisioned);
        for (int i = 0; i < provisioned.size(); i++) {
            emulator.faults().set(provisioned.get(i).profile().profileArn(), faults(i, provisioned.get(i)));
        }
        emulator.script().forAnyModel().whenPromptContains(ABANDON_MARKER).replyTokens(ABANDONED_REPLY_TOKENS);

        String size = s.calls() != null ? s.calls() + " calls" : "calls for " + s.duration().toSeconds() + " s";
        out.println("3. The pipeline: " + size + " through ChatPipeline (resolve -> admit -> retry with backoff, up to"
                + " 3 attempts -> meter -> Bedrock): sync and streaming, cached brand guidelines, injected throttles"
                + " and errors, one stream abandoned halfway");
        out.println(governance.plan());
        long t0 = System.nanoTime();
        long deadline = s.calls() == null ? t0 + s.duration().toNanos() : Long.MAX_VALUE;
        AtomicInteger done = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(provisioned.size(), 16), r -> {
            Thread t = new Thread(r, "aip-demo-tenant");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> work = new ArrayList<>();
            for (int i = 0; i < provisioned.size(); i++) {
                int index = i;
                work.add(pool.submit(() -> tenantCalls(chat, provisioned.get(index).tenant(), index, quota[index],
                        s.seed(), deadline, done)));
            }
            for (Future<?> f : work) {
                f.get(10, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        out.printf(Locale.ROOT, "   %d calls made in %.1f s%n", done.get(), (System.nanoTime() - t0) / 1e9);
    }

    /** Calls per tenant: the total split by tier weight (premium 3, standard 2, basic 1), at least one each. */
    private static int[] quotas(Settings s, List<Provisioned> provisioned) {
        int[] quota = new int[provisioned.size()];
        if (s.calls() == null) {
            java.util.Arrays.fill(quota, Integer.MAX_VALUE);
            return quota;
        }
        int weights = provisioned.stream().mapToInt(p -> DemoTenants.weight(p.tenant().tier())).sum();
        int given = 0;
        for (int i = 0; i < quota.length; i++) {
            quota[i] = Math.max(1, s.calls() * DemoTenants.weight(provisioned.get(i).tenant().tier()) / weights);
            given += quota[i];
        }
        for (int i = 0; given < s.calls(); i = (i + 1) % quota.length) {
            quota[i]++;
            given++;
        }
        return quota;
    }

    /**
     * The emulator's behaviour for tenant {@code i}: latency by tier (bigger models are slower), and a fault pattern
     * by position: every third tenant from the second is throttled twice, every third from the third gets a 5xx,
     * the fourth gets one request rejected as invalid. The retry policy retries throttles and 5xx.
     */
    private static FaultPlan faults(int i, Provisioned p) {
        Tier tier = p.tenant().tier();
        FaultPlan.Builder b = FaultPlan.builder();
        if (tier.equals(Tier.PREMIUM)) {
            b.latency(Duration.ofMillis(30)).timeToFirstToken(Duration.ofMillis(50)).chunkDelay(Duration.ofMillis(2));
        } else if (tier.equals(Tier.BASIC)) {
            b.latency(Duration.ofMillis(10)).timeToFirstToken(Duration.ofMillis(20)).chunkDelay(Duration.ofMillis(1));
        } else {
            b.latency(Duration.ofMillis(15)).timeToFirstToken(Duration.ofMillis(30)).chunkDelay(Duration.ofMillis(1));
        }
        if (i == 3) {
            b.errorSequence("ValidationException", false, false, false, false, true);
        } else if (i % 3 == 1) {
            b.throttleSequence(false, false, true, false, false, false, false, true);
        } else if (i % 3 == 2) {
            b.errorSequence("InternalServerException", false, false, false, true);
        }
        return b.build();
    }

    private static void tenantCalls(ChatClient chat, DemoTenants.Tenant tenant, int index, int quota, long seed,
            long deadline, AtomicInteger done) {
        Random random = new Random(seed * 1_000_003L + index);
        TenantContext context = tenant.context();
        int abandonAt = index == 0 ? (quota == Integer.MAX_VALUE ? 3 : quota / 2) : -1;
        for (int k = 0; k < quota && System.nanoTime() < deadline; k++) {
            int kind = random.nextInt(100);
            String task = DemoTenants.TASKS[random.nextInt(DemoTenants.TASKS.length)];
            String prompt = String.format(Locale.ROOT, task, tenant.product(), tenant.audience())
                    + " Variant " + (k + 1) + ".";
            ChatRequest.Builder request = ChatRequest.builder().model(tenant.model()).attribute("feature",
                    DemoGovernance.FEATURE);
            if (k == abandonAt) {
                request.message(ChatMessage.user("Write the long-form launch blog post about " + tenant.product()
                        + ". " + ABANDON_MARKER));
                abandonHalfway(chat, context, request.build());
            } else {
                if (kind >= 50) {
                    // Brand guidelines are long and the same on every call: cache them.
                    request.system(tenant.brandGuide()).system(ContentPart.cachePoint());
                }
                request.message(ChatMessage.user(prompt));
                if (kind % 2 == 0) {
                    TenantScope.run(context, () -> syncCall(chat, request.build()));
                } else {
                    streamCall(chat, context, request.build());
                }
            }
            done.incrementAndGet();
        }
    }

    private static void syncCall(ChatClient chat, ChatRequest request) {
        try {
            chat.chat(request);
        } catch (RuntimeException failed) {
            // Failures are metered like successes; the ledger has them.
        }
    }

    private static void streamCall(ChatClient chat, TenantContext tenant, ChatRequest request) {
        chat.stream(tenant, request, new ChatStreamListener() { }).completion().handle((r, e) -> null).join();
    }

    /** Streams a long answer and stops reading halfway, as a user closing the browser tab would. */
    private static void abandonHalfway(ChatClient chat, TenantContext tenant, ChatRequest request) {
        AtomicReference<ChatStream> stream = new AtomicReference<>();
        AtomicInteger deltas = new AtomicInteger();
        ChatStream s = chat.stream(tenant, request, new ChatStreamListener() {
            @Override
            public void onText(String text) {
                if (deltas.incrementAndGet() >= ABANDON_AFTER_DELTAS) {
                    ChatStream running = stream.get();
                    if (running != null) {
                        running.cancel();
                    }
                }
            }
        });
        stream.set(s);
        if (deltas.get() >= ABANDON_AFTER_DELTAS) {
            s.cancel();
        }
        s.completion().handle((r, e) -> null).join();
    }

    /**
     * The server logs an abandoned stream once it notices the reset, a moment after the client moved on: wait until
     * its log holds as many calls per profile as the ledger (at most 10 s).
     */
    private static void awaitServer(BedrockEmulator emulator, List<UsageRecord> records) {
        Map<String, Long> expected = records.stream().filter(r -> r.profileArn() != null)
                .collect(Collectors.groupingBy(UsageRecord::profileArn, Collectors.counting()));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            Map<String, Long> logged = emulator.invocations().stream().filter(i -> i.profileArn() != null)
                    .collect(Collectors.groupingBy(InvocationRecord::profileArn, Collectors.counting()));
            if (expected.entrySet().stream().allMatch(e -> logged.getOrDefault(e.getKey(), 0L) >= e.getValue())) {
                return;
            }
            LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
        }
    }

    private void printTenantTable(List<Provisioned> provisioned, InMemoryUsageAggregates aggregates) {
        out.println("Usage by tenant (client side: the ledger, priced with the bundled price catalog)");
        TextTable table = new TextTable("TENANT", "TIER", ">CALLS", ">INPUT", ">OUTPUT", ">CACHE RD", ">CACHE WR",
                ">COST USD", ">P50", ">P95", ">TTFT P50", ">REJECTED", ">THROTTLED", "ERRORS");
        TenantUsage total = TenantUsage.EMPTY;
        for (Provisioned p : provisioned) {
            TenantUsage u = aggregates.snapshot(p.tenant().id());
            total = total.merge(u);
            table.row(usageRow(p.tenant().id().value(), p.tenant().tier().name(), u));
        }
        table.rule();
        table.row(usageRow("TOTAL", "", total));
        table.print(out, "  ");
        out.println();
    }

    private static Object[] usageRow(String tenant, String tier, TenantUsage u) {
        return new Object[] {tenant, tier, u.calls(), Reconciliation.n(u.tokens().inputTokens()),
            Reconciliation.n(u.tokens().outputTokens()), Reconciliation.n(u.tokens().cacheReadInputTokens()),
            Reconciliation.n(u.tokens().cacheWriteInputTokens()), usd(u.costUsd()), ms(u.latency().p50()),
            ms(u.latency().p95()), ms(u.timeToFirstToken().p50()), u.calls(Outcome.REJECTED_BY_POLICY),
            u.calls(Outcome.THROTTLED), errors(u)};
    }

    private void printServerView(List<Provisioned> provisioned, Map<String, ModelMetrics> metrics) {
        out.println("Bedrock's view (server side: AWS/Bedrock metrics per ModelId = the tenant's AIP)");
        TextTable table = new TextTable("MODELID (AIP)", "TENANT", ">INVOCATIONS", ">INPUT", ">OUTPUT", ">CACHE RD",
                ">CACHE WR", ">THROTTLES", ">CLIENT ERR", ">SERVER ERR");
        for (Provisioned p : provisioned) {
            ModelMetrics m = metrics.get(p.profile().profileId());
            if (m == null) {
                continue;
            }
            table.row(m.modelId(), p.tenant().id(), m.invocations(), Reconciliation.n(m.inputTokenCount()),
                    Reconciliation.n(m.outputTokenCount()), Reconciliation.n(m.cacheReadInputTokenCount()),
                    Reconciliation.n(m.cacheWriteInputTokenCount()), m.invocationThrottles(),
                    m.invocationClientErrors(), m.invocationServerErrors());
        }
        table.print(out, "  ");
        out.println();
    }

    static String usd(BigDecimal amount) {
        // Display only: the ledger keeps the exact amount.
        return amount.setScale(4, RoundingMode.HALF_EVEN).toPlainString();
    }

    static String ms(Optional<Duration> d) {
        return d.map(v -> v.toMillis() + " ms").orElse("-");
    }

    /** Failed attempts by kind, e.g. {@code throttled 2, 5xx 1, cancelled 1}. */
    static String errors(TenantUsage u) {
        List<String> parts = new ArrayList<>();
        for (Outcome o : Outcome.values()) {
            long n = u.calls(o);
            if (o != Outcome.SUCCESS && n > 0) {
                parts.add(label(o) + " " + n);
            }
        }
        return parts.isEmpty() ? "-" : String.join(", ", parts);
    }

    private static String label(Outcome o) {
        return switch (o) {
            case THROTTLED -> "throttled";
            case CLIENT_ERROR -> "4xx";
            case SERVER_ERROR -> "5xx";
            case TIMEOUT -> "timeout";
            case CANCELLED -> "cancelled";
            case STREAM_INTERRUPTED -> "interrupted";
            case REJECTED_BY_POLICY -> "rejected";
            case SUCCESS -> "ok";
        };
    }
}
