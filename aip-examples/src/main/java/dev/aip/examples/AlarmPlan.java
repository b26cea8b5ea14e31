package dev.aip.examples;

import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import software.amazon.awssdk.services.cloudwatch.model.ComparisonOperator;
import software.amazon.awssdk.services.cloudwatch.model.PutMetricAlarmRequest;
import software.amazon.awssdk.services.cloudwatch.model.Statistic;

/**
 * The CloudWatch alarms that watch one tenant's application inference profile. Bedrock publishes its
 * {@code AWS/Bedrock} metrics per {@code ModelId}, which for calls through an application inference profile is the
 * profile's id; with one profile per tenant, every alarm below is an alarm on one tenant:
 * <ul>
 *   <li>{@code aip-TENANT-PROFILEID-invocations-5m}: {@code Invocations}, Sum over 5 minutes, above the tier's
 *       limit;</li>
 *   <li>{@code aip-TENANT-PROFILEID-tokens-1m}: {@code InputTokenCount + OutputTokenCount} (metric math), Sum per
 *       minute, above the tier's limit for several minutes running;</li>
 *   <li>{@code aip-TENANT-PROFILEID-throttles-5m}: {@code InvocationThrottles}, Sum over 5 minutes, above the
 *       tier's tolerance (0 for premium and standard: any throttle).</li>
 * </ul>
 * Missing data is not breaching (a quiet tenant is not an incident). Each alarm is tagged with the tenant, its tier,
 * the profile and {@code ManagedBy=aip}.
 *
 * <p>Immutable.
 *
 * @param tenant the tenant
 * @param tier its tier
 * @param profileId the id of its profile: the {@code ModelId} dimension value
 * @param alarms the alarms, names unique
 */
record AlarmPlan(TenantId tenant, Tier tier, String profileId, List<AlarmDefinition> alarms) {

    static final String NAMESPACE = "AWS/Bedrock";
    static final String DIMENSION = "ModelId";

    /**
     * Validates and copies.
     *
     * @throws IllegalArgumentException if two alarms share a name
     */
    AlarmPlan {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(tier, "tier");
        Objects.requireNonNull(profileId, "profileId");
        alarms = List.copyOf(alarms);
        Set<String> names = new HashSet<>();
        for (AlarmDefinition a : alarms) {
            if (!names.add(a.name())) {
                throw new IllegalArgumentException("alarm name " + a.name() + " is used twice");
            }
        }
    }

    /** The plan for a tenant's profile with its tier's default thresholds. */
    static AlarmPlan forProfile(TenantId tenant, Tier tier, String profileId) {
        return forProfile(tenant, tier, profileId, AlarmThresholds.forTier(tier));
    }

    /** The plan for a tenant's profile with the given thresholds. */
    static AlarmPlan forProfile(TenantId tenant, Tier tier, String profileId, AlarmThresholds limits) {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(tier, "tier");
        Objects.requireNonNull(limits, "limits");
        Map<String, String> dimensions = Map.of(DIMENSION, profileId);
        String prefix = "aip-" + tenant.value() + "-" + profileId + "-";
        String who = tenant.value() + " (" + tier + ", profile " + profileId + ")";
        return new AlarmPlan(tenant, tier, profileId, List.of(
                new AlarmDefinition(prefix + "invocations-5m",
                        who + ": more than " + limits.invocationsPer5Minutes() + " Bedrock invocations in 5 minutes",
                        NAMESPACE, List.of("Invocations"), null, dimensions, Statistic.SUM, Duration.ofMinutes(5),
                        1, limits.invocationsPer5Minutes(), ComparisonOperator.GREATER_THAN_THRESHOLD,
                        AlarmDefinition.MissingData.NOT_BREACHING, tags(tenant, tier, profileId, "invocations")),
                new AlarmDefinition(prefix + "tokens-1m",
                        who + ": more than " + limits.tokensPerMinute() + " input+output tokens per minute for "
                                + limits.tokenMinutes() + " minutes",
                        NAMESPACE, List.of("InputTokenCount", "OutputTokenCount"), "m1 + m2", dimensions,
                        Statistic.SUM, Duration.ofMinutes(1), limits.tokenMinutes(), limits.tokensPerMinute(),
                        ComparisonOperator.GREATER_THAN_THRESHOLD, AlarmDefinition.MissingData.NOT_BREACHING,
                        tags(tenant, tier, profileId, "tokens")),
                new AlarmDefinition(prefix + "throttles-5m",
                        who + ": more than " + limits.throttlesPer5Minutes() + " throttled Bedrock calls in 5 minutes",
                        NAMESPACE, List.of("InvocationThrottles"), null, dimensions, Statistic.SUM,
                        Duration.ofMinutes(5), 1, limits.throttlesPer5Minutes(),
                        ComparisonOperator.GREATER_THAN_THRESHOLD, AlarmDefinition.MissingData.NOT_BREACHING,
                        tags(tenant, tier, profileId, "throttles"))));
    }

    private static Map<String, String> tags(TenantId tenant, Tier tier, String profileId, String type) {
        return Map.of("TenantId", tenant.value(), "Tier", tier.name(), "InferenceProfileId", profileId,
                "AlarmType", type, "ManagedBy", "aip");
    }

    /** The alarm names, in plan order. */
    List<String> alarmNames() {
        return alarms.stream().map(AlarmDefinition::name).toList();
    }

    /** The PutMetricAlarm requests that apply the plan. */
    List<PutMetricAlarmRequest> requests(List<String> alarmActions) {
        return alarms.stream().map(a -> a.toRequest(alarmActions)).toList();
    }
}
