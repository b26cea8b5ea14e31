package dev.aip.core.profile;

import dev.aip.core.ConfigurationException;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Which model a tenant profile for a logical model copies: logical name (e.g. {@code claude-haiku}) to
 * {@code copyFrom} ARN, either a foundation-model ARN or a system (cross-Region) inference-profile ARN such as
 * {@code arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0}.
 *
 * <p>A logical model without a route is accepted when it names its source itself:
 * <ul>
 *   <li>a foundation-model ARN or system inference-profile ARN is used as is;</li>
 *   <li>a system profile id ({@code us.}, {@code eu.}, {@code apac.}, {@code global.}... followed by a model id)
 *       becomes {@code arn:PARTITION:bedrock:REGION:ACCOUNT:inference-profile/ID} (needs
 * {@link       Builder#region(String)} and {@link Builder#accountId(String)});</li>
 *   <li>a foundation model id ({@code provider.model}, e.g. {@code anthropic.claude-3-5-haiku-20241022-v1:0})
 *       becomes {@code arn:PARTITION:bedrock:REGION::foundation-model/ID} (needs the region).</li>
 * </ul>
 * Anything else is a configuration error. Turn the rule off with {@link Builder#explicitOnly()}.
 *
 * <p>Immutable.
 */
public final class ModelRoutes {

    private static final Pattern MODEL_ID = Pattern.compile("[a-z0-9-]+\\.[a-zA-Z0-9-:.]+");

    private final Map<String, String> routes;
    private final String partition;
    private final String region;
    private final String accountId;
    private final boolean implicit;

    private ModelRoutes(Builder b) {
        this.routes = Collections.unmodifiableMap(new TreeMap<>(b.routes));
        this.partition = b.partition;
        this.region = b.region;
        this.accountId = b.accountId;
        this.implicit = b.implicit;
    }

    /** A builder with no routes, partition {@code aws} and the implicit rule on. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The {@code copyFrom} ARN for a logical model.
     *
     * @throws ConfigurationException if the logical model has no route and does not name its source
     */
    public String copyFrom(String logicalModel) {
        Objects.requireNonNull(logicalModel, "logicalModel");
        String routed = routes.get(logicalModel);
        if (routed != null) {
            return routed;
        }
        if (implicit) {
            if (Arns.isArn(logicalModel) && Constraints.COPY_FROM.matcher(logicalModel).matches()) {
                return logicalModel;
            }
            if (Arns.isSystemProfileId(logicalModel) && MODEL_ID.matcher(logicalModel).matches()) {
                if (region == null || accountId == null) {
                    throw new ConfigurationException("Logical model \"" + logicalModel + "\" is a system inference"
                            + " profile id; set ModelRoutes region and accountId so that its ARN can be formed, or"
                            + " add a route for it");
                }
                return "arn:" + partition + ":bedrock:" + region + ":" + accountId + ":inference-profile/"
                        + logicalModel;
            }
            if (MODEL_ID.matcher(logicalModel).matches()) {
                if (region == null) {
                    throw new ConfigurationException("Logical model \"" + logicalModel + "\" is a foundation model"
                            + " id; set ModelRoutes region so that its ARN can be formed, or add a route for it");
                }
                return "arn:" + partition + ":bedrock:" + region + "::foundation-model/" + logicalModel;
            }
        }
        throw new ConfigurationException("No model route for logical model \"" + logicalModel + "\"; add"
                + " ModelRoutes.builder().route(\"" + logicalModel + "\", copyFromArn)"
                + (implicit ? " or use a foundation model id or system profile id" : "")
                + ". Known: " + routes.keySet());
    }

    /**
     * The foundation model id the logical model resolves to, e.g. {@code anthropic.claude-3-5-haiku-20241022-v1:0}
     * for a route to {@code us.anthropic.claude-3-5-haiku-20241022-v1:0}.
     *
     * @throws ConfigurationException as {@link #copyFrom(String)}
     */
    public String sourceModelId(String logicalModel) {
        return Arns.foundationModelId(copyFrom(logicalModel));
    }

    /** The explicitly routed logical models. */
    public Set<String> logicalModels() {
        return routes.keySet();
    }

    @Override
    public String toString() {
        return "ModelRoutes" + routes;
    }

    /**
     * Builds {@link ModelRoutes}. Not thread-safe; confine to one thread.
     *
     * <p>Each setting may be set once; a second set is a {@link ConfigurationException}, except {@code route}, which
     * adds one route per call.
     */
    public static final class Builder {
        private final Map<String, Object> given = new HashMap<>();
        private final TreeMap<String, String> routes = new TreeMap<>();
        private String partition = "aws";
        private String region;
        private String accountId;
        private boolean implicit = true;

        private Builder() {
        }

        /**
         * Routes a logical model to a source.
         *
         * @param logicalModel the name callers use, e.g. {@code claude-haiku}; it becomes the value of the model
         *     tag, so it must be a valid tag value
         * @param copyFromArn a foundation-model ARN or system inference-profile ARN
         * @throws IllegalArgumentException naming an invalid name or ARN, or a logical model routed twice
         */
        public Builder route(String logicalModel, String copyFromArn) {
            TagSchema.requireLogicalModel(logicalModel);
            Constraints.requireCopyFrom(copyFromArn);
            if (routes.putIfAbsent(logicalModel, copyFromArn) != null) {
                throw new IllegalArgumentException("logical model \"" + logicalModel + "\" is routed twice");
            }
            return this;
        }

        /** Region used to form ARNs for bare model and system profile ids. */
        public Builder region(String region) {
            ConfigurationException.requireFirstSet(given, "ModelRoutes.region", region);
            this.region = Objects.requireNonNull(region, "region");
            return this;
        }

        /** Account id used to form system profile ARNs for bare system profile ids. */
        public Builder accountId(String accountId) {
            ConfigurationException.requireFirstSet(given, "ModelRoutes.accountId", accountId);
            if (!accountId.matches("[0-9]{12}")) {
                throw new IllegalArgumentException("account id \"" + accountId + "\" is not 12 digits");
            }
            this.accountId = accountId;
            return this;
        }

        /** ARN partition, default {@code aws}. */
        public Builder partition(String partition) {
            ConfigurationException.requireFirstSet(given, "ModelRoutes.partition", partition);
            this.partition = Objects.requireNonNull(partition, "partition");
            return this;
        }

        /** Accept only explicitly routed logical models. */
        public Builder explicitOnly() {
            ConfigurationException.requireFirstSet(given, "ModelRoutes.explicitOnly", "true");
            this.implicit = false;
            return this;
        }

        /** Builds the routes. */
        public ModelRoutes build() {
            return new ModelRoutes(this);
        }
    }
}
