package dev.aip.governance.redis;

import static dev.aip.governance.redis.Gov.attempt;
import static dev.aip.governance.redis.Gov.profile;
import static dev.aip.governance.redis.Gov.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.ConfigurationException;
import dev.aip.core.GovernanceUnavailableException;
import dev.aip.core.RateLimitExceededException;
import dev.aip.core.chat.Admission.Permit;
import dev.aip.core.governance.BudgetStore;
import dev.aip.core.governance.Decision;
import dev.aip.core.governance.FailureMode;
import dev.aip.core.governance.FailurePolicy;
import dev.aip.core.governance.FairShare;
import dev.aip.core.governance.Governance;
import dev.aip.core.governance.PolicySet;
import dev.aip.core.governance.TenantPolicy;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.Tier;
import dev.aip.testkit.ManualClock;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.event.command.CommandListener;
import io.lettuce.core.event.command.CommandStartedEvent;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link RedisGovernanceState#admission()}: one {@code EVALSHA} per admission and one per release, whatever the
 * checks; recovery when Redis has lost its scripts; leases that reclaim what a crashed instance held; and the tier's
 * failure policy, per check, when Redis cannot be reached, as with the separate states.
 */
class RedisSharedAdmissionTest {

    private static final TenantPolicy EVERY_CHECK = TenantPolicy.builder().maxConcurrentCalls(3)
            .requestsPerMinute(100).tokensPerMinute(100_000).budget(Gov.monthly("10")).build();

    private final String prefix = "aip-test-" + UUID.randomUUID();
    private final ManualClock clock = ManualClock.at(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    private final List<RedisGovernanceState> states = new ArrayList<>();
    private final TenantContext tenant = TenantContext.of("acme");

    @AfterEach
    void stop() {
        states.forEach(RedisGovernanceState::close);
    }

    private RedisGovernanceState state(String url, Duration slotLease, Duration lease) {
        RedisGovernanceState state = RedisGovernanceState.builder().uri(url).keyPrefix(prefix)
                .timeout(Duration.ofSeconds(5)).slotLease(slotLease).lease(lease).build();
        states.add(state);
        return state;
    }

    private RedisGovernanceState state() {
        return state(RedisServer.url(), Duration.ofMinutes(20), Duration.ofHours(1));
    }

    private Governance governance(RedisGovernanceState state, TenantPolicy policy) {
        return Governance.builder().policies(PolicySet.of(policy)).priceCatalog(Gov.PRICES).clock(clock)
                .sharedAdmission(state.admission()).settlementExecutor(Runnable::run).build();
    }

    /** The types of the commands a client sends, in order. */
    private static Queue<String> listen(RedisGovernanceState state) {
        Queue<String> sent = new ConcurrentLinkedQueue<>();
        state.client().addListener(new CommandListener() {
            @Override
            public void commandStarted(CommandStartedEvent event) {
                sent.add(event.getCommand().getType().toString());
            }
        });
        return sent;
    }

    @Test
    void admitAndRelease_everyCheck_oneEvalshaEachAndNothingElse() throws Exception {
        RedisGovernanceState state = state();
        Queue<String> sent = listen(state);
        Governance g = governance(state, EVERY_CHECK);
        g.tryAdmit(tenant, request(10, 10), profile(tenant)).permit().release(List.of());
        sent.clear();

        for (int i = 0; i < 10; i++) {
            Decision d = i % 2 == 0 ? g.tryAdmit(tenant, request(100, 100), profile(tenant))
                    : g.tryAdmitAsync(tenant, request(100, 100), profile(tenant)).toCompletableFuture()
                            .get(10, TimeUnit.SECONDS);
            assertThat(d.admitted()).isTrue();
            assertThat(sent).hasSize(2 * i + 1);
            d.permit().release(List.of(attempt(tenant, TokenUsage.of(100, 50))));
            assertThat(sent).hasSize(2 * i + 2);
        }

        assertThat(sent).hasSize(20).containsOnly("EVALSHA");
        assertThat(g.budgetUsage(tenant).spentUsd())
                .isEqualByComparingTo(Gov.cost(100, 50).multiply(BigDecimal.TEN));
        assertThat(g.inFlight(tenant.id())).isZero();
    }

    @Test
    void refusal_anyCheck_oneEvalshaAndNothingToGiveBack() {
        RedisGovernanceState state = state();
        Queue<String> sent = listen(state);
        Governance g = governance(state, TenantPolicy.builder().maxConcurrentCalls(1).requestsPerMinute(100)
                .tokensPerMinute(100_000).budget(Gov.monthly("10")).build());
        Permit held = g.admit(tenant, request(10, 10), profile(tenant));
        sent.clear();

        Decision refused = g.tryAdmit(tenant, request(10, 10), profile(tenant));

        assertThat(refused.refusal()).isInstanceOf(RateLimitExceededException.class)
                .hasMessageContaining("1 calls in flight");
        assertThat(sent).containsExactly("EVALSHA");
        held.release(List.of());
        assertThat(g.inFlight(tenant.id())).isZero();
    }

    @Test
    void scriptFlush_redisLostItsScripts_admitsAndReleasesThroughEval() {
        RedisGovernanceState state = state();
        Queue<String> sent = listen(state);
        Governance g = governance(state, EVERY_CHECK);
        g.admit(tenant, request(10, 10), profile(tenant)).release(List.of());
        flushScripts();
        sent.clear();

        Permit permit = g.admit(tenant, request(10, 10), profile(tenant));
        permit.release(List.of(attempt(tenant, TokenUsage.of(10, 10))));

        // each script's EVALSHA met NOSCRIPT and fell back to EVAL, which cached the script again
        assertThat(new ArrayList<>(sent)).containsExactly("EVALSHA", "EVAL", "EVALSHA", "EVAL");
        sent.clear();
        g.admit(tenant, request(10, 10), profile(tenant)).release(List.of());
        assertThat(sent).containsExactly("EVALSHA", "EVALSHA");
        assertThat(g.inFlight(tenant.id())).isZero();
        assertThat(g.budgetUsage(tenant).spentUsd()).isEqualByComparingTo(Gov.cost(10, 10));
        assertThat(g.budgetUsage(tenant).reservedUsd()).isZero();
        assertThat(g.failOpenAdmissions()).isZero();
    }

    private static void flushScripts() {
        RedisClient client = RedisClient.create(RedisServer.url());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            c.sync().scriptFlush();
        } finally {
            client.shutdown();
        }
    }

