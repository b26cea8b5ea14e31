package dev.aip.spring;

import dev.aip.core.ConfigurationException;
import dev.aip.core.UnknownTenantException;
import dev.aip.core.profile.ModelRoutes;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.profile.TenantProfileResolver;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/**
 * An auto-configured resolver with its configuration errors in Spring's terms: where the resolver's own message names
 * the builder call a plain Java application would make, this one names the property to set. Everything else is the
 * delegate's answer, unchanged.
 *
 * <ul>
 *   <li>{@link #routes}: a call naming a logical model without a route fails with a {@link ConfigurationException}
 *       naming {@code aip.profiles.routes.MODEL} (not {@code ModelRoutes.builder().route(...)}).</li>
 *   <li>{@link #staticProfiles}: a tenant without a profile for a logical model (and no default profile for it)
 *       fails with an {@link UnknownTenantException} naming {@code aip.tenants.ID.profiles.MODEL} and
 *       {@code aip.profiles.default-profiles.MODEL} (not the {@code StaticProfileResolver} builder).</li>
 * </ul>
 *
 * <p>Thread-safe if the delegate is (the resolvers aip builds are).
 */
final class HintingResolver implements TenantProfileResolver {

    /** Turns a failure of the delegate into one that speaks of properties, or returns it as it is. */
    @FunctionalInterface
    private interface Hint {
        RuntimeException of(TenantContext tenant, String logicalModel, RuntimeException failure);
    }

    private final TenantProfileResolver delegate;
    private final Hint hint;

    private HintingResolver(TenantProfileResolver delegate, Hint hint) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.hint = hint;
    }

    /** The provisioning resolver over {@code routes}, its missing routes named as properties. */
    static HintingResolver routes(TenantProfileResolver delegate, ModelRoutes routes) {
        Objects.requireNonNull(routes, "routes");
        return new HintingResolver(delegate, (tenant, logicalModel, failure) -> {
            if (!(failure instanceof ConfigurationException) || logicalModel == null
                    || routes.logicalModels().contains(logicalModel)) {
                return failure;
            }
            try {
                routes.copyFrom(logicalModel);
                return failure;   // the model has a source: the failure is not about its route
            } catch (ConfigurationException noRoute) {
                return new ConfigurationException("No route for logical model \"" + logicalModel + "\": set"
                        + " aip.profiles.routes." + logicalModel + " to the foundation model id or system inference"
                        + " profile id its profiles copy (e.g. us.anthropic.claude-3-5-haiku-20241022-v1:0), or call"
                        + " a routed model. Routed models: " + new TreeSet<>(routes.logicalModels()) + ".");
            }
        });
    }

    /**
     * The static resolver, its missing profiles named as properties. Its only {@link UnknownTenantException} is "no
     * mapping and no default" for the tenant and model.
     */
    static HintingResolver staticProfiles(TenantProfileResolver delegate) {
        return new HintingResolver(delegate, (tenant, logicalModel, failure) ->
                !(failure instanceof UnknownTenantException) ? failure
                : new UnknownTenantException(tenant.id(), "Tenant " + tenant.id() + " has no profile for model "
                        + logicalModel + " and no default profile is configured for it: set aip.tenants." + tenant.id()
                        + ".profiles." + logicalModel + " (or the tenant's entry in aip.tenants-file), or"
                        + " aip.profiles.default-profiles." + logicalModel + " for every tenant."));
    }

    /** The resolver that does the work, e.g. for reporting its type. */
    TenantProfileResolver delegate() {
        return delegate;
    }

    @Override
    public ResolvedProfile resolve(TenantContext tenant, String logicalModel) {
        try {
            return delegate.resolve(tenant, logicalModel);
        } catch (RuntimeException e) {
            throw hint.of(tenant, logicalModel, e);
        }
    }

    @Override
    public List<ResolvedProfile> resolveAll(TenantContext tenant, String logicalModel) {
        try {
            return delegate.resolveAll(tenant, logicalModel);
        } catch (RuntimeException e) {
            throw hint.of(tenant, logicalModel, e);
        }
    }

    @Override
    public Optional<ResolvedProfile> resolveArn(TenantContext tenant, String profileArn) {
        return delegate.resolveArn(tenant, profileArn);
    }

    @Override
    public void invalidate(TenantId tenant, String logicalModel) {
        delegate.invalidate(tenant, logicalModel);
    }

    @Override
    public boolean resolvesWithoutBlocking(TenantContext tenant, String logicalModel) {
        return delegate.resolvesWithoutBlocking(tenant, logicalModel);
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
