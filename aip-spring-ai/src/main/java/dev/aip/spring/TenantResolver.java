package dev.aip.spring;

import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Objects;
import java.util.Optional;

/**
 * Names the tenant of a web request. aip's servlet filter asks it once per request and runs the request inside
 * {@link dev.aip.core.tenant.TenantScope}, so every Bedrock call the request makes (directly, through Spring AI or
 * through a {@link TenantAwareChatModel} stream) is routed, governed and metered for that tenant.
 *
 * <p>Define a bean of this type to replace the built-in one ({@code aip.tenant.header} or
 * {@code aip.tenant.jwt-claim}):
 * <pre>{@code
 * @Bean
 * TenantResolver tenantResolver(TenantDirectory tenants) {
 *     return request -> Optional.ofNullable(request.getServerName().split("\\.")[0])
 *             .map(sub -> tenants.contextOf(TenantId.of(sub)));
 * }
 * }</pre>
 *
 * <p>Implementations must be thread-safe. An invalid tenant id should be thrown as
 * {@link dev.aip.core.InvalidTenantIdException} (the web layer answers 400).
 */
@FunctionalInterface
public interface TenantResolver {

    /**
     * Resolves the tenant of a request.
     *
     * @param request the request
     * @return the tenant, or empty if the request names none
     */
    Optional<TenantContext> resolve(HttpServletRequest request);

    /**
     * A resolver that reads the tenant id from a request header, and the tier and attributes from the directory.
     *
     * @param header the header name
     * @param tenants the known tenants
     * @return the resolver
     */
    static TenantResolver header(String header, TenantDirectory tenants) {
        Objects.requireNonNull(header, "header");
        Objects.requireNonNull(tenants, "tenants");
        return request -> {
            String id = request.getHeader(header);
            return id == null || id.isEmpty() ? Optional.empty() : Optional.of(tenants.contextOf(TenantId.of(id)));
        };
    }
}
