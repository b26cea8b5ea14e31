package dev.aip.core.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.metering.Cost;
import dev.aip.core.metering.Operation;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageProvenance;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class InMemoryUsageAggregatesTest {

    private static final TenantId ACME = TenantId.of("acme");

    @Test
    void snapshot_ofUnknownTenant_isEmpty() {
        assertThat(new InMemoryUsageAggregates().snapshot(ACME)).isEqualTo(TenantUsage.EMPTY);
    }

    @Test
    void accept_keepsBucketsCostsAndErrorsApart_andCountsUnpricedSeparately() {
        InMemoryUsageAggregates aggregates = new InMemoryUsageAggregates();
        aggregates.accept(Records.builder("acme").usage(new TokenUsage(100, 20, 3000, 400))
                .timeToFirstToken(Duration.ofMillis(80)).build());
        aggregates.accept(Records.builder("acme").cost(Cost.unknownModel("v")).outcome(Outcome.THROTTLED)
                .errorCode("ThrottlingException").usage(TokenUsage.ZERO).build());
        aggregates.accept(Records.record("globex"));

        TenantUsage acme = aggregates.snapshot(ACME);
        assertThat(acme.calls()).isEqualTo(2);
        assertThat(acme.calls(Outcome.SUCCESS)).isEqualTo(1);
        assertThat(acme.calls(Outcome.THROTTLED)).isEqualTo(1);
        assertThat(acme.tokens()).isEqualTo(new TokenUsage(100, 20, 3000, 400));
        assertThat(acme.costUsd()).isEqualByComparingTo("0.0035");
        assertThat(acme.unpricedCalls()).isEqualTo(1);
        assertThat(acme.errorsByCode()).containsExactly(Map.entry("ThrottlingException", 1L));
        assertThat(acme.latency().count()).isEqualTo(2);
        assertThat(acme.timeToFirstToken().count()).isEqualTo(1);
        assertThat(acme.timeToFirstToken().max()).contains(Duration.ofMillis(80));

        assertThat(aggregates.snapshot()).containsOnlyKeys(ACME, TenantId.of("globex"));
        assertThat(aggregates.total().calls()).isEqualTo(3);
        assertThat(aggregates.total().costUsd()).isEqualByComparingTo("0.007");
    }

    @Test
    void accept_refusalsBesideSuccesses_countsThemApartAndKeepsThemOutOfLatency() {
        InMemoryUsageAggregates aggregates = new InMemoryUsageAggregates();
        InMemoryUsageAggregates successesOnly = new InMemoryUsageAggregates();
        for (long millis : new long[] {300, 500}) {
            UsageRecord success = Records.builder("acme").latency(Duration.ofMillis(millis)).build();
            aggregates.accept(success);
            successesOnly.accept(success);
            aggregates.accept(Records.builder("acme").outcome(Outcome.REJECTED_BY_POLICY)
                    .errorCode("RateLimitExceededException").usage(TokenUsage.ZERO).latency(Duration.ZERO).build());
        }

        TenantUsage acme = aggregates.snapshot(ACME);
        assertThat(acme.calls()).isEqualTo(4);
        assertThat(acme.refusals()).isEqualTo(2);
        assertThat(acme.modelCalls()).isEqualTo(2);
        assertThat(acme.calls(Outcome.SUCCESS)).isEqualTo(2);
        assertThat(acme.latency().count()).isEqualTo(2);
        assertThat(acme.latency().p50()).isEqualTo(successesOnly.snapshot(ACME).latency().p50());
        assertThat(acme.latency().p50()).hasValueSatisfying(p50 -> assertThat(p50).isPositive()
                .isBetween(Duration.ofMillis(280), Duration.ofMillis(320)));
        assertThat(acme.latency().p95()).isEqualTo(successesOnly.snapshot(ACME).latency().p95());
        assertThat(aggregates.total().refusals()).isEqualTo(2);
        assertThat(aggregates.total().modelCalls()).isEqualTo(2);
    }

    @Test
    void accept_beyondMaxErrorCodes_countsTheRestAsOther() {
        InMemoryUsageAggregates aggregates = new InMemoryUsageAggregates();
        for (int i = 0; i < InMemoryUsageAggregates.MAX_ERROR_CODES + 5; i++) {
            aggregates.accept(Records.builder("acme").outcome(Outcome.CLIENT_ERROR).errorCode("E" + i).build());
        }
        Map<String, Long> errors = aggregates.snapshot(ACME).errorsByCode();
        assertThat(errors).hasSize(InMemoryUsageAggregates.MAX_ERROR_CODES + 1);
        assertThat(errors.get(InMemoryUsageAggregates.OTHER_ERRORS)).isEqualTo(5);
    }

    @Test
    void accept_from16ThreadsTimes10000Records_totalsAreExact() throws Exception {
        int threads = 16;
        int perThread = 10_000;
        InMemoryUsageAggregates aggregates = new InMemoryUsageAggregates();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            done.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < perThread; i++) {
                    // Half the records go to one hot tenant, the rest spread over 50 tenants.
                    String tenant = i % 2 == 0 ? "hot" : "t" + ((thread + i / 2) % 50);
                    aggregates.accept(Records.builder(tenant).usage(new TokenUsage(1, 2, 3, 4))
                            .cost(Cost.priced(new BigDecimal("0.000001"), "v"))
                            .latency(Duration.ofMillis(1 + i % 1000)).build());
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();

        long n = (long) threads * perThread;
        TenantUsage total = aggregates.total();
        assertThat(total.calls()).isEqualTo(n);
        assertThat(total.calls(Outcome.SUCCESS)).isEqualTo(n);
        assertThat(total.tokens()).isEqualTo(new TokenUsage(n, 2 * n, 3 * n, 4 * n));
        assertThat(total.costUsd()).isEqualByComparingTo(new BigDecimal("0.000001").multiply(BigDecimal.valueOf(n)));
        assertThat(total.latency().count()).isEqualTo(n);
        assertThat(aggregates.snapshot(TenantId.of("hot")).calls()).isEqualTo(n / 2);
        assertThat(aggregates.tenantCount()).isEqualTo(51);
    }

    @Test
    void memory_for10000TenantsWithAFewCallsEach_isUnder4KbPerTenant() {
        int tenants = 10_000;
        List<TenantId> ids = new ArrayList<>(tenants);
        for (int i = 0; i < tenants; i++) {
            ids.add(TenantId.of("tenant-" + i));
        }
        long before = usedHeap();
        InMemoryUsageAggregates aggregates = new InMemoryUsageAggregates();
        for (TenantId id : ids) {
            for (int call = 0; call < 3; call++) {
                aggregates.accept(Records.builder(id.value()).tenant(id)
                        .latency(Duration.ofMillis(300 + 97L * call))
                        .timeToFirstToken(Duration.ofMillis(50 + 11L * call)).build());
            }
        }
        long after = usedHeap();
        double perTenant = (after - before) / (double) tenants;
        System.out.printf("InMemoryUsageAggregates: %d tenants x 3 calls, heap delta %d bytes = %.0f bytes per"
                + " tenant (tenant ids allocated beforehand)%n", tenants, after - before, perTenant);
        assertThat(aggregates.tenantCount()).isEqualTo(tenants);
        assertThat(perTenant).isLessThan(4096);
    }

    @Test
    void rebuiltFrom_records_equalsLiveAggregates() {
        List<UsageRecord> records = List.of(Records.record("a"), Records.record("b"),
                Records.builder("a").outcome(Outcome.TIMEOUT).errorCode("Timeout").build());
        InMemoryUsageAggregates live = new InMemoryUsageAggregates();
        records.forEach(live::accept);
        assertThat(InMemoryUsageAggregates.rebuiltFrom(records).snapshot()).isEqualTo(live.snapshot());
    }

    @Property(tries = 200)
    void merge_isAssociativeCommutative_andEqualsAggregatingConcatenation(
            @ForAll("records") List<UsageRecord> a, @ForAll("records") List<UsageRecord> b,
            @ForAll("records") List<UsageRecord> c) {
        TenantUsage ua = usageOf(a);
        TenantUsage ub = usageOf(b);
        TenantUsage uc = usageOf(c);
        List<UsageRecord> all = new ArrayList<>(a);
        all.addAll(b);
        all.addAll(c);

        assertThat(ua.merge(ub).merge(uc)).isEqualTo(ua.merge(ub.merge(uc)));
        assertThat(ua.merge(ub)).isEqualTo(ub.merge(ua));
        assertThat(ua.merge(TenantUsage.EMPTY)).isEqualTo(ua);
        assertThat(ua.merge(ub).merge(uc)).isEqualTo(usageOf(all));
    }

    private static TenantUsage usageOf(List<UsageRecord> records) {
        return InMemoryUsageAggregates.rebuiltFrom(records).snapshot(ACME);
    }

    @Provide
    Arbitrary<List<UsageRecord>> records() {
        Arbitrary<TokenUsage> usage = Combinators.combine(Arbitraries.longs().between(0, 100_000),
                Arbitraries.longs().between(0, 100_000), Arbitraries.longs().between(0, 100_000),
                Arbitraries.longs().between(0, 100_000)).as(TokenUsage::new);
        Arbitrary<Cost> cost = Arbitraries.oneOf(
                Arbitraries.bigDecimals().between(BigDecimal.ZERO, BigDecimal.TEN).ofScale(8)
                        .map(a -> Cost.priced(a, "v")),
                Arbitraries.just(Cost.unknownModel("v")));
        Arbitrary<Outcome> outcome = Arbitraries.of(Outcome.class);
        Arbitrary<Long> millis = Arbitraries.longs().between(0, 120_000);
        Arbitrary<UsageRecord> record = Combinators.combine(usage, cost, outcome, millis, millis,
                Arbitraries.of("ThrottlingException", "ValidationException", "")).as(
                        (u, k, o, latency, ttft, code) -> UsageRecord.builder()
                                .tenant(TenantContext.of("acme")).operation(Operation.CONVERSE_STREAM)
                                .requestedModel("m").region("us-east-1").usage(u)
                                .provenance(UsageProvenance.REPORTED).cost(k).outcome(o)
                                .errorCode(code.isEmpty() ? null : code).startedAt(Records.T0)
                                .latency(Duration.ofMillis(latency))
                                .timeToFirstToken(ttft % 3 == 0 ? null : Duration.ofMillis(ttft)).build());
        return record.list().ofMaxSize(20);
    }

    private static long usedHeap() {
        Runtime runtime = Runtime.getRuntime();
        for (int i = 0; i < 5; i++) {
            System.gc();
        }
        return runtime.totalMemory() - runtime.freeMemory();
    }
}
