package dev.aip.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.aip.core.metering.Cost;
import dev.aip.core.metering.Operation;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageProvenance;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.sink.UsageSink;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The tests every {@link UsageSink} must pass. Extend it in your test sources, create a fresh sink in
 * {@link #newSink()} and, if the sink keeps what it is given in a form a test can read back, count it in
 * {@link #tally}:
 *
 * <pre>{@code
 * class WarehouseSinkContractTest extends UsageSinkContract<WarehouseSink> {
 *
 *     @Override
 *     protected WarehouseSink newSink() {
 *         return new WarehouseSink(testDatabase());
 *     }
 *
 *     @Override
 *     protected Optional<Tally> tally(WarehouseSink sink, TenantId tenant) {
 *         return Optional.of(new Tally(sink.countRows(tenant), sink.sumOutputTokens(tenant)));
 *     }
 * }
 * }</pre>
 *
 * <p>What it checks, from {@link UsageSink}'s contract: {@code accept} is safe from many threads at once and never
 * throws into the caller, for records of every shape and after {@code close}; once {@code flush} returns, every
 * record accepted before it is visible, and each exactly once (no loss, no duplicate) even while other threads keep
 * accepting and flushing; {@code close} flushes first. The read-back checks need {@link #tally}; for a sink that
 * keeps nothing to read (a log, a remote service) they are skipped, and the rest still run.
 *
 * <p>Records are given for the tenants in {@link #TENANTS} (tier {@code standard}, logical model
 * {@code claude-haiku}); configure a sink that needs to know its tenants up front with them. Each test makes its
 * own sinks and the kit closes them after it.
 *
 * <p>Not thread-safe itself: JUnit creates one instance per test method.
 *
 * @param <S> the sink type
 */
public abstract class UsageSinkContract<S extends UsageSink> {

    /** The tenants whose records the tests give to sinks. */
    public static final List<TenantId> TENANTS =
            List.of(TenantId.of("acme"), TenantId.of("globex"), TenantId.of("initech"), TenantId.of("umbrella"));

    private static final Instant T0 = Instant.parse("2026-03-14T09:00:00Z");
    private static final int THREADS = 8;
    private static final int RECORDS_PER_THREAD = 250;

    private final List<S> sinks = new ArrayList<>();

    /**
     * What a sink holds for one tenant, read back after a flush.
     *
     * <p>Immutable.
     *
     * @param records how many records of the tenant the sink keeps
     * @param outputTokens the sum of their output tokens
     */
    public record Tally(long records, long outputTokens) {
    }

    /**
     * Creates a fresh, empty sink. Called once or more per test; the kit closes every sink it got after the test.
     *
     * @return a new sink
     * @throws Exception if the sink cannot be created (the test fails)
     */
    protected abstract S newSink() throws Exception;

    /**
     * Reads back what a sink holds for a tenant. Called only after {@code flush} or {@code close} returned. The
     * default says the sink keeps nothing to read, and the tests that need a read-back are skipped.
     *
     * @param sink a sink from {@link #newSink()}
     * @param tenant one of {@link #TENANTS}
     * @return the tally, or empty if this sink cannot be read back
     * @throws Exception if reading fails (the test fails)
     */
    protected Optional<Tally> tally(S sink, TenantId tenant) throws Exception {
        return Optional.empty();
    }

    /**
     * Returns a successful record for a tenant: 1,000 input and {@code outputTokens} output tokens, priced, 400 ms.
     * Override to shape the records a sink under test needs; keep the tenant and the output tokens.
     *
     * @param tenant the tenant
     * @param outputTokens output tokens
     * @return a new record with a new record id
     */
    protected UsageRecord record(TenantId tenant, long outputTokens) {
        return base(tenant).usage(TokenUsage.of(1000, outputTokens)).build();
    }

    private static UsageRecord.Builder base(TenantId tenant) {
        return UsageRecord.builder()
                .tenant(TenantContext.of(tenant).withTier(Tier.STANDARD))
                .operation(Operation.CONVERSE)
                .requestedModel("claude-haiku")
                .profileArn("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/" + tenant.value())
                .profileId(tenant.value())
                .sourceModelId("anthropic.claude-3-5-haiku-20241022-v1:0")
                .region("us-east-1")
                .provenance(UsageProvenance.REPORTED)
                .cost(Cost.priced(new BigDecimal("0.0035"), "2026-03-01"))
                .outcome(Outcome.SUCCESS)
                .startedAt(T0)
                .latency(Duration.ofMillis(400));
    }

    @AfterEach
    final void closeSinks() {
        for (S sink : sinks) {
            try {
                sink.close();
            } catch (RuntimeException e) {
                // the close tests check close; here it only frees resources
            }
        }
    }

    private S sink() throws Exception {
        S sink = newSink();
        assertThat(sink).as("newSink()").isNotNull();
        sinks.add(sink);
        return sink;
    }

    private Optional<Tally> read(S sink, TenantId tenant) throws Exception {
        return tally(sink, tenant);
    }

    private void assumeReadable(S sink) throws Exception {
        assumeTrue(read(sink, TENANTS.get(0)).isPresent(), "this sink keeps nothing a test can read back");
    }

    @Test
    @Timeout(60)
    void flush_afterAccept_showsEveryRecordOnce() throws Exception {
        S sink = sink();
        assumeReadable(sink);
        TenantId acme = TENANTS.get(0);
        TenantId globex = TENANTS.get(1);
        sink.accept(record(acme, 10));
        sink.accept(record(acme, 20));
        sink.accept(record(acme, 30));
        sink.accept(record(globex, 7));

        sink.flush();

        assertThat(read(sink, acme)).contains(new Tally(3, 60));
        assertThat(read(sink, globex)).contains(new Tally(1, 7));
        assertThat(read(sink, TENANTS.get(2))).contains(new Tally(0, 0));
    }

    @Test
    @Timeout(60)
    void flush_withNothingAccepted_returnsAndShowsNothing() throws Exception {
        S sink = sink();

        assertThatCode(sink::flush).doesNotThrowAnyException();

        for (TenantId t : TENANTS) {
            read(sink, t).ifPresent(tally -> assertThat(tally).isEqualTo(new Tally(0, 0)));
        }
    }

    @Test
    @Timeout(120)
    void accept_fromManyThreadsAtOnce_neverThrows() throws Exception {
        S sink = sink();

        List<Throwable> thrown = acceptConcurrently(sink);

        assertThat(thrown).as("what accept threw into callers").isEmpty();
        assertThatCode(sink::flush).doesNotThrowAnyException();
    }

    @Test
    @Timeout(120)
    void flush_afterConcurrentAccepts_showsEachRecordExactlyOnce() throws Exception {
        S sink = sink();
        assumeReadable(sink);

        List<Throwable> thrown = acceptConcurrently(sink);
        sink.flush();

        assertThat(thrown).isEmpty();
        assertExactly(sink, THREADS * RECORDS_PER_THREAD);
    }

    @Test
    @Timeout(120)
    void flush_whileOtherThreadsAccept_neverThrowsAndLosesNothing() throws Exception {
        S sink = sink();
        boolean readable = read(sink, TENANTS.get(0)).isPresent();
        AtomicBoolean accepting = new AtomicBoolean(true);
        ConcurrentLinkedQueue<Throwable> flushFailures = new ConcurrentLinkedQueue<>();
        Thread flusher = new Thread(() -> {
            while (accepting.get()) {
                try {
                    sink.flush();
                } catch (Throwable t) {
                    flushFailures.add(t);
                    return;
                }
            }
        }, "contract-flusher");
        flusher.start();

        List<Throwable> thrown;
        try {
            thrown = acceptConcurrently(sink);
        } finally {
            accepting.set(false);
            flusher.join(TimeUnit.SECONDS.toMillis(60));
        }
        sink.flush();

        assertThat(thrown).isEmpty();
        assertThat(flushFailures).as("what flush threw").isEmpty();
        assertThat(flusher.isAlive()).as("a flush still running after the accepts").isFalse();
        if (readable) {
            assertExactly(sink, THREADS * RECORDS_PER_THREAD);
        }
    }

    @Test
    @Timeout(60)
    void accept_recordsOfEveryShape_neverThrows() throws Exception {
        S sink = sink();
        TenantId tenant = TENANTS.get(3);
        List<UsageRecord> shapes = new ArrayList<>();
        for (Outcome outcome : Outcome.values()) {
            UsageRecord.Builder b = base(tenant).outcome(outcome);
            if (outcome != Outcome.SUCCESS) {
                b.errorCode(outcome == Outcome.THROTTLED ? "ThrottlingException" : null).usage(TokenUsage.ZERO);
            }
            shapes.add(b.build());
        }
        shapes.add(base(tenant).operation(Operation.CONVERSE_STREAM).timeToFirstToken(Duration.ofMillis(120))
                .usage(new TokenUsage(10, 20, 3000, 500)).build());
        shapes.add(base(tenant).cost(Cost.unknownModel("2026-03-01")).build());
        shapes.add(base(tenant).requestedModel("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/x")
                .pooledProfile(true).attribute("user", "u-1").attribute("feature", "search").build());
        shapes.add(base(tenant).tenant(TenantContext.of(tenant).withTier(Tier.PREMIUM))
                .latency(Duration.ZERO).awsRequestId("req-1").build());

        for (UsageRecord r : shapes) {
            assertThatCode(() -> sink.accept(r)).as("accept(%s)", r).doesNotThrowAnyException();
        }
        assertThatCode(sink::flush).doesNotThrowAnyException();

        Optional<Tally> tally = read(sink, tenant);
        tally.ifPresent(t -> assertThat(t.records()).isEqualTo(shapes.size()));
    }

    @Test
    @Timeout(60)
    void close_afterAccept_flushesFirst() throws Exception {
        S sink = sink();
        assumeReadable(sink);
        TenantId acme = TENANTS.get(0);
        for (int i = 0; i < 100; i++) {
            sink.accept(record(acme, 1));
        }

        sink.close();

        assertThat(read(sink, acme)).contains(new Tally(100, 100));
    }

    @Test
    @Timeout(60)
    void accept_afterClose_neverThrows() throws Exception {
        S sink = sink();
        sink.accept(record(TENANTS.get(0), 1));
        sink.close();

        assertThatCode(() -> sink.accept(record(TENANTS.get(0), 1))).doesNotThrowAnyException();
    }

    /** Each thread gives records round-robin over the tenants, output tokens 1, 2, 3 ... per thread. */
    private List<Throwable> acceptConcurrently(S sink) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        CountDownLatch start = new CountDownLatch(1);
        ConcurrentLinkedQueue<Throwable> thrown = new ConcurrentLinkedQueue<>();
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < RECORDS_PER_THREAD; i++) {
                        UsageRecord r = record(TENANTS.get(i % TENANTS.size()), i + 1);
                        try {
                            sink.accept(r);
                        } catch (Throwable e) {
                            thrown.add(e);
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        return new ArrayList<>(thrown);
    }

    /** The tallies of {@link #acceptConcurrently}: per tenant, its share of records and output tokens. */
    private void assertExactly(S sink, int total) throws Exception {
        long[] records = new long[TENANTS.size()];
        long[] tokens = new long[TENANTS.size()];
        for (int t = 0; t < THREADS; t++) {
            for (int i = 0; i < RECORDS_PER_THREAD; i++) {
                records[i % TENANTS.size()]++;
                tokens[i % TENANTS.size()] += i + 1;
            }
        }
        long seen = 0;
        for (int k = 0; k < TENANTS.size(); k++) {
            Tally tally = read(sink, TENANTS.get(k)).orElseThrow();
            assertThat(tally).as("tally of %s", TENANTS.get(k)).isEqualTo(new Tally(records[k], tokens[k]));
            seen += tally.records();
        }
        assertThat(seen).isEqualTo(total);
    }
}
