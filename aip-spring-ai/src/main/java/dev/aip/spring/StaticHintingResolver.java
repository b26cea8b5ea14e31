package dev.aip.spring;

import dev.aip.core.UnknownTenantException;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.profile.TenantProfileResolver;
import dev.aip.core.tenant.TenantContext;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The auto-configured static resolver, with its configuration errors in Spring's terms: a tenant without a profile
 * for a logical model (and no default profile for it) fails with an {@link UnknownTenantException} that names the
 * properties to set ({@code aip.tenants.ID.profiles.MODEL}, {@code aip.profiles.default-profiles.MODEL}) instead of
 * the {@code StaticProfileResolver} builder calls a plain Java application would make. Everything else is the
 * delegate's answer, unchanged.
 *
 * <p>Thread-safe if the delegate is (the resolvers aip builds are).
 */
final class StaticHintingResolver implements TenantProfileResolver {

    private final TenantProfileResolver delegate;

    StaticHintingResolver(TenantProfileResolver delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** The resolver that does the work, e.g. for reporting its type. */
    TenantProfileResolver delegate() {
        return delegate;
    }

    @Override
    public ResolvedProfile resolve(TenantContext tenant, String logicalModel) {
        try {
            return delegate.resolve(tenant, logicalModel);
        } catch (UnknownTenantException e) {
            throw translate(tenant, logicalModel, e);
        }
    }

    @Override
    public List<ResolvedProfile> resolveAll(TenantContext tenant, String logicalModel) {
        try {
            return delegate.resolveAll(tenant, logicalModel);
        } catch (UnknownTenantException e) {
            throw translate(tenant, logicalModel, e);
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

    // The static resolver's only UnknownTenantException is "no mapping and no default" for this tenant and model.
    private static UnknownTenantException translate(TenantContext tenant, String logicalModel,
                                                    UnknownTenantException unused) {
        return new UnknownTenantException(tenant.id(), "Tenant " + tenant.id()
                + " has no profile for model " + logicalModel + " and no default profile is configured for it: set"
                + " aip.tenants." + tenant.id() + ".profiles." + logicalModel + " (or the tenant's entry in"
                + " aip.tenants-file), or aip.profiles.default-profiles." + logicalModel + " for every tenant.");
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
