package dev.aip.governance.redis;

import static dev.aip.governance.redis.Gov.profile;
import static dev.aip.governance.redis.Gov.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.RateLimitExceededException;
import dev.aip.core.governance.Decision;
import dev.aip.core.governance.FailurePolicy;
import dev.aip.core.governance.FairShare;
import dev.aip.core.governance.Governance;
import dev.aip.core.governance.PolicySet;
import dev.aip.core.governance.TenantPolicy;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.Tier;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The README's shared-limits example (Governance section), exactly as printed there (ReadmeSnippetsTest checks it),
 * run twice as two application instances would: one Redis, one limit per tenant across both.
 */
class ReadmeRedisTest {

    private final List<RedisGovernanceState> states = new ArrayList<>();

    @AfterEach
    void close() {
        states.forEach(RedisGovernanceState::close);
    }

    @Test
    void readmeExample_twoInstancesOnOneRedis_shareTheTenantsLimit() {
        String redisUri = RedisServer.url();
        PolicySet policies = PolicySet.builder()
                .defaults(TenantPolicy.builder().requestsPerMinute(2).build()).build();
        List<Governance> instances = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            // --- as in the README ---
            RedisGovernanceState redis = RedisGovernanceState.builder().uri(redisUri).build();   // "redis://host:6379"
            Governance governance = Governance.builder().policies(policies)
                    .budgetStore(redis.budgetStore()).rateLimitState(redis.rateLimitState())
                    .concurrencyState(redis.concurrencyState())
                    .failurePolicy(Tier.PREMIUM, FailurePolicy.OPEN)      // per tier: fail open or closed when Redis is away
                    .build();
            // --- end ---
            states.add(redis);
            instances.add(governance);
        }
        // A tenant of its own, so a Redis shared with other runs holds no earlier count for it.
        TenantContext tenant = TenantContext.of("readme" + ThreadLocalRandom.current().nextLong(1L << 40));

        assertThat(instances.get(0).tryAdmit(tenant, request(10, 10), profile(tenant)).admitted()).isTrue();
        assertThat(instances.get(1).tryAdmit(tenant, request(10, 10), profile(tenant)).admitted()).isTrue();
        Decision third = instances.get(0).tryAdmit(tenant, request(10, 10), profile(tenant));

        assertThat(third.admitted()).as("the limit of 2 per minute holds across both instances").isFalse();
        assertThat(third.refusal()).isInstanceOf(RateLimitExceededException.class);
    }

    @Test
    void readmeFairShareExample_threeInstancesOnOneRedis_shedTheFlooderOnce() {
        String redisUri = RedisServer.url();
        PolicySet policies = PolicySet.of(TenantPolicy.EMPTY);
        // A model of its own, so a Redis shared with other runs holds no earlier window for it.
        String model = "readme.model-" + ThreadLocalRandom.current().nextLong(1L << 40);
        FairShare fairShare = FairShare.builder().capacity(model, 10_000).build();   // congested above 9,000
        List<Governance> instances = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            RedisGovernanceState redis = RedisGovernanceState.builder().uri(redisUri).build();
            states.add(redis);
            // --- as in the README ---
            Governance governance = Governance.builder().policies(policies)
                    .fairShare(fairShare)
                    .fairShareState(redis.fairShareState())   // windows and capacity estimates shared by every replica
                    .build();
            // --- end ---
            instances.add(governance);
        }
        TenantContext quiet = TenantContext.of("quiet");
        TenantContext flooder = TenantContext.of("flooder").withTier(Tier.BASIC);
        assertThat(instances.get(0).tryAdmit(quiet, request(200, 800), Replicas.profile(quiet, model)).admitted()).isTrue();
        int admitted = 0;
        for (int i = 0; i < 30; i++) {
            if (instances.get(i % 3).tryAdmit(flooder, request(200, 800), Replicas.profile(flooder, model)).admitted()) {
                admitted++;
            }
        }

        // 1,000 of the quiet tenant and 8 calls of 1,000 of the flooder fill the model to 9,000; then it is congested
        // and the flooder, far above its share (weight 1 of 3: 3,333), is shed on every instance. Three instances
        // apart would have admitted 8 + 9 + 9.
        assertThat(admitted).isEqualTo(8);
    }

    @Test
    void readmeOneRoundTrip_twoInstancesOnOneRedis_shareTheTenantsLimit() {
        String redisUri = RedisServer.url();
        PolicySet policies = PolicySet.builder()
                .defaults(TenantPolicy.builder().requestsPerMinute(2).maxConcurrentCalls(5).build()).build();
        List<Governance> instances = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            // --- as in the README ---
            RedisGovernanceState redis = RedisGovernanceState.builder().uri(redisUri).build();
            Governance governance = Governance.builder().policies(policies)
                    .sharedAdmission(redis.admission())                 // every shared check in one Redis round trip
                    .failurePolicy(Tier.PREMIUM, FailurePolicy.OPEN)
                    .build();
            // --- end ---
            states.add(redis);
            instances.add(governance);
        }
        TenantContext tenant = TenantContext.of("readme" + ThreadLocalRandom.current().nextLong(1L << 40));

        assertThat(instances.get(0).tryAdmit(tenant, request(10, 10), profile(tenant)).admitted()).isTrue();
        assertThat(instances.get(1).tryAdmit(tenant, request(10, 10), profile(tenant)).admitted()).isTrue();
        Decision third = instances.get(0).tryAdmit(tenant, request(10, 10), profile(tenant));

        assertThat(third.admitted()).as("the limit of 2 per minute holds across both instances").isFalse();
        assertThat(third.refusal()).isInstanceOf(RateLimitExceededException.class);
        assertThat(instances.get(1).inFlight(tenant.id())).as("two slots held across both").isEqualTo(2);
    }
}
