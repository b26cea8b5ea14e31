package dev.aip.governance.redis;

import static dev.aip.governance.redis.Gov.attempt;
import static dev.aip.governance.redis.Gov.profile;
import static dev.aip.governance.redis.Gov.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.BudgetExceededException;
import dev.aip.core.GovernanceUnavailableException;
import dev.aip.core.RateLimitExceededException;
import dev.aip.core.chat.Admission.Permit;
import dev.aip.core.chat.AdmissionRequest;
import dev.aip.core.governance.Decision;
import dev.aip.core.governance.FailurePolicy;
import dev.aip.core.governance.Governance;
import dev.aip.core.governance.PolicySet;
import dev.aip.core.governance.TenantPolicy;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import dev.aip.testkit.ManualClock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Governance#tryAdmitAsync} on Redis (Lettuce's async API for slots, buckets and the budget): it admits,
 * refuses and gives back exactly as {@link Governance#tryAdmit} does, step for step, and fails open or closed by tier
 * when Redis cannot be reached.
 */
class RedisAsyncAdmissionTest {

    private final ManualClock clock = ManualClock.at(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    private final List<RedisGovernanceState> states = new ArrayList<>();

    @AfterEach
    void stop() {
        states.forEach(RedisGovernanceState::close);
    }

    /** How a script admits: synchronously or asynchronously. */
    interface Admit {
        Decision admit(Governance g, TenantContext tenant, AdmissionRequest request);
    }

    private static final Admit SYNC = (g, tenant, request) -> g.tryAdmit(tenant, request, profile(tenant));
    private static final Admit ASYNC = (g, tenant, request) -> {
        try {
            return g.tryAdmitAsync(tenant, request, profile(tenant)).toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    };

    private Governance governance(String url, PolicySet policies, Map<Tier, FailurePolicy> failure,
                                  List<Gov.SeenBuckets> seen) {
        RedisGovernanceState state = RedisGovernanceState.builder().uri(url).keyPrefix("aip-test-" + UUID.randomUUID())
                .clock(clock).build();
        states.add(state);
        Gov.SeenBuckets buckets = new Gov.SeenBuckets(state.rateLimitState());
        seen.add(buckets);
        Governance.Builder b = Governance.builder().policies(policies).priceCatalog(Gov.PRICES).clock(clock)
                .budgetStore(state.budgetStore()).rateLimitState(buckets)
                .concurrencyState(state.concurrencyState())
                // Settled on the releasing thread: the script reads Redis right after each release.
                .settlementExecutor(Runnable::run);
        failure.forEach(b::failurePolicy);
        return b.build();
    }

    /**
     * Admits, refuses by each limit in turn, releases; returns what was seen after each step: the decision (its
     * refusal's type and message) and everything the tenant holds in Redis.
     */
    private List<String> script(Admit admit) {
        TenantContext tenant = TenantContext.of("acme");
        // Each call of 100 + 100 tokens reserves 0.0006 USD: one fits in the budget at a time.
        PolicySet policies = PolicySet.of(TenantPolicy.builder().maxConcurrentCalls(2).requestsPerMinute(5)
                .tokensPerMinute(1000).budget(Gov.monthly("0.001")).build());
        List<Gov.SeenBuckets> seen = new ArrayList<>();
        Governance g = governance(RedisServer.url(), policies, Map.of(), seen);
        List<String> log = new ArrayList<>();
        List<Permit> held = new ArrayList<>();
        AdmissionRequest[] calls = {
            request(100, 100),  // admitted
            request(100, 100),  // over budget: the slot, request and tokens it took are given back
            request(100, 800),  // 900 tokens, 800 left: refused by the token rate
            request(10, 10),    // admitted: a second slot
            request(10, 10),    // no third slot
        };
        for (AdmissionRequest call : calls) {
            Decision d = admit.admit(g, tenant, call);
            if (d.admitted()) {
                held.add(d.permit());
            }
            log.add(describe(d) + " | " + holdings(g, seen.get(0), tenant));
        }
        held.get(0).release(List.of(attempt(tenant, TokenUsage.of(100, 50))));
        log.add("released | " + holdings(g, seen.get(0), tenant));
        Decision d = admit.admit(g, tenant, request(10, 10));
        log.add(describe(d) + " | " + holdings(g, seen.get(0), tenant));
        held.get(1).release(List.of());
        if (d.admitted()) {
            d.permit().release(List.of());
        }
        log.add("all released | " + holdings(g, seen.get(0), tenant));
        return log;
    }

    private static String describe(Decision d) {
        return d.admitted() ? "admitted"
                : d.refusal().getClass().getSimpleName() + ": " + d.refusal().getMessage() + " " + d.retryAfter();
    }

    private static String holdings(Governance g, Gov.SeenBuckets buckets, TenantContext tenant) {
        return "in flight " + g.inFlight(tenant.id()) + ", requests " + buckets.available(tenant, "requests-per-minute")
                + ", tokens " + buckets.available(tenant, "tokens-per-minute") + ", budget " + g.budgetUsage(tenant)
                + ", open " + g.openPermits() + ", failed open " + g.failOpenAdmissions();
    }

    @Test
    void asyncAdmission_onRedis_admitsRefusesAndGivesBackExactlyAsSync() {
        List<String> async = script(ASYNC);

        assertThat(async).isEqualTo(script(SYNC));
        assertThat(async.get(0)).startsWith("admitted | in flight 1, requests 4, tokens 800");
        assertThat(async.get(1)).startsWith(BudgetExceededException.class.getSimpleName())
                .contains("| in flight 1, requests 4, tokens 800");
        assertThat(async.get(2)).startsWith(RateLimitExceededException.class.getSimpleName())
                .contains("tokens per minute").contains("| in flight 1, requests 4, tokens 800");
        assertThat(async.get(3)).startsWith("admitted | in flight 2, requests 3, tokens 780");
        assertThat(async.get(4)).startsWith(RateLimitExceededException.class.getSimpleName())
                .contains("calls in flight").contains("| in flight 2, requests 3, tokens 780");
        assertThat(async.get(5)).startsWith("released | in flight 1, requests 3, tokens 830");
        assertThat(async.get(6)).startsWith("admitted | in flight 2, requests 2, tokens 810");
        assertThat(async.get(7)).contains("in flight 0").contains("open 0, failed open 0");
    }

    @Test
    void asyncAdmission_unreachableRedis_failsOpenOrClosedByTierAsSync() {
        PolicySet policies = PolicySet.of(TenantPolicy.builder().maxConcurrentCalls(1).requestsPerMinute(10)
                .budget(Gov.monthly("1")).build());
        Map<Tier, FailurePolicy> failure = Map.of(Tier.BASIC, FailurePolicy.OPEN, Tier.PREMIUM, FailurePolicy.CLOSED);
        TenantContext basic = new TenantContext(TenantId.of("cheap"), Tier.BASIC, Map.of());
        TenantContext premium = new TenantContext(TenantId.of("vip"), Tier.PREMIUM, Map.of());
        TenantContext standard = new TenantContext(TenantId.of("plain"), Tier.STANDARD, Map.of());
        List<List<String>> runs = new ArrayList<>();
        for (Admit admit : List.of(SYNC, ASYNC)) {
            Governance g = governance(RedisServer.unreachableUrl(), policies, failure, new ArrayList<>());
            List<String> log = new ArrayList<>();

            // Open on all three states: admitted without them, each counted.
            Decision open = admit.admit(g, basic, request(100, 100));
            assertThat(open.admitted()).isTrue();
            assertThat(g.failOpenAdmissions()).isEqualTo(3);
            open.permit().release(List.of(attempt(basic, TokenUsage.of(100, 100))));

            // Closed: refused at the first unreachable state, the concurrency slots.
            assertThat(admit.admit(g, premium, request(100, 100)).refusal())
                    .isInstanceOfSatisfying(GovernanceUnavailableException.class, e -> {
                        assertThat(e.state()).isEqualTo("concurrency");
                        assertThat(e.retryable()).isTrue();
                        assertThat(e.getCause()).isNotNull();
                        log.add(e.getMessage().replaceAll("\\(.*\\)", "(...)"));
                    });

            // The default policy: concurrency and rate limits fail open (counted), the budget closed.
            assertThat(admit.admit(g, standard, request(100, 100)).refusal())
                    .isInstanceOfSatisfying(GovernanceUnavailableException.class, e -> {
                        assertThat(e.state()).isEqualTo("budget");
                        log.add(e.getMessage().replaceAll("\\(.*\\)", "(...)"));
                    });
            assertThat(g.failOpenAdmissions()).isEqualTo(5);
            assertThat(g.openPermits()).isZero();
            runs.add(log);
        }
        assertThat(runs.get(1)).isEqualTo(runs.get(0));
    }
}
