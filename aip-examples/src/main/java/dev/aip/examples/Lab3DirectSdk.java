package dev.aip.examples;

import dev.aip.core.AipException;
import dev.aip.core.bedrock.BedrockInferenceProfileApi;
import dev.aip.core.bedrock.TenantRoutingInterceptor;
import dev.aip.core.metering.UsageMeter;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.profile.InferenceProfile;
import dev.aip.core.profile.ProfileLifecycle;
import dev.aip.core.profile.StaticProfileResolver;
import dev.aip.core.profile.TaggedProfile;
import dev.aip.core.sink.InMemoryUsageAggregates;
import dev.aip.core.sink.LatencyDistribution;
import dev.aip.core.sink.TenantUsage;
import dev.aip.core.tenant.TenantScope;
import java.io.PrintStream;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelResponse;
import software.amazon.awssdk.services.bedrockruntime.model.Message;

/**
 * Workshop Lab 3, application inference profiles with the AWS SDK: each tenant's profile is found or created
 * (the workshop's {@code check_aip_exists}), then called with its ARN as {@code modelId} through Converse,
 * ConverseStream and InvokeModel. The runtime clients carry aip's {@link TenantRoutingInterceptor}, which checks
 * that the ARN is the calling tenant's own profile and meters every call into an {@link InMemoryUsageAggregates}.
 * The lab ends by printing each tenant's usage as aip measured it next to the server-side metrics of the tenant's
 * profile ({@code ModelId} = profile id), and says whether they agree.
 *
 * <pre>{@code
 * java -cp ... dev.aip.examples.Lab3DirectSdk [--calls N] [--cleanup] [--aws [--region R]]
 * }</pre>
 */
@Command(name = "lab3-direct-sdk", mixinStandardHelpOptions = true, version = "aip examples 0.1.0-SNAPSHOT",
        description = "Lab 3: call each tenant's application inference profile with the AWS SDK; aip meters the"
                + " calls and its figures match the per-profile AWS/Bedrock metrics.")
public final class Lab3DirectSdk implements Callable<Integer> {

    @Mixin
    LabOptions options = new LabOptions();

    @Option(names = "--calls", paramLabel = "N", defaultValue = "1",
            description = "Rounds per tenant; each round is one Converse, one ConverseStream and one InvokeModel"
                    + " (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "300",
            description = "Cap on each answer's length (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--cleanup", description = "Delete the profiles this run created at the end (by default they"
            + " stay, as in the workshop, and the next run reuses them).")
    boolean cleanup;

    private final PrintStream out;
    private final LabEnvironment.Host host;

