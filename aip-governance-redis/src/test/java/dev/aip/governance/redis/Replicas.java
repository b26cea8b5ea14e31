package dev.aip.governance.redis;

import dev.aip.core.chat.Admission.Permit;
import dev.aip.core.governance.Decision;
import dev.aip.core.governance.FailurePolicy;
import dev.aip.core.governance.FairShare;
import dev.aip.core.governance.Governance;
import dev.aip.core.governance.PolicySet;
import dev.aip.core.governance.TenantPolicy;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.tenant.TenantContext;
import dev.aip.testkit.ManualClock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Governance instances as replicas of one application: each its own {@link Governance} and, when shared, its own
 * {@link RedisGovernanceState} (own connection) on one Redis and one key prefix; all on one manual clock, whole
 * seconds at the start so that the local windows' seconds (ticker) and Redis's (clock) are the same seconds.
 */
final class Replicas implements AutoCloseable {

    static final String OTHER = "test.other-v1:0";

    final ManualClock clock = ManualClock.at(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    final List<Governance> governances = new ArrayList<>();
    final List<RedisGovernanceState> states = new ArrayList<>();
    final String prefix = "aip-fs-" + UUID.randomUUID();

    /**
     * @param count how many replicas
     * @param shared whether they share fair share through Redis (else each keeps its own, in memory)
     * @param redisUrl where Redis listens, if shared
     */
    Replicas(int count, boolean shared, @Nullable String redisUrl, FairShare fairShare, FailurePolicy failure) {
        for (int i = 0; i < count; i++) {
            Governance.Builder b = Governance.builder().policies(PolicySet.of(TenantPolicy.EMPTY))
                    .priceCatalog(Gov.PRICES).clock(clock).ticker(clock.ticker()).fairShare(fairShare)
                    .failurePolicy(failure).settlementExecutor(Runnable::run);
            if (shared) {
                RedisGovernanceState state = RedisGovernanceState.builder().uri(redisUrl).keyPrefix(prefix)
                        .clock(clock).build();
                states.add(state);
                b.fairShareState(state.fairShareState());
            }
            governances.add(b.build());
        }
    }

    Replicas(int count, boolean shared, FairShare fairShare) {
        this(count, shared, shared ? RedisServer.url() : null, fairShare, FailurePolicy.DEFAULT);
    }

    Governance get(int i) {
        return governances.get(i);
    }

    static ResolvedProfile profile(TenantContext tenant, String source) {
        String id = tenant.id().value() + "prof";
        return new ResolvedProfile(tenant.id(), Gov.MODEL,
                "arn:aws:bedrock:" + Gov.REGION + ":123456789012:application-inference-profile/" + id, id, source,
                Gov.REGION, false);
    }

    /** Admits a call of {@code tokens} estimated tokens (100 input, the rest output) on the default model. */
    static Decision call(Governance g, TenantContext tenant, int tokens) {
        return g.tryAdmit(tenant, Gov.request(100, tokens - 100), Gov.profile(tenant));
    }

    /** Admits a call of 1,000 tokens and releases it at that usage; whether it was admitted. */
    static boolean use(Governance g, TenantContext tenant) {
        Decision d = call(g, tenant, 1_000);
        if (d.admitted()) {
            d.permit().release(List.of(Gov.attempt(tenant, TokenUsage.of(100, 900))));
        }
        return d.admitted();
    }

    static UsageRecord throttled(TenantContext tenant, String source) {
        return Gov.attempt(tenant, TokenUsage.ZERO).toBuilder().sourceModelId(source).outcome(Outcome.THROTTLED)
                .errorCode("ThrottlingException").build();
    }

    static void release(Permit p, UsageRecord... attempts) {
        p.release(List.of(attempts));
    }

    @Override
    public void close() {
        states.forEach(RedisGovernanceState::close);
    }
}
