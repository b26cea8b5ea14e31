package dev.aip.emulator;

import static dev.aip.emulator.RuntimeFixture.HAIKU;
import static dev.aip.emulator.RuntimeFixture.converse;
import static dev.aip.emulator.RuntimeOperation.CONVERSE;
import static dev.aip.emulator.RuntimeOperation.CONVERSE_STREAM;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

class RuntimeApiStreamTest {

    private static final String TOOLS = "\"toolConfig\":{\"tools\":[{\"toolSpec\":{\"name\":\"get_weather\","
            + "\"inputSchema\":{\"json\":{\"type\":\"object\"}}}}]}";

    private final RuntimeFixture f = new RuntimeFixture();

    @Test
    void converseStream_text_eventsInBedrockOrderWithoutContentBlockStart() {
        f.api.script().forAnyModel().replyTokens(10);

        RuntimeFixture.Captured c = f.call(CONVERSE_STREAM, HAIKU, converse("hi"));

        assertThat(c.status).isEqualTo(200);
        assertThat(c.headers).containsEntry("Content-Type", "application/vnd.amazon.eventstream");
        assertThat(c.closed).isTrue();
        List<String> types = c.frames().stream().map(RuntimeFixture.Frame::type).toList();
        assertThat(types.get(0)).isEqualTo("messageStart");
        assertThat(types).doesNotContain("contentBlockStart");
        assertThat(types.subList(1, types.size() - 3)).containsOnly("contentBlockDelta").hasSizeGreaterThan(1);
        assertThat(types.subList(types.size() - 3, types.size()))
                .containsExactly("contentBlockStop", "messageStop", "metadata");
    }

    @Test
    void converseStream_sameRequest_deltasConcatenateToConverseTextAndUsageMatches() {
        JsonNode plain = f.call(CONVERSE, HAIKU, converse("compare")).json();

        List<RuntimeFixture.Frame> frames = f.call(CONVERSE_STREAM, HAIKU, converse("compare")).frames();

        StringBuilder text = new StringBuilder();
        frames.stream().filter(fr -> fr.type().equals("contentBlockDelta"))
                .forEach(fr -> text.append(fr.payload().at("/delta/text").asText()));
        assertThat(text.toString()).isEqualTo(plain.at("/output/message/content/0/text").asText());
        JsonNode metadata = frames.get(frames.size() - 1).payload();
        assertThat(metadata.get("usage")).isEqualTo(plain.get("usage"));
        assertThat(metadata.at("/metrics/latencyMs").isIntegralNumber()).isTrue();
        assertThat(frames.get(frames.size() - 2).payload().get("stopReason").asText()).isEqualTo("end_turn");
    }

    @Test
    void converseStream_toolUse_startDeltasStopAndToolUseStopReason() {
        f.api.script().forAnyModel().useTool("get_weather", "{\"city\":\"Paris\",\"unit\":\"celsius\"}");
        String body = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"weather?\"}]}]," + TOOLS + "}";

        List<RuntimeFixture.Frame> frames = f.call(CONVERSE_STREAM, HAIKU, body).frames();

        assertThat(frames.get(1).type()).isEqualTo("contentBlockStart");
        assertThat(frames.get(1).payload().at("/start/toolUse/name").asText()).isEqualTo("get_weather");
        assertThat(frames.get(1).payload().at("/start/toolUse/toolUseId").asText()).startsWith("tooluse_");
        StringBuilder input = new StringBuilder();
        frames.stream().filter(fr -> fr.type().equals("contentBlockDelta"))
                .forEach(fr -> input.append(fr.payload().at("/delta/toolUse/input").asText()));
        assertThat(RuntimeFixture.read(input.toString().getBytes()))
                .isEqualTo(RuntimeFixture.obj("{\"city\":\"Paris\",\"unit\":\"celsius\"}"));
        RuntimeFixture.Frame stop = frames.get(frames.size() - 2);
        assertThat(stop.payload().get("stopReason").asText()).isEqualTo("tool_use");
    }

