package dev.aip.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.GetMetricDataRequest;
import software.amazon.awssdk.services.cloudwatch.model.MetricDataQuery;
import software.amazon.awssdk.services.cloudwatch.model.MetricDataResult;

class CloudWatchServerMetricsTest {

    static MetricDataResult result(String id, Double... values) {
        return MetricDataResult.builder().id(id).values(values).build();
    }

    @Test
    void request_forAProfileId_readsAwsBedrockSumsByModelIdOverTheWindow() {
        Instant end = Instant.parse("2025-01-16T12:00:00Z");

        GetMetricDataRequest r = CloudWatchServerMetrics.request("abc123def456", end, Duration.ofHours(1));

        assertThat(r.startTime()).isEqualTo(Instant.parse("2025-01-16T11:00:00Z"));
        assertThat(r.endTime()).isEqualTo(end);
        assertThat(r.metricDataQueries()).extracting(q -> q.metricStat().metric().metricName())
                .containsExactly("Invocations", "InputTokenCount", "OutputTokenCount", "CacheReadInputTokenCount",
                        "CacheWriteInputTokenCount", "InvocationThrottles");
        assertThat(r.metricDataQueries()).allSatisfy(q -> {
            assertThat(q.metricStat().metric().namespace()).isEqualTo("AWS/Bedrock");
            assertThat(q.metricStat().metric().dimensions())
                    .containsExactly(Dimension.builder().name("ModelId").value("abc123def456").build());
            assertThat(q.metricStat().stat()).isEqualTo("Sum");
            assertThat(q.metricStat().period()).isEqualTo(60);
            assertThat(q.returnData()).isTrue();
        });
        assertThat(r.metricDataQueries()).extracting(MetricDataQuery::id).doesNotHaveDuplicates();
    }

    @Test
    void totals_valuesSpreadOverMinutesAndPages_areSummedPerMetric() {
        List<MetricDataResult> results = List.of(
                result("m0", 1.0, 2.0), result("m1", 100.0, 50.0), result("m2", 30.0),
                result("m1", 25.0), result("m5", 1.0));

        ModelIdTotals t = CloudWatchServerMetrics.totals("abc", results);

        assertThat(t).isEqualTo(new ModelIdTotals("abc", 3, 175, 30, 0, 0, 1));
    }
}
