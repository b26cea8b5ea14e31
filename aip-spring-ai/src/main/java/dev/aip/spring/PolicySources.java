package dev.aip.spring;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aip.core.ConfigurationException;
import dev.aip.core.governance.PolicyFile;
import dev.aip.core.governance.PolicyStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.io.ApplicationResourceLoader;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.env.Environment;
import org.springframework.core.io.Resource;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Where the auto-configuration reads governance policies and tenants files from: Spring resource locations
 * ({@code classpath:}, {@code file:}, URLs, or plain file paths relative to the working directory), and policies
 * written inline under {@code aip.policies}.
 *
 * <p>A location on the file system becomes a {@link PolicyStore#fromFile file store}, so {@link PolicyStore#reload()}
 * reads it again; a resource that is not a file (a {@code classpath:} entry inside a packaged jar, a URL) is read
 * once, and its store cannot reload (the jar cannot change under a running application).
 *
 * <p>Thread-safe: stateless.
 */
final class PolicySources {

    static final String INLINE_SOURCE = "aip.policies";

    private PolicySources() {
    }

    /**
     * Resolves a resource location as Spring Boot does for application files: prefixes as usual, plain paths as
     * files (unlike a bare {@code DefaultResourceLoader}, which would look them up on the class path).
     */
    static Resource resource(String location, ClassLoader classLoader) {
        return ApplicationResourceLoader.get(classLoader).getResource(location.trim());
    }

    /** Reads a resource as UTF-8 text; the message names the property and the location. */
    static String read(Resource resource, String property, String location) {
        if (!resource.exists()) {
            throw new ConfigurationException(property + " is " + location + ", but " + resource.getDescription()
                    + " does not exist. Give a classpath: location, a file: URL or a file path"
                    + " (relative to the working directory).");
        }
        try (InputStream in = resource.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigurationException(property + " is " + location + ", which cannot be read: " + e, e);
        }
    }

    /** The policy store of {@code aip.policy-file} or {@code aip.policies}; both set is a configuration error. */
    static PolicyStore store(AipProperties properties, ClassLoader classLoader) {
        String location = properties.getPolicyFile();
        boolean inline = isSet(properties.getPolicies());
        if (location != null && inline) {
            throw new ConfigurationException("Both aip.policy-file and aip.policies are set; keep one: the policy"
                    + " file, or the policies inline in the application's configuration.");
        }
        if (location == null) {
            return PolicyStore.of(PolicyFile.parse(json(properties.getPolicies()).toString(), INLINE_SOURCE, true));
        }
        Resource resource = resource(location, classLoader);
        boolean jsonFile = resource.getFilename() != null && resource.getFilename().endsWith(".json");
        if (resource.isFile()) {
            try {
                Path file = resource.getFile().toPath();
                return PolicyStore.fromFile(file);
            } catch (IOException e) {
                // Not a file after all (e.g. a URL that claims to be one): read it once below.
            }
        }
        return PolicyStore.of(PolicyFile.parse(read(resource, "aip.policy-file", location),
                resource.getDescription(), jsonFile));
    }

    /** Whether any policy is written inline. */
    static boolean isSet(AipProperties.Policies policies) {
        return !policies.getTiers().isEmpty() || !policies.getTenants().isEmpty()
                || json(policies.getDefaults()).size() > 0;
    }

    /** The inline policies as a policy document (the file's camelCase names, numbers as numbers). */
    static ObjectNode json(AipProperties.Policies policies) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ObjectNode defaults = json(policies.getDefaults());
        if (defaults.size() > 0) {
            root.set("defaults", defaults);
        }
        if (!policies.getTiers().isEmpty()) {
            ObjectNode tiers = root.putObject("tiers");
            policies.getTiers().forEach((tier, p) -> tiers.set(tier, json(p)));
        }
        if (!policies.getTenants().isEmpty()) {
            ObjectNode tenants = root.putObject("tenants");
            policies.getTenants().forEach((tenant, p) -> tenants.set(tenant, json(p)));
        }
        return root;
    }

    private static ObjectNode json(AipProperties.Policy p) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        if (p.getTier() != null) {
            n.put("tier", p.getTier());
        }
        limit(n, "requestsPerMinute", p.getRequestsPerMinute());
        limit(n, "tokensPerMinute", p.getTokensPerMinute());
        limit(n, "maxConcurrentCalls", p.getMaxConcurrentCalls());
        limit(n, "maxOutputTokens", p.getMaxOutputTokens());
        strings(n, "allowedModels", p.getAllowedModels());
        strings(n, "fallbackChain", p.getFallbackChain());
        AipProperties.Budget b = p.getBudget();
        if (b != null) {
            if (b.isUnlimited()) {
                n.put("budget", "unlimited");
            } else {
                ObjectNode budget = n.putObject("budget");
                if (b.getUsd() != null) {
                    budget.put("usd", b.getUsd());
                }
                if (b.getPeriod() != null) {
                    budget.put("period", b.getPeriod());
                }
                if (b.getZone() != null) {
                    budget.put("zone", b.getZone());
                }
                if (b.getLength() != null) {
                    budget.put("length", b.getLength().toString());
                }
            }
        }
        AipProperties.Settings s = p.getDefaultSettings();
        if (s != null) {
            ObjectNode settings = n.putObject("defaultSettings");
            if (s.getMaxTokens() != null) {
                settings.put("maxTokens", s.getMaxTokens());
            }
            if (s.getTemperature() != null) {
                settings.put("temperature", s.getTemperature());
            }
            if (s.getTopP() != null) {
                settings.put("topP", s.getTopP());
            }
            strings(settings, "stopSequences", s.getStopSequences());
        }
        return n;
    }

    /** A whole number as a number, "unlimited" as text; anything else as text, for the reader to refuse by name. */
    private static void limit(ObjectNode n, String name, String value) {
        if (value == null) {
            return;
        }
        String v = value.trim();
        try {
            n.put(name, Long.parseLong(v));
        } catch (NumberFormatException e) {
            n.put(name, v);
        }
    }

    private static void strings(ObjectNode n, String name, List<String> values) {
        if (values != null) {
            ArrayNode array = n.putArray(name);
            values.forEach(array::add);
        }
    }

    /** Matches when {@code aip.policy-file} or anything under {@code aip.policies} is set. */
    static final class Configured implements Condition {

        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            Environment env = context.getEnvironment();
            if (env.getProperty("aip.policy-file") != null) {
                return true;
            }
            return Binder.get(env).bind(INLINE_SOURCE, Bindable.mapOf(String.class, Object.class))
                    .map(Map::isEmpty).map(empty -> !empty).orElse(false);
        }
    }
}
