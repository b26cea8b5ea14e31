package dev.aip.spring;

import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.sink.UsageSink;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.Collection;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Feeds usage records into Micrometer meters named by the OpenTelemetry GenAI semantic conventions, with bounded
 * tag values.
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>Name</th><th>Type</th><th>Per record</th></tr>
 *   <tr><td>{@code gen_ai.client.token.usage}</td><td>distribution summary, unit tokens</td>
 *       <td>one {@code gen_ai.token.type=input} sample (input plus both cache buckets, as OpenTelemetry counts
 *       input) and one {@code output} sample</td></tr>
 *   <tr><td>{@code gen_ai.client.operation.duration}</td><td>timer</td><td>the attempt's latency; failures carry
 *       {@code error.type}</td></tr>
 *   <tr><td>{@code gen_ai.client.operation.time_to_first_chunk}</td><td>timer</td><td>streams that produced
 *       content</td></tr>
 *   <tr><td>{@code aip.usage.cache.tokens}</td><td>counter</td><td>{@code aip.cache=read|write}</td></tr>
 *   <tr><td>{@code aip.usage.cost}</td><td>counter, unit USD</td><td>priced attempts (the exact amounts are in the
 *       ledger; this is for dashboards)</td></tr>
 *   <tr><td>{@code aip.calls}</td><td>counter</td><td>every attempt, {@code aip.outcome}</td></tr>
 * </table>
 *
 * <p><b>Tags and cardinality.</b> {@code gen_ai.operation.name=chat}, {@code gen_ai.system=aws.bedrock},
 * {@code gen_ai.request.model} (the logical model; ARNs are tagged {@code arn}, and beyond {@value #MAX_MODELS}
 * distinct models {@code other}), {@code aip.tier} and {@code aip.tenant}. The tenant tag is bounded: only the
 * tenants named at construction get their own value, every other tenant is {@code other}; with none named, the tag
 * is left out. Full per-tenant figures belong in the ledger and in {@code /actuator/aip}.
 *
 * <p>Thread-safe; never throws into the call.
 */
public final class MicrometerUsageSink implements UsageSink {

    /** Most distinct model tag values before further models are tagged {@code other}. */
    public static final int MAX_MODELS = 50;

    private final MeterRegistry registry;
    private final Set<String> taggedTenants;
    private final Set<String> models = ConcurrentHashMap.newKeySet();

    /**
     * Creates the sink.
     *
     * @param registry where the meters go
     * @param taggedTenants tenants that get their own {@code aip.tenant} value; empty for no tenant tag
     */
    public MicrometerUsageSink(MeterRegistry registry, Collection<String> taggedTenants) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.taggedTenants = Set.copyOf(taggedTenants);
    }

    @Override
    public void accept(UsageRecord r) {
        try {
            Tags base = Tags.of("gen_ai.operation.name", "chat", "gen_ai.system", "aws.bedrock",
                    "gen_ai.request.model", model(r.requestedModel()), "aip.tier", r.tier().name());
            String id = r.tenant().value();
            Tags tags = taggedTenants.isEmpty() ? base
                    : base.and("aip.tenant", taggedTenants.contains(id) ? id : "other");
            Counter.builder("aip.calls").tags(tags).tag("aip.outcome", r.outcome().name().toLowerCase())
                    .register(registry).increment();
            Timer.Builder duration = Timer.builder("gen_ai.client.operation.duration").tags(tags);
            if (r.outcome() != Outcome.SUCCESS) {
                duration.tag("error.type", r.errorCode() != null ? r.errorCode() : r.outcome().name());
            }
            duration.register(registry).record(r.latency());
            if (r.outcome() == Outcome.REJECTED_BY_POLICY) {
                return;
            }
            if (r.timeToFirstToken() != null) {
                Timer.builder("gen_ai.client.operation.time_to_first_chunk").tags(tags).register(registry)
                        .record(r.timeToFirstToken());
            }
            DistributionSummary.builder("gen_ai.client.token.usage").baseUnit("tokens").tags(tags)
                    .tag("gen_ai.token.type", "input").register(registry)
                    .record(r.usage().totalInputTokens());
            DistributionSummary.builder("gen_ai.client.token.usage").baseUnit("tokens").tags(tags)
                    .tag("gen_ai.token.type", "output").register(registry).record(r.usage().outputTokens());
            Counter.builder("aip.usage.cache.tokens").tags(tags).tag("aip.cache", "read").register(registry)
                    .increment(r.usage().cacheReadInputTokens());
            Counter.builder("aip.usage.cache.tokens").tags(tags).tag("aip.cache", "write").register(registry)
                    .increment(r.usage().cacheWriteInputTokens());
            r.cost().amount().ifPresent(usd -> Counter.builder("aip.usage.cost").baseUnit("usd").tags(tags)
                    .register(registry).increment(usd.doubleValue()));
        } catch (RuntimeException e) {
            // A sink never fails a call; the Meter counts sink failures if this ever escapes.
        }
    }

    private String model(String requested) {
        if (requested == null) {
            return "unknown";
        }
        if (requested.startsWith("arn:")) {
            return "arn";
        }
        if (models.contains(requested)) {
            return requested;
        }
        if (models.size() < MAX_MODELS && models.add(requested)) {
            return requested;
        }
        return models.contains(requested) ? requested : "other";
    }
}
