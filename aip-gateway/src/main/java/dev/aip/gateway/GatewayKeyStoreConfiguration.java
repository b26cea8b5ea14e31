package dev.aip.gateway;

import dev.aip.core.ConfigurationException;
import dev.aip.core.governance.RateLimitState;
import dev.aip.keys.ApiKeyStore;
import dev.aip.keys.JdbcApiKeyStore;
import dev.aip.keys.KeyStoreHealth;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The shared API key store, when {@code aip.gateway.key-store.jdbc-url} is set: a {@link JdbcApiKeyStore} that every
 * replica reads (keys in memory, refreshed every {@code key-store.refresh-interval}), its health
 * ({@code /actuator/health}: component {@code apiKeys}, with {@code stale: true} while the database cannot be read;
 * the status stays UP because the last known keys are still served), and the per-key limits.
 */
@Configuration(proxyBeanMethods = false)
class GatewayKeyStoreConfiguration {

    @Bean(destroyMethod = "close")
    @ConditionalOnProperty(prefix = "aip.gateway.key-store", name = "jdbc-url")
    JdbcApiKeyStore gatewayKeyStore(GatewayProperties properties) {
        GatewayProperties.KeyStore p = properties.getKeyStore();
        if (p.getRefreshInterval() == null) {
            throw new ConfigurationException("aip.gateway.key-store.refresh-interval is empty; give a duration"
                    + " such as 2s");
        }
        JdbcApiKeyStore.Builder b = JdbcApiKeyStore.builder();
        try {
            b.jdbcUrl(p.getJdbcUrl()).refreshInterval(p.getRefreshInterval());
            if (p.getUsername() != null) {
                b.username(p.getUsername());
            }
            if (p.getPassword() != null) {
                b.password(p.getPassword());
            }
            if (p.getSchema() != null) {
                b.schema(p.getSchema());
            }
        } catch (ConfigurationException e) {
            throw new ConfigurationException("aip.gateway.key-store: " + e.getMessage(), e);
        }
        return b.build();
    }

    /**
     * Per-key limits in the application's {@link RateLimitState} when it defines one (shared, e.g. Redis), else in
     * this replica's memory.
     */
    @Bean
    KeyRateLimits gatewayKeyRateLimits(ObjectProvider<RateLimitState> state) {
        return new KeyRateLimits(state.getIfAvailable(() -> RateLimitState.local(System::nanoTime)));
    }

    @Bean
    @ConditionalOnProperty(prefix = "aip.gateway.key-store", name = "jdbc-url")
    HealthIndicator apiKeysHealthIndicator(ApiKeyStore store) {
        return () -> {
            KeyStoreHealth h = store.health();
            Health.Builder b = Health.up().withDetail("stale", h.stale()).withDetail("keys", h.keys())
                    .withDetail("version", h.version());
            if (h.lastRefresh() != null) {
                b.withDetail("lastRefresh", h.lastRefresh().toString());
            }
            if (h.lastFailure() != null) {
                b.withDetail("lastFailure", h.lastFailure());
            }
            return b.build();
        };
    }
}
