package dev.aip.core.metering;

import dev.aip.core.tenant.TenantContext;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * What is known about one model call attempt when it starts: who it is for, what was asked, where it goes. The
 * {@link UsageMeter} copies it into the attempt's {@link UsageRecord}.
 *
 * <p>Build one with {@link #builder()}; {@code tenant}, {@code operation} and {@code requestedModel} are required.
 *
 * <p>Immutable.
 *
 * @param callId id shared by all attempts of one logical call (see {@link UsageRecord#newId()})
 * @param attempt 1-based attempt number within the call
 * @param tenant the tenant the call is made for; its tier and attributes go into the record
 * @param operation the Bedrock operation, e.g. {@link Operation#CONVERSE}
 * @param requestedModel the logical model the caller asked for
 * @param profileArn the inference profile ARN sent as {@code modelId}, or {@code null}
 * @param profileId the inference profile id, or {@code null}
 * @param sourceModelId the foundation model behind the profile, used for pricing; {@code null} if unknown (the
 *     cost is then {@code UNKNOWN_MODEL}, never zero)
 * @param region the region the call goes to, or {@code null} for the meter's default region
 * @param pooled whether the tenant runs on a shared tier profile
 * @param streaming whether the operation streams its answer (time to first token is recorded for streams only)
 * @param estimatedInputTokens estimate of the input tokens, non-negative; used only when Bedrock reports no usage
 * @param attributes record attributes (end user, feature, workflow run, step); they override tenant attributes
 *     of the same key
 */
public record CallInfo(
        String callId,
        int attempt,
        TenantContext tenant,
        Operation operation,
        String requestedModel,
        @Nullable String profileArn,
        @Nullable String profileId,
        @Nullable String sourceModelId,
        @Nullable String region,
        boolean pooled,
        boolean streaming,
        long estimatedInputTokens,
        Map<String, String> attributes) {

    /**
     * Validates the values and copies the attributes.
     *
     * @throws NullPointerException if {@code callId}, {@code tenant}, {@code operation}, {@code requestedModel} or
     *     {@code attributes} is {@code null}
     * @throws IllegalArgumentException if {@code attempt < 1}, {@code estimatedInputTokens < 0} or a text is blank
     */
    public CallInfo {
        Objects.requireNonNull(callId, "CallInfo.callId");
        Objects.requireNonNull(tenant, "CallInfo.tenant");
        Objects.requireNonNull(operation, "CallInfo.operation");
        Objects.requireNonNull(requestedModel, "CallInfo.requestedModel");
        Objects.requireNonNull(attributes, "CallInfo.attributes");
        if (callId.isBlank() || requestedModel.isBlank()) {
            throw new IllegalArgumentException("CallInfo.callId and requestedModel must not be blank");
        }
        if (attempt < 1) {
            throw new IllegalArgumentException("CallInfo.attempt is " + attempt + "; attempts are numbered from 1");
        }
        if (estimatedInputTokens < 0) {
            throw new IllegalArgumentException("CallInfo.estimatedInputTokens is negative: " + estimatedInputTokens);
        }
        attributes = attributes.isEmpty() ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(attributes));
    }

    /**
     * Returns a builder with a fresh call id and attempt 1.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns a builder holding these values, e.g. to describe the next attempt of the same call.
     *
     * @return the builder
     */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builds a {@link CallInfo}. Not thread-safe; confine to one thread. */
    public static final class Builder {
        private String callId;
        private int attempt = 1;
        private TenantContext tenant;
        private Operation operation;
        private String requestedModel;
        private String profileArn;
        private String profileId;
        private String sourceModelId;
        private String region;
        private boolean pooled;
        private boolean streaming;
        private long estimatedInputTokens;
        private Map<String, String> attributes = Map.of();

        private Builder() {
        }

        private Builder(CallInfo info) {
            callId = info.callId;
            attempt = info.attempt;
            tenant = info.tenant;
            operation = info.operation;
            requestedModel = info.requestedModel;
            profileArn = info.profileArn;
            profileId = info.profileId;
            sourceModelId = info.sourceModelId;
            region = info.region;
            pooled = info.pooled;
            streaming = info.streaming;
            estimatedInputTokens = info.estimatedInputTokens;
            attributes = info.attributes;
        }

        /** Sets the call id; a fresh one is generated if none is set. */
        public Builder callId(String value) {
            callId = value;
            return this;
        }

        /** Sets the 1-based attempt number (default 1). */
        public Builder attempt(int value) {
            attempt = value;
            return this;
        }

        /** Sets the tenant. */
        public Builder tenant(TenantContext value) {
            tenant = value;
            return this;
        }

        /** Sets the Bedrock operation. */
        public Builder operation(Operation value) {
            operation = value;
            return this;
        }

        /** Sets the logical model asked for. */
        public Builder requestedModel(String value) {
            requestedModel = value;
            return this;
        }

        /** Sets the inference profile ARN. */
        public Builder profileArn(String value) {
            profileArn = value;
            return this;
        }

        /** Sets the inference profile id. */
        public Builder profileId(String value) {
            profileId = value;
            return this;
        }

        /** Sets the foundation model used for pricing. */
        public Builder sourceModelId(String value) {
            sourceModelId = value;
            return this;
        }

        /** Sets the region. */
        public Builder region(String value) {
            region = value;
            return this;
        }

        /** Sets whether a shared tier profile is used. */
        public Builder pooled(boolean value) {
            pooled = value;
            return this;
        }

        /** Sets whether the operation streams. */
        public Builder streaming(boolean value) {
            streaming = value;
            return this;
        }

        /** Sets the input token estimate used when Bedrock reports no usage. */
        public Builder estimatedInputTokens(long value) {
            estimatedInputTokens = value;
            return this;
        }

        /** Sets the record attributes. */
        public Builder attributes(Map<String, String> value) {
            attributes = value;
            return this;
        }

        /**
         * Builds the value.
         *
         * @return the call info
         * @throws NullPointerException if a required value is missing
         * @throws IllegalArgumentException if a value is invalid
         */
        public CallInfo build() {
            String id = callId != null ? callId : UsageRecord.newId();
            return new CallInfo(id, attempt, tenant, operation, requestedModel, profileArn, profileId,
                    sourceModelId, region, pooled, streaming, estimatedInputTokens, attributes);
        }
    }
}
