package dev.aip.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.aip.core.governance.RateLimitState;
import dev.aip.core.governance.RateLimitState.Consumption;
import dev.aip.core.governance.RateLimitState.Limit;
import dev.aip.core.governance.RateLimitState.TokenBucket;
import dev.aip.core.tenant.TenantId;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The tests every {@link RateLimitState} (and the {@link TokenBucket}s it hands out) must pass, from the promises in
 * their Javadoc. Extend it in your test sources and create a fresh state in {@link #newState(ManualClock)}, refilled
 * by the clock it is given:
 *
 * <pre>{@code
 * class HazelcastRateLimitStateContractTest extends RateLimitStateContract {
 *
 *     @Override
 *     protected RateLimitState newState(ManualClock time) {
 *         return new HazelcastRateLimitState(testInstance(), "test-" + UUID.randomUUID(), time);
 *     }
 * }
 * }</pre>
 *
 * <p>What an implementation must guarantee:
 * <ul>
 *   <li><b>Exact levels.</b> A new bucket holds its whole capacity; {@code tryConsume} within what the bucket holds
 *       succeeds, returns {@link Consumption#CONSUMED} and lowers {@code availableTokens} by exactly the tokens
 *       taken; beyond it, it refuses, takes nothing, and reports the tokens held and a positive wait.</li>
 *   <li><b>Refill.</b> The bucket refills greedily at {@code refillTokens} per {@code refillPeriod} of the state's
 *       time, never above its capacity; the wait a refusal reports is accurate: just before it the tokens are still
 *       missing, once it has passed they are there.</li>
 *   <li><b>Giving back and debt.</b> {@code addTokens} adds exactly, up to the capacity and never above it;
 *       {@code consumeIgnoringLimit} always takes, into debt ({@code availableTokens} negative) if need be, and a
 *       bucket in debt refuses until refills have paid the debt back.</li>
 *   <li><b>Reconfiguration.</b> {@code reconfigure} keeps the tokens held, capped at the new capacity, and refills
 *       at the new rate from then on.</li>
 *   <li><b>Async agrees with sync.</b> {@code tryConsumeAsync} and {@code addTokensAsync} act on the same bucket
 *       with the same arithmetic as their synchronous forms, and report the same refusals.</li>
 *   <li><b>Isolation.</b> Buckets of different tenants, or of different limits of one tenant, never touch each
 *       other.</li>
 *   <li><b>Atomicity under concurrency.</b> Many threads (or many async calls at once) consuming from a bucket of
 *       capacity C, with no time passing, succeed exactly C times in total; concurrent unconditional takes and
 *       give-backs are never lost.</li>
 * </ul>
 *
 * <p><b>Time.</b> No test sleeps: the state is handed a {@link ManualClock} and the tests move it. An implementation
 * that takes a nanosecond ticker uses {@link ManualClock#ticker()}; one that takes a {@link java.time.Clock} uses the
 * clock itself (its wall time starts at the current real time, truncated to the second, so a store that expires keys
 * by its own server time keeps them through the test). An implementation whose time cannot be controlled (e.g. one
 * refilled by its server's clock) overrides {@link #controlsTime()} to return {@code false}: the tests of refill,
 * waits and reconfigured rates are then skipped, and the others use limits that refill 1 token a day, so that the
 * real time passing while they run adds nothing. Implementations with millisecond
 * resolution pass: every move of the clock is a whole number of milliseconds, and a wait is rounded up to one.
 *
 * <p>Each test makes its own states and buckets; a state that is also {@link AutoCloseable} is not closed by the kit
 * (close it in your subclass's {@code @AfterEach}, as the state usually belongs to a larger object).
 *
 * <p>Not thread-safe itself: JUnit creates one instance per test method.
 */
public abstract class RateLimitStateContract {

    private static final int THREADS = 8;
    private static final String REQUESTS = "requests-per-minute";
    private static final String TOKENS = "tokens-per-minute";

    /** 10 tokens, refilled at 1 per second: arithmetic on whole seconds gives whole tokens. */
    private static final Limit TEN_PER_TEN_SECONDS = new Limit(10, 10, Duration.ofSeconds(10));

    private final ManualClock time = ManualClock.at(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    private int tenants;

    /**
     * Creates a fresh state, refilled by {@code time}: its {@link ManualClock#ticker()} or the clock itself, whichever
     * the implementation takes. Buckets of the tenants the tests use must not exist yet in it (e.g. give a shared
     * store a fresh key prefix per call).
     *
     * @param time the time source the tests move
     * @return a new state
     * @throws Exception if the state cannot be created (the test fails)
     */
    protected abstract RateLimitState newState(ManualClock time) throws Exception;

    /**
     * Whether the state refills by the {@link ManualClock} given to {@link #newState}. Override to return
     * {@code false} for a state refilled by a clock the test cannot move: the tests of refill, waits and
     * reconfigured rates are then skipped, and the rest use limits that refill 1 token a day.
     *
     * @return {@code true} by default
     */
    protected boolean controlsTime() {
        return true;
    }

    /**
     * Returns the time the state was given; tests move it.
     *
     * @return the clock, also the ticker
     */
    protected final ManualClock time() {
        return time;
    }

    private RateLimitState state() throws Exception {
        RateLimitState state = newState(time);
        assertThat(state).as("newState(time)").isNotNull();
        return state;
    }

    /** A bucket of a tenant no other bucket of the test uses. */
    private TokenBucket bucket(RateLimitState state, Limit limit) {
        return state.bucket(TenantId.of("contract-" + (++tenants)), TOKENS, limit);
    }

    /** The test limit: exact refill with a controllable time, else so slow that real time adds nothing. */
    private Limit limit() {
        return limit(10);
    }

    /** A limit of {@code capacity}, refilled in 10 seconds with a controllable time, else 1 token a day. */
    private Limit limit(long capacity) {
        return controlsTime() ? new Limit(capacity, capacity, Duration.ofSeconds(10))
                : new Limit(capacity, 1, Duration.ofDays(1));
    }

    private void advance(Duration elapsed) {
        time.advance(elapsed);
    }

    private static long wholeMillisUp(long nanos) {
        return (nanos + 999_999) / 1_000_000;
    }

    private static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void newBucket_holdsItsWholeCapacity() throws Exception {
        TokenBucket bucket = bucket(state(), limit());

        assertThat(bucket.availableTokens()).isEqualTo(10);
    }

    @Test
    void tryConsume_withinWhatTheBucketHolds_takesExactlyThoseTokens() throws Exception {
        TokenBucket bucket = bucket(state(), limit());

        assertThat(bucket.tryConsume(3)).isEqualTo(Consumption.CONSUMED);
        assertThat(bucket.availableTokens()).isEqualTo(7);
        assertThat(bucket.tryConsume(1)).isEqualTo(Consumption.CONSUMED);
        assertThat(bucket.availableTokens()).isEqualTo(6);
    }

    @Test
    void tryConsume_ofExactlyWhatTheBucketHolds_succeedsAndEmptiesIt() throws Exception {
        TokenBucket bucket = bucket(state(), limit());

        assertThat(bucket.tryConsume(10).consumed()).isTrue();
        assertThat(bucket.availableTokens()).isZero();
    }

    @Test
    void tryConsume_beyondWhatTheBucketHolds_refusesTakesNothingAndReportsLevelAndWait() throws Exception {
        TokenBucket bucket = bucket(state(), limit());
        bucket.tryConsume(8);

        Consumption refused = bucket.tryConsume(3);

        assertThat(refused.consumed()).isFalse();
        assertThat(refused.remainingTokens()).isEqualTo(2);
        assertThat(refused.nanosToWaitForRefill()).isPositive();
        assertThat(bucket.availableTokens()).as("a refusal takes nothing").isEqualTo(2);
        assertThat(bucket.tryConsume(2).consumed()).as("what is held can still be taken").isTrue();
    }

    @Test
    void tryConsume_moreThanTheCapacity_isRefusedAndTakesNothing() throws Exception {
        TokenBucket bucket = bucket(state(), limit());

        Consumption refused = bucket.tryConsume(11);

        assertThat(refused.consumed()).isFalse();
        assertThat(refused.remainingTokens()).isEqualTo(10);
        assertThat(bucket.availableTokens()).isEqualTo(10);
    }

    @Test
    void refill_overTime_addsTokensAtTheLimitsRate() throws Exception {
        assumeTrue(controlsTime(), "the state's time cannot be moved");
        TokenBucket bucket = bucket(state(), TEN_PER_TEN_SECONDS);
        bucket.tryConsume(10);

        advance(Duration.ofSeconds(3));
        assertThat(bucket.availableTokens()).isEqualTo(3);

        advance(Duration.ofMillis(2500));
        assertThat(bucket.availableTokens()).as("greedy refill, whole tokens so far").isEqualTo(5);
        advance(Duration.ofMillis(500));
        assertThat(bucket.availableTokens()).as("the half token carried over").isEqualTo(6);
    }

    @Test
    void refill_neverGoesAboveTheCapacity() throws Exception {
        assumeTrue(controlsTime(), "the state's time cannot be moved");
        TokenBucket bucket = bucket(state(), TEN_PER_TEN_SECONDS);
        bucket.tryConsume(4);

        advance(Duration.ofHours(1));

        assertThat(bucket.availableTokens()).isEqualTo(10);
        assertThat(bucket.tryConsume(11).consumed()).isFalse();
    }

    @Test
    void refusal_reportsTheWaitUntilTheTokensAreThere() throws Exception {
        assumeTrue(controlsTime(), "the state's time cannot be moved");
        TokenBucket bucket = bucket(state(), TEN_PER_TEN_SECONDS);
        bucket.tryConsume(9);

        Consumption refused = bucket.tryConsume(4);

        assertThat(refused.consumed()).isFalse();
        assertThat(refused.remainingTokens()).isEqualTo(1);
        // three tokens at one per second: three seconds, to the millisecond
        long waitMillis = wholeMillisUp(refused.nanosToWaitForRefill());
        assertThat(waitMillis).isBetween(2_999L, 3_001L);

        advance(Duration.ofMillis(waitMillis - 2));
        assertThat(bucket.tryConsume(4).consumed()).as("just before the wait has passed").isFalse();

        advance(Duration.ofMillis(2));
        assertThat(bucket.tryConsume(4)).as("once the wait has passed").isEqualTo(Consumption.CONSUMED);
        assertThat(bucket.availableTokens()).isZero();
    }

    @Test
    void addTokens_givesBackExactly() throws Exception {
        TokenBucket bucket = bucket(state(), limit());
        bucket.tryConsume(7);

        bucket.addTokens(4);

        assertThat(bucket.availableTokens()).isEqualTo(7);
    }

    @Test
    void addTokens_neverGoesAboveTheCapacity() throws Exception {
        TokenBucket bucket = bucket(state(), limit());
        bucket.addTokens(5);
        assertThat(bucket.availableTokens()).as("a full bucket").isEqualTo(10);

        bucket.tryConsume(4);
        bucket.addTokens(100);

        assertThat(bucket.availableTokens()).isEqualTo(10);
        assertThat(bucket.tryConsume(11).consumed()).isFalse();
    }

    @Test
    void consumeIgnoringLimit_goesIntoDebtAndLaterConsumptionIsRefused() throws Exception {
        TokenBucket bucket = bucket(state(), limit());
        bucket.tryConsume(6);

        bucket.consumeIgnoringLimit(9);

        assertThat(bucket.availableTokens()).isEqualTo(-5);
        Consumption refused = bucket.tryConsume(1);
        assertThat(refused.consumed()).isFalse();
        assertThat(refused.remainingTokens()).isEqualTo(-5);
        assertThat(refused.nanosToWaitForRefill()).isPositive();
        assertThat(bucket.availableTokens()).as("a refusal takes nothing").isEqualTo(-5);
    }

    @Test
    void debt_isPaidBackByRefillBeforeAnythingCanBeTaken() throws Exception {
        assumeTrue(controlsTime(), "the state's time cannot be moved");
        TokenBucket bucket = bucket(state(), TEN_PER_TEN_SECONDS);
        bucket.consumeIgnoringLimit(14);
        assertThat(bucket.availableTokens()).isEqualTo(-4);

        Consumption refused = bucket.tryConsume(2);
        // four tokens of debt and two asked for, at one per second: six seconds
        assertThat(wholeMillisUp(refused.nanosToWaitForRefill())).isBetween(5_999L, 6_001L);

        advance(Duration.ofSeconds(5));
        assertThat(bucket.availableTokens()).isEqualTo(1);
        assertThat(bucket.tryConsume(2).consumed()).isFalse();
        advance(Duration.ofSeconds(1));
        assertThat(bucket.tryConsume(2)).isEqualTo(Consumption.CONSUMED);
        assertThat(bucket.availableTokens()).isZero();
    }

    @Test
    void addTokens_paysBackDebt() throws Exception {
        TokenBucket bucket = bucket(state(), limit());
        bucket.consumeIgnoringLimit(15);

        bucket.addTokens(3);

        assertThat(bucket.availableTokens()).isEqualTo(-2);
        assertThat(bucket.tryConsume(1).consumed()).isFalse();
    }

    @Test
    void reconfigure_toASmallerCapacity_capsTheTokensHeld() throws Exception {
        TokenBucket bucket = bucket(state(), limit());
        bucket.tryConsume(2);

        bucket.reconfigure(limit(5));

        assertThat(bucket.availableTokens()).isEqualTo(5);
        assertThat(bucket.tryConsume(6).consumed()).isFalse();
        bucket.addTokens(10);
        assertThat(bucket.availableTokens()).as("the new capacity bounds give-backs").isEqualTo(5);
    }

    @Test
    void reconfigure_toALargerCapacity_keepsTheTokensHeld() throws Exception {
        TokenBucket bucket = bucket(state(), limit());
        bucket.tryConsume(4);

        bucket.reconfigure(limit(20));

        assertThat(bucket.availableTokens()).isEqualTo(6);
        bucket.addTokens(100);
        assertThat(bucket.availableTokens()).as("the new capacity").isEqualTo(20);
        assertThat(bucket.tryConsume(20).consumed()).isTrue();
    }

    @Test
    void reconfigure_refillsAtTheNewRate() throws Exception {
        assumeTrue(controlsTime(), "the state's time cannot be moved");
        TokenBucket bucket = bucket(state(), TEN_PER_TEN_SECONDS);
        bucket.tryConsume(10);

        bucket.reconfigure(new Limit(20, 40, Duration.ofSeconds(10)));
        advance(Duration.ofSeconds(2));

        assertThat(bucket.availableTokens()).as("4 per second").isEqualTo(8);
        advance(Duration.ofMinutes(1));
        assertThat(bucket.availableTokens()).as("up to the new capacity").isEqualTo(20);
    }

    @Test
    void tryConsumeAsync_agreesWithTryConsume() throws Exception {
        TokenBucket bucket = bucket(state(), limit());

        assertThat(await(bucket.tryConsumeAsync(4))).isEqualTo(Consumption.CONSUMED);
        assertThat(bucket.availableTokens()).isEqualTo(6);
        assertThat(bucket.tryConsume(2)).isEqualTo(Consumption.CONSUMED);
        assertThat(await(bucket.tryConsumeAsync(4))).isEqualTo(Consumption.CONSUMED);
        assertThat(bucket.availableTokens()).isZero();

        Consumption async = await(bucket.tryConsumeAsync(3));
        Consumption sync = bucket.tryConsume(3);
        assertThat(async.consumed()).isFalse();
        assertThat(async.remainingTokens()).isZero();
        assertThat(async.nanosToWaitForRefill()).isPositive();
        assertThat(sync.consumed()).isFalse();
        assertThat(sync.remainingTokens()).isEqualTo(async.remainingTokens());
        if (controlsTime()) {
            assertThat(sync.nanosToWaitForRefill()).as("no time passed").isEqualTo(async.nanosToWaitForRefill());
        }
    }

    @Test
    void addTokensAsync_agreesWithAddTokens() throws Exception {
        TokenBucket bucket = bucket(state(), limit());
        bucket.tryConsume(9);

        await(bucket.addTokensAsync(3));
        assertThat(bucket.availableTokens()).isEqualTo(4);
        await(bucket.addTokensAsync(100));
        assertThat(bucket.availableTokens()).as("capped at the capacity").isEqualTo(10);

        bucket.consumeIgnoringLimit(12);
        await(bucket.addTokensAsync(1));
        assertThat(bucket.availableTokens()).as("pays back debt").isEqualTo(-1);
        assertThat(await(bucket.tryConsumeAsync(1)).consumed()).isFalse();
    }

    @Test
    void buckets_ofDifferentTenantsOrLimits_areIndependent() throws Exception {
        RateLimitState state = state();
        Limit limit = limit();
        TokenBucket acmeTokens = state.bucket(TenantId.of("contract-acme"), TOKENS, limit);
        TokenBucket acmeRequests = state.bucket(TenantId.of("contract-acme"), REQUESTS, limit);
        TokenBucket globexTokens = state.bucket(TenantId.of("contract-globex"), TOKENS, limit);

        acmeTokens.tryConsume(10);
        acmeRequests.consumeIgnoringLimit(13);

        assertThat(acmeTokens.availableTokens()).isZero();
        assertThat(acmeRequests.availableTokens()).isEqualTo(-3);
        assertThat(globexTokens.availableTokens()).isEqualTo(10);
        assertThat(globexTokens.tryConsume(10).consumed()).isTrue();
        acmeTokens.addTokens(2);
        assertThat(acmeRequests.availableTokens()).isEqualTo(-3);
        assertThat(globexTokens.availableTokens()).isZero();
    }

    @Test
    @Timeout(60)
    void tryConsume_fromManyThreadsAtOnce_succeedsExactlyCapacityTimes() throws Exception {
        long capacity = 100;
        TokenBucket bucket = bucket(state(), new Limit(capacity, 1, Duration.ofDays(1)));
        int attempts = 300;
        AtomicInteger next = new AtomicInteger();
        AtomicInteger consumed = new AtomicInteger();

        concurrently(() -> {
            while (next.getAndIncrement() < attempts) {
                Consumption c = bucket.tryConsume(1);
                if (c.consumed()) {
                    consumed.incrementAndGet();
                } else {
                    assertThat(c.remainingTokens()).isLessThan(1);
                }
            }
        });

        // no refill while it ran (a day per token; the controlled time did not move)
        assertThat(consumed).hasValue((int) capacity);
        assertThat(bucket.availableTokens()).isZero();
    }

    @Test
    @Timeout(60)
    void tryConsumeAsync_manyAtOnce_succeedExactlyCapacityTimes() throws Exception {
        // few enough that a compare-and-swap store, which retries every conflicting call, stays fast
        long capacity = 10;
        TokenBucket bucket = bucket(state(), new Limit(capacity, 1, Duration.ofDays(1)));
        List<CompletableFuture<Consumption>> calls = new ArrayList<>();

        for (int i = 0; i < 40; i++) {
            calls.add(bucket.tryConsumeAsync(1).toCompletableFuture());
        }

        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        assertThat(calls.stream().filter(c -> c.join().consumed()).count()).isEqualTo(capacity);
        assertThat(bucket.availableTokens()).isZero();
    }

    @Test
    @Timeout(60)
    void consumeIgnoringLimitAndAddTokens_fromManyThreadsAtOnce_loseNoUpdate() throws Exception {
        TokenBucket bucket = bucket(state(), new Limit(1_000, 1, Duration.ofDays(1)));
        AtomicInteger thread = new AtomicInteger();

        concurrently(() -> {
            boolean taker = thread.getAndIncrement() % 2 == 0;
            for (int i = 0; i < 25; i++) {
                if (taker) {
                    bucket.consumeIgnoringLimit(3);
                } else {
                    bucket.consumeIgnoringLimit(2);
                    bucket.addTokens(1);
                }
            }
        });

        // four takers of 75 and four of a net 25: 400 taken from 1,000, never at the capacity
        assertThat(bucket.availableTokens()).isEqualTo(600);
    }

    private static void concurrently(Concurrently.Body body) throws Exception {
        Concurrently.run(THREADS, body);
    }
}