    @Test
    void leases_instanceDiesHoldingSlotAndReservation_anotherInstanceGetsThemBack() {
        TenantPolicy policy = TenantPolicy.builder().maxConcurrentCalls(1).tokensPerMinute(10_000)
                .budget(Gov.monthly("0.001")).build();
        RedisGovernanceState dying = state(RedisServer.url(), Duration.ofMinutes(2), Duration.ofMinutes(5));
        Governance crashed = governance(dying, policy);
        crashed.admit(tenant, request(100, 100), profile(tenant)); // reserves 0.0006 USD; never released
        dying.close();
        states.remove(dying);
        Governance survivor = governance(state(RedisServer.url(), Duration.ofMinutes(2), Duration.ofMinutes(5)),
                policy);

        assertThat(survivor.tryAdmit(tenant, request(100, 100), profile(tenant)).refusal())
                .hasMessageContaining("1 calls in flight");
        clock.advance(Duration.ofMinutes(2).plusMillis(1));
        assertThat(survivor.inFlight(tenant.id())).isZero();
        // the slot is back; the dead call's 0.0006 USD is still reserved, so a second one does not fit
        assertThat(survivor.tryAdmit(tenant, request(100, 100), profile(tenant)).refusal())
                .hasMessageContaining("0.0004 USD left");
        clock.advance(Duration.ofMinutes(3));
        Decision after = survivor.tryAdmit(tenant, request(10, 10), profile(tenant));

        assertThat(after.admitted()).isTrue();
        BudgetStore.Usage usage = survivor.budgetUsage(tenant);
        assertThat(usage.spentUsd()).as("the dead call is charged its reservation").isEqualByComparingTo("0.0006");
        assertThat(usage.reservedUsd()).isEqualByComparingTo(Gov.cost(10, 10));
        after.permit().release(List.of());
        assertThat(survivor.inFlight(tenant.id())).isZero();
        assertThat(survivor.budgetUsage(tenant).openReservations()).isZero();
    }

