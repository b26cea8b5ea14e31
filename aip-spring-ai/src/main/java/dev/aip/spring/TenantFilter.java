package dev.aip.spring;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aip.core.AipException;
import dev.aip.core.UnknownTenantException;
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
 * Bedrock calls are then refused with 400). Answered here, as RFC 9457 problem details:
 * <ul>
 *   <li>a malformed tenant id: 400 {@code invalid_tenant_id}, the detail naming the rule it broke (see
 *       {@link dev.aip.core.tenant.TenantId});</li>
 *   <li>a tenant not listed in {@code aip.tenants} (or the tenants file) while {@code aip.tenant.known-only} is on
 *       (the default with the provisioning strategy): 403 {@code unknown_tenant}, before any profile is looked up or
 *       created.</li>
 * </ul>
 *
 * <p>Thread-safe.
 */
public final class TenantFilter extends OncePerRequestFilter {

    /** Request attribute holding the request's {@link TenantContext}. */
    public static final String ATTRIBUTE = TenantContext.class.getName();

    private static final ObjectMapper JSON = new ObjectMapper();

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
                throw new UnknownTenantException(tenant.get().id(), "Tenant " + tenant.get().id()
                        + " is not known to this service; ask its operator to register it.");
            }
        } catch (AipException e) {
            AipErrors.Answer answer = AipErrors.map(e);
            ObjectNode problem = JSON.createObjectNode().put("type", "about:blank").put("title", answer.type())
                    .put("status", answer.status()).put("detail", answer.message());
            e.tenant().ifPresent(t -> problem.put("tenant", t.value()));
            response.setStatus(answer.status());
            response.setContentType("application/problem+json");
            response.setCharacterEncoding("UTF-8");
            response.getWriter().write(JSON.writeValueAsString(problem));
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
