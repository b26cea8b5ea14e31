package dev.aip.spring;

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
 */
@AutoConfiguration(after = AipAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(OncePerRequestFilter.class)
@ConditionalOnBean(TenantDirectory.class)
public class AipWebAutoConfiguration {

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
                new TenantFilter(resolver, properties.getTenant().isKnownOnly() ? tenants : null));
        registration.setOrder(Math.max(FILTER_ORDER, Ordered.HIGHEST_PRECEDENCE));
        return registration;
    }

    @Bean
    @ConditionalOnMissingBean
    AipExceptionHandler aipExceptionHandler() {
        return new AipExceptionHandler();
    }
}