    @Test
    void redisDown_defaultPolicy_failsOpenOnRatesAndSlotsAndClosedOnBudget() {
        RedisGovernanceState down = state(RedisServer.unreachableUrl(), Duration.ofMinutes(20), Duration.ofHours(1));
        Governance g = governance(down, EVERY_CHECK);

        Decision d = g.tryAdmit(tenant, request(10, 10), profile(tenant));

        assertThat(d.refusal()).isInstanceOf(GovernanceUnavailableException.class).hasMessageContaining("budget");
        assertThat(g.failOpenAdmissions()).as("concurrency, requests, tokens").isEqualTo(3);
    }

    @Test
    void redisDown_perTierPolicies_decideAsTheSeparateStatesDo() throws Exception {
        TenantPolicy noBudget = TenantPolicy.builder().maxConcurrentCalls(3).requestsPerMinute(100)
                .tokensPerMinute(100_000).build();
        record Case(TenantPolicy policy, FailurePolicy failure) {
        }
        List<Case> cases = List.of(new Case(EVERY_CHECK, FailurePolicy.DEFAULT),
                new Case(EVERY_CHECK, FailurePolicy.OPEN), new Case(EVERY_CHECK, FailurePolicy.CLOSED),
                new Case(noBudget, FailurePolicy.DEFAULT),
                new Case(noBudget, FailurePolicy.OPEN.withConcurrency(FailureMode.FAIL_CLOSED)),
                new Case(EVERY_CHECK, new FailurePolicy(FailureMode.FAIL_CLOSED, FailureMode.FAIL_OPEN,
                        FailureMode.FAIL_OPEN)));
        for (Case c : cases) {
            TenantPolicy policy = c.policy();
            RedisGovernanceState down = state(RedisServer.unreachableUrl(), Duration.ofMinutes(20),
                    Duration.ofHours(1));
            Governance separate = Governance.builder().policies(PolicySet.of(policy)).priceCatalog(Gov.PRICES)
                    .clock(clock).budgetStore(down.budgetStore()).rateLimitState(down.rateLimitState())
                    .concurrencyState(down.concurrencyState()).failurePolicy(c.failure())
                    .settlementExecutor(Runnable::run).build();
            Governance shared = Governance.builder().policies(PolicySet.of(policy)).priceCatalog(Gov.PRICES)
                    .clock(clock).sharedAdmission(down.admission()).failurePolicy(c.failure())
                    .settlementExecutor(Runnable::run).build();

            Decision expected = separate.tryAdmit(tenant, request(10, 10), profile(tenant));
            Decision sync = shared.tryAdmit(tenant, request(10, 10), profile(tenant));
            Decision async = shared.tryAdmitAsync(tenant, request(10, 10), profile(tenant)).toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);

            for (Decision actual : List.of(sync, async)) {
                assertThat(actual.admitted()).as("%s", c).isEqualTo(expected.admitted());
                if (!expected.admitted()) {
                    assertThat(((GovernanceUnavailableException) actual.refusal()).state()).as("%s", c)
                            .isEqualTo(((GovernanceUnavailableException) expected.refusal()).state());
                } else {
                    actual.permit().release(List.of()); // logged, never thrown
                }
            }
            assertThat(shared.failOpenAdmissions()).as("%s", c).isEqualTo(2 * separate.failOpenAdmissions());
        }
    }

    @Test
    void redisTimesOut_defaultPolicy_failsClosedOnTheBudgetLikeAnUnreachableRedis() {
        RedisGovernanceState slow = RedisGovernanceState.builder().uri(RedisServer.url()).keyPrefix(prefix)
                .timeout(Duration.ofMillis(200)).build();
        states.add(slow);
        Governance g = governance(slow, EVERY_CHECK);
        g.admit(tenant, request(10, 10), profile(tenant)).release(List.of());
        RedisClient admin = RedisClient.create(RedisServer.url());
        try (StatefulRedisConnection<String, String> c = admin.connect()) {
            c.sync().clientPause(1_000);

            Decision d = g.tryAdmit(tenant, request(10, 10), profile(tenant));

            assertThat(d.refusal()).isInstanceOf(GovernanceUnavailableException.class)
                    .hasMessageContaining("budget").hasMessageContaining("timed out");
            assertThat(g.failOpenAdmissions()).isEqualTo(3);
            c.sync().ping(); // answered once the pause is over, so no later test meets it
        } finally {
            admin.shutdown();
        }
    }

    @Test
    void tryAdmitAsync_redisPaused_returnsAtOnceAndCompletesWhenRedisAnswers() throws Exception {
        RedisGovernanceState state = state();
        Governance g = governance(state, EVERY_CHECK);
        g.admit(tenant, request(10, 10), profile(tenant)).release(List.of());
        RedisClient admin = RedisClient.create(RedisServer.url());
        try (StatefulRedisConnection<String, String> c = admin.connect()) {
            c.sync().clientPause(1_000);

            CompletableFuture<Decision> stage = g.tryAdmitAsync(tenant, request(10, 10), profile(tenant))
                    .toCompletableFuture();

            assertThat(stage).as("the calling thread did not wait for Redis").isNotDone();
            // answered once the pause is over, so no later test meets it
            Decision d = stage.get(10, TimeUnit.SECONDS);
            assertThat(d.admitted()).isTrue();
            d.permit().release(List.of());
        } finally {
            admin.shutdown();
        }
        assertThat(g.inFlight(tenant.id())).isZero();
    }

    @Test
    void fairShare_shedsAfterTheSharedStep_everythingTheStepTookIsGivenBack() throws Exception {
        RedisGovernanceState state = state();
        TenantContext basic = TenantContext.of("bronze-" + UUID.randomUUID()).withTier(Tier.BASIC);
        TenantContext standard = TenantContext.of("silver-" + UUID.randomUUID());
        Governance g = Governance.builder().policies(PolicySet.of(TenantPolicy.builder().maxConcurrentCalls(5)
                        .requestsPerMinute(100).tokensPerMinute(100_000).budget(Gov.monthly("10")).build()))
                .priceCatalog(Gov.PRICES).clock(clock).ticker(() -> clock.millis() * 1_000_000L)
                .fairShare(FairShare.builder().capacity(Gov.SOURCE, 10_000).headroom(BigDecimal.ZERO).build())
                .sharedAdmission(state.admission()).settlementExecutor(Runnable::run).build();
        for (int i = 0; i < 10; i++) {
            TenantContext t = i < 4 ? standard : basic;
            g.admit(t, request(200, 800), profile(t)).release(List.of(attempt(t, TokenUsage.of(200, 800))));
        }
        Map<String, String> requests = bucket(state, basic, "r");
        Map<String, String> tokens = bucket(state, basic, "t");
        BudgetStore.Usage budget = g.budgetUsage(basic);

        Decision shed = g.tryAdmit(basic, request(200, 800), profile(basic));
        Decision shedAsync = g.tryAdmitAsync(basic, request(200, 800), profile(basic)).toCompletableFuture()
                .get(10, TimeUnit.SECONDS);

        for (Decision d : List.of(shed, shedAsync)) {
            assertThat(d.refusal()).isInstanceOfSatisfying(RateLimitExceededException.class,
                    e -> assertThat(e.limitName()).isEqualTo("fair-share"));
        }
        assertThat(bucket(state, basic, "r")).isEqualTo(requests);
        assertThat(bucket(state, basic, "t")).isEqualTo(tokens);
        assertThat(g.budgetUsage(basic)).isEqualTo(budget);
        assertThat(g.inFlight(basic.id())).isZero();
        assertThat(g.openPermits()).isZero();
    }

    /** A bucket's level and rounding error as the script keeps them ({@code r}: requests, {@code t}: tokens). */
    private Map<String, String> bucket(RedisGovernanceState state, TenantContext t, String bucket) {
        RedisClient client = RedisClient.create(RedisServer.url());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            String saved = c.sync().get(prefix + ":adm:{" + t.id().value() + "}:rates");
            assertThat(saved).isNotNull();
            String[] fields = saved.split(",", -1);
            assertThat(fields).hasSize(8);
            int at = bucket.equals("r") ? 0 : 4;
            assertThat(fields[at]).isNotEmpty();
            return Map.of("l", fields[at], "e", fields[at + 1]);
        } finally {
            client.shutdown();
        }
    }

    @Test
    void builder_sharedAdmissionWithASeparateState_isRefusedNamingBoth() {
        RedisGovernanceState state = state();

        assertThatThrownBy(() -> Governance.builder().policies(PolicySet.of(EVERY_CHECK))
                .sharedAdmission(state.admission()).budgetStore(state.budgetStore()).build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("sharedAdmission").hasMessageContaining("budgetStore");
    }
}
