package dev.aip.cli.report;

import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.sink.InMemoryUsageAggregates;
import dev.aip.core.sink.TenantUsage;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import dev.aip.emulator.ModelMetrics;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Per-tenant usage over a window, computed from usage records: one row per tenant, a totals row, and a time series.
 * Render it with {@link ReportRenderer#render(UsageReport, ReportFormat)}.
 *
 * <pre>{@code
 * List<UsageRecord> records;
 * try (Stream<UsageRecord> s = JsonLinesLedger.read(ledgerPath)) {
 *     records = s.toList();
 * }
 * UsageReport report = UsageReport.from(records, ReportOptions.defaults());
 * Files.writeString(Path.of("usage.html"), ReportRenderer.render(report, ReportFormat.HTML));
 * }</pre>
 *
 * <p><b>What is counted.</b> Every record is one call attempt (retries count as attempts). Calls, calls by
 * outcome, tokens by bucket, exact cost of priced calls, unpriced calls and errors by code are the tenant's
 * {@link TenantUsage}, as {@link InMemoryUsageAggregates} counts them. When the options give a window, records that
 * started outside {@code [from, to)} are left out (and counted in {@link #excludedRecords()}).
 *
 * <p><b>Percentiles</b> are exact nearest-rank percentiles of the records' latencies (the smallest value such that
 * at least p % of the values are less than or equal to it), not histogram estimates. Latency covers every attempt;
 * time to first token covers the attempts that have one (streams that produced content).
 *
 * <p><b>SLA compliance</b> is the share of a tenant's calls that <em>succeeded within its tier's latency
 * target</em>: a throttled or failed call misses the target however fast it failed. Calls rejected by the
 * library's own policy ({@link Outcome#REJECTED_BY_POLICY}: the tenant's limits or budget) never reached the model
 * and are not counted either way. A tenant's tier is the tier of its latest record; a tier without a target has no
 * compliance. The totals row counts the calls of tenants that have a target.
 *
 * <p><b>Time series.</b> The window is cut into at most {@value #MAX_BUCKETS} buckets of a round width (1 s up to
 * whole days or weeks), aligned to multiples of the width since the epoch (UTC). Every bucket lists every tenant,
 * with zeros where it made no call.
 *
 * <p>Output depends only on the set of records and the options, not on their order. For more records than fit in
 * memory, {@link #fromOrdered} takes them as a stream in start order (as a database returns them) and gives the same
 * report.
 *
 * <p>Immutable.
 */
public final class UsageReport {

    /** The largest number of time-series buckets. */
    public static final int MAX_BUCKETS = 48;

    private static final long[] BUCKET_SECONDS = {
        1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 604800};

    private final ReportOptions options;
    private final Instant from;
    private final Instant to;
    private final Duration bucketWidth;
    private final List<TenantRow> tenants;
    private final TenantRow totals;
    private final List<Bucket> timeSeries;
    private final List<String> priceCatalogVersions;
    private final long excludedRecords;

    private UsageReport(ReportOptions options, Instant from, Instant to, Duration bucketWidth,
                        List<TenantRow> tenants, TenantRow totals, List<Bucket> timeSeries,
                        List<String> priceCatalogVersions, long excludedRecords) {
        this.options = options;
        this.from = from;
        this.to = to;
        this.bucketWidth = bucketWidth;
        this.tenants = tenants;
        this.totals = totals;
        this.timeSeries = timeSeries;
        this.priceCatalogVersions = priceCatalogVersions;
        this.excludedRecords = excludedRecords;
    }

    /**
     * Computes the report.
     *
     * @param records the usage records, in any order; each is counted once per occurrence (read a ledger with
     *     {@code JsonLinesLedger.read}, which removes duplicates)
     * @param options what to cover and how to judge it
     * @return the report
     * @throws NullPointerException if an argument or a record is {@code null}
     * @throws ArithmeticException if a token count overflows a {@code long}
     */
    public static UsageReport from(List<UsageRecord> records, ReportOptions options) {
        Objects.requireNonNull(records, "records");
        Objects.requireNonNull(options, "options");
        List<UsageRecord> kept = new ArrayList<>(records.size());
        for (UsageRecord r : records) {
            Objects.requireNonNull(r, "record");
            if (inWindow(r.startedAt(), options)) {
                kept.add(r);
            }
        }
        // A canonical order makes every later step independent of the caller's order.
        kept.sort(CANONICAL);
        Instant first = kept.isEmpty() ? null : kept.get(0).startedAt();
        Instant last = kept.isEmpty() ? null : kept.get(kept.size() - 1).startedAt();
        Accumulator acc = new Accumulator(options, first, last);
        kept.forEach(acc::add);
        return acc.report(records.size() - kept.size());
    }

    /**
     * Computes the report from records given in start order, holding only what exact percentiles need (each
     * record's latency and time to first token, 8 bytes apiece) instead of the records: for a ledger too large to
     * load, read in order from a database. Gives the same report as {@link #from(List, ReportOptions)} on the same
     * records.
     *
     * @param records the records in ascending order of {@code startedAt}, then {@code recordId}, each record once;
     *     records outside the options' window are left out (and counted in {@link #excludedRecords()})
     * @param options what to cover and how to judge it
     * @param first the earliest {@code startedAt} of the records in the window, or {@code null} if there are none
     * @param last the latest {@code startedAt} of the records in the window, or {@code null} if there are none
     * @return the report
     * @throws IllegalArgumentException if the records are out of order, a record id repeats, or a record in the
     *     window starts outside {@code [first, last]}
     * @throws NullPointerException if the records, the options or a record is {@code null}
     * @throws ArithmeticException if a token count overflows a {@code long}
     */
    public static UsageReport fromOrdered(Iterator<UsageRecord> records, ReportOptions options, Instant first,
                                          Instant last) {
        Objects.requireNonNull(records, "records");
        Objects.requireNonNull(options, "options");
        if ((first == null) != (last == null) || first != null && last.isBefore(first)) {
            throw new IllegalArgumentException("first (" + first + ") and last (" + last + ") must both be given,"
                    + " last not before first, or both be null when there are no records");
        }
        Accumulator acc = new Accumulator(options, first, last);
        UsageRecord previous = null;
        long excluded = 0;
        while (records.hasNext()) {
            UsageRecord r = Objects.requireNonNull(records.next(), "record");
            if (previous != null && CANONICAL.compare(previous, r) >= 0) {
                throw new IllegalArgumentException("Records must come in order of start, then record id, each once;"
                        + " got " + r.recordId() + " (" + r.startedAt() + ") after " + previous.recordId() + " ("
                        + previous.startedAt() + ")");
            }
            previous = r;
            if (!inWindow(r.startedAt(), options)) {
                excluded++;
                continue;
            }
            if (first == null || r.startedAt().isBefore(first) || r.startedAt().isAfter(last)) {
                throw new IllegalArgumentException("Record " + r.recordId() + " starts at " + r.startedAt()
                        + ", outside the given first and last (" + first + ", " + last + ")");
            }
            acc.add(r);
        }
        return acc.report(excluded);
    }

    private static final Comparator<UsageRecord> CANONICAL =
            Comparator.comparing(UsageRecord::startedAt).thenComparing(UsageRecord::recordId);

    /**
     * Builds a report from records added in canonical order. Holds per tenant the usage aggregates, the latencies
     * and times to first token (for exact percentiles), SLA counts for every tier's target (a tenant's tier is
     * known only at its last record) and the time series cells.
     */
    private static final class Accumulator {
        private final ReportOptions options;
        private final Instant start;
        private final Instant end;
        private final Duration width;
        private final long origin;
        private final List<TreeMap<TenantId, BucketUsage>> cells = new ArrayList<>();
        private final TreeMap<TenantId, TenantState> tenants = new TreeMap<>();
        private final TreeSet<String> versions = new TreeSet<>();
        private final InMemoryUsageAggregates usage = new InMemoryUsageAggregates();
        private boolean any;

        Accumulator(ReportOptions options, Instant first, Instant last) {
            this.options = options;
            Instant s = options.from();
            Instant e = options.to();
            if (first != null) {
                s = s != null ? s : first;
                e = e != null ? e : last;
            }
            this.start = s;
            this.end = e;
            if (s != null && e != null) {
                // The last instant the window covers: 'to' is exclusive when given, the latest record when derived.
                Instant lastCovered = options.to() != null ? e.minusNanos(1) : e;
                this.width = bucketWidth(s, lastCovered);
                long seconds = width.getSeconds();
                this.origin = origin(s, seconds);
                int n = (int) bucketIndex(lastCovered, origin, seconds) + 1;
                for (int i = 0; i < n; i++) {
                    cells.add(new TreeMap<>());
                }
            } else {
                this.width = null;
                this.origin = 0;
            }
        }

        void add(UsageRecord r) {
            any = true;
            TenantState t = tenants.computeIfAbsent(r.tenant(), id -> new TenantState(options));
            t.add(r);
            versions.add(r.cost().priceCatalogVersion());
            usage.accept(r);
            if (width != null) {
                TreeMap<TenantId, BucketUsage> cell = cells.get((int) bucketIndex(r.startedAt(), origin,
                        width.getSeconds()));
                cell.put(r.tenant(), cell.getOrDefault(r.tenant(), BucketUsage.EMPTY).plus(BucketUsage.of(r)));
            }
        }

        UsageReport report(long excluded) {
            Map<TenantId, TenantUsage> byTenant = usage.snapshot();
            List<TenantRow> rows = new ArrayList<>(tenants.size());
            TenantUsage all = TenantUsage.EMPTY;
            long eligibleAll = 0;
            long metAll = 0;
            LongList latencies = new LongList();
            LongList firstTokens = new LongList();
            for (Map.Entry<TenantId, TenantState> e : tenants.entrySet()) {
                TenantState t = e.getValue();
                Duration target = options.latencyTarget(t.tier);
                long eligible = target == null ? 0 : t.eligible;
                long met = target == null ? 0 : t.metByTier.getOrDefault(t.tier, 0L);
                TenantUsage u = byTenant.get(e.getKey());
                all = all.merge(u);
                eligibleAll += eligible;
                metAll += met;
                latencies.addAll(t.latencies);
                firstTokens.addAll(t.firstTokens);
                rows.add(TenantRow.of(e.getKey(), t.tier, u, t.latencies.sorted(), t.firstTokens.sorted(), target,
                        eligible, met));
            }
            TenantRow totals = TenantRow.of(null, null, all, latencies.sorted(), firstTokens.sorted(), null,
                    eligibleAll, metAll);
            List<Bucket> series = List.of();
            if (width != null) {
                List<Bucket> buckets = new ArrayList<>(cells.size());
                for (int i = 0; i < cells.size(); i++) {
                    TreeMap<TenantId, BucketUsage> cell = cells.get(i);
                    tenants.keySet().forEach(t -> cell.putIfAbsent(t, BucketUsage.EMPTY));
                    Instant bucketStart = Instant.ofEpochSecond(origin + i * width.getSeconds());
                    buckets.add(new Bucket(bucketStart, bucketStart.plus(width), cell));
                }
                series = List.copyOf(buckets);
            }
            return new UsageReport(options, start, end, width, List.copyOf(rows), totals, series,
                    List.copyOf(versions), excluded);
        }
    }

    /** What one tenant's rows need beyond its {@link TenantUsage}. */
    private static final class TenantState {
        private final ReportOptions options;
        final LongList latencies = new LongList();
        final LongList firstTokens = new LongList();
        final Map<Tier, Long> metByTier = new java.util.HashMap<>();
        long eligible;
        Tier tier;

        TenantState(ReportOptions options) {
            this.options = options;
        }

        void add(UsageRecord r) {
            tier = r.tier();
            latencies.add(TenantRow.nanos(r.latency()));
            if (r.timeToFirstToken() != null) {
                firstTokens.add(TenantRow.nanos(r.timeToFirstToken()));
            }
            if (r.outcome() != Outcome.REJECTED_BY_POLICY) {
                eligible++;
                if (r.outcome() == Outcome.SUCCESS) {
                    for (Map.Entry<Tier, Duration> target : options.latencyTargets().entrySet()) {
                        if (r.latency().compareTo(target.getValue()) <= 0) {
                            metByTier.merge(target.getKey(), 1L, Long::sum);
                        }
                    }
                }
            }
        }
    }

    /** A growable array of longs: 8 bytes per value, not a boxed object. */
    private static final class LongList {
        private long[] values = new long[16];
        private int size;

        void add(long value) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = value;
        }

        void addAll(LongList other) {
            if (size + other.size > values.length) {
                values = Arrays.copyOf(values, Math.max(values.length * 2, size + other.size));
            }
            System.arraycopy(other.values, 0, values, size, other.size);
            size += other.size;
        }

        long[] sorted() {
            long[] copy = Arrays.copyOf(values, size);
            Arrays.sort(copy);
            return copy;
        }
    }

    /**
     * Returns the options the report was made with.
     *
     * @return the options
     */
    public ReportOptions options() {
        return options;
    }

    /**
     * Returns the title.
     *
     * @return the title, as given (renderers escape it)
     */
    public String title() {
        return options.title();
    }

    /**
     * Returns the start of the window: the options' {@code from}, else the earliest record's start.
     *
     * @return the start, or {@code null} if neither exists
     */
    public Instant from() {
        return from;
    }

    /**
     * Returns the end of the window: the options' {@code to} (exclusive), else the latest record's start.
     *
     * @return the end, or {@code null} if neither exists
     */
    public Instant to() {
        return to;
    }

    /**
     * Returns the width of the time-series buckets.
     *
     * @return the width, or {@code null} if the report has no window
     */
    public Duration bucketWidth() {
        return bucketWidth;
    }

    /**
     * Returns one row per tenant that has records in the window.
     *
     * @return the rows, sorted by tenant id
     */
    public List<TenantRow> tenants() {
        return tenants;
    }

    /**
     * Returns the totals over all tenants; its {@code tenant} and {@code tier} are {@code null}.
     *
     * @return the totals row
     */
    public TenantRow totals() {
        return totals;
    }

    /**
     * Returns the time series over the window.
     *
     * @return the buckets, in time order; empty if the report has no window
     */
    public List<Bucket> timeSeries() {
        return timeSeries;
    }

    /**
     * Returns the price catalog versions the costs were computed with.
     *
     * @return the versions, sorted; more than one if the catalog changed within the window
     */
    public List<String> priceCatalogVersions() {
        return priceCatalogVersions;
    }

    /**
     * Returns the number of records left out because they started outside the options' window.
     *
     * @return the count
     */
    public long excludedRecords() {
        return excludedRecords;
    }

    /**
     * Returns the latency targets by tier, shortest first.
     *
     * @return the targets
     */
    public Map<Tier, Duration> latencyTargets() {
        return options.latencyTargets();
    }

    /**
     * Returns the server-side view.
     *
     * @return per-ModelId counters, possibly empty
     */
    public List<ModelMetrics> serverView() {
        return options.serverView();
    }

    /**
     * Returns the owners of the server view's model ids.
     *
     * @return ModelId → tenant id, sorted by ModelId
     */
    public Map<String, String> profileOwners() {
        return options.profileOwners();
    }

    /**
     * Returns the reconciliation line.
     *
     * @return the line, or {@code null}
     */
    public String reconciliation() {
        return options.reconciliation();
    }

    private static boolean inWindow(Instant t, ReportOptions options) {
        return (options.from() == null || !t.isBefore(options.from()))
                && (options.to() == null || t.isBefore(options.to()));
    }

    static Duration bucketWidth(Instant start, Instant last) {
        for (long seconds : BUCKET_SECONDS) {
            if (bucketIndex(last, origin(start, seconds), seconds) < MAX_BUCKETS) {
                return Duration.ofSeconds(seconds);
            }
        }
        long weeks = 2;
        while (bucketIndex(last, origin(start, weeks * 604800), weeks * 604800) >= MAX_BUCKETS) {
            weeks++;
        }
        return Duration.ofSeconds(weeks * 604800);
    }

    private static long origin(Instant start, long seconds) {
        return Math.floorDiv(start.getEpochSecond(), seconds) * seconds;
    }

    private static long bucketIndex(Instant t, long originSeconds, long seconds) {
        return Math.floorDiv(t.getEpochSecond() - originSeconds, seconds);
    }

    /**
     * The usage of one tenant (or, for the totals row, of all) over the window.
     *
     * <p>Immutable.
     *
     * @param tenant the tenant; {@code null} in the totals row
     * @param tier the tenant's tier (of its latest record); {@code null} in the totals row
     * @param calls call attempts
     * @param callsByOutcome attempts per outcome, non-zero entries only, in {@link Outcome} order
     * @param errorsByCode attempts per error code, non-zero entries only, sorted by code
     * @param tokens tokens by bucket
     * @param costUsd the exact, unrounded cost of the priced attempts, in US dollars
     * @param unpricedCalls attempts whose model had no price; their cost is unknown and not in {@code costUsd}
     * @param latencyP50 median latency, or {@code null} without calls
     * @param latencyP95 95th percentile latency, or {@code null} without calls
     * @param latencyP99 99th percentile latency, or {@code null} without calls
     * @param timeToFirstTokenP50 median time to first token, or {@code null} if no attempt has one
     * @param timeToFirstTokenP95 95th percentile time to first token, or {@code null} if no attempt has one
     * @param latencyTarget the tier's latency target, or {@code null} if it has none (always in the totals row)
     * @param slaEligibleCalls attempts judged against the target (all but policy rejections; 0 without target)
     * @param slaMetCalls of those, attempts that succeeded within the target
     */
    public record TenantRow(
            TenantId tenant,
            Tier tier,
            long calls,
            Map<Outcome, Long> callsByOutcome,
            Map<String, Long> errorsByCode,
            TokenUsage tokens,
            BigDecimal costUsd,
            long unpricedCalls,
            Duration latencyP50,
            Duration latencyP95,
            Duration latencyP99,
            Duration timeToFirstTokenP50,
            Duration timeToFirstTokenP95,
            Duration latencyTarget,
            long slaEligibleCalls,
            long slaMetCalls) {

        /**
         * Validates the row and copies the maps.
         *
         * @throws NullPointerException if a map, the tokens or the cost is {@code null}
         * @throws IllegalArgumentException if the SLA counts are inconsistent
         */
        public TenantRow {
            EnumMap<Outcome, Long> outcomes = new EnumMap<>(Outcome.class);
            callsByOutcome.forEach((o, n) -> {
                if (n != 0) {
                    outcomes.put(o, n);
                }
            });
            callsByOutcome = Collections.unmodifiableMap(outcomes);
            errorsByCode = Collections.unmodifiableMap(new TreeMap<>(errorsByCode));
            Objects.requireNonNull(tokens, "tokens");
            Objects.requireNonNull(costUsd, "costUsd");
            if (slaMetCalls < 0 || slaMetCalls > slaEligibleCalls || slaEligibleCalls > calls) {
                throw new IllegalArgumentException("SLA counts are inconsistent: met " + slaMetCalls + " of "
                        + slaEligibleCalls + " eligible, " + calls + " calls");
            }
        }

        static TenantRow of(TenantId tenant, Tier tier, TenantUsage usage, long[] sortedLatencies,
                            long[] sortedFirstTokens, Duration target, long eligible, long met) {
            return new TenantRow(tenant, tier, usage.calls(), usage.callsByOutcome(), usage.errorsByCode(),
                    usage.tokens(), usage.costUsd(), usage.unpricedCalls(),
                    percentile(sortedLatencies, 50), percentile(sortedLatencies, 95), percentile(sortedLatencies, 99),
                    percentile(sortedFirstTokens, 50), percentile(sortedFirstTokens, 95), target, eligible, met);
        }

        /**
         * Returns whether this is the totals row.
         *
         * @return {@code true} if {@link #tenant()} is {@code null}
         */
        public boolean isTotal() {
            return tenant == null;
        }

        /**
         * Returns the number of attempts with one outcome.
         *
         * @param outcome the outcome
         * @return the count, 0 if none
         */
        public long calls(Outcome outcome) {
            return callsByOutcome.getOrDefault(outcome, 0L);
        }

        /**
         * Returns the attempts that did not succeed.
         *
         * @return {@code calls - calls(SUCCESS)}
         */
        public long failedCalls() {
            return calls - calls(Outcome.SUCCESS);
        }

        /**
         * Returns the attempts whose cost is known.
         *
         * @return {@code calls - unpricedCalls}
         */
        public long pricedCalls() {
            return calls - unpricedCalls;
        }

        /**
         * Returns the share of eligible attempts that succeeded within the latency target.
         *
         * @return a value in {@code [0, 1]}, or empty if no attempt was judged (no target, or no eligible call)
         */
        public OptionalDouble slaCompliance() {
            return slaEligibleCalls == 0 ? OptionalDouble.empty()
                    : OptionalDouble.of((double) slaMetCalls / slaEligibleCalls);
        }

        static long nanos(Duration d) {
            try {
                return d.toNanos();
            } catch (ArithmeticException overflow) {
                return Long.MAX_VALUE;
            }
        }

        /** Nearest rank: the value at 1-based rank ceil(p/100 * n) of the sorted values. */
        static Duration percentile(long[] sorted, int percent) {
            if (sorted.length == 0) {
                return null;
            }
            long rank = Math.max(1, ((long) percent * sorted.length + 99) / 100);
            return Duration.ofNanos(sorted[(int) rank - 1]);
        }
    }

    /**
     * One time-series bucket: what each tenant used in {@code [start, end)}.
     *
     * <p>Immutable.
     *
     * @param start the start, inclusive
     * @param end the end, exclusive
     * @param tenants every tenant of the report, sorted by id, with its usage in the bucket (zero if none)
     */
    public record Bucket(Instant start, Instant end, Map<TenantId, BucketUsage> tenants) {

        /**
         * Validates the bucket and copies the map.
         *
         * @throws NullPointerException if a component is {@code null}
         */
        public Bucket {
            Objects.requireNonNull(start, "start");
            Objects.requireNonNull(end, "end");
            tenants = Collections.unmodifiableMap(new TreeMap<>(tenants));
        }

        /**
         * Returns the usage of all tenants in the bucket.
         *
         * @return the sum
         */
        public BucketUsage total() {
            BucketUsage sum = BucketUsage.EMPTY;
            for (BucketUsage u : tenants.values()) {
                sum = sum.plus(u);
            }
            return sum;
        }
    }

    /**
     * What one tenant used in one bucket.
     *
     * <p>Immutable.
     *
     * @param calls call attempts started in the bucket
     * @param tokens their tokens by bucket
     * @param costUsd the exact cost of the priced ones
     * @param unpricedCalls attempts without a price
     */
    public record BucketUsage(long calls, TokenUsage tokens, BigDecimal costUsd, long unpricedCalls) {

        /** No usage. */
        public static final BucketUsage EMPTY = new BucketUsage(0, TokenUsage.ZERO, BigDecimal.ZERO, 0);

        /**
         * Validates the usage.
         *
         * @throws NullPointerException if the tokens or the cost is {@code null}
         */
        public BucketUsage {
            Objects.requireNonNull(tokens, "tokens");
            Objects.requireNonNull(costUsd, "costUsd");
        }

        static BucketUsage of(UsageRecord r) {
            return new BucketUsage(1, r.usage(), r.cost().amount().orElse(BigDecimal.ZERO),
                    r.cost().isPriced() ? 0 : 1);
        }

        BucketUsage plus(BucketUsage other) {
            return new BucketUsage(Math.addExact(calls, other.calls), tokens.plus(other.tokens),
                    costUsd.add(other.costUsd), Math.addExact(unpricedCalls, other.unpricedCalls));
        }
    }
}
