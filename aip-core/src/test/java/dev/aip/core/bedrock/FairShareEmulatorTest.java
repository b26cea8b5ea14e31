package dev.aip.core.bedrock;

import static dev.aip.core.bedrock.EmulatorFixture.MODEL;
import static dev.aip.core.bedrock.EmulatorFixture.SOURCE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.RateLimitExceededException;
import dev.aip.core.chat.ChatClient;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatPipeline;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.InferenceSettings;
import dev.aip.core.governance.FairShare;
import dev.aip.core.governance.FairShareSnapshot;
import dev.aip.core.governance.Governance;
import dev.aip.core.governance.PolicySet;
import dev.aip.core.governance.TenantPolicy;
import dev.aip.core.metering.Outcome;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.Tier;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;

/**
 * One tenant floods a model through the chat pipeline, against the emulator with an account capacity for the model
 * and the real SDK client, many calls at once: the flooder is shed by fair share, the others are served.
 *
 * <p>The emulator serves {@value #CAPACITY} tokens per sliding minute of the model that every tenant's profile uses;
 * each call reserves and uses 406 tokens (a short prompt, {@code maxTokens} 400, a reply of 400). Time moves only
 * between rounds, by 5 s on one clock shared by the emulator and governance; in each round the calls of all tenants
 * run at once on 16 threads, in a shuffled order. Per round: premium 5 calls (20 % of the capacity per minute; its
 * weighted share is 44 %), two standard tenants 3 each (12 %; share 22 %), and, from the second minute on, the basic
 * flooder 20 (81 %; share 11 %). Counts over the third minute (12 rounds), after a minute of steady traffic and a
 * minute of flood. (A flood that starts in the very first minute, with everyone else, fills Bedrock's window before
 * anything can leave it; then the others are throttled too until the pattern damps out, about three minutes later.)
 *
 * <p><b>Tolerance 10 %</b> with fair share configured at the emulator's capacity: each non-flooding tenant has at
 * least 90 % of its calls served and none shed, the flooder is shed with {@code fair-share} refusals (one
 * {@code REJECTED_BY_POLICY} record each) and gets the leftover, the minute serves at most the capacity, and Bedrock
 * throttles nobody. Measured: 60 of 60, 36 of 36 and 36 of 36 served; the flooder 134 of 240, 106 shed; no throttle.
 * With fair share configured 50 % above the real capacity, the emulator's throttles bring the estimate down (17
 * throttled calls, during the flood's first minute), and the others are served with a tolerance of 20 % (measured: all
 * of them in the third minute; the flooder 159 of 240).
 */
class FairShareEmulatorTest {

    static final long CAPACITY = 120_000;
    static final int FLOOD_FROM_ROUND = 12;
    static final int ROUNDS_WARM_UP = 24;
    static final int ROUNDS_MEASURED = 12;
    static final Duration ROUND = Duration.ofSeconds(5);
    static final TenantContext GOLD = TenantContext.of("gold").withTier(Tier.PREMIUM);
    static final TenantContext SILVER_A = TenantContext.of("silver-a");
    static final TenantContext SILVER_B = TenantContext.of("silver-b");
    static final TenantContext FLOOD = TenantContext.of("flood").withTier(Tier.BASIC);
    static final Map<TenantContext, Integer> CALLS_PER_ROUND = new LinkedHashMap<>();

    static {
        CALLS_PER_ROUND.put(GOLD, 5);
        CALLS_PER_ROUND.put(SILVER_A, 3);
        CALLS_PER_ROUND.put(SILVER_B, 3);
        CALLS_PER_ROUND.put(FLOOD, 20);
    }

    private final ExecutorService pool = Executors.newFixedThreadPool(16);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    /** A clock the test moves; the emulator's sliding minute and governance's windows both read it. */
    static final class SharedClock extends Clock {
        private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-03-10T12:00:00Z"));

        void advance(Duration d) {
            now.updateAndGet(i -> i.plus(d));
        }

