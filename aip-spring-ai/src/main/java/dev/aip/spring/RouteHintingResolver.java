package dev.aip.spring;

import dev.aip.core.ConfigurationException;
import dev.aip.core.profile.ModelRoutes;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.profile.TenantProfileResolver;
import dev.aip.core.tenant.TenantContext;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The auto-configured provisioning resolver, with its configuration errors in Spring's terms: a call naming a
 * logical model without a route fails with a {@link ConfigurationException} that names the property to set
 * ({@code aip.profiles.routes.MODEL}) instead of the {@code ModelRoutes} builder call a plain Java application would
 * make. Everything else is the delegate's answer, unchanged.
 *
 * <p>Thread-safe if the delegate is (the resolvers aip builds are).
 */
final class RouteHintingResolver implements TenantProfileResolver {

    private final TenantProfileResolver delegate;
    private final ModelRoutes routes;

    RouteHintingResolver(TenantProfileResolver delegate, ModelRoutes routes) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.routes = Objects.requireNonNull(routes, "routes");
    }

    /** The resolver that does the work, e.g. for reporting its type. */
    TenantProfileResolver delegate() {
        return delegate;
    }

    @Override
    public ResolvedProfile resolve(TenantContext tenant, String logicalModel) {
        try {
            return delegate.resolve(tenant, logicalModel);
        } catch (ConfigurationException e) {
            throw translate(logicalModel, e);
        }
    }

    @Override
    public List<ResolvedProfile> resolveAll(TenantContext tenant, String logicalModel) {
        try {
            return delegate.resolveAll(tenant, logicalModel);
        } catch (ConfigurationException e) {
            throw translate(logicalModel, e);
        }
    }

    @Override
    public Optional<ResolvedProfile> resolveArn(TenantContext tenant, String profileArn) {
        return delegate.resolveArn(tenant, profileArn);
    }

    @Override
    public boolean resolvesWithoutBlocking(TenantContext tenant, String logicalModel) {
        return delegate.resolvesWithoutBlocking(tenant, logicalModel);
    }

    private ConfigurationException translate(String logicalModel, ConfigurationException e) {
        if (logicalModel == null || routes.logicalModels().contains(logicalModel)) {
            return e;
        }
        try {
            routes.copyFrom(logicalModel);
            return e;   // the model has a source: the failure is not about its route
        } catch (ConfigurationException noRoute) {
            return new ConfigurationException("No route for logical model \"" + logicalModel + "\": set"
                    + " aip.profiles.routes." + logicalModel + " to the foundation model id or system inference"
                    + " profile id its profiles copy (e.g. us.anthropic.claude-3-5-haiku-20241022-v1:0), or call a"
                    + " routed model. Routed models: " + new TreeSet<>(routes.logicalModels()) + ".");
        }
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
