package dev.aip.examples;

import dev.aip.core.bedrock.BedrockInferenceProfileApi;
import dev.aip.core.metering.UsageMeter;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.InferenceProfile;
import dev.aip.core.profile.ProfileLifecycle;
import dev.aip.core.profile.StaticProfileResolver;
import dev.aip.core.profile.TaggedProfile;
import dev.aip.emulator.BedrockEmulator;
import dev.aip.langchain4j.TenantBedrockModels;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What Labs 4, 6 and 7 share: the environment, each workshop tenant's application inference profile (found by its
 * tags or created, as in Lab 3), a {@link TenantBedrockModels} whose models route the logical model
 * {@value LabProfiles#LOGICAL_MODEL} to the calling tenant's profile, the usage records aip writes, and the closing
 * check of those records against the server-side metrics of each profile.
 *
 * <p>Confined to the lab's thread, except {@link #records}, which the SDK's threads fill.
 */
final class FrameworkLab implements AutoCloseable {

    /**
     * Calls, tokens, cost and summed latency of some records. Immutable.
     *
     * @param calls records (model call attempts)
     * @param tokens tokens, summed
     * @param costUsd priced cost, summed
     * @param latency latency, summed (the time spent waiting for the model)
     */
    record Totals(long calls, TokenUsage tokens, BigDecimal costUsd, Duration latency) {

        static Totals of(Collection<UsageRecord> records) {
            TokenUsage tokens = TokenUsage.ZERO;
            BigDecimal cost = BigDecimal.ZERO;
            Duration latency = Duration.ZERO;
            for (UsageRecord r : records) {
                tokens = tokens.plus(r.usage());
                cost = cost.add(r.cost().amount().orElse(BigDecimal.ZERO));
                latency = latency.plus(r.latency());
            }
            return new Totals(records.size(), tokens, cost, latency);
        }

        String cost() {
            return "$" + costUsd.setScale(6, RoundingMode.HALF_UP).toPlainString();
        }

        String millis() {
            return latency.toMillis() + "ms";
        }
    }

    final LabEnvironment env;
    final Map<LabTenant, InferenceProfile> profiles = new LinkedHashMap<>();
    final List<UsageRecord> records = new CopyOnWriteArrayList<>();
    final TenantBedrockModels models;
    private final Map<String, ModelIdTotals> baseline = new LinkedHashMap<>();
    private final PrintStream out;

    private FrameworkLab(LabEnvironment env, PrintStream out, String title, String story, boolean serverMetrics) {
        this.env = env;
        this.out = out;
        out.println(title);
        out.println(story + ", on " + env.describe() + ".");
        out.println();
        ProfileLifecycle lifecycle = LabProfiles.lifecycle(env);
        out.println("PROFILES  each tenant's application inference profile, found by its tags or created");
        List<TaggedProfile> scan = lifecycle.list();
        StaticProfileResolver.Builder resolver = StaticProfileResolver.builder()
                .api(BedrockInferenceProfileApi.create(env.bedrock()))
                .schema(LabProfiles.SCHEMA);
        for (LabTenant tenant : LabTenant.WORKSHOP) {
            LabProfiles.Ensured ensured = LabProfiles.ensure(lifecycle, scan, tenant);
            InferenceProfile p = ensured.profile();
            profiles.put(tenant, p);
            resolver.profile(tenant.id(), LabProfiles.LOGICAL_MODEL, p.arn());
            if (serverMetrics) {
                baseline.put(p.id(), env.serverMetrics().totals(p.id()));
            }
            out.printf("  %-9s %s %s  id=%s%n", tenant.id(), ensured.created() ? "created" : "found  ", p.name(),
                    p.id());
        }
        out.println();
        this.models = TenantBedrockModels.builder()
                .resolver(resolver.build())
                .meter(UsageMeter.builder().sink(records::add).region(env.region()).build())
                .client(env::configure)
                .build();
    }

    /**
     * Opens the environment the options ask for, prints the lab's title and story (once the environment is there,
     * so a lab that cannot start prints only why), and sets up the tenants' profiles and models.
     */
    static FrameworkLab open(LabOptions options, LabEnvironment.Host host, PrintStream out, String title,
                             String story) {
        return open(options, host, out, title, story, true);
    }

    /**
     * Like {@link #open(LabOptions, LabEnvironment.Host, PrintStream, String, String)}; without
     * {@code serverMetrics} the server-side metrics are not read (a serving container needs no CloudWatch access),
     * and {@link #reconcile()} must not be called.
     */
    static FrameworkLab open(LabOptions options, LabEnvironment.Host host, PrintStream out, String title,
                             String story, boolean serverMetrics) {
        LabEnvironment env = LabEnvironment.open(options, host);
        try {
            return new FrameworkLab(env, out, title, story, serverMetrics);
        } catch (RuntimeException e) {
            env.close();
            throw e;
        }
    }

    /** The emulator, to script the model's behaviour; empty on AWS, where the real model decides. */
    Optional<BedrockEmulator> emulator() {
        return env.emulator();
    }

    /** The records of one tenant. */
    List<UsageRecord> recordsOf(LabTenant tenant) {
        return records.stream().filter(r -> r.tenant().equals(tenant.id())).toList();
    }

    /**
     * Waits (without timing anything) until {@code count} records are written: a stream's record is settled on the
     * SDK's threads when its body ends, which can be just after the caller saw the answer.
     */
    void awaitRecords(int count) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (records.size() < count && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Prints each tenant's usage as aip metered it next to the server-side metrics of its profile, and whether they
     * agree on calls and every token bucket.
     *
     * @return whether every tenant agrees
     */
    boolean reconcile() {
        out.println("USAGE  aip's records per tenant next to " + env.serverMetrics().source());
        List<String> ids = profiles.values().stream().map(InferenceProfile::id).toList();
        Map<String, Totals> measured = new LinkedHashMap<>();
        profiles.forEach((tenant, p) -> measured.put(p.id(), Totals.of(recordsOf(tenant))));
        Map<String, ModelIdTotals> server = MetricsWait.read(env, ids, baseline,
                totals -> totals.entrySet().stream().allMatch(t ->
                        t.getValue().invocations() >= measured.get(t.getKey()).calls()), out);
        boolean all = true;
        for (Map.Entry<LabTenant, InferenceProfile> e : profiles.entrySet()) {
            String id = e.getValue().id();
            Totals aip = measured.get(id);
            ModelIdTotals seen = server.get(id);
            TokenUsage t = aip.tokens();
            out.printf("  %-9s aip:    calls=%d inputTokens=%d outputTokens=%d cacheReadTokens=%d cost=%s%n",
                    e.getKey().id(), aip.calls(), t.inputTokens(), t.outputTokens(), t.cacheReadInputTokens(),
                    aip.cost());
            out.printf("  %-9s server: %s%n", e.getKey().id(), seen.line());
            boolean agree = aip.calls() == seen.invocations() && t.inputTokens() == seen.inputTokenCount()
                    && t.outputTokens() == seen.outputTokenCount()
                    && t.cacheReadInputTokens() == seen.cacheReadInputTokenCount()
                    && t.cacheWriteInputTokens() == seen.cacheWriteInputTokenCount();
            all &= agree;
            out.printf("  %-9s %s%n", e.getKey().id(), agree
                    ? "agree: calls and every token bucket match the profile's metrics"
                    : "DIFFER: " + (env.serverMetrics().delayed()
                            ? "CloudWatch may not have published every call yet"
                            : "aip and the server counted differently"));
        }
        out.println();
        return all;
    }

    /** The tenants, in the workshop's order. */
    List<LabTenant> tenants() {
        return new ArrayList<>(profiles.keySet());
    }

    @Override
    public void close() {
        try {
            models.close();
        } finally {
            env.close();
        }
    }
}
