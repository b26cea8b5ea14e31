package dev.aip.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.metering.Cost;
import dev.aip.core.metering.Operation;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageProvenance;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import dev.aip.emulator.InvocationRecord;
import dev.aip.emulator.ModelMetrics;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReconciliationTest {

    static final String ARN = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/p1";
    static final Map<String, String> OWNERS = Map.of(ARN, "acme");
    static final Map<String, String> IDS = Map.of(ARN, "p1");

    @Test
    void of_ledgerMatchingTheServer_isOkWithTheEquation() {
        List<UsageRecord> ledger = List.of(record(Outcome.SUCCESS, 10, 5), record(Outcome.THROTTLED, 0, 0));
        List<InvocationRecord> log = List.of(invocation(InvocationRecord.Outcome.SUCCESS, 10, 5, true),
                invocation(InvocationRecord.Outcome.THROTTLED, 0, 0, false));

        Reconciliation r = Reconciliation.of(ledger, OWNERS, IDS, log, Map.of("p1", metrics(1, 1)));

        assertThat(r.ok()).isTrue();
        assertThat(r.line()).isEqualTo("reconciled: OK (1 of 1 profiles: ledger REPORTED tokens == server-delivered"
                + " tokens [input 10, output 5, cache read 0, cache write 0]; ledger records 2 == Invocations 1 +"
                + " InvocationThrottles 1 + rejected before acceptance 0 + refused by governance 0)");
        assertThat(r.estimatesLine()).isNull();
    }

    @Test
    void of_ledgerMissingTokensAndARecord_isAMismatchNamingTheProfile() {
        List<UsageRecord> ledger = List.of(record(Outcome.SUCCESS, 10, 4));
        List<InvocationRecord> log = List.of(invocation(InvocationRecord.Outcome.SUCCESS, 10, 5, true),
                invocation(InvocationRecord.Outcome.THROTTLED, 0, 0, false));

        Reconciliation r = Reconciliation.of(ledger, OWNERS, IDS, log, Map.of("p1", metrics(1, 1)));

        assertThat(r.ok()).isFalse();
        assertThat(r.line()).isEqualTo("reconciled: MISMATCH on 1 of 1 profiles: acme (p1): tokens ledger"
                + " [10/4/0/0] != server [10/5/0/0] records 1 != Invocations 1 + InvocationThrottles 1 + rejected 0"
                + " + refused 0 (server log: 2 calls, 1 accepted, 1 throttled)");
    }

    @Test
    void of_abandonedStream_isLeftOutOfTheTokenEquationAndReported() {
        UsageRecord cancelled = UsageRecord.builder().newRecordId().callId("c").tenant(TenantId.of("acme"))
                .tier(Tier.PREMIUM).operation(Operation.CONVERSE_STREAM).requestedModel("m").region("us-east-1")
                .profileArn(ARN).usage(TokenUsage.of(10, 40)).provenance(UsageProvenance.ESTIMATED)
                .cost(Cost.priced(BigDecimal.ONE, "v")).outcome(Outcome.CANCELLED).startedAt(Instant.EPOCH)
                .latency(Duration.ofMillis(5)).build();
        List<InvocationRecord> log = List.of(invocation(InvocationRecord.Outcome.CANCELLED_BY_CLIENT, 10, 52, false));

        Reconciliation r = Reconciliation.of(List.of(cancelled), OWNERS, IDS, log, Map.of("p1", metrics(1, 0)));

        assertThat(r.ok()).isTrue();
        assertThat(r.estimatesLine()).isEqualTo("not in the token equation: 1 call(s) whose usage Bedrock never"
                + " reported (the abandoned stream): the ledger estimates 40 output tokens, marked ESTIMATED; the"
                + " server counted 52 for 1 such invocation(s)");
    }

    static UsageRecord record(Outcome outcome, long in, long out) {
        return UsageRecord.builder().newRecordId().callId("c").tenant(TenantId.of("acme")).tier(Tier.PREMIUM)
                .operation(Operation.CONVERSE).requestedModel("m").region("us-east-1").profileArn(ARN)
                .usage(TokenUsage.of(in, out))
                .provenance(outcome == Outcome.SUCCESS ? UsageProvenance.REPORTED : UsageProvenance.NONE)
                .cost(Cost.priced(BigDecimal.ONE, "v")).outcome(outcome).startedAt(Instant.EPOCH)
                .latency(Duration.ofMillis(5)).build();
    }

    static InvocationRecord invocation(InvocationRecord.Outcome outcome, long in, long out, boolean delivered) {
        return new InvocationRecord("r", Instant.EPOCH, "Converse", ARN, "p1", ARN, "p1", "m", in, out, 0, 0, 5, null,
                outcome, null, outcome != InvocationRecord.Outcome.THROTTLED, delivered, Map.of());
    }

    static ModelMetrics metrics(long invocations, long throttles) {
        return new ModelMetrics("p1", invocations, 0, 0, 0, 0, throttles, 0, 0, ModelMetrics.LatencyStats.EMPTY,
                ModelMetrics.LatencyStats.EMPTY);
    }
}
