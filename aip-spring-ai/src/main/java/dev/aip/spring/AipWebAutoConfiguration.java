package dev.aip.spring;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.util.ClassUtils;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Servlet web applications: the {@link TenantResolver} (a JWT claim when {@code aip.tenant.jwt-claim} is set and
 * Spring Security's resource server is present, else the {@code aip.tenant.header} header), the
 * {@link TenantFilter} that scopes each request to its tenant (after Spring Security's filters, so a verified JWT is
 * available), and the {@link AipExceptionHandler} that answers aip's errors with 4xx/5xx.
 *
 * <p>With the provisioning strategy, requests may name only the tenants listed in {@code aip.tenants} (or the
 * tenants file) unless {@code aip.tenant.known-only=false} is set: otherwise any header value would create an
 * inference profile. Tenants the application names itself ({@code TenantScope}, the advisor's tenant parameter) are
 * trusted and not checked.
 */
@AutoConfiguration(after = AipAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(OncePerRequestFilter.class)
@ConditionalOnBean(TenantDirectory.class)
public class AipWebAutoConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(AipWebAutoConfiguration.class);

    /** Just after Spring Security's filter chain (order -100). */
    static final int FILTER_ORDER = -90;

    @Bean
    @ConditionalOnMissingBean
    TenantResolver aipTenantResolver(AipProperties properties, TenantDirectory tenants) {
        String claim = properties.getTenant().getJwtClaim();
        if (claim != null && ClassUtils.isPresent("org.springframework.security.oauth2.jwt.Jwt",
                AipWebAutoConfiguration.class.getClassLoader())) {
            return new JwtClaimTenantResolver(claim, tenants);
        }
        return TenantResolver.header(properties.getTenant().getHeader(), tenants);
    }

    @Bean
    @ConditionalOnMissingBean(name = "aipTenantFilter")
    FilterRegistrationBean<TenantFilter> aipTenantFilter(TenantResolver resolver, TenantDirectory tenants,
                                                        AipProperties properties) {
        FilterRegistrationBean<TenantFilter> registration = new FilterRegistrationBean<>(
                new TenantFilter(resolver, knownOnly(properties) ? tenants : null));
        registration.setOrder(Math.max(FILTER_ORDER, Ordered.HIGHEST_PRECEDENCE));
        return registration;
    }

    /**
     * Whether web requests may name only listed tenants: as set, else on with the provisioning strategy, where an
     * unlisted tenant would get a new inference profile on its first call.
     */
    static boolean knownOnly(AipProperties properties) {
        Boolean set = properties.getTenant().getKnownOnly();
        if (set != null) {
            return set;
        }
        boolean provisioning = AipAutoConfiguration.strategy(properties) == AipProperties.Strategy.PROVISIONING;
        if (provisioning) {
            LOG.info("aip: web requests may name only the tenants in aip.tenants (or aip.tenants-file); others are"
                    + " refused with 403. Set aip.tenant.known-only=false to provision a profile for any tenant.");
        }
        return provisioning;
    }

    @Bean
    @ConditionalOnMissingBean
    AipExceptionHandler aipExceptionHandler() {
        return new AipExceptionHandler();
    }
}
