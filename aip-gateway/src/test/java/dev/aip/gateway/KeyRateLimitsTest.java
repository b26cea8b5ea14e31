package dev.aip.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.governance.RateLimitState;
import dev.aip.core.metering.Cost;
import dev.aip.core.metering.Operation;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageProvenance;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.keys.ApiKey;
import dev.aip.keys.KeyLimits;
import dev.aip.testkit.ManualClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class KeyRateLimitsTest {

    private final ManualClock clock = ManualClock.start();
    private final KeyRateLimits limits = new KeyRateLimits(RateLimitState.local(clock.ticker()));

    private static ApiKey key(String id, KeyLimits limits) {
        return new ApiKey(id, TenantId.of("acme"), "test", Instant.EPOCH, null, null, null, null, limits);
    }

    private static UsageRecord used(String keyId, long input, long output) {
        return UsageRecord.builder()
                .tenant(TenantContext.of(TenantId.of("acme")).withAttribute(ApiKeys.KEY_ATTRIBUTE, keyId))
                .operation(Operation.CONVERSE).requestedModel("claude-haiku").region("us-east-1")
                .usage(new TokenUsage(input, output, 0, 0)).provenance(UsageProvenance.REPORTED)
                .cost(Cost.unknownModel("2026-11-01")).outcome(Outcome.SUCCESS)
                .startedAt(Instant.parse("2026-11-02T10:15:31Z")).latency(Duration.ZERO).build();
    }

    @Test
    void admit_overRequestsPerMinute_refusedWithTheWait_thenAdmittedAfterIt() {
        ApiKey k = key("aaaaaaaaaaaa", new KeyLimits(2, 0));

        assertThat(limits.admit(k)).isNull();
        assertThat(limits.admit(k)).isNull();
        KeyRateLimits.Refusal refused = limits.admit(k);
        clock.advance(Duration.ofSeconds(refused.retryAfterSeconds()));

        assertThat(refused.message()).contains("2 requests per minute");
        assertThat(refused.retryAfterSeconds()).isEqualTo(30);
        assertThat(limits.admit(k)).isNull();
    }

    @Test
    void accept_tokensBeyondTheLimit_refuseUntilTheDebtIsPaidBack() {
        ApiKey k = key("bbbbbbbbbbbb", new KeyLimits(0, 600));
        assertThat(limits.admit(k)).isNull();

        limits.accept(used("bbbbbbbbbbbb", 500, 159));   // 59 tokens beyond the 600 a minute allows
        KeyRateLimits.Refusal refused = limits.admit(k);
        clock.advance(Duration.ofSeconds(refused.retryAfterSeconds()));

        assertThat(refused.message()).contains("600 tokens per minute");
        assertThat(refused.retryAfterSeconds()).isEqualTo(6);   // (59 + 1) tokens at 10 per second
        assertThat(limits.admit(k)).isNull();
    }

    @Test
    void accept_recordOfAnotherKeyOrOfNoKey_chargesNothing() {
        ApiKey k = key("cccccccccccc", new KeyLimits(0, 100));
        assertThat(limits.admit(k)).isNull();

        limits.accept(used("dddddddddddd", 1_000, 1_000));
        limits.accept(UsageRecord.builder().tenant(TenantContext.of(TenantId.of("acme")))
                .operation(Operation.CONVERSE).requestedModel("m").region("us-east-1")
                .usage(new TokenUsage(1_000, 0, 0, 0)).provenance(UsageProvenance.REPORTED)
                .cost(Cost.unknownModel("2026-11-01")).outcome(Outcome.SUCCESS)
                .startedAt(Instant.parse("2026-11-02T10:15:31Z")).latency(Duration.ZERO).build());

        assertThat(limits.admit(k)).isNull();
    }

    @Test
    void admit_limitsChanged_sameBucketsReconfigured() {
        ApiKey before = key("eeeeeeeeeeee", new KeyLimits(1, 0));
        ApiKey after = key("eeeeeeeeeeee", new KeyLimits(3, 0));
        assertThat(limits.admit(before)).isNull();
        assertThat(limits.admit(before)).isNotNull();

        // The used-up token stays used: a raised limit starts from where the bucket was, not from full...
        assertThat(limits.admit(after)).isNotNull();
        // ...and refills at its own rate: 20 s is one request at 3 a minute (a third of one at 1 a minute).
        clock.advance(Duration.ofSeconds(20));
        assertThat(limits.admit(after)).isNull();
        assertThat(limits.admit(after)).isNotNull();
    }
}