    @Test
    void converseStream_cutAfterTwoEvents_abortedAndRecordedAsCutWithUsageNotDelivered() {
        f.api.script().forAnyModel().replyTokens(12);
        f.api.faults().setGlobal(FaultPlan.builder().cutStreamAfterEvents(2).build());

        RuntimeFixture.Captured c = f.call(CONVERSE_STREAM, HAIKU, converse("hi"));

        assertThat(c.aborted).isTrue();
        assertThat(c.closed).isFalse();
        assertThat(c.frames()).hasSize(2);
        InvocationRecord r = f.last();
        assertThat(r.outcome()).isEqualTo(InvocationRecord.Outcome.STREAM_CUT);
        assertThat(r.usageDelivered()).isFalse();
        assertThat(r.outputTokens()).isEqualTo(12);
        assertThat(r.accepted()).isTrue();
        ModelMetrics m = f.api.view().metrics(HAIKU);
        assertThat(m.invocations()).isEqualTo(1);
        assertThat(m.outputTokenCount()).isEqualTo(12);
        assertThat(m.invocationServerErrors()).isZero();
    }

    @Test
    void converseStream_cutAfterMetadata_usageDelivered() {
        f.api.script().forAnyModel().replyTokens(4);
        f.api.faults().setGlobal(FaultPlan.builder().cutStreamAfterEvents(5).build());

        RuntimeFixture.Captured c = f.call(CONVERSE_STREAM, HAIKU, converse("hi"));

        assertThat(c.frames()).extracting(RuntimeFixture.Frame::type).containsExactly("messageStart",
                "contentBlockDelta", "contentBlockStop", "messageStop", "metadata");
        assertThat(c.aborted).isTrue();
        assertThat(f.last().usageDelivered()).isTrue();
        assertThat(f.last().outcome()).isEqualTo(InvocationRecord.Outcome.STREAM_CUT);
    }

    @Test
    void converseStream_exceptionAfterThreeEvents_exceptionFrameAndPartialOutputCounted() {
        f.api.script().forAnyModel().replyTokens(40);
        f.api.faults().setGlobal(FaultPlan.builder()
                .streamExceptionAfterEvents(3, "modelStreamErrorException").build());

        RuntimeFixture.Captured c = f.call(CONVERSE_STREAM, HAIKU, converse("hi"));

        List<RuntimeFixture.Frame> frames = c.frames();
        assertThat(frames).hasSize(4);
        RuntimeFixture.Frame last = frames.get(3);
        assertThat(last.headers()).containsEntry(":message-type", "exception")
                .containsEntry(":exception-type", "modelStreamErrorException");
        assertThat(last.payload().get("originalStatusCode").asInt()).isEqualTo(500);
        InvocationRecord r = f.last();
        assertThat(r.outcome()).isEqualTo(InvocationRecord.Outcome.SERVER_ERROR);
        assertThat(r.errorCode()).isEqualTo("ModelStreamErrorException");
        assertThat(r.accepted()).isTrue();
        long sentTokens = PromptDigest.textTokens(frames.get(1).payload().at("/delta/text").asText()
                + frames.get(2).payload().at("/delta/text").asText());
        assertThat(r.outputTokens()).isEqualTo(sentTokens).isLessThan(40);
        assertThat(r.usageDelivered()).isFalse();
        assertThat(f.api.view().metrics(HAIKU).invocationServerErrors()).isEqualTo(1);
    }

    @Test
    void converseStream_dropUsage_noMetadataEventAndNotDelivered() {
        f.api.faults().setGlobal(FaultPlan.builder().dropUsage().build());

        RuntimeFixture.Captured c = f.call(CONVERSE_STREAM, HAIKU, converse("hi"));

        List<String> types = c.frames().stream().map(RuntimeFixture.Frame::type).toList();
        assertThat(types).doesNotContain("metadata").endsWith("messageStop");
        assertThat(c.closed).isTrue();
        InvocationRecord r = f.last();
        assertThat(r.outcome()).isEqualTo(InvocationRecord.Outcome.SUCCESS);
        assertThat(r.usageDelivered()).isFalse();
        assertThat(r.outputTokens()).isPositive();
    }

