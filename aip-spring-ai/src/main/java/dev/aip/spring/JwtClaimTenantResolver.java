package dev.aip.spring;

import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Objects;
import java.util.Optional;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.jwt.Jwt;

/**
 * Takes the tenant id from a claim of the request's JWT, as Spring Security's resource server has verified it (the
 * token is never read unverified here: without an authenticated {@link Jwt} principal the request has no tenant).
 * Tier and attributes come from the {@link TenantDirectory}.
 *
 * <p>Immutable; thread-safe.
 */
public final class JwtClaimTenantResolver implements TenantResolver {

    private final String claim;
    private final TenantDirectory tenants;

    /**
     * Creates the resolver.
     *
     * @param claim the claim holding the tenant id, e.g. {@code tenant_id}
     * @param tenants the known tenants
     */
    public JwtClaimTenantResolver(String claim, TenantDirectory tenants) {
        this.claim = Objects.requireNonNull(claim, "claim");
        this.tenants = Objects.requireNonNull(tenants, "tenants");
    }

    @Override
    public Optional<TenantContext> resolve(HttpServletRequest request) {
        Authentication auth = SecurityContextHolder.getContext().getAuthentication();
        if (auth == null || !auth.isAuthenticated() || !(auth.getPrincipal() instanceof Jwt jwt)) {
            return Optional.empty();
        }
        String id = jwt.getClaimAsString(claim);
        return id == null || id.isEmpty() ? Optional.empty() : Optional.of(tenants.contextOf(TenantId.of(id)));
    }
}
