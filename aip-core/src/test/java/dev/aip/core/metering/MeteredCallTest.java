package dev.aip.core.metering;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class MeteredCallTest {

    static final String SONNET = "anthropic.claude-3-7-sonnet-20250219-v1:0";
    static final Instant T0 = Instant.parse("2026-11-26T10:00:00Z");

    private final List<UsageRecord> records = new CopyOnWriteArrayList<>();
    private final AtomicLong nanos = new AtomicLong(1_000_000);
    private final UsageMeter meter = UsageMeter.builder()
            .sink(records::add)
            .clock(Clock.fixed(T0, ZoneOffset.UTC))
            .ticker(nanos::get)
            .region("us-east-1")
            .build();

    static CallInfo.Builder info(boolean streaming) {
        return CallInfo.builder()
                .callId("call-1")
                .tenant(new TenantContext(TenantId.of("acme"), Tier.PREMIUM, Map.of("feature", "search")))
                .operation(streaming ? Operation.CONVERSE_STREAM : Operation.CONVERSE)
                .requestedModel("claude-sonnet")
                .profileArn("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123")
                .profileId("abc123")
                .sourceModelId(SONNET)
                .streaming(streaming)
                .estimatedInputTokens(100)
                .attributes(Map.of("user", "u-1"));
    }

    @Test
    void succeed_withUsage_recordsEverythingKnownAndPricesIt() {
        MeteredCall call = meter.start(info(false).build());
        nanos.addAndGet(Duration.ofMillis(250).toNanos());
        call.awsRequestId("req-1");

        assertThat(call.succeed(new TokenUsage(1000, 500, 2000, 1000))).isTrue();

        assertThat(records).hasSize(1);
        UsageRecord r = records.get(0);
        assertThat(r.callId()).isEqualTo("call-1");
        assertThat(r.attempt()).isEqualTo(1);
        assertThat(r.tenant()).isEqualTo(TenantId.of("acme"));
        assertThat(r.tier()).isEqualTo(Tier.PREMIUM);
        assertThat(r.operation()).isEqualTo(Operation.CONVERSE);
        assertThat(r.requestedModel()).isEqualTo("claude-sonnet");
        assertThat(r.profileId()).isEqualTo("abc123");
        assertThat(r.region()).isEqualTo("us-east-1");
        assertThat(r.usage()).isEqualTo(new TokenUsage(1000, 500, 2000, 1000));
        assertThat(r.provenance()).isEqualTo(UsageProvenance.REPORTED);
        assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(r.errorCode()).isNull();
        // 1000 x 3 + 500 x 15 + 2000 x 0.30 + 1000 x 3.75 per 1M = 0.01485: cache buckets priced on their own.
        assertThat(r.cost().amountUsd()).isEqualTo(new BigDecimal("0.01485"));
        assertThat(r.startedAt()).isEqualTo(T0);
        assertThat(r.latency()).isEqualTo(Duration.ofMillis(250));
        assertThat(r.timeToFirstToken()).isNull();
        assertThat(r.awsRequestId()).isEqualTo("req-1");
        assertThat(r.attributes()).containsEntry("feature", "search").containsEntry("user", "u-1");
        assertThat(call.record()).contains(r);
    }

    @Test
    void succeed_sameAttributeOnTenantAndCall_callValueWins() {
        MeteredCall call = meter.start(info(false).attributes(Map.of("feature", "chat", "user", "u-2")).build());

        call.succeed(TokenUsage.of(1, 1));

        assertThat(records.get(0).attributes()).containsExactly(Map.entry("feature", "chat"), Map.entry("user", "u-2"));
    }

    @Test
    void succeed_streamWithoutReportedUsage_recordsEstimateFromInputAndOutputChars() {
        MeteredCall call = meter.start(info(true).build());
        call.outputSeen(10);
        call.outputSeen(7);

        call.succeed();

        UsageRecord r = records.get(0);
        assertThat(r.usage()).isEqualTo(TokenUsage.of(100, 5));
        assertThat(r.provenance()).isEqualTo(UsageProvenance.ESTIMATED);
        assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
    }

    @Test
    void cancel_afterUsageReported_recordsReportedUsageAsCancelled() {
        MeteredCall call = meter.start(info(true).build());
        call.outputSeen(400);
        call.reported(new TokenUsage(30, 12, 5, 0));

        assertThat(call.cancel()).isTrue();

        UsageRecord r = records.get(0);
        assertThat(r.outcome()).isEqualTo(Outcome.CANCELLED);
        assertThat(r.usage()).isEqualTo(new TokenUsage(30, 12, 5, 0));
        assertThat(r.provenance()).isEqualTo(UsageProvenance.REPORTED);
    }

    @Test
    void cancel_withoutReportedUsage_recordsEstimateNeverFree() {
        MeteredCall call = meter.start(info(true).build());
        call.firstToken();
        call.outputSeen(41);

        call.cancel();

        UsageRecord r = records.get(0);
        assertThat(r.outcome()).isEqualTo(Outcome.CANCELLED);
        assertThat(r.usage()).isEqualTo(TokenUsage.of(100, 11));
        assertThat(r.provenance()).isEqualTo(UsageProvenance.ESTIMATED);
        assertThat(r.cost().amountUsd()).isPositive();
    }

    @Test
    void fail_beforeAnyOutput_recordsZeroTokensWithNoProvenance() {
        MeteredCall call = meter.start(info(false).build());

        call.fail(Outcome.THROTTLED, "ThrottlingException");

        UsageRecord r = records.get(0);
        assertThat(r.outcome()).isEqualTo(Outcome.THROTTLED);
        assertThat(r.errorCode()).isEqualTo("ThrottlingException");
        assertThat(r.usage()).isEqualTo(TokenUsage.ZERO);
        assertThat(r.provenance()).isEqualTo(UsageProvenance.NONE);
        assertThat(r.cost().amountUsd()).isEqualByComparingTo(BigDecimal.ZERO);
    }

    @Test
    void fail_afterOutputStarted_recordsEstimate() {
        MeteredCall call = meter.start(info(true).build());
        call.firstToken();
        call.outputSeen(8);

        call.fail(Outcome.STREAM_INTERRUPTED, "ModelStreamErrorException");

        UsageRecord r = records.get(0);
        assertThat(r.usage()).isEqualTo(TokenUsage.of(100, 2));
        assertThat(r.provenance()).isEqualTo(UsageProvenance.ESTIMATED);
    }

    @Test
    void fail_afterBedrockAcceptedButBeforeAnyOutput_recordsTheInputEstimateNotZero() {
        MeteredCall call = meter.start(info(true).build());
        call.accepted();

        call.fail(Outcome.STREAM_INTERRUPTED, "IncompleteStream");

        UsageRecord r = records.get(0);
        assertThat(r.usage()).isEqualTo(TokenUsage.of(100, 0));
        assertThat(r.provenance()).isEqualTo(UsageProvenance.ESTIMATED);
        // 100 input tokens at Sonnet's $3 per 1M: an accepted call is never recorded as free.
        assertThat(r.cost().amountUsd()).isEqualByComparingTo(new BigDecimal("0.0003"));
        assertThat(r.timeToFirstToken()).isNull();
    }

    @Test
    void fail_afterAcceptedWithReportedUsage_keepsTheReportedUsage() {
        MeteredCall call = meter.start(info(true).build());
        call.accepted();
        call.reported(TokenUsage.of(12, 60));

        call.fail(Outcome.STREAM_INTERRUPTED, "ModelStreamErrorException");

        assertThat(records.get(0).usage()).isEqualTo(TokenUsage.of(12, 60));
        assertThat(records.get(0).provenance()).isEqualTo(UsageProvenance.REPORTED);
    }

    @Test
    void fail_withSuccessOutcome_isRejected() {
        MeteredCall call = meter.start(info(false).build());
        assertThatThrownBy(() -> call.fail(Outcome.SUCCESS, null)).isInstanceOf(IllegalArgumentException.class);
        assertThat(call.isSettled()).isFalse();
    }

    @Test
    void firstToken_onStream_measuresFromStartAndKeepsTheFirstOnly() {
        MeteredCall call = meter.start(info(true).build());
        nanos.addAndGet(Duration.ofMillis(120).toNanos());
        call.firstToken();
        nanos.addAndGet(Duration.ofMillis(500).toNanos());
        call.firstToken();

        call.succeed(TokenUsage.of(1, 1));

        assertThat(records.get(0).timeToFirstToken()).isEqualTo(Duration.ofMillis(120));
        assertThat(records.get(0).latency()).isEqualTo(Duration.ofMillis(620));
    }

    @Test
    void firstToken_onNonStreamingCall_isNotRecorded() {
        MeteredCall call = meter.start(info(false).build());
        call.firstToken();
        call.succeed(TokenUsage.of(1, 1));
        assertThat(records.get(0).timeToFirstToken()).isNull();
    }

    @Test
    void settle_secondTime_isNoOpReturningFalse() {
        MeteredCall call = meter.start(info(true).build());
        assertThat(call.succeed(TokenUsage.of(1, 1))).isTrue();

        assertThat(call.cancel()).isFalse();
        assertThat(call.fail(Outcome.SERVER_ERROR, "x")).isFalse();
        assertThat(call.succeed()).isFalse();

        assertThat(records).hasSize(1);
        assertThat(records.get(0).outcome()).isEqualTo(Outcome.SUCCESS);
    }

    @Test
    void settle_from16ThreadsAtOnce_producesExactlyOneRecordEachTime() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            for (int round = 0; round < 300; round++) {
                records.clear();
                MeteredCall call = meter.start(info(true).build());
                CyclicBarrier barrier = new CyclicBarrier(16);
                List<Future<Boolean>> wins = new java.util.ArrayList<>();
                for (int t = 0; t < 16; t++) {
                    int kind = t % 4;
                    wins.add(pool.submit(() -> {
                        barrier.await();
                        call.outputSeen(3);
                        switch (kind) {
                            case 0: return call.succeed(TokenUsage.of(5, 5));
                            case 1: return call.fail(Outcome.SERVER_ERROR, "InternalServerException");
                            case 2: return call.cancel();
                            default: return call.succeed();
                        }
                    }));
                }
                int winners = 0;
                for (Future<Boolean> f : wins) {
                    winners += f.get(10, TimeUnit.SECONDS) ? 1 : 0;
                }
                assertThat(winners).isEqualTo(1);
                assertThat(records).hasSize(1);
                assertThat(call.record()).contains(records.get(0));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void sink_thatThrows_neverReachesTheCallerAndIsCounted() {
        UsageMeter failing = UsageMeter.builder().sink(r -> {
            throw new IllegalStateException("disk full");
        }).region("us-east-1").build();
        MeteredCall call = failing.start(info(false).build());

        assertThat(call.succeed(TokenUsage.of(1, 1))).isTrue();

        assertThat(failing.sinkFailures()).isEqualTo(1);
        assertThat(failing.settledCount()).isEqualTo(1);
        assertThat(call.record()).isPresent();
    }

    @Test
    void settle_unknownSourceModel_costIsUnknownNeverZero() {
        MeteredCall call = meter.start(info(false).sourceModelId(null).build());
        call.succeed(TokenUsage.of(1000, 1000));
        assertThat(records.get(0).cost().status()).isEqualTo(CostStatus.UNKNOWN_MODEL);
        assertThat(records.get(0).cost().amount()).isEmpty();
    }

    @Test
    void start_withoutAnyRegion_isRejected() {
        UsageMeter noRegion = UsageMeter.builder().sink(records::add).build();
        assertThatThrownBy(() -> noRegion.start(info(false).build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("region");
    }

    @Test
    void reports_afterSettlement_areIgnored() {
        MeteredCall call = meter.start(info(true).build());
        call.fail(Outcome.SERVER_ERROR, "InternalServerException");
        call.reported(TokenUsage.of(9, 9));
        call.outputSeen(100);
        call.firstToken();
        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.usage()).isEqualTo(TokenUsage.ZERO);
            assertThat(r.timeToFirstToken()).isNull();
        });
    }
}