    private Lab3DirectSdk(PrintStream out, LabEnvironment.Host host) {
        this.out = out;
        this.host = host;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out));
    }

    /** Runs the lab; returns the exit code (0 done, 1 failed, 2 cannot start as asked). */
    static int run(String[] args, PrintStream out) {
        return run(args, out, System.err, LabEnvironment.Host.system());
    }

    static int run(String[] args, PrintStream out, PrintStream err, LabEnvironment.Host host) {
        return Labs.execute(new Lab3DirectSdk(out, host), args, out, err);
    }

    @Override
    public Integer call() {
        if (rounds < 1 || maxTokens < 1) {
            throw new SetupException("--calls and --max-tokens must be at least 1");
        }
        try (LabEnvironment env = LabEnvironment.open(options, host)) {
            out.println("Lab 3: application inference profiles with the AWS SDK for Java");
            out.println("Alex calls each tenant's own profile directly with the SDK, passing its ARN as modelId, and");
            out.println("lets aip meter every call, on " + env.describe() + ".");
            out.println();

            ProfileLifecycle lifecycle = LabProfiles.lifecycle(env);
            Map<LabTenant, LabProfiles.Ensured> profiles = profiles(lifecycle);
            try {
                Map<String, ModelIdTotals> baseline = new LinkedHashMap<>();
                profiles.values().forEach(p -> baseline.put(p.profile().id(),
                        env.serverMetrics().totals(p.profile().id())));

                InMemoryUsageAggregates usage = new InMemoryUsageAggregates();
                TenantRoutingInterceptor routing = routing(env, profiles, usage);
                BedrockRuntimeClient runtime = env.runtime(routing);
                BedrockRuntimeAsyncClient runtimeAsync = env.runtimeAsync(routing);
                calls(profiles, runtime, runtimeAsync);
                report(env, profiles, baseline, usage);
            } finally {
                if (cleanup) {
                    for (Map.Entry<LabTenant, LabProfiles.Ensured> e : profiles.entrySet()) {
                        if (e.getValue().created()) {
                            lifecycle.delete(e.getValue().profile().arn());
                            out.printf("  %-9s deleted %s (--cleanup)%n", e.getKey().id(),
                                    e.getValue().profile().name());
                        }
                    }
                }
            }
            return 0;
        }
    }

    private Map<LabTenant, LabProfiles.Ensured> profiles(ProfileLifecycle lifecycle) {
        out.println("PROFILES  find each tenant's profile by its tags, create it if missing");
        List<TaggedProfile> scan = lifecycle.list();
        Map<LabTenant, LabProfiles.Ensured> profiles = new LinkedHashMap<>();
        for (LabTenant tenant : LabTenant.WORKSHOP) {
            LabProfiles.Ensured ensured = LabProfiles.ensure(lifecycle, scan, tenant);
            profiles.put(tenant, ensured);
            InferenceProfile p = ensured.profile();
            out.printf("  %-9s %s %s  id=%s%n", tenant.id(), ensured.created() ? "created" : "found  ", p.name(),
                    p.id());
        }
        out.println();
        return profiles;
    }

    /**
     * The interceptor for the lab's clients. The workshop passes the profile ARN itself as {@code modelId}; mapping
     * each tenant's ARN to itself lets the interceptor refuse an ARN that is not the calling tenant's (the ownership
     * tags are checked once) and price the call from the profile's source model.
     */
    private static TenantRoutingInterceptor routing(LabEnvironment env, Map<LabTenant, LabProfiles.Ensured> profiles,
                                                    InMemoryUsageAggregates usage) {
        StaticProfileResolver.Builder resolver = StaticProfileResolver.builder()
                .api(BedrockInferenceProfileApi.create(env.bedrock()))
                .schema(LabProfiles.SCHEMA);
        profiles.forEach((tenant, p) -> resolver.profile(tenant.id(), p.profile().arn(), p.profile().arn()));
        return TenantRoutingInterceptor.builder()
                .resolver(resolver.build())
                .meter(UsageMeter.builder().sink(usage::accept).region(env.region()).build())
                .logicalModels(id -> id.contains(":application-inference-profile/"))
                .build();
    }

    private void calls(Map<LabTenant, LabProfiles.Ensured> profiles, BedrockRuntimeClient runtime,
                       BedrockRuntimeAsyncClient runtimeAsync) {
        out.println("CALLS  modelId = the tenant's profile ARN; the tenant comes from TenantScope");
        for (Map.Entry<LabTenant, LabProfiles.Ensured> e : profiles.entrySet()) {
            LabTenant tenant = e.getKey();
            String arn = e.getValue().profile().arn();
            Message brief = Message.builder().role(ConversationRole.USER)
                    .content(ContentBlock.fromText(tenant.campaignBrief())).build();
            for (int round = 0; round < rounds; round++) {
                boolean show = round == 0;
                ConverseResponse converse = TenantScope.get(tenant.context(), () -> runtime.converse(
                        ConverseRequest.builder().modelId(arn).messages(brief)
                                .inferenceConfig(c -> c.maxTokens(maxTokens)).build()));
                if (show) {
                    out.printf("  %-9s Converse        \"%s\"%n", tenant.id(),
                            Labs.preview(converse.output().message().content().get(0).text(), 56));
                }

                StringBuilder streamed = new StringBuilder();
                ConverseStreamResponseHandler handler = ConverseStreamResponseHandler.builder()
                        .subscriber(ConverseStreamResponseHandler.Visitor.builder()
                                .onContentBlockDelta(d -> {
                                    if (d.delta().text() != null) {
                                        streamed.append(d.delta().text());
                                    }
                                })
                                .build())
                        .build();
                TenantScope.get(tenant.context(), () -> runtimeAsync.converseStream(
                        ConverseStreamRequest.builder().modelId(arn).messages(brief)
                                .inferenceConfig(c -> c.maxTokens(maxTokens)).build(), handler)).join();
                if (show) {
                    out.printf("  %-9s ConverseStream  \"%s\"%n", tenant.id(), Labs.preview(streamed.toString(), 56));
                }

                InvokeModelResponse invoke = TenantScope.get(tenant.context(), () -> runtime.invokeModel(r -> r
                        .modelId(arn).contentType("application/json").accept("application/json")
                        .body(NovaMessages.request(tenant.campaignBrief(), maxTokens))));
                if (show) {
                    out.printf("  %-9s InvokeModel     \"%s\"%n", tenant.id(),
                            Labs.preview(NovaMessages.parse(invoke.body()).text(), 56));
                }
            }
        }
        // A tenant's calls can only go to its own profile: another tenant's ARN is refused before it is sent.
        List<LabTenant> tenants = new ArrayList<>(profiles.keySet());
        if (tenants.size() > 1) {
            LabTenant caller = tenants.get(1);
            String othersArn = profiles.get(tenants.get(0)).profile().arn();
            try {
                TenantScope.get(caller.context(), () -> runtime.converse(ConverseRequest.builder().modelId(othersArn)
                        .messages(Message.builder().role(ConversationRole.USER)
                                .content(ContentBlock.fromText("hello")).build()).build()));
                out.printf("  %-9s with %s's profile: sent (unexpected)%n", caller.id(), tenants.get(0).id());
            } catch (AipException refused) {
                out.printf("  %-9s with %s's profile ARN: refused before sending (%s)%n", caller.id(),
                        tenants.get(0).id(), refused.getClass().getSimpleName());
            }
        }
        out.println();
    }

    private void report(LabEnvironment env, Map<LabTenant, LabProfiles.Ensured> profiles,
                        Map<String, ModelIdTotals> baseline, InMemoryUsageAggregates usage) {
        out.println("USAGE  aip's metering (InMemoryUsageAggregates) next to " + env.serverMetrics().source());
        List<String> ids = profiles.values().stream().map(p -> p.profile().id()).toList();
        Map<String, TenantUsage> measured = new LinkedHashMap<>();
        profiles.forEach((tenant, p) -> measured.put(p.profile().id(), usage.snapshot(tenant.id())));
        Map<String, ModelIdTotals> server = MetricsWait.read(env, ids, baseline,
                totals -> totals.entrySet().stream().allMatch(t ->
                        t.getValue().invocations() >= measured.get(t.getKey()).calls()), out);
        for (Map.Entry<LabTenant, LabProfiles.Ensured> e : profiles.entrySet()) {
            String id = e.getValue().profile().id();
            TenantUsage aip = measured.get(id);
            ModelIdTotals seen = server.get(id);
            TokenUsage t = aip.tokens();
            out.printf("  %-9s aip:    calls=%d inputTokens=%d outputTokens=%d cacheReadTokens=%d cacheWriteTokens=%d"
                            + " cost=$%s%s p50=%s ttft=%s%n", e.getKey().id(), aip.calls(), t.inputTokens(),
                    t.outputTokens(), t.cacheReadInputTokens(), t.cacheWriteInputTokens(),
                    aip.costUsd().setScale(6, RoundingMode.HALF_UP).toPlainString(),
                    aip.unpricedCalls() == 0 ? "" : " (+" + aip.unpricedCalls() + " unpriced)",
                    millis(aip.latency()), millis(aip.timeToFirstToken()));
            out.printf("  %-9s server: %s%n", e.getKey().id(), seen.line());
            boolean agree = aip.calls() == seen.invocations() && t.inputTokens() == seen.inputTokenCount()
                    && t.outputTokens() == seen.outputTokenCount()
                    && t.cacheReadInputTokens() == seen.cacheReadInputTokenCount()
                    && t.cacheWriteInputTokens() == seen.cacheWriteInputTokenCount();
            out.printf("  %-9s %s%n", e.getKey().id(), agree
                    ? "agree: calls and every token bucket match the profile's metrics"
                    : "DIFFER: " + (env.serverMetrics().delayed()
                            ? "CloudWatch may not have published every call yet"
                            : "aip and the server counted differently"));
        }
        out.println();
        out.println("Each tenant now has its own ModelId series, and aip's per-call records agree with it: usage,");
        out.println("cost and latency per tenant, available the moment the call ends rather than minutes later.");
    }

    private static String millis(LatencyDistribution d) {
        return d.p50().map(Duration::toMillis).map(ms -> ms + "ms").orElse("-");
    }
}
