package dev.aip.examples;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.GetMetricDataRequest;
import software.amazon.awssdk.services.cloudwatch.model.GetMetricDataResponse;
import software.amazon.awssdk.services.cloudwatch.model.Metric;
import software.amazon.awssdk.services.cloudwatch.model.MetricDataQuery;
import software.amazon.awssdk.services.cloudwatch.model.MetricDataResult;
import software.amazon.awssdk.services.cloudwatch.model.MetricStat;

/**
 * The AWS/Bedrock metrics of one {@code ModelId} from CloudWatch: one GetMetricData call (following
 * {@code nextToken}) for {@code Invocations}, the token counts and {@code InvocationThrottles}, statistic
 * {@code Sum}, period 60 s, summed over a window ending now (the workshop's last hour). Bedrock publishes these
 * minutes after the calls, and the window includes any earlier calls of the same {@code ModelId}.
 *
 * <p>Thread-safe; the client stays owned by the caller.
 */
final class CloudWatchServerMetrics implements ServerMetrics {

    static final String NAMESPACE = "AWS/Bedrock";
    static final String DIMENSION = "ModelId";
    static final int PERIOD_SECONDS = 60;
    /** The metrics read, in the order of {@link ModelIdTotals}' counters; query ids are {@code m0..m5}. */
    static final List<String> METRICS = List.of("Invocations", "InputTokenCount", "OutputTokenCount",
            "CacheReadInputTokenCount", "CacheWriteInputTokenCount", "InvocationThrottles");

    private final CloudWatchClient cloudWatch;
    private final Clock clock;
    private final Duration window;

    CloudWatchServerMetrics(CloudWatchClient cloudWatch, Clock clock, Duration window) {
        this.cloudWatch = Objects.requireNonNull(cloudWatch, "cloudWatch");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.window = Objects.requireNonNull(window, "window");
    }

    @Override
    public ModelIdTotals totals(String modelId) {
        GetMetricDataRequest request = request(modelId, clock.instant(), window);
        List<MetricDataResult> results = new ArrayList<>();
        String token = null;
        do {
            GetMetricDataResponse page = cloudWatch.getMetricData(request.toBuilder().nextToken(token).build());
            results.addAll(page.metricDataResults());
            token = page.nextToken();
        } while (token != null);
        return totals(modelId, results);
    }

    @Override
    public String source() {
        return "CloudWatch " + NAMESPACE + ", Sum over the last " + window.toMinutes() + " minutes";
    }

    @Override
    public boolean delayed() {
        return true;
    }

    /** The GetMetricData request for one {@code ModelId} over {@code [end - window, end]}. */
    static GetMetricDataRequest request(String modelId, Instant end, Duration window) {
        Dimension dimension = Dimension.builder().name(DIMENSION).value(modelId).build();
        List<MetricDataQuery> queries = new ArrayList<>(METRICS.size());
        for (int i = 0; i < METRICS.size(); i++) {
            String metricName = METRICS.get(i);
            queries.add(MetricDataQuery.builder()
                    .id("m" + i)
                    .label(metricName)
                    .metricStat(MetricStat.builder()
                            .metric(Metric.builder().namespace(NAMESPACE).metricName(metricName)
                                    .dimensions(dimension).build())
                            .period(PERIOD_SECONDS)
                            .stat("Sum")
                            .build())
                    .returnData(true)
                    .build());
        }
        return GetMetricDataRequest.builder()
                .metricDataQueries(queries)
                .startTime(end.minus(window))
                .endTime(end)
                .build();
    }

    /** Sums each query's data points (several pages may carry values of one query). */
    static ModelIdTotals totals(String modelId, List<MetricDataResult> results) {
        Map<String, Double> sums = new HashMap<>();
        for (MetricDataResult r : results) {
            double sum = 0;
            for (Double v : r.values()) {
                sum += v;
            }
            sums.merge(r.id(), sum, Double::sum);
        }
        long[] n = new long[METRICS.size()];
        for (int i = 0; i < n.length; i++) {
            // Sums of counts are whole numbers, exact in a double far beyond any lab's volume.
            n[i] = Math.round(sums.getOrDefault("m" + i, 0.0));
        }
        return new ModelIdTotals(modelId, n[0], n[1], n[2], n[3], n[4], n[5]);
    }
}
