package dev.aip.spring;

import dev.aip.core.ConfigurationException;
import dev.aip.core.profile.ModelRoutes;
import java.util.Map;
import java.util.TreeSet;

/**
 * Checks made while the auto-configuration starts, so that a setup that would fail every call fails the start-up
 * instead, with a message in the application's own terms: the property to set, never a builder call.
 *
 * <p>Thread-safe: stateless.
 */
final class StartupChecks {

    /** Spring AI's model option: the logical model every ChatClient call uses unless it names another. */
    static final String SPRING_AI_MODEL = "spring.ai.bedrock.converse.chat.options.model";

    private static final String EXAMPLE_SOURCE = "us.anthropic.claude-3-5-haiku-20241022-v1:0";

    private StartupChecks() {
    }

    /** Adds one configured route, naming the property when the route is malformed. */
    static void route(String model, String source, Runnable add) {
        try {
            add.run();
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("aip.profiles.routes." + model + "=" + source + " is invalid: "
                    + e.getMessage() + ". The key is the logical model callers name; the value a foundation model"
                    + " id, a system inference profile id (e.g. " + EXAMPLE_SOURCE + ") or its ARN.", e);
        }
    }

    /**
     * Provisioning: Spring AI's model must have a route, or be an id the routes turn into an ARN themselves.
     *
     * @param model the value of {@link #SPRING_AI_MODEL}, or {@code null} when it is not set
     */
    static void provisionedModel(String model, ModelRoutes routes, AipConnection connection) {
        if (model == null || model.isBlank()) {
            return;
        }
        try {
            routes.copyFrom(model);
        } catch (ConfigurationException builderTerms) {
            boolean systemProfileId = model.matches("(us|eu|apac|global|us-gov|ca|jp|au)\\..+");
            if (systemProfileId && connection.accountId() == null) {
                throw new ConfigurationException(SPRING_AI_MODEL + " is the system inference profile id \"" + model
                        + "\"; set aip.profiles.account-id so that its ARN can be formed, or give its ARN.");
            }
            throw new ConfigurationException(SPRING_AI_MODEL + " is \"" + model + "\", but no route says which"
                    + " model a tenant's profile for it copies. Set aip.profiles.routes." + model + " to a foundation"
                    + " model id or system inference profile id (e.g. aip.profiles.routes." + model + "="
                    + EXAMPLE_SOURCE + "), or set " + SPRING_AI_MODEL + " to such an id. Routed models: "
                    + new TreeSet<>(routes.logicalModels()) + ".");
        }
    }

    /**
     * Static strategy: Spring AI's model must be served by a default profile or by some tenant's profile; a model
     * named by ARN is checked per call instead.
     *
     * @param model the value of {@link #SPRING_AI_MODEL}, or {@code null} when it is not set
     */
    static void staticModel(String model, AipProperties.Profiles profiles, TenantDirectory tenants) {
        if (model == null || model.isBlank() || model.startsWith("arn:")
                || profiles.getDefaultProfiles().containsKey(model)) {
            return;
        }
        for (Map<String, String> own : tenants.profiles().values()) {
            if (own.containsKey(model)) {
                return;
            }
        }
        throw new ConfigurationException(SPRING_AI_MODEL + " is \"" + model + "\", but no profile serves it with"
                + " the static strategy. Set aip.profiles.default-profiles." + model + " to a shared profile ARN,"
                + " or aip.tenants.<tenant>.profiles." + model + " to each tenant's profile ARN; or use"
                + " aip.profiles.strategy=provisioning with aip.profiles.routes." + model + ".");
    }
}
