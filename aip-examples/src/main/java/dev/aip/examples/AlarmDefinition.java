package dev.aip.examples;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import software.amazon.awssdk.services.cloudwatch.model.ComparisonOperator;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.Metric;
import software.amazon.awssdk.services.cloudwatch.model.MetricDataQuery;
import software.amazon.awssdk.services.cloudwatch.model.MetricStat;
import software.amazon.awssdk.services.cloudwatch.model.PutMetricAlarmRequest;
import software.amazon.awssdk.services.cloudwatch.model.Statistic;
import software.amazon.awssdk.services.cloudwatch.model.Tag;

/**
 * One CloudWatch alarm, as data: on a single metric, or on a metric-math expression over several metrics of the
 * same namespace and dimensions (the metrics are {@code m1}, {@code m2}, ... in the expression, in the order of
 * {@link #metricNames()}). {@link #toRequest(List)} builds the {@code PutMetricAlarm} request that creates or
 * overwrites it.
 *
 * <p>Immutable.
 *
 * @param name alarm name, 1-255 characters, unique in the account and Region
 * @param description what the alarm means, for the person it wakes up (at most 1024 characters)
 * @param namespace the metrics' namespace, e.g. {@code AWS/Bedrock}
 * @param metricNames one metric, or the metrics {@code m1..mN} of the expression
 * @param expression the metric-math expression over {@code m1..mN}, e.g. {@code m1 + m2}; {@code null} for a
 *     single-metric alarm
 * @param dimensions the dimensions every metric is read with, e.g. {@code ModelId=<profile id>}
 * @param statistic the statistic of each metric per period
 * @param period the period, a whole number of minutes
 * @param evaluationPeriods how many consecutive periods must breach, at least 1
 * @param threshold the threshold, a count (invocations, tokens, throttles)
 * @param comparison how the value compares with the threshold to breach
 * @param treatMissingData how periods without data count
 * @param tags tags on the alarm itself
 */
