package dev.aip.core.metering;

import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * What one model call attempt used and cost. Exactly one record is produced per attempt, on every outcome: success,
 * error, throttling, a stream the caller abandoned, a call rejected by policy before it was sent.
 *
 * <p>Retries and fallbacks of one logical call are separate attempts: each has its own {@link #recordId()} and
 * {@link #attempt()} number, and all share the {@link #callId()}.
 *
 * <p>A record is made of a few parts, each naming one concern: the {@link AttemptIdentity} (record id, call id,
 * attempt), the tenant and its tier, the {@link CallTarget} (operation, model, profile, region), the tokens used with
 * their provenance and cost, the {@link AttemptResult} (outcome, error code, AWS request id), the
 * {@link AttemptTiming} (start, latency, time to first token) and free attributes. Every value of a part can also
 * be read directly from the record, e.g. {@link #profileArn()} or {@link #latency()}.
 *
 * <p>Build one with {@link #builder()}:
 * <pre>{@code
 * UsageRecord record = UsageRecord.builder()
 *     .tenant(TenantContext.of("acme"))
 *     .operation(Operation.CONVERSE)
 *     .requestedModel("claude-haiku")
 *     .sourceModelId("anthropic.claude-haiku-4-5-20251001-v1:0")
 *     .region("us-east-1")
 *     .usage(TokenUsage.of(1000, 500))
 *     .provenance(UsageProvenance.REPORTED)
 *     .cost(cost)
 *     .outcome(Outcome.SUCCESS)
 *     .startedAt(start)
 *     .latency(Duration.ofMillis(420))
 *     .build();
 * }</pre>
 *
 * <p>Immutable; equal when all values are equal.
 *
 * @param identity which attempt of which call this record describes
 * @param tenant the tenant the call was made for
 * @param tier the tenant's tier at the time of the call
 * @param target what the attempt was sent to: operation, requested model, profile, source model, region
 * @param usage the tokens used
 * @param provenance where the token counts come from
 * @param cost what the attempt cost
 * @param result how the attempt ended: outcome, error code, AWS request id
 * @param timing when the attempt started and how long it took
 * @param attributes free attributes (end user, feature, workflow run, step), copied and sorted by key
 */
public record UsageRecord(
        AttemptIdentity identity,
        TenantId tenant,
        Tier tier,
        CallTarget target,
        TokenUsage usage,
        UsageProvenance provenance,
        Cost cost,
        AttemptResult result,
        AttemptTiming timing,
        Map<String, String> attributes) {

    /**
     * Validates the record and copies the attributes. The parts validate their own values.
     *
     * @throws NullPointerException if a required component is {@code null}; the message names it
     */
    public UsageRecord {
        requireNonNull("identity", identity);
        requireNonNull("tenant", tenant);
        requireNonNull("tier", tier);
        requireNonNull("target", target);
        requireNonNull("usage", usage);
        requireNonNull("provenance", provenance);
        requireNonNull("cost", cost);
        requireNonNull("result", result);
        requireNonNull("timing", timing);
        requireNonNull("attributes", attributes);
        if (attributes.isEmpty()) {
            attributes = Map.of(); // the common case: no copy on the metering path
        } else {
            TreeMap<String, String> copy = new TreeMap<>();
            for (Map.Entry<String, String> e : attributes.entrySet()) {
                copy.put(Objects.requireNonNull(e.getKey(), "attribute key"),
                        Objects.requireNonNull(e.getValue(), () -> "value of attribute " + e.getKey()));
            }
            attributes = Collections.unmodifiableMap(copy);
        }
    }

    /**
     * Returns the unique id of this record (time-ordered UUID v7 by default); sinks and ledgers deduplicate by it.
     *
     * @return the id, from {@link #identity()}
     */
    public String recordId() {
        return identity.recordId();
    }

    /**
     * Returns the id shared by all attempts (retries, fallbacks) of one logical call.
     *
     * @return the id, from {@link #identity()}
     */
    public String callId() {
        return identity.callId();
    }

    /**
     * Returns the 1-based attempt number within the call.
     *
     * @return the attempt, from {@link #identity()}
     */
    public int attempt() {
        return identity.attempt();
    }

    /**
     * Returns the Bedrock operation.
     *
     * @return the operation, from {@link #target()}
     */
    public Operation operation() {
        return target.operation();
    }

    /**
     * Returns the logical model the caller asked for (an alias, a model id or a profile ARN).
     *
     * @return the model, from {@link #target()}
     */
    public String requestedModel() {
        return target.requestedModel();
    }

    /**
     * Returns the inference profile ARN used as {@code modelId}.
     *
     * @return the ARN, or {@code null} if none was resolved; from {@link #target()}
     */
    public @Nullable String profileArn() {
        return target.profileArn();
    }

    /**
     * Returns the inference profile id.
     *
     * @return the id, or {@code null} if none was resolved; from {@link #target()}
     */
    public @Nullable String profileId() {
        return target.profileId();
    }

    /**
     * Returns the foundation model that served the call.
     *
     * @return the model id, or {@code null} if unknown; from {@link #target()}
     */
    public @Nullable String sourceModelId() {
        return target.sourceModelId();
    }

    /**
     * Returns the AWS region the call was sent to.
     *
     * @return the region, from {@link #target()}
     */
    public String region() {
        return target.region();
    }

    /**
     * Returns whether the tenant ran on a shared tier profile instead of its own; attribution then rests on
     * {@code requestMetadata} and this record, not on the profile's tags.
     *
     * @return the flag, from {@link #target()}
     */
    public boolean pooledProfile() {
        return target.pooledProfile();
    }

    /**
     * Returns how the attempt ended.
     *
     * @return the outcome, from {@link #result()}
     */
    public Outcome outcome() {
        return result.outcome();
    }

    /**
     * Returns the error code of a failed attempt (e.g. {@code ThrottlingException}).
     *
     * @return the code, or {@code null}; from {@link #result()}
     */
    public @Nullable String errorCode() {
        return result.errorCode();
    }

    /**
     * Returns the AWS request id.
     *
     * @return the id, or {@code null} if no response was received; from {@link #result()}
     */
    public @Nullable String awsRequestId() {
        return result.awsRequestId();
    }

    /**
     * Returns when the attempt started.
     *
     * @return the instant, from {@link #timing()}
     */
    public Instant startedAt() {
        return timing.startedAt();
    }

    /**
     * Returns the time from start to the last byte or the failure.
     *
     * @return the non-negative latency, from {@link #timing()}
     */
    public Duration latency() {
        return timing.latency();
    }

    /**
     * Returns, for streams, the time from start to the first content chunk.
     *
     * @return the non-negative duration, or {@code null} for non-streaming calls or streams that produced no
     *     content; from {@link #timing()}
     */
    public @Nullable Duration timeToFirstToken() {
        return timing.timeToFirstToken();
    }

    /**
     * Returns a new, unique, time-ordered id (a UUID version 7 string), for record and call ids.
     *
     * @return the id
     */
    public static String newId() {
        return RecordIds.next();
    }

    /**
     * Returns an empty builder.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns a builder holding this record's values, for example to derive the next attempt. Call
     * {@link Builder#recordId(String)} with a new id, or {@link Builder#newRecordId()}, before building another
     * record from it.
     *
     * @return the builder
     */
    public Builder toBuilder() {
        return new Builder(this);
    }

    private static void requireNonNull(String name, Object value) {
        RecordChecks.requireNonNull(name, value);
    }

    /**
     * Builds a {@link UsageRecord}.
     *
     * <p>Defaults: a fresh {@code recordId}; {@code callId} equal to the {@code recordId} for a first attempt (it
     * must be set for later attempts); {@code attempt} 1; {@code usage} {@link TokenUsage#ZERO};
     * {@code pooledProfile} false; no attributes. Everything else that is required must be set.
     *
     * <p>Not thread-safe; confine to one thread.
     */
    public static final class Builder {
        private String recordId;
        private String callId;
        private int attempt = 1;
        private TenantId tenant;
        private Tier tier;
        private Operation operation;
        private String requestedModel;
        private String profileArn;
        private String profileId;
        private String sourceModelId;
        private String region;
        private boolean pooledProfile;
        private TokenUsage usage = TokenUsage.ZERO;
        private UsageProvenance provenance;
        private Cost cost;
        private Outcome outcome;
        private String errorCode;
        private Instant startedAt;
        private Duration latency;
        private Duration timeToFirstToken;
        private String awsRequestId;
        private final TreeMap<String, String> attributes = new TreeMap<>();

        private Builder() {}

        private Builder(UsageRecord r) {
            recordId = r.recordId();
            callId = r.callId();
            attempt = r.attempt();
            tenant = r.tenant;
            tier = r.tier;
            operation = r.operation();
            requestedModel = r.requestedModel();
            profileArn = r.profileArn();
            profileId = r.profileId();
            sourceModelId = r.sourceModelId();
            region = r.region();
            pooledProfile = r.pooledProfile();
            usage = r.usage;
            provenance = r.provenance;
            cost = r.cost;
            outcome = r.outcome();
            errorCode = r.errorCode();
            startedAt = r.startedAt();
            latency = r.latency();
            timeToFirstToken = r.timeToFirstToken();
            awsRequestId = r.awsRequestId();
            attributes.putAll(r.attributes);
        }

        /**
         * Sets the record id.
         *
         * @param value the id
         * @return this builder
         */
        public Builder recordId(String value) {
            recordId = value;
            return this;
        }

        /**
         * Sets a fresh record id, as {@link UsageRecord#newId()}.
         *
         * @return this builder
         */
        public Builder newRecordId() {
            recordId = RecordIds.next();
            return this;
        }

        /**
         * Sets the call id shared by all attempts.
         *
         * @param value the id
         * @return this builder
         */
        public Builder callId(String value) {
            callId = value;
            return this;
        }

        /**
         * Sets the 1-based attempt number.
         *
         * @param value the attempt
         * @return this builder
         */
        public Builder attempt(int value) {
            attempt = value;
            return this;
        }

        /**
         * Sets the tenant.
         *
         * @param value the tenant
         * @return this builder
         */
        public Builder tenant(TenantId value) {
            tenant = value;
            return this;
        }

        /**
         * Sets the tenant, its tier, and adds its attributes.
         *
         * @param context the tenant context
         * @return this builder
         */
        public Builder tenant(TenantContext context) {
            tenant = context.id();
            tier = context.tier();
            attributes.putAll(context.attributes());
            return this;
        }

        /**
         * Sets the tier.
         *
         * @param value the tier
         * @return this builder
         */
        public Builder tier(Tier value) {
            tier = value;
            return this;
        }

        /**
         * Sets the Bedrock operation.
         *
         * @param value e.g. {@link Operation#CONVERSE}
         * @return this builder
         */
        public Builder operation(Operation value) {
            operation = value;
            return this;
        }

        /**
         * Sets the logical model asked for.
         *
         * @param value the model
         * @return this builder
         */
        public Builder requestedModel(String value) {
            requestedModel = value;
            return this;
        }

        /**
         * Sets the inference profile ARN.
         *
         * @param value the ARN, or {@code null}
         * @return this builder
         */
        public Builder profileArn(@Nullable String value) {
            profileArn = value;
            return this;
        }

        /**
         * Sets the inference profile id.
         *
         * @param value the id, or {@code null}
         * @return this builder
         */
        public Builder profileId(@Nullable String value) {
            profileId = value;
            return this;
        }

        /**
         * Sets the foundation model id.
         *
         * @param value the model id, or {@code null}
         * @return this builder
         */
        public Builder sourceModelId(@Nullable String value) {
            sourceModelId = value;
            return this;
        }

        /**
         * Sets the AWS region.
         *
         * @param value e.g. {@code us-east-1}
         * @return this builder
         */
        public Builder region(String value) {
            region = value;
            return this;
        }

        /**
         * Sets whether a shared tier profile was used.
         *
         * @param value the flag
         * @return this builder
         */
        public Builder pooledProfile(boolean value) {
            pooledProfile = value;
            return this;
        }

        /**
         * Sets the tokens used.
         *
         * @param value the usage
         * @return this builder
         */
        public Builder usage(TokenUsage value) {
            usage = value;
            return this;
        }

        /**
         * Sets where the token counts come from.
         *
         * @param value the provenance
         * @return this builder
         */
        public Builder provenance(UsageProvenance value) {
            provenance = value;
            return this;
        }

        /**
         * Sets the cost.
         *
         * @param value the cost
         * @return this builder
         */
        public Builder cost(Cost value) {
            cost = value;
            return this;
        }

        /**
         * Sets the outcome.
         *
         * @param value the outcome
         * @return this builder
         */
        public Builder outcome(Outcome value) {
            outcome = value;
            return this;
        }

        /**
         * Sets the error code.
         *
         * @param value e.g. {@code ThrottlingException}, or {@code null}
         * @return this builder
         */
        public Builder errorCode(@Nullable String value) {
            errorCode = value;
            return this;
        }

        /**
         * Sets the start time.
         *
         * @param value the instant
         * @return this builder
         */
        public Builder startedAt(Instant value) {
            startedAt = value;
            return this;
        }

        /**
         * Sets the latency.
         *
         * @param value the duration
         * @return this builder
         */
        public Builder latency(Duration value) {
            latency = value;
            return this;
        }

        /**
         * Sets the time to first token.
         *
         * @param value the duration, or {@code null}
         * @return this builder
         */
        public Builder timeToFirstToken(@Nullable Duration value) {
            timeToFirstToken = value;
            return this;
        }

        /**
         * Sets the AWS request id.
         *
         * @param value the id, or {@code null}
         * @return this builder
         */
        public Builder awsRequestId(@Nullable String value) {
            awsRequestId = value;
            return this;
        }

        /**
         * Adds or replaces an attribute.
         *
         * @param key the key
         * @param value the value
         * @return this builder
         */
        public Builder attribute(String key, String value) {
            attributes.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * Replaces all attributes.
         *
         * @param values the attributes
         * @return this builder
         */
        public Builder attributes(Map<String, String> values) {
            attributes.clear();
            values.forEach(this::attribute);
            return this;
        }

        /**
         * Builds the record.
         *
         * @return the record
         * @throws NullPointerException if a required value is missing; the message names it
         * @throws IllegalStateException if {@code attempt > 1} and no call id was set
         * @throws IllegalArgumentException if a value is invalid
         */
        public UsageRecord build() {
            String id = recordId != null ? recordId : RecordIds.next();
            String call = callId;
            if (call == null) {
                if (attempt > 1) {
                    throw new IllegalStateException("Attempt " + attempt + " needs the callId of its first attempt");
                }
                call = id;
            }
            // Parts in the order the values were validated before the record had parts, so that of several
            // missing values the same one is named first.
            AttemptIdentity identity = new AttemptIdentity(id, call, attempt);
            requireNonNull("tenant", tenant);
            requireNonNull("tier", tier);
            CallTarget target = new CallTarget(operation, requestedModel, profileArn, profileId, sourceModelId,
                    region, pooledProfile);
            requireNonNull("usage", usage);
            requireNonNull("provenance", provenance);
            requireNonNull("cost", cost);
            return new UsageRecord(identity, tenant, tier, target, usage, provenance, cost,
                    new AttemptResult(outcome, errorCode, awsRequestId),
                    new AttemptTiming(startedAt, latency, timeToFirstToken), attributes);
        }
    }
}
