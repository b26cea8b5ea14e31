package dev.aip.spring;

import dev.aip.core.ConfigurationException;
import dev.aip.governance.redis.RedisGovernanceState;
import dev.aip.ledger.jdbc.JdbcLedger;
import java.util.Map;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * State shared by every replica of an application: governance in Redis ({@code aip.redis.uri}) and the usage ledger in
 * PostgreSQL ({@code aip.ledger.jdbc.url}). Each is on only when its property is set; a property set without its
 * module on the class path fails start-up naming the dependency to add.
 */
@AutoConfiguration(before = AipAutoConfiguration.class)
@ConditionalOnProperty(prefix = "aip", name = "enabled", havingValue = "true", matchIfMissing = true)
public class AipSharedStateAutoConfiguration {

    /** Budgets, rate limits and concurrency caps in Redis. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "dev.aip.governance.redis.RedisGovernanceState")
    @ConditionalOnProperty(prefix = "aip.redis", name = "uri")
    static class RedisState {

        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        RedisGovernanceState aipRedisGovernanceState(AipProperties properties) {
            AipProperties.Redis r = properties.getRedis();
            try {
                RedisGovernanceState.Builder b = RedisGovernanceState.builder().uri(r.getUri())
                        .keyPrefix(r.getKeyPrefix()).timeout(r.getTimeout());
                if (r.getLease() != null) {
                    b.lease(r.getLease());
                }
                if (r.getSlotLease() != null) {
                    b.slotLease(r.getSlotLease());
                }
                return b.build();
            } catch (ConfigurationException e) {
                throw new ConfigurationException("aip.redis: " + e.getMessage(), e);
            }
        }

        @Bean
        @Order(Ordered.HIGHEST_PRECEDENCE)
        AipGovernanceCustomizer aipRedisGovernance(RedisGovernanceState redis) {
            // Every shared check in one round trip per admission and one per release; fair share's windows too.
            return builder -> builder.sharedAdmission(redis.admission()).fairShareState(redis.fairShareState());
        }
    }

    /** The usage ledger in PostgreSQL, a sink of aip's meter next to the others. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "dev.aip.ledger.jdbc.JdbcLedger")
    @ConditionalOnProperty(prefix = "aip.ledger.jdbc", name = "url")
    static class JdbcLedgerState {

        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        JdbcLedger aipJdbcLedger(AipProperties properties) {
            AipProperties.Jdbc j = properties.getLedger().getJdbc();
            try {
                JdbcLedger.Builder b = JdbcLedger.builder().jdbcUrl(j.getUrl()).schema(j.getSchema())
                        .spool(j.getSpool()).batchSize(j.getBatchSize()).maxSpooledRecords(j.getMaxSpooledRecords())
                        .durability(JdbcLedger.Durability.valueOf(j.getDurability().name()));
                if (j.getUsername() != null) {
                    b.username(j.getUsername());
                }
                if (j.getPassword() != null) {
                    b.password(j.getPassword());
                }
                return b.build();
            } catch (ConfigurationException e) {
                throw new ConfigurationException("aip.ledger.jdbc: " + e.getMessage(), e);
            }
        }

        /** Health of the PostgreSQL ledger, as {@code aipLedgerJdbc}. */
        @Configuration(proxyBeanMethods = false)
        @ConditionalOnClass(name = "org.springframework.boot.actuate.health.HealthIndicator")
        static class JdbcLedgerHealth {

            @Bean
            @ConditionalOnMissingBean(name = "aipLedgerJdbcHealthIndicator")
            @ConditionalOnEnabledHealthIndicator("aip")
            AbstractHealthIndicator aipLedgerJdbcHealthIndicator(JdbcLedger ledger) {
                return new JdbcLedgerHealthIndicator(ledger);
            }
        }
    }

    /** Fails start-up when {@code aip.redis.uri} is set but the Redis module is missing. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingClass("dev.aip.governance.redis.RedisGovernanceState")
    @ConditionalOnProperty(prefix = "aip.redis", name = "uri")
    static class RedisModuleMissing {
        RedisModuleMissing() {
            throw new ConfigurationException("aip.redis.uri is set, but the Redis governance state is not on the class"
                    + " path: add the dependency dev.aip:aip-governance-redis (or remove aip.redis.uri)");
        }
    }

    /** Fails start-up when {@code aip.ledger.jdbc.url} is set but the PostgreSQL ledger module is missing. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingClass("dev.aip.ledger.jdbc.JdbcLedger")
    @ConditionalOnProperty(prefix = "aip.ledger.jdbc", name = "url")
    static class JdbcModuleMissing {
        JdbcModuleMissing() {
            throw new ConfigurationException("aip.ledger.jdbc.url is set, but the PostgreSQL ledger is not on the class"
                    + " path: add the dependency dev.aip:aip-ledger-jdbc (or remove aip.ledger.jdbc.url)");
        }
    }

    /**
     * Up while the database takes the records; records waiting in the spool are safe but late (up, with the count),
     * lost records or a full spool are down.
     */
    static final class JdbcLedgerHealthIndicator extends AbstractHealthIndicator {

        private final JdbcLedger ledger;

        JdbcLedgerHealthIndicator(JdbcLedger ledger) {
            super("aip PostgreSQL ledger health check failed");
            this.ledger = ledger;
        }

        @Override
        protected void doHealthCheck(Health.Builder builder) {
            JdbcLedger.Health h = ledger.health();
            boolean full = h.spoolPending() >= h.maxSpooledRecords();
            builder.withDetails(Map.of("databaseUp", h.databaseUp(), "spoolPending", h.spoolPending(),
                    "maxSpooledRecords", h.maxSpooledRecords(), "queued", h.queued(), "written", h.written(),
                    "spooled", h.spooled(), "drained", h.drained(), "failures", h.failures(), "lost", h.lost()));
            if (h.lastFailure() != null) {
                builder.withDetail("lastFailure", h.lastFailure());
            }
            if (h.lost() > 0 || full) {
                builder.down();
            } else {
                builder.up();
            }
        }
    }
}