        long nanos() {
            Instant i = now.get();
            return i.getEpochSecond() * 1_000_000_000L + i.getNano();
        }

        @Override
        public Instant instant() {
            return now.get();
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    /** What one tenant got in the measured rounds. */
    static final class Counts {
        final AtomicInteger sent = new AtomicInteger();
        final AtomicInteger served = new AtomicInteger();
        final AtomicInteger shed = new AtomicInteger();
        final AtomicInteger throttled = new AtomicInteger();
        final AtomicInteger other = new AtomicInteger();

        @Override
        public String toString() {
            return "sent " + sent + ", served " + served + ", shed " + shed + ", throttled " + throttled + ", other "
                    + other;
        }
    }

    /** What a run left: the counts of the measured rounds, governance, and all the emulator's throttles. */
    record Run(Map<TenantContext, Counts> counts, Governance governance, FairShareSnapshot.ModelState model,
               long emulatorThrottles, List<dev.aip.core.metering.UsageRecord> records) {
    }

    private Run run(long configuredCapacity) throws Exception {
        SharedClock clock = new SharedClock();
        try (EmulatorFixture fx = new EmulatorFixture(b -> b.clock(clock).replyTokens(400, 400)
                .modelCapacity(SOURCE, CAPACITY), "gold", "silver-a", "silver-b", "flood");
             BedrockRuntimeClient sync = fx.sync()) {
            Governance governance = Governance.builder().policies(PolicySet.of(TenantPolicy.EMPTY)).clock(clock)
                    .ticker(clock::nanos).fairShare(FairShare.builder().capacity(SOURCE, configuredCapacity).build())
                    .build();
            ChatClient chat = ChatPipeline.builder().resolver(fx.resolver()).meter(fx.meter).admission(governance)
                    .transport(BedrockChatTransport.builder().client(sync).build()).build();
            Map<TenantContext, Counts> counts = new LinkedHashMap<>();
            CALLS_PER_ROUND.keySet().forEach(t -> counts.put(t, new Counts()));
            Random random = new Random(11);
            for (int round = 0; round < ROUNDS_WARM_UP + ROUNDS_MEASURED; round++) {
                if (round == ROUNDS_WARM_UP) {
                    counts.replaceAll((t, c) -> new Counts());
                    fx.records.clear();
                }
                runRound(chat, counts, random, round >= FLOOD_FROM_ROUND);
                clock.advance(ROUND);
            }
            assertThat(governance.openPermits()).isZero();
            return new Run(counts, governance, governance.fairShare().model(SOURCE, fx.emulator.region())
                    .orElseThrow(), throttles(fx), List.copyOf(fx.records));
        }
    }

    private static long throttles(EmulatorFixture fx) {
        return fx.emulator.invocations().stream()
                .filter(i -> i.outcome() == dev.aip.emulator.InvocationRecord.Outcome.THROTTLED).count();
    }

    private static void assertTheFlooderIsShed(Run run) {
        Counts flood = run.counts().get(FLOOD);
        assertThat(flood.shed.get()).as("flood: %s", flood).isGreaterThan(flood.sent.get() / 4);
        assertThat(flood.served.get()).as("flood: %s", flood).isPositive();
        assertThat(run.records()).filteredOn(r -> r.outcome() == Outcome.REJECTED_BY_POLICY)
                .hasSize(flood.shed.get())
                .allSatisfy(r -> {
                    assertThat(r.tenant()).isEqualTo(FLOOD.id());
                    assertThat(r.errorCode()).isEqualTo("RateLimitExceededException");
                });
        assertThat(run.model().tenant(FLOOD.id()).orElseThrow().shed()).isGreaterThanOrEqualTo(flood.shed.get());
        for (TenantContext steady : List.of(GOLD, SILVER_A, SILVER_B)) {
            Counts c = run.counts().get(steady);
            assertThat(c.sent.get()).isEqualTo(CALLS_PER_ROUND.get(steady) * ROUNDS_MEASURED);
            assertThat(c.shed.get()).as("%s: %s", steady.id(), c).isZero();
            assertThat(run.model().tenant(steady.id()).orElseThrow().shed()).isZero();
        }
    }

    private static int servedOf(Run run, List<TenantContext> tenants) {
        return tenants.stream().mapToInt(t -> run.counts().get(t).served.get()).sum();
    }

    @Test
    void chat_oneTenantFloodsAModelAtItsConfiguredAccountCapacity_itIsShedAndTheOthersAreAllServed()
            throws Exception {
        Run run = run(CAPACITY);

        assertTheFlooderIsShed(run);
        for (TenantContext steady : List.of(GOLD, SILVER_A, SILVER_B)) {
            Counts c = run.counts().get(steady);
            assertThat(c.served.get()).as("%s: %s", steady.id(), c).isGreaterThanOrEqualTo(c.sent.get() * 9 / 10);
        }
        // The headroom keeps the model below its quota: Bedrock throttles nobody, from the first call on.
        assertThat(run.emulatorThrottles()).isZero();
        // The flooder gets the leftover: the whole minute measured serves at most the capacity, the flood included.
        long perCall = 406;
        assertThat(servedOf(run, List.of(GOLD, SILVER_A, SILVER_B, FLOOD)) * perCall)
                .isLessThanOrEqualTo(CAPACITY).isGreaterThan(CAPACITY * 8 / 10);
    }

    @Test
    void chat_oneTenantFloodsAndTheConfiguredCapacityIsTooHigh_throttlesLowerTheEstimateAndTheOthersAreServed()
            throws Exception {
        Run run = run(CAPACITY * 3 / 2);

        assertTheFlooderIsShed(run);
        // Each probe above the real capacity lets Bedrock throttle whichever calls come, the others' included, so a
        // probe in the measured minute costs them a few calls: a tolerance of 20 % here.
        for (TenantContext steady : List.of(GOLD, SILVER_A, SILVER_B)) {
            Counts c = run.counts().get(steady);
            assertThat(c.served.get()).as("%s: %s", steady.id(), c).isGreaterThanOrEqualTo(c.sent.get() * 8 / 10);
        }
        assertThat(run.emulatorThrottles()).isPositive();
        assertThat(run.model().capacityDecreases()).isPositive();
        assertThat(run.model().capacityTokensPerMinute().getAsLong()).isLessThan(CAPACITY * 3 / 2);
    }

    private void runRound(ChatClient chat, Map<TenantContext, Counts> counts, Random random, boolean flooding)
            throws Exception {
        List<TenantContext> calls = new ArrayList<>();
        CALLS_PER_ROUND.forEach((tenant, n) -> {
            for (int i = 0; i < (tenant == FLOOD && !flooding ? 0 : n); i++) {
                calls.add(tenant);
            }
        });
        Collections.shuffle(calls, random);
        List<Future<?>> futures = new ArrayList<>();
        for (TenantContext tenant : calls) {
            futures.add(pool.submit(() -> call(chat, tenant, counts.get(tenant))));
        }
        for (Future<?> f : futures) {
            f.get(1, TimeUnit.MINUTES);
        }
    }

    private static void call(ChatClient chat, TenantContext tenant, Counts c) {
        c.sent.incrementAndGet();
        ChatRequest request = ChatRequest.builder().model(MODEL).message(ChatMessage.user("Tell me more"))
                .settings(InferenceSettings.DEFAULTS.withMaxTokens(400)).build();
        try {
            chat.chat(tenant, request);
            c.served.incrementAndGet();
        } catch (RateLimitExceededException e) {
            assertThat(e.limitName()).isEqualTo("fair-share");
            assertThat(e.retryAfter()).isPositive();
            c.shed.incrementAndGet();
        } catch (software.amazon.awssdk.services.bedrockruntime.model.ThrottlingException e) {
            c.throttled.incrementAndGet();
        } catch (RuntimeException e) {
            c.other.incrementAndGet();
            throw e;
        }
    }
}
