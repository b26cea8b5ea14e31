package dev.aip.spring;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.aip.core.ConfigurationException;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.springframework.core.io.Resource;

/**
 * The tenants an application knows: id to {@link TenantContext} (tier and attributes) and, for the static strategy,
 * to its profiles. Built from {@code aip.tenants} and {@code aip.tenants-file}; tenants not listed are served in the
 * standard tier, except that web requests naming them are refused while {@code aip.tenant.known-only} is on (the
 * default with the provisioning strategy).
 *
 * <p>Immutable; thread-safe.
 */
public final class TenantDirectory {

    private static final TypeReference<LinkedHashMap<String, AipProperties.Tenant>> TENANTS = new TypeReference<>() { };

    private final Map<TenantId, TenantContext> contexts;
    private final Map<TenantId, Map<String, String>> profiles;

    private TenantDirectory(Map<TenantId, TenantContext> contexts, Map<TenantId, Map<String, String>> profiles) {
        this.contexts = Collections.unmodifiableMap(contexts);
        this.profiles = Collections.unmodifiableMap(profiles);
    }

    /**
     * Builds the directory from tenants by id; later entries of the same id replace earlier ones.
     *
     * @param tenants tenant id to settings
     * @return the directory
     * @throws ConfigurationException naming the tenant whose id, tier or attributes are invalid
     */
    public static TenantDirectory of(Map<String, AipProperties.Tenant> tenants) {
        Map<TenantId, TenantContext> contexts = new LinkedHashMap<>();
        Map<TenantId, Map<String, String>> profiles = new LinkedHashMap<>();
        tenants.forEach((id, t) -> {
            try {
                TenantContext context = TenantContext.of(id).withTier(Tier.of(t.getTier() == null ? "standard"
                        : t.getTier()));
                for (Map.Entry<String, String> a : t.getAttributes().entrySet()) {
                    context = context.withAttribute(a.getKey(), a.getValue());
                }
                contexts.put(context.id(), context);
                profiles.put(context.id(), Map.copyOf(t.getProfiles()));
            } catch (RuntimeException e) {
                throw new ConfigurationException("aip.tenants." + id + " is invalid: " + e.getMessage(), e);
            }
        });
        return new TenantDirectory(contexts, profiles);
    }

    /**
     * Builds the directory from the properties and, if set, the tenants file (whose entries win), resolving the
     * file's location with the default class loader.
     *
     * @param properties the properties
     * @return the directory
     * @throws ConfigurationException if the file cannot be read or a tenant is invalid
     */
    public static TenantDirectory from(AipProperties properties) {
        return from(properties, null);
    }

    /**
     * Builds the directory from the properties and, if set, the tenants file (whose entries win). The file's
     * location is a Spring resource location: {@code classpath:} (also inside a packaged jar), {@code file:}, or a
     * plain file path relative to the working directory.
     *
     * @param properties the properties
     * @param classLoader the class loader of {@code classpath:} locations, or {@code null} for the default one
     * @return the directory
     * @throws ConfigurationException if the file cannot be read or a tenant is invalid
     */
    public static TenantDirectory from(AipProperties properties, ClassLoader classLoader) {
        Map<String, AipProperties.Tenant> all = new LinkedHashMap<>(properties.getTenants());
        String location = properties.getTenantsFile();
        if (location != null) {
            Resource file = PolicySources.resource(location, classLoader);
            all.putAll(parse(PolicySources.read(file, "aip.tenants-file", location), location));
        }
        return of(all);
    }

    static Map<String, AipProperties.Tenant> parse(String text, String location) {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory())
                .setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
                .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
        try {
            Map<String, AipProperties.Tenant> read = yaml.readValue(text, TENANTS);
            return read == null ? Map.of() : read;
        } catch (IOException e) {
            throw new ConfigurationException("aip.tenants-file " + location + " cannot be read as a map of tenant id"
                    + " to {tier, attributes, profiles}: " + e.getMessage(), e);
        }
    }

    /**
     * Returns a known tenant.
     *
     * @param id the tenant id
     * @return its context, or empty if the tenant is not listed
     */
    public Optional<TenantContext> find(TenantId id) {
        return Optional.ofNullable(contexts.get(id));
    }

    /**
     * Returns the context of a tenant: the listed one, or a standard-tier context for a tenant not listed.
     *
     * @param id the tenant id
     * @return the context
     */
    public TenantContext contextOf(TenantId id) {
        TenantContext known = contexts.get(id);
        return known != null ? known : TenantContext.of(id);
    }

    /** @return the listed tenants, in order */
    public Map<TenantId, TenantContext> tenants() {
        return contexts;
    }

    /** @return per listed tenant, logical model to profile ARN (static strategy) */
    public Map<TenantId, Map<String, String>> profiles() {
        return profiles;
    }
}