record AlarmDefinition(String name, String description, String namespace, List<String> metricNames,
                       String expression, Map<String, String> dimensions, Statistic statistic, Duration period,
                       int evaluationPeriods, long threshold, ComparisonOperator comparison,
                       MissingData treatMissingData, Map<String, String> tags) {

    /** CloudWatch's {@code TreatMissingData} values. */
    enum MissingData {
        BREACHING("breaching"), NOT_BREACHING("notBreaching"), IGNORE("ignore"), MISSING("missing");

        private final String wire;

        MissingData(String wire) {
            this.wire = wire;
        }

        /** The value PutMetricAlarm takes. */
        String wire() {
            return wire;
        }
    }

    /**
     * Validates and copies.
     *
     * @throws IllegalArgumentException naming the value CloudWatch would reject
     */
    AlarmDefinition {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(statistic, "statistic");
        Objects.requireNonNull(period, "period");
        Objects.requireNonNull(comparison, "comparison");
        Objects.requireNonNull(treatMissingData, "treatMissingData");
        if (name.isBlank() || name.length() > 255) {
            throw new IllegalArgumentException("alarm name must be 1-255 characters: \"" + name + "\"");
        }
        if (description.length() > 1024) {
            throw new IllegalArgumentException("alarm description of " + name + " is over 1024 characters");
        }
        if (namespace.isBlank()) {
            throw new IllegalArgumentException("alarm " + name + " has a blank namespace");
        }
        metricNames = List.copyOf(metricNames);
        if (metricNames.isEmpty()) {
            throw new IllegalArgumentException("alarm " + name + " names no metric");
        }
        if (metricNames.size() > 1 && (expression == null || expression.isBlank())) {
            throw new IllegalArgumentException("alarm " + name + " reads " + metricNames.size() + " metrics and needs"
                    + " an expression over m1..m" + metricNames.size());
        }
        if (metricNames.size() == 1 && expression != null && expression.isBlank()) {
            throw new IllegalArgumentException("alarm " + name + " has a blank expression; use null for none");
        }
        dimensions = Collections.unmodifiableMap(new TreeMap<>(dimensions));
        if (dimensions.isEmpty() || dimensions.size() > 30) {
            throw new IllegalArgumentException("alarm " + name + " needs 1-30 dimensions, has " + dimensions.size());
        }
        long seconds = period.getSeconds();
        if (period.getNano() != 0 || seconds < 60 || seconds % 60 != 0) {
            throw new IllegalArgumentException("alarm " + name + " needs a period of whole minutes, not " + period);
        }
        if (evaluationPeriods < 1) {
            throw new IllegalArgumentException("alarm " + name + " needs at least 1 evaluation period");
        }
        if (threshold < 0) {
            throw new IllegalArgumentException("alarm " + name + " has a negative threshold: " + threshold);
        }
        tags = Collections.unmodifiableMap(new TreeMap<>(tags));
    }

    /** Whether this alarm is on a metric-math expression rather than one metric. */
    boolean isMetricMath() {
        return expression != null;
    }

    /**
     * The request that creates the alarm, or overwrites an alarm of the same name.
     *
     * @param alarmActions ARNs to notify when the alarm fires (e.g. an SNS topic); may be empty
     */
    PutMetricAlarmRequest toRequest(List<String> alarmActions) {
        List<Dimension> dims = new ArrayList<>(dimensions.size());
        dimensions.forEach((k, v) -> dims.add(Dimension.builder().name(k).value(v).build()));
        List<Tag> alarmTags = new ArrayList<>(tags.size());
        tags.forEach((k, v) -> alarmTags.add(Tag.builder().key(k).value(v).build()));
        PutMetricAlarmRequest.Builder b = PutMetricAlarmRequest.builder()
                .alarmName(name)
                .alarmDescription(description)
                .actionsEnabled(!alarmActions.isEmpty())
                .alarmActions(alarmActions)
                .evaluationPeriods(evaluationPeriods)
                .threshold((double) threshold)
                .comparisonOperator(comparison)
                .treatMissingData(treatMissingData.wire())
                .tags(alarmTags);
        if (!isMetricMath()) {
            return b.namespace(namespace).metricName(metricNames.get(0)).dimensions(dims).statistic(statistic)
                    .period((int) period.getSeconds()).build();
        }
        // A metric-math alarm names its metrics only inside the queries; CloudWatch rejects the single-metric
        // fields next to them.
        List<MetricDataQuery> queries = new ArrayList<>(metricNames.size() + 1);
        for (int i = 0; i < metricNames.size(); i++) {
            queries.add(MetricDataQuery.builder()
                    .id("m" + (i + 1))
                    .metricStat(MetricStat.builder()
                            .metric(Metric.builder().namespace(namespace).metricName(metricNames.get(i))
                                    .dimensions(dims).build())
                            .period((int) period.getSeconds())
                            .stat(statistic.toString())
                            .build())
                    .returnData(false)
                    .build());
        }
        queries.add(MetricDataQuery.builder().id("e1").expression(expression).label(name).returnData(true).build());
        return b.metrics(queries).build();
    }

    /** One line for a printed plan: what is measured, how, and when it fires. */
    String describe() {
        StringBuilder what = new StringBuilder();
        if (isMetricMath()) {
            what.append(expression).append(" (");
            for (int i = 0; i < metricNames.size(); i++) {
                what.append(i == 0 ? "" : ", ").append('m').append(i + 1).append('=').append(metricNames.get(i));
            }
            what.append(')');
        } else {
            what.append(metricNames.get(0));
        }
        return String.format(Locale.ROOT, "%s %s %s %s/%ds %s %d for %d period(s), missing data %s", namespace, what,
                dimensions, statistic, period.getSeconds(), symbol(comparison), threshold, evaluationPeriods,
                treatMissingData.wire());
    }

    private static String symbol(ComparisonOperator comparison) {
        switch (comparison) {
            case GREATER_THAN_THRESHOLD:
                return ">";
            case GREATER_THAN_OR_EQUAL_TO_THRESHOLD:
                return ">=";
            case LESS_THAN_THRESHOLD:
                return "<";
            case LESS_THAN_OR_EQUAL_TO_THRESHOLD:
                return "<=";
            default:
                return comparison.toString();
        }
    }
}
