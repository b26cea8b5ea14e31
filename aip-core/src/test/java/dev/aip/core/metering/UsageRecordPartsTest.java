package dev.aip.core.metering;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class UsageRecordPartsTest {

    private static final Instant T0 = Instant.parse("2026-11-02T10:00:00Z");

    @Test
    void attemptIdentity_validatesIdsAndAttempt() {
        assertThat(new AttemptIdentity("r1", "c1", 1)).isEqualTo(new AttemptIdentity("r1", "c1", 1));
        assertThatThrownBy(() -> new AttemptIdentity(null, "c1", 1))
                .isInstanceOf(NullPointerException.class).hasMessage("UsageRecord.recordId is required");
        assertThatThrownBy(() -> new AttemptIdentity("r1", " ", 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("UsageRecord.callId is blank");
        assertThatThrownBy(() -> new AttemptIdentity("r1", "c1", 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("attempt is 0; attempts are numbered from 1");
    }

    @Test
    void callTarget_requiresOperationModelAndRegion() {
        CallTarget target = new CallTarget(Operation.CONVERSE_STREAM, "haiku", null, null, null, "us-east-1", true);
        assertThat(target.operation()).isEqualTo(Operation.CONVERSE_STREAM);
        assertThat(target.pooledProfile()).isTrue();
        assertThatThrownBy(() -> new CallTarget(null, "haiku", null, null, null, "us-east-1", false))
                .isInstanceOf(NullPointerException.class).hasMessage("UsageRecord.operation is required");
        assertThatThrownBy(() -> new CallTarget(Operation.CONVERSE, "", null, null, null, "us-east-1", false))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("UsageRecord.requestedModel is blank");
        assertThatThrownBy(() -> new CallTarget(Operation.CONVERSE, "haiku", null, null, null, null, false))
                .isInstanceOf(NullPointerException.class).hasMessage("UsageRecord.region is required");
    }

    @Test
    void attemptResult_requiresOutcomeOnly() {
        assertThat(new AttemptResult(Outcome.SUCCESS, null, null).errorCode()).isNull();
        assertThatThrownBy(() -> new AttemptResult(null, "ThrottlingException", "req-1"))
                .isInstanceOf(NullPointerException.class).hasMessage("UsageRecord.outcome is required");
    }

    @Test
    void attemptTiming_rejectsMissingStartAndNegativeDurations() {
        assertThat(new AttemptTiming(T0, Duration.ZERO, null).timeToFirstToken()).isNull();
        assertThatThrownBy(() -> new AttemptTiming(null, Duration.ZERO, null))
                .isInstanceOf(NullPointerException.class).hasMessage("UsageRecord.startedAt is required");
        assertThatThrownBy(() -> new AttemptTiming(T0, null, null))
                .isInstanceOf(NullPointerException.class).hasMessage("UsageRecord.latency is required");
        assertThatThrownBy(() -> new AttemptTiming(T0, Duration.ofMillis(-1), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("UsageRecord.latency is negative: PT-0.001S");
        assertThatThrownBy(() -> new AttemptTiming(T0, Duration.ZERO, Duration.ofNanos(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("UsageRecord.timeToFirstToken is negative");
    }

    @Test
    void usageRecord_readsEveryValueThroughItsParts() {
        UsageRecord r = UsageRecordTest.minimal().callId("c1").attempt(2).profileArn("arn").profileId("p")
                .sourceModelId("m").pooledProfile(true).errorCode("E").awsRequestId("req")
                .timeToFirstToken(Duration.ofMillis(5)).build();
        assertThat(r.identity()).isEqualTo(new AttemptIdentity(r.recordId(), "c1", 2));
        assertThat(r.target()).isEqualTo(new CallTarget(Operation.CONVERSE, "haiku", "arn", "p", "m", "us-east-1",
                true));
        assertThat(r.result()).isEqualTo(new AttemptResult(Outcome.SUCCESS, "E", "req"));
        assertThat(r.timing()).isEqualTo(new AttemptTiming(T0, Duration.ofMillis(250), Duration.ofMillis(5)));
        assertThat(r.operation()).isEqualTo(Operation.CONVERSE);
        assertThat(r.toBuilder().build()).isEqualTo(r).hasSameHashCodeAs(r);
        assertThat(r.toBuilder().latency(Duration.ofMillis(251)).build()).isNotEqualTo(r);
    }

    @Test
    void usageRecord_requiresEveryPart() {
        UsageRecord r = UsageRecordTest.minimal().build();
        assertThatThrownBy(() -> new UsageRecord(r.identity(), r.tenant(), r.tier(), null, r.usage(),
                r.provenance(), r.cost(), r.result(), r.timing(), r.attributes()))
                .isInstanceOf(NullPointerException.class).hasMessage("UsageRecord.target is required");
        assertThatThrownBy(() -> UsageRecordTest.minimal().operation(null).build())
                .isInstanceOf(NullPointerException.class).hasMessage("UsageRecord.operation is required");
    }
}
