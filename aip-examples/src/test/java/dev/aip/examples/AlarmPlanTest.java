package dev.aip.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudwatch.model.ComparisonOperator;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.MetricDataQuery;
import software.amazon.awssdk.services.cloudwatch.model.PutMetricAlarmRequest;
import software.amazon.awssdk.services.cloudwatch.model.Statistic;
import software.amazon.awssdk.services.cloudwatch.model.Tag;

class AlarmPlanTest {

    static final TenantId A = TenantId.of("tenant-a");
    static final TenantId B = TenantId.of("tenant-b");
    static final Dimension MODEL_ID_A = Dimension.builder().name("ModelId").value("aaaa1111bbbb").build();

    static AlarmDefinition alarm(AlarmPlan plan, String suffix) {
        return plan.alarms().stream().filter(a -> a.name().endsWith(suffix)).findFirst().orElseThrow();
    }

    @Test
    void forProfile_twoTenants_alarmNamesAreUniqueAndNameTheirTenantAndProfile() {
        AlarmPlan a = AlarmPlan.forProfile(A, Tier.PREMIUM, "aaaa1111bbbb");
        AlarmPlan b = AlarmPlan.forProfile(B, Tier.STANDARD, "cccc2222dddd");

        List<String> all = new ArrayList<>(a.alarmNames());
        all.addAll(b.alarmNames());

        assertThat(all).hasSize(6).doesNotHaveDuplicates();
        assertThat(a.alarmNames()).containsExactly("aip-tenant-a-aaaa1111bbbb-invocations-5m",
                "aip-tenant-a-aaaa1111bbbb-tokens-1m", "aip-tenant-a-aaaa1111bbbb-throttles-5m");
        assertThat(b.alarmNames()).allSatisfy(n -> assertThat(n).startsWith("aip-tenant-b-cccc2222dddd-"));
    }

    @Test
    void forProfile_anyAlarm_watchesAwsBedrockWithModelIdOfTheProfile() {
        AlarmPlan plan = AlarmPlan.forProfile(A, Tier.PREMIUM, "aaaa1111bbbb");

        assertThat(plan.alarms()).allSatisfy(a -> {
            assertThat(a.namespace()).isEqualTo("AWS/Bedrock");
            assertThat(a.dimensions()).containsExactly(Map.entry("ModelId", "aaaa1111bbbb"));
            assertThat(a.tags()).containsEntry("TenantId", "tenant-a").containsEntry("Tier", "premium")
                    .containsEntry("ManagedBy", "aip");
        });
        assertThat(plan.alarms()).extracting(AlarmDefinition::metricNames).containsExactly(List.of("Invocations"),
                List.of("InputTokenCount", "OutputTokenCount"), List.of("InvocationThrottles"));
    }

    @Test
    void forProfile_byTier_thresholdsFollowTheTier() {
        AlarmPlan premium = AlarmPlan.forProfile(A, Tier.PREMIUM, "p1");
        AlarmPlan standard = AlarmPlan.forProfile(A, Tier.STANDARD, "p1");
        AlarmPlan basic = AlarmPlan.forProfile(A, Tier.BASIC, "p1");

        assertThat(List.of(premium, standard, basic)).extracting(p -> alarm(p, "invocations-5m").threshold())
                .containsExactly(1_000L, 250L, 50L);
        assertThat(List.of(premium, standard, basic)).extracting(p -> alarm(p, "tokens-1m").threshold())
                .containsExactly(400_000L, 100_000L, 20_000L);
        assertThat(List.of(premium, standard, basic)).extracting(p -> alarm(p, "throttles-5m").threshold())
                .containsExactly(0L, 0L, 5L);
    }

