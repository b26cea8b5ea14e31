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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The tenants an application knows: id to {@link TenantContext} (tier and attributes) and, for the static strategy,
 * to its profiles. Built from {@code aip.tenants} and {@code aip.tenants-file}; tenants not listed are still served
 * (in the standard tier) unless {@code aip.tenant.known-only} is set.
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
     * Builds the directory from the properties and, if set, the tenants file (whose entries win).
     *
     * @param properties the properties
     * @return the directory
     * @throws ConfigurationException if the file cannot be read or a tenant is invalid
     */
    public static TenantDirectory from(AipProperties properties) {
        Map<String, AipProperties.Tenant> all = new LinkedHashMap<>(properties.getTenants());
        if (properties.getTenantsFile() != null) {
            all.putAll(readFile(properties.getTenantsFile()));
        }
        return of(all);
    }

    static Map<String, AipProperties.Tenant> readFile(Path file) {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory())
                .setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
                .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
        try {
            Map<String, AipProperties.Tenant> read = yaml.readValue(Files.readAllBytes(file), TENANTS);
            return read == null ? Map.of() : read;
        } catch (IOException e) {
            throw new ConfigurationException("aip.tenants-file " + file + " cannot be read as a map of tenant id to"
                    + " {tier, attributes, profiles}: " + e.getMessage(), e);
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
