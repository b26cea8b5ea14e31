package dev.aip.emulator;

import static dev.aip.emulator.RuntimeFixture.AIP_ARN;
import static dev.aip.emulator.RuntimeFixture.AIP_ID;
import static dev.aip.emulator.RuntimeFixture.CLAUDE_ANTHROPIC_BODY;
import static dev.aip.emulator.RuntimeFixture.HAIKU;
import static dev.aip.emulator.RuntimeFixture.converse;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ServerViewTest {

    private static InvocationRecord record(String id, InvocationRecord.Outcome outcome, Map<String, String> md) {
        return new InvocationRecord("r", Instant.EPOCH, "Converse", id, id, null, null, HAIKU, 1, 2, 0, 0, 5, null,
                outcome, null, outcome == InvocationRecord.Outcome.SUCCESS, true, md);
    }

    @Test
    void log_overCapacity_evictsOldestAndCountsEvictions() {
        ServerView view = new ServerView(3);
        for (int i = 0; i < 5; i++) {
            view.record(record("m" + i, InvocationRecord.Outcome.SUCCESS, Map.of()));
        }

        assertThat(view.invocations()).extracting(InvocationRecord::modelId).containsExactly("m2", "m3", "m4");
        assertThat(view.evicted()).isEqualTo(2);
        assertThat(view.metrics()).hasSize(5);
    }

    @Test
    void invocationsJson_filtersByModelMetadataAndLimit() {
        ServerView view = new ServerView(100);
        view.record(record("a", InvocationRecord.Outcome.SUCCESS, Map.of("tenant", "t1")));
        view.record(record("a", InvocationRecord.Outcome.THROTTLED, Map.of("tenant", "t2")));
        view.record(record("b", InvocationRecord.Outcome.SUCCESS, Map.of("tenant", "t1")));
        view.record(record("a", InvocationRecord.Outcome.SUCCESS, Map.of("tenant", "t1", "f", "x")));

        JsonNode byModel = view.invocationsJson(Map.of("modelId", List.of("a"), "requestMetadata.tenant",
                List.of("t1")));
        JsonNode limited = view.invocationsJson(Map.of("limit", List.of("2")));

        assertThat(byModel.get("returned").asInt()).isEqualTo(2);
        assertThat(byModel.at("/invocations/1/requestMetadata/f").asText()).isEqualTo("x");
        assertThat(limited.get("invocations")).hasSize(2);
        assertThat(limited.at("/invocations/0/modelId").asText()).isEqualTo("b");
        assertThat(limited.get("retained").asInt()).isEqualTo(4);
    }

    @Test
    void metricsJson_hasCloudWatchNames() {
        ServerView view = new ServerView(10);
        view.record(record("a", InvocationRecord.Outcome.SUCCESS, Map.of()));
        view.record(record("a", InvocationRecord.Outcome.THROTTLED, Map.of()));

        JsonNode a = view.metricsJson().at("/models/a");

        assertThat(a.get("Invocations").asLong()).isEqualTo(1);
        assertThat(a.get("InvocationThrottles").asLong()).isEqualTo(1);
        assertThat(a.get("InputTokenCount").asLong()).isEqualTo(2);
        assertThat(a.at("/InvocationLatency/SampleCount").asLong()).isEqualTo(1);
    }

    @Test
    void reset_zeroesCountersAndLog() {
        ServerView view = new ServerView(10);
        view.record(record("a", InvocationRecord.Outcome.SUCCESS, Map.of()));

        view.reset();

        assertThat(view.metrics()).isEmpty();
        assertThat(view.invocations()).isEmpty();
    }

    @Test
    void concurrentMixedCalls_countersEqualSumsOverLog() throws Exception {
        RuntimeFixture f = new RuntimeFixture();
        f.api.faults().set(AIP_ARN, FaultPlan.builder().throttle(0.2).error("InternalServerException", 0.1).build());
        f.api.faults().set(HAIKU, FaultPlan.builder().cutStreamAfterEvents(3).build());
        int threads = 32;
        int perThread = 200;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int seed = t;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        int kind = (seed + i) % 5;
                        String id = (i % 2 == 0) ? AIP_ARN : HAIKU;
                        try {
                            switch (kind) {
                                case 0 -> f.call(RuntimeOperation.CONVERSE, id, converse("q " + seed + " " + i));
                                case 1 -> f.call(RuntimeOperation.CONVERSE_STREAM, id, converse("s " + i));
                                case 2 -> f.call(RuntimeOperation.INVOKE_MODEL, id, CLAUDE_ANTHROPIC_BODY);
                                case 3 -> f.call(RuntimeOperation.INVOKE_MODEL_WITH_RESPONSE_STREAM, id,
                                        CLAUDE_ANTHROPIC_BODY);
                                default -> f.call(RuntimeOperation.CONVERSE, id, "{\"messages\":[]}");
                            }
                        } catch (ApiError expected) {
                            // throttles, injected errors and validation errors are part of the mix
                        }
                    }
                }));
            }
            for (Future<?> future : futures) {
                future.get(2, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }

        List<InvocationRecord> log = f.log();
        assertThat(log).hasSize(threads * perThread);
        for (String id : List.of(AIP_ID, HAIKU)) {
            List<InvocationRecord> mine = log.stream().filter(r -> r.metricsModelId().equals(id)).toList();
            ModelMetrics m = f.api.view().metrics(id);
            assertThat(m.invocations()).isEqualTo(mine.stream().filter(InvocationRecord::accepted).count());
            assertThat(m.inputTokenCount()).isEqualTo(mine.stream().mapToLong(InvocationRecord::inputTokens).sum());
            assertThat(m.outputTokenCount()).isEqualTo(mine.stream().mapToLong(InvocationRecord::outputTokens).sum());
            assertThat(m.invocationThrottles()).isEqualTo(count(mine, InvocationRecord.Outcome.THROTTLED));
            assertThat(m.invocationClientErrors()).isEqualTo(count(mine, InvocationRecord.Outcome.CLIENT_ERROR));
            assertThat(m.invocationServerErrors()).isEqualTo(count(mine, InvocationRecord.Outcome.SERVER_ERROR));
            assertThat(m.invocationLatency().sampleCount()).isEqualTo(m.invocations());
        }
        assertThat(f.api.view().metrics(AIP_ID).invocationThrottles()).isPositive();
        assertThat(count(log, InvocationRecord.Outcome.STREAM_CUT)).isPositive();
    }

    private static long count(List<InvocationRecord> records, InvocationRecord.Outcome outcome) {
        return records.stream().filter(r -> r.outcome() == outcome).count();
    }
}
