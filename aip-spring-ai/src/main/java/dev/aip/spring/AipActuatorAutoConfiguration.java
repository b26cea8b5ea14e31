package dev.aip.spring;

import dev.aip.core.governance.Governance;
import dev.aip.core.governance.PolicyStore;
import dev.aip.core.governance.PolicyWatcher;
import dev.aip.core.metering.UsageMeter;
import dev.aip.core.profile.TenantProfileResolver;
import dev.aip.core.sink.InMemoryUsageAggregates;
import dev.aip.core.sink.JsonLinesLedger;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/** Actuator: the {@code aip} endpoint and the {@code aip} health indicator. */
@AutoConfiguration(after = AipAutoConfiguration.class)
@ConditionalOnClass(Endpoint.class)
@ConditionalOnBean(UsageMeter.class)
public class AipActuatorAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnAvailableEndpoint
    AipEndpoint aipEndpoint(InMemoryUsageAggregates usage, TenantDirectory tenants,
                            ObjectProvider<Governance> governance, ObjectProvider<PolicyStore> policies,
                            ObjectProvider<AdmissionGate> gate, ObjectProvider<PolicyReloads> reloads) {
        return new AipEndpoint(usage, tenants, governance.getIfAvailable(), policies.getIfAvailable(),
                gate.getIfAvailable(), reloads.getIfAvailable());
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(PolicyStore.class)
    PolicyReloads aipPolicyReloads(PolicyStore policies, ObjectProvider<PolicyWatcher> watcher,
                                   ObjectProvider<PolicyAnnouncer> announcer) {
        return new PolicyReloads(policies, watcher.getIfAvailable(), announcer.getIfAvailable());
    }

    @Bean
    @ConditionalOnMissingBean(name = "aipHealthIndicator")
    @ConditionalOnEnabledHealthIndicator("aip")
    AipHealthIndicator aipHealthIndicator(ObjectProvider<JsonLinesLedger> ledger, TenantProfileResolver resolver,
                                          UsageMeter meter, ObjectProvider<PolicyReloads> reloads) {
        return new AipHealthIndicator(ledger.getIfAvailable(), resolver, meter, reloads.getIfAvailable());
    }
}