    @Test
    void converseStream_clientGoneAfterTwoWrites_cancelledWithPartialTokens() {
        f.api.script().forAnyModel().replyTokens(40);
        RuntimeFixture.Captured c = new RuntimeFixture.Captured();
        c.clientLeavesAfterWrites = 2;

        f.api.handle(CONVERSE_STREAM, HAIKU, RuntimeFixture.request(converse("hi")), "r1", c);

        InvocationRecord r = f.last();
        assertThat(r.outcome()).isEqualTo(InvocationRecord.Outcome.CANCELLED_BY_CLIENT);
        assertThat(r.usageDelivered()).isFalse();
        assertThat(r.outputTokens()).isBetween(1L, 39L);
    }

    @Test
    void converseStream_scriptedModelStreamError_arrivesInStream() {
        f.api.script().forAnyModel().once().fail("ModelStreamErrorException");

        RuntimeFixture.Captured c = f.call(CONVERSE_STREAM, HAIKU, converse("hi"));

        assertThat(c.status).isEqualTo(200);
        assertThat(c.frames()).singleElement().extracting(RuntimeFixture.Frame::type)
                .isEqualTo("modelStreamErrorException");
    }

    @Test
    void converseStream_throttled_errorBeforeStreamAndNotAnInvocation() {
        f.api.faults().setGlobal(FaultPlan.builder().throttleSequence(true).build());

        ApiError e = f.error(CONVERSE_STREAM, HAIKU, converse("hi"));

        assertThat(e.code()).isEqualTo("ThrottlingException");
        assertThat(e.status()).isEqualTo(429);
        ModelMetrics m = f.api.view().metrics(HAIKU);
        assertThat(m.invocations()).isZero();
        assertThat(m.invocationThrottles()).isEqualTo(1);
    }

    @Test
    void converseStream_pacedByFaults_flushesEveryEventAndRecordsTimeToFirstToken() {
        f.api.faults().setGlobal(FaultPlan.builder().timeToFirstToken(java.time.Duration.ofMillis(1))
                .chunkDelay(java.time.Duration.ofMillis(1)).build());

        RuntimeFixture.Captured c = f.call(CONVERSE_STREAM, HAIKU, converse("hi"));

        assertThat(c.flushes).isEqualTo(c.frames().size());
        assertThat(f.last().timeToFirstTokenMs()).isNotNull();
        assertThat(f.api.view().metrics(HAIKU).timeToFirstToken().sampleCount()).isEqualTo(1);
    }

    @Test
    void converseStream_waits_areScheduledAsStepsInOrder() {
        java.time.Duration ms = java.time.Duration.ofMillis(1);
        f.api.script().forModel(HAIKU).whenPromptContains("slow").delay(ms.multipliedBy(5)).replyAsModel();
        f.api.faults().setGlobal(FaultPlan.builder().latency(ms.multipliedBy(7))
                .timeToFirstToken(ms.multipliedBy(11)).chunkDelay(ms.multipliedBy(3)).build());

        RuntimeFixture.Captured c = f.call(CONVERSE_STREAM, HAIKU, converse("slow please"));

        // The script delay, the latency, then messageStart at once, the first delta after the time to first token
        // and every later event after the chunk delay.
        List<java.time.Duration> expected = new java.util.ArrayList<>(
                List.of(ms.multipliedBy(5), ms.multipliedBy(7), ms.multipliedBy(11)));
        int frames = c.frames().size();
        for (int i = 2; i < frames; i++) {
            expected.add(ms.multipliedBy(3));
        }
        assertThat(c.waits).containsExactlyElementsOf(expected);
        assertThat(c.frames().get(1).headers()).containsEntry(":event-type", "contentBlockDelta");
        assertThat(f.last().outcome()).isEqualTo(InvocationRecord.Outcome.SUCCESS);
    }

    @Test
    void converseStream_unpaced_schedulesNothing() {
        RuntimeFixture.Captured c = f.call(CONVERSE_STREAM, HAIKU, converse("hi"));

        assertThat(c.waits).isEmpty();
        assertThat(c.closed).isTrue();
    }
}