    @Test
    void forProfile_tierWithoutDefaults_asksForExplicitThresholds() {
        Tier gold = Tier.of("gold");

        assertThatThrownBy(() -> AlarmPlan.forProfile(A, gold, "p1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gold");
        assertThat(AlarmPlan.forProfile(A, gold, "p1", new AlarmThresholds(7, 8, 2, 1)).alarms())
                .extracting(AlarmDefinition::threshold).containsExactly(7L, 8L, 1L);
    }

    @Test
    void toRequest_singleMetricAlarm_carriesEveryCloudWatchField() {
        AlarmPlan plan = AlarmPlan.forProfile(A, Tier.PREMIUM, "aaaa1111bbbb");

        PutMetricAlarmRequest r = alarm(plan, "invocations-5m").toRequest(List.of());

        assertThat(r.alarmName()).isEqualTo("aip-tenant-a-aaaa1111bbbb-invocations-5m");
        assertThat(r.alarmDescription()).contains("tenant-a").contains("1000");
        assertThat(r.namespace()).isEqualTo("AWS/Bedrock");
        assertThat(r.metricName()).isEqualTo("Invocations");
        assertThat(r.dimensions()).containsExactly(MODEL_ID_A);
        assertThat(r.statistic()).isEqualTo(Statistic.SUM);
        assertThat(r.period()).isEqualTo(300);
        assertThat(r.evaluationPeriods()).isEqualTo(1);
        assertThat(r.threshold()).isEqualTo(1000.0);
        assertThat(r.comparisonOperator()).isEqualTo(ComparisonOperator.GREATER_THAN_THRESHOLD);
        assertThat(r.treatMissingData()).isEqualTo("notBreaching");
        assertThat(r.actionsEnabled()).isFalse();
        assertThat(r.hasMetrics()).isFalse();
        assertThat(r.tags()).contains(Tag.builder().key("TenantId").value("tenant-a").build(),
                Tag.builder().key("AlarmType").value("invocations").build());
    }

    @Test
    void toRequest_metricMathAlarm_sendsTheQueriesAndNoSingleMetricFields() {
        AlarmPlan plan = AlarmPlan.forProfile(A, Tier.PREMIUM, "aaaa1111bbbb");

        PutMetricAlarmRequest r = alarm(plan, "tokens-1m").toRequest(List.of("arn:aws:sns:us-west-2:1:ops"));

        assertThat(r.metricName()).isNull();
        assertThat(r.namespace()).isNull();
        assertThat(r.statistic()).isNull();
        assertThat(r.period()).isNull();
        assertThat(r.hasDimensions()).isFalse();
        assertThat(r.evaluationPeriods()).isEqualTo(3);
        assertThat(r.threshold()).isEqualTo(400_000.0);
        assertThat(r.actionsEnabled()).isTrue();
        assertThat(r.alarmActions()).containsExactly("arn:aws:sns:us-west-2:1:ops");
        assertThat(r.metrics()).extracting(MetricDataQuery::id).containsExactly("m1", "m2", "e1");
        assertThat(r.metrics()).extracting(MetricDataQuery::returnData).containsExactly(false, false, true);
        MetricDataQuery input = r.metrics().get(0);
        assertThat(input.metricStat().metric().namespace()).isEqualTo("AWS/Bedrock");
        assertThat(input.metricStat().metric().metricName()).isEqualTo("InputTokenCount");
        assertThat(input.metricStat().metric().dimensions()).containsExactly(MODEL_ID_A);
        assertThat(input.metricStat().stat()).isEqualTo("Sum");
        assertThat(input.metricStat().period()).isEqualTo(60);
        assertThat(r.metrics().get(1).metricStat().metric().metricName()).isEqualTo("OutputTokenCount");
        assertThat(r.metrics().get(2).expression()).isEqualTo("m1 + m2");
    }

    @Test
    void describe_metricMathAlarm_namesTheMetricsDimensionAndThreshold() {
        String line = alarm(AlarmPlan.forProfile(B, Tier.STANDARD, "cccc2222dddd"), "tokens-1m").describe();

        assertThat(line).isEqualTo("AWS/Bedrock m1 + m2 (m1=InputTokenCount, m2=OutputTokenCount)"
                + " {ModelId=cccc2222dddd} Sum/60s > 100000 for 3 period(s), missing data notBreaching");
    }

    @Test
    void alarmDefinition_periodNotWholeMinutes_isRefused() {
        assertThatThrownBy(() -> new AlarmDefinition("x", "", "AWS/Bedrock", List.of("Invocations"), null,
                Map.of("ModelId", "p"), Statistic.SUM, Duration.ofSeconds(90), 1, 1,
                ComparisonOperator.GREATER_THAN_THRESHOLD, AlarmDefinition.MissingData.NOT_BREACHING, Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("whole minutes");
    }

    @Test
    void alarmDefinition_twoMetricsWithoutExpression_isRefused() {
        assertThatThrownBy(() -> new AlarmDefinition("x", "", "AWS/Bedrock", List.of("A", "B"), null,
                Map.of("ModelId", "p"), Statistic.SUM, Duration.ofMinutes(1), 1, 1,
                ComparisonOperator.GREATER_THAN_THRESHOLD, AlarmDefinition.MissingData.NOT_BREACHING, Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expression");
    }

    @Test
    void alarmPlan_duplicateAlarmNames_isRefused() {
        AlarmDefinition one = AlarmPlan.forProfile(A, Tier.BASIC, "p1").alarms().get(0);

        assertThatThrownBy(() -> new AlarmPlan(A, Tier.BASIC, "p1", List.of(one, one)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(one.name());
    }
}
