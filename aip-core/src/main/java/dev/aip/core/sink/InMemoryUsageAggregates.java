package dev.aip.core.sink;

import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantId;
import java.math.BigDecimal;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-tenant usage totals in memory: calls by outcome, tokens by bucket, exact cost of priced calls and the count
 * of unpriced ones, latency and time-to-first-token percentiles, errors by code. Calls refused by policy
 * ({@link Outcome#REJECTED_BY_POLICY}) are counted ({@link TenantUsage#refusals()}) but kept out of the latency
 * percentiles, which describe attempts sent to Bedrock only.
 *
 * <p>Counts are exact under any concurrency. Each tenant has its own small state and lock, so threads working for
 * different tenants never contend; a snapshot of a tenant is consistent (taken under its lock), and
 * {@link #total()} merges tenant snapshots taken one after the other.
 *
 * <p>Memory: a tenant with a few calls costs roughly 0.5 KB (measured by {@code InMemoryUsageAggregatesTest}); the
 * latency histograms grow only with the spread of the values recorded (see {@link LatencyDistribution}). Distinct
 * error codes are kept up to {@value #MAX_ERROR_CODES} per tenant; further codes are counted under
 * {@value #OTHER_ERRORS}.
 *
 * <p>State lives only as long as this object. Rebuild it after a restart from a ledger with
 * {@link #rebuiltFrom(Iterable)} or {@link JsonLinesLedger#replay}; the ledger's replay removes duplicate records,
 * this class counts every record it is given.
 *
 * <p>Thread-safe; share one.
 */
public final class InMemoryUsageAggregates implements UsageSink {

    /** The number of distinct error codes kept per tenant. */
    public static final int MAX_ERROR_CODES = 64;

    /** The error code under which codes beyond {@link #MAX_ERROR_CODES} are counted. */
    public static final String OTHER_ERRORS = "(other)";

    private static final Outcome[] OUTCOMES = Outcome.values();

    private final ConcurrentHashMap<TenantId, TenantState> tenants = new ConcurrentHashMap<>();

    /** Creates empty aggregates. */
    public InMemoryUsageAggregates() {}

    /**
     * Creates aggregates holding the given records, for example a ledger's contents after a restart.
     *
     * @param records the records, each counted once per occurrence
     * @return the aggregates
     */
    public static InMemoryUsageAggregates rebuiltFrom(Iterable<UsageRecord> records) {
        InMemoryUsageAggregates aggregates = new InMemoryUsageAggregates();
        records.forEach(aggregates::accept);
        return aggregates;
    }

    /** Adds a record to its tenant's totals. Never blocks for I/O. */
    @Override
    public void accept(UsageRecord record) {
        TenantState state = tenants.get(record.tenant());
        if (state == null) {
            state = tenants.computeIfAbsent(record.tenant(), t -> new TenantState());
        }
        state.add(record);
    }

    /**
     * Returns one tenant's usage.
     *
     * @param tenant the tenant
     * @return its usage, or {@link TenantUsage#EMPTY} if no record of it was seen
     */
    public TenantUsage snapshot(TenantId tenant) {
        TenantState state = tenants.get(Objects.requireNonNull(tenant, "tenant"));
        return state == null ? TenantUsage.EMPTY : state.snapshot();
    }

    /**
     * Returns every tenant's usage.
     *
     * @return usage by tenant, sorted by tenant id, unmodifiable
     */
    public Map<TenantId, TenantUsage> snapshot() {
        TreeMap<TenantId, TenantUsage> all = new TreeMap<>();
        tenants.forEach((tenant, state) -> all.put(tenant, state.snapshot()));
        return Collections.unmodifiableMap(all);
    }

    /**
     * Returns the usage of all tenants together.
     *
     * @return the merged usage
     */
    public TenantUsage total() {
        TenantUsage total = TenantUsage.EMPTY;
        for (TenantState state : tenants.values()) {
            total = total.merge(state.snapshot());
        }
        return total;
    }

    /**
     * Returns the number of tenants seen.
     *
     * @return the count
     */
    public int tenantCount() {
        return tenants.size();
    }

    /**
     * One tenant's running totals. Every field is guarded by the instance's monitor; histograms and the error map
     * are allocated on first use, which is what keeps a tenant with a few calls small.
     */
    private static final class TenantState {
        private long calls;
        private final long[] byOutcome = new long[OUTCOMES.length];
        private long inputTokens;
        private long outputTokens;
        private long cacheReadTokens;
        private long cacheWriteTokens;
        private BigDecimal costUsd = BigDecimal.ZERO;
        private long unpricedCalls;
        private LatencyRecorder latency;
        private LatencyRecorder timeToFirstToken;
        private HashMap<String, Long> errors;

        synchronized void add(UsageRecord r) {
            calls++;
            byOutcome[r.outcome().ordinal()]++;
            TokenUsage u = r.usage();
            inputTokens = Math.addExact(inputTokens, u.inputTokens());
            outputTokens = Math.addExact(outputTokens, u.outputTokens());
            cacheReadTokens = Math.addExact(cacheReadTokens, u.cacheReadInputTokens());
            cacheWriteTokens = Math.addExact(cacheWriteTokens, u.cacheWriteInputTokens());
            if (r.cost().isPriced()) {
                costUsd = costUsd.add(r.cost().amountUsd());
            } else {
                unpricedCalls++;
            }
            // a refusal ends before any model call: its ~0 ms would drag the percentiles of real attempts down
            if (r.outcome() != Outcome.REJECTED_BY_POLICY) {
                if (latency == null) {
                    latency = new LatencyRecorder();
                }
                latency.record(r.latency());
            }
            if (r.timeToFirstToken() != null) {
                if (timeToFirstToken == null) {
                    timeToFirstToken = new LatencyRecorder();
                }
                timeToFirstToken.record(r.timeToFirstToken());
            }
            if (r.errorCode() != null) {
                if (errors == null) {
                    errors = new HashMap<>(4);
                }
                String code = errors.containsKey(r.errorCode()) || errors.size() < MAX_ERROR_CODES
                        ? r.errorCode() : OTHER_ERRORS;
                errors.merge(code, 1L, Long::sum);
            }
        }

        synchronized TenantUsage snapshot() {
            EnumMap<Outcome, Long> outcomes = new EnumMap<>(Outcome.class);
            for (Outcome o : OUTCOMES) {
                outcomes.put(o, byOutcome[o.ordinal()]);
            }
            return new TenantUsage(calls, outcomes,
                    new TokenUsage(inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens),
                    costUsd, unpricedCalls,
                    latency == null ? LatencyDistribution.EMPTY : latency.snapshot(),
                    timeToFirstToken == null ? LatencyDistribution.EMPTY : timeToFirstToken.snapshot(),
                    errors == null ? Map.of() : errors);
        }
    }
}
