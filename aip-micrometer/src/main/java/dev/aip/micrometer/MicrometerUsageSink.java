package dev.aip.micrometer;

import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.sink.UsageSink;
import dev.aip.core.tenant.TenantId;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.Collection;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Feeds usage records into Micrometer meters named by the OpenTelemetry GenAI semantic conventions, with bounded
 * tag values and the same tag keys on every series of a meter.
 *
 * <pre>{@code
 * MicrometerUsageSink sink = MicrometerUsageSink.builder(registry)
 *     .tenantTags(Set.of(TenantId.of("acme"), TenantId.of("globex")))
 *     .build();
 * UsageMeter meter = UsageMeter.builder().sink(sink::accept).build();
 * }</pre>
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>Name</th><th>Type</th><th>Per record</th><th>Own tag</th></tr>
 *   <tr><td>{@code gen_ai.client.token.usage}</td><td>distribution summary, unit tokens</td>
 *       <td>one input sample (input plus both cache buckets, as OpenTelemetry counts input) and one output
 *       sample</td><td>{@code gen_ai.token.type=input|output}</td></tr>
 *   <tr><td>{@code gen_ai.client.operation.duration}</td><td>timer</td><td>the attempt's latency</td>
 *       <td>{@code error.type}: the error code of a failed attempt, {@value #NO_ERROR} on success</td></tr>
 *   <tr><td>{@code gen_ai.client.operation.time_to_first_chunk}</td><td>timer</td><td>streams that produced
 *       content</td><td></td></tr>
 *   <tr><td>{@code aip.usage.cache.tokens}</td><td>counter, unit tokens</td><td>both cache buckets</td>
 *       <td>{@code aip.cache=read|write}</td></tr>
 *   <tr><td>{@code aip.usage.cost}</td><td>counter, unit USD</td><td>priced attempts (the exact amounts are in the
 *       ledger; this is for dashboards)</td><td></td></tr>
 *   <tr><td>{@code aip.calls}</td><td>counter</td><td>every attempt</td>
 *       <td>{@code aip.outcome}, the lower-case {@link Outcome}</td></tr>
 * </table>
 * Attempts refused by policy count in {@code aip.calls} and {@code gen_ai.client.operation.duration} only.
 *
 * <p><b>Tags.</b> Every meter carries {@code gen_ai.operation.name=chat}, {@code gen_ai.system=aws.bedrock},
 * {@code gen_ai.request.model}, {@code aip.tier} and, when tenants were named with {@link Builder#tenantTags},
 * {@code aip.tenant}; each meter adds the one tag of the table above, on every record. So every series of a meter
 * has the same tag keys, as Prometheus requires (it refuses a series whose label names differ from the first one
 * registered under that name).
 *
 * <p><b>{@code error.type} on success.</b> The OpenTelemetry conventions make {@code error.type} conditionally
 * required (when the operation failed) and ask instrumentations not to set it on success. This sink sets it to
 * {@value #NO_ERROR} on success instead, because with Micrometer and Prometheus a meter whose series differ in tag
 * keys loses the series registered second: omitting the tag would drop either the successes or the failures.
 * {@value #NO_ERROR} follows Micrometer's own instrumentation ({@code exception="none"} on
 * {@code http.server.requests}); a query for failures filters {@code error_type!="none"}.
 *
 * <p><b>Cardinality.</b> Tag values are bounded, so a registry holds at most a fixed number of series:
 * <ul>
 *   <li>{@code aip.tenant}: only the tenants named at build time get their own value, every other tenant is
 *       {@value #OTHER}; with none named the tag is left out. Full per-tenant figures belong in the ledger.</li>
 *   <li>{@code gen_ai.request.model}: the first {@link Builder#maxModels} distinct logical models keep their name,
 *       later ones are {@value #OTHER}; profile ARNs are {@code arn}.</li>
 *   <li>{@code aip.tier}: the first {@link Builder#maxTiers} distinct tiers, then {@value #OTHER}.</li>
 *   <li>{@code error.type}: the first {@value #MAX_ERROR_TYPES} distinct error codes, then {@value #OTHER}.</li>
 * </ul>
 * The bounds are applied by the sink before it touches the registry, not by a {@code MeterFilter} added to the
 * registry: a filter added after meters exist makes Micrometer warn and re-filter every meter of the host, and would
 * also reach other instrumentation's meters.
 *
 * <p><b>Registration.</b> Each series is registered once, the first time a record needs it, and kept; later records
 * look it up by their bounded tag values without building a meter or asking the registry. A series removed from the
 * registry by the application stays detached from it.
 *
 * <p>Thread-safe; share one per registry. {@link #accept} never throws into the call: a failure inside Micrometer is
 * counted ({@link #failures()}) and the record's remaining meters are skipped.
 */
public final class MicrometerUsageSink implements UsageSink {

    /** The tag value that stands for every value beyond a bound. */
    public static final String OTHER = "other";

    /** The {@code error.type} of a successful attempt. */
    public static final String NO_ERROR = "none";

    /** The most distinct {@code error.type} values before further codes are tagged {@value #OTHER}. */
    public static final int MAX_ERROR_TYPES = 32;

    private static final Outcome[] OUTCOMES = Outcome.values();

    private final MeterRegistry registry;
    private final Set<String> taggedTenants;
    private final boolean tenantTag;
    private final BoundedValues models;
    private final BoundedValues tiers;
    private final BoundedValues errorTypes = new BoundedValues(MAX_ERROR_TYPES);
    private final Map<SeriesKey, Series> series = new ConcurrentHashMap<>();
    private final AtomicLong failures = new AtomicLong();

    private MicrometerUsageSink(Builder b) {
        registry = b.registry;
        Set<String> ids = new HashSet<>();
        for (TenantId t : b.tenantTags == null ? Set.<TenantId>of() : b.tenantTags) {
            ids.add(t.value());
        }
        taggedTenants = Set.copyOf(ids);
        tenantTag = !taggedTenants.isEmpty();
        models = new BoundedValues(b.maxModels == null ? Builder.DEFAULT_MAX_MODELS : b.maxModels);
        tiers = new BoundedValues(b.maxTiers == null ? Builder.DEFAULT_MAX_TIERS : b.maxTiers);
    }

    /**
     * Starts a sink on a registry.
     *
     * @param registry where the meters go
     * @return a builder
     */
    public static Builder builder(MeterRegistry registry) {
        return new Builder(registry);
    }

    @Override
    public void accept(UsageRecord r) {
        try {
            String tenant = null;
            if (tenantTag) {
                String id = r.tenant().value();
                tenant = taggedTenants.contains(id) ? id : OTHER;
            }
            Series s = series(new SeriesKey(model(r.requestedModel()), tiers.bound(r.tier().name()), tenant));
            s.calls(r.outcome()).increment();
            s.duration(errorType(r)).record(r.latency());
            if (r.outcome() == Outcome.REJECTED_BY_POLICY) {
                return;
            }
            if (r.timeToFirstToken() != null) {
                s.timeToFirstChunk.record(r.timeToFirstToken());
            }
            s.inputTokens.record(r.usage().totalInputTokens());
            s.outputTokens.record(r.usage().outputTokens());
            s.cacheRead.increment(r.usage().cacheReadInputTokens());
            s.cacheWrite.increment(r.usage().cacheWriteInputTokens());
            r.cost().amount().ifPresent(usd -> s.cost.increment(usd.doubleValue()));
        } catch (RuntimeException e) {
            // an observer never fails the call it observes; the count makes a broken registry visible
            failures.incrementAndGet();
        }
    }

    /**
     * Returns how many records met a failure inside Micrometer (their remaining meters were skipped).
     *
     * @return the count since the sink was built
     */
    public long failures() {
        return failures.get();
    }

    private Series series(SeriesKey key) {
        Series s = series.get(key);
        return s != null ? s : series.computeIfAbsent(key, k -> new Series(registry, k.tags()));
    }

    private String model(String requested) {
        return requested.startsWith("arn:") ? "arn" : models.bound(requested);
    }

    private String errorType(UsageRecord r) {
        if (r.outcome() == Outcome.SUCCESS) {
            return NO_ERROR;
        }
        return errorTypes.bound(r.errorCode() != null ? r.errorCode() : r.outcome().name());
    }

    /** The bounded values that select one set of series. */
    private record SeriesKey(String model, String tier, String tenant) {

        Tags tags() {
            Tags tags = Tags.of("gen_ai.operation.name", "chat", "gen_ai.system", "aws.bedrock",
                    "gen_ai.request.model", model, "aip.tier", tier);
            return tenant == null ? tags : tags.and("aip.tenant", tenant);
        }
    }

    /**
     * The meters of one model, tier and tenant tag. The meters every record feeds are registered together, up front;
     * those split further by outcome or error type are registered on first use. Either way, once per series.
     */
    private static final class Series {
        private final MeterRegistry registry;
        private final Tags tags;
        private final AtomicReferenceArray<Counter> calls = new AtomicReferenceArray<>(OUTCOMES.length);
        private final Map<String, Timer> durations = new ConcurrentHashMap<>();
        final Timer timeToFirstChunk;
        final DistributionSummary inputTokens;
        final DistributionSummary outputTokens;
        final Counter cacheRead;
        final Counter cacheWrite;
        final Counter cost;

        Series(MeterRegistry registry, Tags tags) {
            this.registry = registry;
            this.tags = tags;
            timeToFirstChunk = Timer.builder("gen_ai.client.operation.time_to_first_chunk").tags(tags)
                    .register(registry);
            inputTokens = tokens("input");
            outputTokens = tokens("output");
            cacheRead = Counter.builder("aip.usage.cache.tokens").baseUnit("tokens").tags(tags)
                    .tag("aip.cache", "read").register(registry);
            cacheWrite = Counter.builder("aip.usage.cache.tokens").baseUnit("tokens").tags(tags)
                    .tag("aip.cache", "write").register(registry);
            cost = Counter.builder("aip.usage.cost").baseUnit("usd").tags(tags).register(registry);
        }

        private DistributionSummary tokens(String type) {
            return DistributionSummary.builder("gen_ai.client.token.usage").baseUnit("tokens").tags(tags)
                    .tag("gen_ai.token.type", type).register(registry);
        }

        Counter calls(Outcome outcome) {
            Counter c = calls.get(outcome.ordinal());
            if (c == null) {
                // two threads racing here both register: Micrometer hands both the one counter it holds
                c = Counter.builder("aip.calls").tags(tags)
                        .tag("aip.outcome", outcome.name().toLowerCase(Locale.ROOT)).register(registry);
                calls.set(outcome.ordinal(), c);
            }
            return c;
        }

        Timer duration(String errorType) {
            Timer t = durations.get(errorType);
            return t != null ? t : durations.computeIfAbsent(errorType, e -> Timer.builder(
                    "gen_ai.client.operation.duration").tags(tags).tag("error.type", e).register(registry));
        }
    }

    /**
     * Builds a {@link MicrometerUsageSink}. Each setting may be set once; a second set is refused with both values
     * in the message.
     *
     * <p>Confined to the thread that builds.
     */
    public static final class Builder {

        /** Default for {@link #maxModels}. */
        public static final int DEFAULT_MAX_MODELS = 50;
        /** Default for {@link #maxTiers}. */
        public static final int DEFAULT_MAX_TIERS = 20;

        private final MeterRegistry registry;
        private Set<TenantId> tenantTags;
        private Integer maxModels;
        private Integer maxTiers;

        private Builder(MeterRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
        }

        /**
         * Names the tenants that get their own {@code aip.tenant} value; every other tenant is tagged
         * {@value #OTHER}. Not set or empty: no tenant tag at all, only the tier.
         *
         * @param tenants the tenants tagged by id
         * @return this builder
         * @throws IllegalStateException if already set
         */
        public Builder tenantTags(Collection<TenantId> tenants) {
            Objects.requireNonNull(tenants, "tenants");
            Set<TenantId> copy = Set.copyOf(tenants);
            once("tenantTags", tenantTags, copy);
            tenantTags = copy;
            return this;
        }

        /**
         * Sets how many distinct logical models keep their name in {@code gen_ai.request.model}; later ones are
         * {@value #OTHER}. Default {@value #DEFAULT_MAX_MODELS}.
         *
         * @param max at least 1
         * @return this builder
         * @throws IllegalArgumentException if {@code max < 1}
         * @throws IllegalStateException if already set
         */
        public Builder maxModels(int max) {
            once("maxModels", maxModels, max);
            maxModels = positive("maxModels", max);
            return this;
        }

        /**
         * Sets how many distinct tiers keep their name in {@code aip.tier}; later ones are {@value #OTHER}.
         * Default {@value #DEFAULT_MAX_TIERS}.
         *
         * @param max at least 1
         * @return this builder
         * @throws IllegalArgumentException if {@code max < 1}
         * @throws IllegalStateException if already set
         */
        public Builder maxTiers(int max) {
            once("maxTiers", maxTiers, max);
            maxTiers = positive("maxTiers", max);
            return this;
        }

        /**
         * Builds the sink. It registers nothing until the first record.
         *
         * @return the sink
         */
        public MicrometerUsageSink build() {
            return new MicrometerUsageSink(this);
        }

        private static void once(String setting, Object current, Object value) {
            if (current != null) {
                throw new IllegalStateException(setting + " was already set to " + current + "; cannot set it to "
                        + value);
            }
        }

        private static int positive(String setting, int value) {
            if (value < 1) {
                throw new IllegalArgumentException(setting + " must be at least 1, was " + value);
            }
            return value;
        }
    }
}
