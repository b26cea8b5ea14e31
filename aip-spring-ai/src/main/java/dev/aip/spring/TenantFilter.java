package dev.aip.spring;

import dev.aip.core.AipException;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantScope;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Objects;
import java.util.Optional;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Runs each web request inside its tenant's {@link TenantScope}, as the {@link TenantResolver} names it, and keeps
 * the tenant as the request attribute {@link #ATTRIBUTE}. A request that names no tenant passes without one (its
 * Bedrock calls are then refused with 400); a malformed tenant id, or a tenant not listed while
 * {@code aip.tenant.known-only} is set, is answered here with 400 or 403 by {@link AipErrors}.
 *
 * <p>Thread-safe.
 */
public final class TenantFilter extends OncePerRequestFilter {

    /** Request attribute holding the request's {@link TenantContext}. */
    public static final String ATTRIBUTE = TenantContext.class.getName();

    private final TenantResolver resolver;
    private final TenantDirectory knownOnly;

    /**
     * Creates the filter.
     *
     * @param resolver names each request's tenant
     * @param knownOnly the directory to refuse unlisted tenants against, or {@code null} to accept any tenant
     */
    public TenantFilter(TenantResolver resolver, TenantDirectory knownOnly) {
        this.resolver = Objects.requireNonNull(resolver, "resolver");
        this.knownOnly = knownOnly;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Optional<TenantContext> tenant;
        try {
            tenant = resolver.resolve(request);
            if (tenant.isPresent() && knownOnly != null && knownOnly.find(tenant.get().id()).isEmpty()) {
                throw new dev.aip.core.UnknownTenantException(tenant.get().id(), "Tenant " + tenant.get().id()
                        + " is not known here");
            }
        } catch (AipException e) {
            AipErrors.Answer answer = AipErrors.map(e);
            response.setStatus(answer.status());
            response.setContentType("application/problem+json");
            response.getWriter().write("{\"status\":" + answer.status() + ",\"title\":\"" + answer.type()
                    + "\"}");
            return;
        }
        if (tenant.isEmpty()) {
            chain.doFilter(request, response);
            return;
        }
        request.setAttribute(ATTRIBUTE, tenant.get());
        try {
            TenantScope.call(tenant.get(), () -> {
                chain.doFilter(request, response);
                return null;
            });
        } catch (IOException | ServletException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new ServletException(e);
        }
    }
}
