package dev.aip.emulator;

import static dev.aip.emulator.RuntimeFixture.AIP_ARN;
import static dev.aip.emulator.RuntimeFixture.HAIKU;
import static dev.aip.emulator.RuntimeFixture.NOVA;
import static dev.aip.emulator.RuntimeOperation.CONVERSE;
import static dev.aip.emulator.RuntimeOperation.CONVERSE_STREAM;
import static dev.aip.emulator.RuntimeOperation.INVOKE_MODEL;
import static dev.aip.emulator.RuntimeOperation.INVOKE_MODEL_WITH_RESPONSE_STREAM;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The account's quota per foundation model: a sliding minute of tokens and requests, reserved and settled. */
class AccountQuotasTest {

    private static RuntimeFixture withCapacity(Map<String, AccountQuotas.Limit> capacities) {
        RuntimeSettings d = RuntimeSettings.DEFAULTS;
        return new RuntimeFixture(42, new RuntimeSettings(d.minReplyTokens(), d.maxReplyTokens(),
                d.streamChunkTokens(), d.invocationLogCapacity(), d.globalFaults(), d.faults(), capacities));
    }

    private static String converse(String text, int maxTokens) {
        return "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":" + RuntimeFixture.quote(text) + "}]}],"
                + "\"inferenceConfig\":{\"maxTokens\":" + maxTokens + "}}";
    }

    private static long total(InvocationRecord r) {
        return r.inputTokens() + r.outputTokens() + r.cacheReadInputTokens() + r.cacheWriteInputTokens();
    }

    @Test
    void converse_reservationAboveWhatIsLeft_throttledWithTooManyTokens() {
        RuntimeFixture f = withCapacity(Map.of(HAIKU, new AccountQuotas.Limit(1_000, 0)));
        f.call(CONVERSE, HAIKU, converse("hi", 100));
        long used = total(f.last());
        long input = f.last().inputTokens();

        // Left: 1,000 - used. A call reserves its input plus its maxTokens.
        long fits = 1_000 - used - input;
        f.call(CONVERSE, HAIKU, converse("hi", (int) fits));
        ApiError e = f.error(CONVERSE, HAIKU, converse("hi", (int) (1_000 - used - total(f.last()) - input + 1)));

        assertThat(e.status()).isEqualTo(429);
        assertThat(e.code()).isEqualTo("ThrottlingException");
        assertThat(e.body().get("message")).isEqualTo("Too many tokens, please wait before trying again.");
        assertThat(f.last().outcome()).isEqualTo(InvocationRecord.Outcome.THROTTLED);
        assertThat(f.last().accepted()).isFalse();
        assertThat(f.api.view().metrics(HAIKU).invocationThrottles()).isEqualTo(1);
        assertThat(f.api.view().metrics(HAIKU).invocations()).isEqualTo(2);
    }

    @Test
    void converse_reservationSettledToTheRealTokens_leavesRoomForTheNextCall() {
        RuntimeFixture f = withCapacity(Map.of(HAIKU, new AccountQuotas.Limit(1_000, 0)));

        // Each call reserves about 900 but uses well under 100: without settlement the second would not fit.
        f.call(CONVERSE, HAIKU, converse("hi", 900));
        f.call(CONVERSE, HAIKU, converse("hi", 900));

        assertThat(f.log()).extracting(InvocationRecord::outcome).containsOnly(InvocationRecord.Outcome.SUCCESS);
    }

    @Test
    void converse_tokensLeaveTheWindowAfterAMinute() {
        RuntimeFixture f = withCapacity(Map.of(HAIKU, new AccountQuotas.Limit(1_000, 0)));
        f.api.script().forAnyModel().replyTokens(400);
        f.call(CONVERSE, HAIKU, converse("hi", 400));                  // at 0 s: about 404 tokens
        f.clock.advance(Duration.ofSeconds(30));
        f.call(CONVERSE, HAIKU, converse("hi", 400));                  // at 30 s: about 808 in the minute
        assertThat(f.error(CONVERSE, HAIKU, converse("hi", 400)).code()).isEqualTo("ThrottlingException");

        f.clock.advance(Duration.ofSeconds(30));                       // 60 s: the first call has left

        f.call(CONVERSE, HAIKU, converse("hi", 400));
        assertThat(f.last().outcome()).isEqualTo(InvocationRecord.Outcome.SUCCESS);
        assertThat(f.error(CONVERSE, HAIKU, converse("hi", 400)).code()).isEqualTo("ThrottlingException");
    }

    @Test
    void requestsPerMinute_thirdCallOfTheMinute_throttledWithTooManyRequests() {
        RuntimeFixture f = withCapacity(Map.of(NOVA, new AccountQuotas.Limit(0, 2)));
        f.call(CONVERSE, NOVA, converse("a", 10));
        f.call(CONVERSE, NOVA, converse("b", 10));

        ApiError e = f.error(CONVERSE, NOVA, converse("c", 10));

        assertThat(e.body().get("message")).isEqualTo("Too many requests, please wait before trying again.");
        f.clock.advance(Duration.ofSeconds(60));
        f.call(CONVERSE, NOVA, converse("d", 10));
        assertThat(f.last().outcome()).isEqualTo(InvocationRecord.Outcome.SUCCESS);
    }

    @Test
    void quota_isPerFoundationModel_sharedByItsProfilesAndNotByOtherModels() {
        RuntimeFixture f = withCapacity(Map.of(HAIKU, new AccountQuotas.Limit(0, 2)));
        f.call(CONVERSE, HAIKU, converse("a", 10));
        f.call(CONVERSE, AIP_ARN, converse("b", 10));

        assertThat(f.error(CONVERSE, "us." + HAIKU, converse("c", 10)).code()).isEqualTo("ThrottlingException");
        f.call(CONVERSE, NOVA, converse("d", 10));
        assertThat(f.last().outcome()).isEqualTo(InvocationRecord.Outcome.SUCCESS);
    }

    @Test
    void invokeModel_reservesMaxTokensOfTheModelBody() {
        RuntimeFixture f = withCapacity(Map.of(HAIKU, new AccountQuotas.Limit(150, 0)));
        String body = "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":200,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";

        assertThat(f.error(INVOKE_MODEL, HAIKU, body).code()).isEqualTo("ThrottlingException");
        f.call(INVOKE_MODEL, HAIKU, RuntimeFixture.CLAUDE_ANTHROPIC_BODY);    // max_tokens 100
        assertThat(f.last().outcome()).isEqualTo(InvocationRecord.Outcome.SUCCESS);
    }

    @Test
    void converseStream_overTheQuota_answers200WithAThrottlingExceptionAsTheOnlyEvent() {
        RuntimeFixture f = withCapacity(Map.of(HAIKU, new AccountQuotas.Limit(100, 0)));

        RuntimeFixture.Captured c = f.call(CONVERSE_STREAM, HAIKU, converse("hi", 500));

        assertThat(c.status).isEqualTo(200);
        assertThat(c.closed).isTrue();
        List<RuntimeFixture.Frame> frames = c.frames();
        assertThat(frames).singleElement().satisfies(fr -> {
            assertThat(fr.headers()).containsEntry(":message-type", "exception")
                    .containsEntry(":exception-type", "throttlingException");
            assertThat(fr.payload().get("message").asText())
                    .isEqualTo("Too many tokens, please wait before trying again.");
        });
        assertThat(f.last().outcome()).isEqualTo(InvocationRecord.Outcome.THROTTLED);
        assertThat(f.last().accepted()).isFalse();
        assertThat(f.api.view().metrics(HAIKU).invocationThrottles()).isEqualTo(1);
        assertThat(f.api.view().metrics(HAIKU).invocations()).isZero();
    }

    @Test
    void invokeModelWithResponseStream_overTheQuota_throttledInsideTheStream() {
        RuntimeFixture f = withCapacity(Map.of(HAIKU, new AccountQuotas.Limit(50, 0)));

        RuntimeFixture.Captured c = f.call(INVOKE_MODEL_WITH_RESPONSE_STREAM, HAIKU,
                RuntimeFixture.CLAUDE_ANTHROPIC_BODY);

        assertThat(c.status).isEqualTo(200);
        assertThat(c.headers).containsEntry("X-Amzn-Bedrock-Content-Type", "application/json");
        assertThat(c.frames()).extracting(RuntimeFixture.Frame::type).containsExactly("throttlingException");
    }

    @Test
    void converseStream_withinTheQuota_settlesToWhatTheStreamUsed() {
        RuntimeFixture f = withCapacity(Map.of(HAIKU, new AccountQuotas.Limit(1_000, 0)));
        f.call(CONVERSE_STREAM, HAIKU, converse("hi", 900));

        f.call(CONVERSE_STREAM, HAIKU, converse("hi", 900));

        assertThat(f.log()).extracting(InvocationRecord::outcome).containsOnly(InvocationRecord.Outcome.SUCCESS);
    }

    @Test
    void acceptedCallThatFails_givesItsReservationBack() {
        RuntimeFixture f = withCapacity(Map.of(HAIKU, new AccountQuotas.Limit(1_000, 0)));
        f.api.script().forAnyModel().fail("InternalServerException");
        f.error(CONVERSE, HAIKU, converse("hi", 900));
        f.api.script().clear();

        f.call(CONVERSE, HAIKU, converse("hi", 900));

        assertThat(f.last().outcome()).isEqualTo(InvocationRecord.Outcome.SUCCESS);
    }

    @Test
    void builder_capacityWithoutAnyLimit_isRejected() {
        assertThatThrownBy(() -> BedrockEmulator.builder().modelCapacity(HAIKU, 0, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tokensPerMinute");
        assertThatThrownBy(() -> BedrockEmulator.builder().modelCapacity(" ", 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("foundation model id");
    }
}
