package dev.aip.core.metering;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class MeteredCallProperties {

    /** The steps a driver may take on an attempt, in any order, any number of times. */
    enum Step { REQUEST_ID, ACCEPTED, FIRST_TOKEN, OUTPUT, REPORTED, SUCCEED, SUCCEED_WITH_USAGE, FAIL, CANCEL }

    @Property(tries = 500)
    void anySequence_producesOneRecordMatchingTheFirstSettlement(@ForAll("steps") List<Step> steps) {
        List<UsageRecord> records = new ArrayList<>();
        UsageMeter meter = UsageMeter.builder().sink(records::add).region("us-east-1").build();
        MeteredCall call = meter.start(MeteredCallTest.info(true).build());

        TokenUsage reportedBeforeFirstSettle = null;
        Step firstSettle = null;
        boolean billedBeforeSettle = false;
        for (Step step : steps) {
            boolean won;
            switch (step) {
                case REQUEST_ID -> { call.awsRequestId("req"); continue; }
                case ACCEPTED -> { call.accepted(); billedBeforeSettle |= firstSettle == null; continue; }
                case FIRST_TOKEN -> { call.firstToken(); billedBeforeSettle |= firstSettle == null; continue; }
                case OUTPUT -> { call.outputSeen(4); billedBeforeSettle |= firstSettle == null; continue; }
                case REPORTED -> {
                    call.reported(TokenUsage.of(7, 3));
                    if (firstSettle == null) {
                        reportedBeforeFirstSettle = TokenUsage.of(7, 3);
                    }
                    continue;
                }
                case SUCCEED -> won = call.succeed();
                case SUCCEED_WITH_USAGE -> won = call.succeed(TokenUsage.of(11, 13));
                case FAIL -> won = call.fail(Outcome.SERVER_ERROR, "InternalServerException");
                default -> won = call.cancel();
            }
            assertThat(won).isEqualTo(firstSettle == null);
            if (firstSettle == null) {
                firstSettle = step;
            }
        }

        if (firstSettle == null) {
            assertThat(records).isEmpty();
            assertThat(call.isSettled()).isFalse();
            return;
        }
        assertThat(records).hasSize(1);
        UsageRecord r = records.get(0);
        switch (firstSettle) {
            case SUCCEED_WITH_USAGE -> {
                assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
                assertThat(r.usage()).isEqualTo(TokenUsage.of(11, 13));
                assertThat(r.provenance()).isEqualTo(UsageProvenance.REPORTED);
            }
            case SUCCEED, CANCEL -> {
                assertThat(r.outcome()).isEqualTo(firstSettle == Step.CANCEL ? Outcome.CANCELLED : Outcome.SUCCESS);
                assertThat(r.provenance()).isEqualTo(reportedBeforeFirstSettle != null
                        ? UsageProvenance.REPORTED : UsageProvenance.ESTIMATED);
                if (reportedBeforeFirstSettle != null) {
                    assertThat(r.usage()).isEqualTo(reportedBeforeFirstSettle);
                } else {
                    assertThat(r.usage().inputTokens()).isEqualTo(100);
                }
            }
            default -> {
                assertThat(r.outcome()).isEqualTo(Outcome.SERVER_ERROR);
                UsageProvenance expected = reportedBeforeFirstSettle != null ? UsageProvenance.REPORTED
                        : billedBeforeSettle ? UsageProvenance.ESTIMATED : UsageProvenance.NONE;
                assertThat(r.provenance()).isEqualTo(expected);
                if (expected == UsageProvenance.NONE) {
                    assertThat(r.usage()).isEqualTo(TokenUsage.ZERO);
                }
            }
        }
        assertThat(r.usage().cacheReadInputTokens()).isZero();
        assertThat(r.usage().cacheWriteInputTokens()).isZero();
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        return Arbitraries.of(Step.class).list().ofMaxSize(12);
    }
}
