package dev.aip.spring;

import dev.aip.core.ConfigurationException;
import dev.aip.core.bedrock.BedrockInferenceProfileApi;
import dev.aip.core.bedrock.TenantRoutingInterceptor;
import dev.aip.core.chat.CallObserver;
import dev.aip.core.chat.Admission;
import dev.aip.core.governance.Governance;
import dev.aip.core.governance.PolicyStore;
import dev.aip.core.governance.PolicyWatcher;
import dev.aip.core.metering.UsageMeter;
import dev.aip.core.profile.ModelRoutes;
import dev.aip.core.profile.ProfileBalancer;
import dev.aip.core.profile.ProvisioningProfileResolver;
import dev.aip.core.profile.StaticProfileResolver;
import dev.aip.core.profile.TagDiscoveryProfileResolver;
import dev.aip.core.profile.TenantProfileResolver;
import dev.aip.core.sink.InMemoryUsageAggregates;
import dev.aip.core.sink.JsonLinesLedger;
import dev.aip.core.sink.UsageSink;
import dev.aip.core.sink.UsageSinks;
import dev.aip.core.tenant.TenantId;
import dev.aip.emulator.BedrockEmulator;
import io.micrometer.observation.ObservationRegistry;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.ai.bedrock.converse.BedrockProxyChatModel;
import org.springframework.ai.chat.observation.ChatModelObservationConvention;
import org.springframework.ai.model.bedrock.converse.autoconfigure.BedrockConverseProxyChatProperties;
import org.springframework.ai.model.tool.DefaultToolExecutionEligibilityPredicate;
import org.springframework.ai.model.tool.ToolCallingManager;
import org.springframework.ai.model.tool.ToolExecutionEligibilityPredicate;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ResourceLoader;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;

/**
 * Makes every Bedrock call of a Spring Boot application tenant-aware: instrumented {@link BedrockRuntimeClient} and
 * {@link BedrockRuntimeAsyncClient} beans (primary, so Spring AI's {@code BedrockProxyChatModel} uses them for both
 * its sync and streaming calls), a {@link TenantProfileResolver} by {@code aip.profiles.strategy}, the
 * {@link UsageMeter} with its sinks, and {@link Governance} from {@code aip.policy-file} or {@code aip.policies}.
 *
 * <p>Misconfiguration fails the start-up, with a message naming the property to set: a Spring AI model
 * ({@code spring.ai.bedrock.converse.chat.options.model}) that no route or profile serves, or a route whose source
 * is not a model id, system profile id or ARN.
 *
 * <p>Dev mode ({@code aip.emulator.enabled=true}, with {@code aip-emulator} on the class path) starts an in-process
 * {@link BedrockEmulator}, logs its endpoint, and exposes it as a bean: inject it for scripts, faults and the
 * server-side view of the calls.
 *
 * <p>Every bean backs off when the application defines its own of the same type. An application that defines its
 * own runtime clients adds {@link AipClientInterceptors} to them; a client without them is reported at start-up.
 *
 * <p>Sinks: the meter hands each record to every {@link UsageSink} bean: the {@link InMemoryUsageAggregates} (for
 * {@code /actuator/aip}), the {@link JsonLinesLedger} when {@code aip.ledger.path} is set, the Micrometer sink when
 * a {@code MeterRegistry} exists, and any of the application's.
 */
@AutoConfiguration(beforeName = "org.springframework.ai.model.bedrock.converse.autoconfigure"
        + ".BedrockConverseProxyChatAutoConfiguration")
@ConditionalOnClass(BedrockRuntimeClient.class)
@ConditionalOnProperty(prefix = "aip", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(AipProperties.class)
public class AipAutoConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(AipAutoConfiguration.class);

    /** The dev-mode emulator: started in-process, every client pointed at it. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(BedrockEmulator.class)
    @ConditionalOnProperty(prefix = "aip.emulator", name = "enabled", havingValue = "true")
    static class EmulatorConfiguration {

        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        BedrockEmulator aipEmulator(AipProperties properties) {
            BedrockEmulator emulator = BedrockEmulator.builder().port(properties.getEmulator().getPort())
                    .seed(properties.getEmulator().getSeed()).build().start();
            LOG.warn("aip dev mode: Bedrock emulator on {} (region {}, account {}); no call reaches AWS. Inject the"
                    + " BedrockEmulator bean for scripts, faults and what it received.",
                    emulator.endpoint(), emulator.region(), emulator.accountId());
            return emulator;
        }

        @Bean
        @ConditionalOnMissingBean
        AipConnection aipConnection(BedrockEmulator emulator) {
            return new AipConnection(emulator.endpoint(), Region.of(emulator.region()),
                    StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDAIPDEV", "aip-dev")),
                    emulator.accountId());
        }
    }

    /**
     * Dev mode's Spring AI chat model, built on aip's clients in place of Spring AI's auto-configured one (which backs
     * off). Spring AI 1.1.2 builds its model with {@code BedrockProxyChatModel.builder()}, whose constructor asks the
     * SDK's region chain even when clients are given; on a machine without AWS settings that probes the EC2 instance
     * metadata service (seconds, and a long WARN). The model is the same otherwise: Spring AI's
     * {@code spring.ai.bedrock.converse.chat.options.*}, tool calling manager, observation registry and convention.
     * Outside dev mode Spring AI's own bean is used.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"dev.aip.emulator.BedrockEmulator",
        "org.springframework.ai.bedrock.converse.BedrockProxyChatModel",
        "org.springframework.ai.model.bedrock.converse.autoconfigure.BedrockConverseProxyChatProperties",
        "org.springframework.ai.model.tool.ToolCallingManager"})
    @ConditionalOnProperty(prefix = "aip.emulator", name = "enabled", havingValue = "true")
    static class DevModeChatModelConfiguration {

        @Bean
        @ConditionalOnMissingBean
        @ConditionalOnProperty(name = "spring.ai.model.chat", havingValue = "bedrock-converse", matchIfMissing = true)
        BedrockProxyChatModel bedrockProxyChatModel(
                BedrockRuntimeClient client, BedrockRuntimeAsyncClient asyncClient, Environment environment,
                ObjectProvider<BedrockConverseProxyChatProperties> chatProperties,
                ObjectProvider<ToolCallingManager> toolCallingManager,
                ObjectProvider<ObservationRegistry> observationRegistry,
                ObjectProvider<ChatModelObservationConvention> convention,
                ObjectProvider<ToolExecutionEligibilityPredicate> eligibility) {
            // Spring AI's own properties bean when its auto-configuration is there, else the same properties bound.
            BedrockConverseProxyChatProperties properties = chatProperties.getIfAvailable(() -> Binder.get(environment)
                    .bindOrCreate(BedrockConverseProxyChatProperties.CONFIG_PREFIX,
                            BedrockConverseProxyChatProperties.class));
            BedrockProxyChatModel model = new BedrockProxyChatModel(client, asyncClient, properties.getOptions(),
                    observationRegistry.getIfUnique(() -> ObservationRegistry.NOOP),
                    toolCallingManager.getIfAvailable(() -> ToolCallingManager.builder().build()),
                    eligibility.getIfUnique(DefaultToolExecutionEligibilityPredicate::new));
            convention.ifAvailable(model::setObservationConvention);
            return model;
        }
    }

    @Bean
    @ConditionalOnMissingBean
    AipConnection aipConnection(AipProperties properties) {
        Region region;
        if (properties.getRegion() != null) {
            region = Region.of(properties.getRegion());
        } else {
            try {
                region = DefaultAwsRegionProviderChain.builder().build().getRegion();
            } catch (SdkClientException e) {
                throw new ConfigurationException("aip needs an AWS region: set aip.region or AWS_REGION", e);
            }
        }
        URI endpoint = properties.getEndpoint();
        return new AipConnection(endpoint, region, DefaultCredentialsProvider.builder().build(),
                properties.getProfiles().getAccountId());
    }

    @Bean
    @ConditionalOnMissingBean
    TenantDirectory aipTenantDirectory(AipProperties properties, ResourceLoader resourceLoader) {
        return TenantDirectory.from(properties, resourceLoader.getClassLoader());
    }

    @Bean
    @ConditionalOnMissingBean
    InMemoryUsageAggregates aipUsageAggregates() {
        return new InMemoryUsageAggregates();
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "aip.ledger", name = "path")
    JsonLinesLedger aipLedger(AipProperties properties) {
        AipProperties.Ledger l = properties.getLedger();
        JsonLinesLedger.Builder b = JsonLinesLedger.builder().path(l.getPath()).fsyncEvery(l.getFsyncEvery())
                .fsyncInterval(l.getFsyncInterval()).durability(l.getDurability());
        if (l.getMaxLag() != null) {
            b.maxLag(l.getMaxLag());
        }
        return b.build();
    }

    @Bean
    @ConditionalOnMissingBean
    UsageMeter aipMeter(AipConnection connection, ObjectProvider<UsageSink> sinks) {
        // Sinks are looked up on first use: the meter is built before some sinks (e.g. the Micrometer one).
        UsageSinks.FanOut[] fanOut = new UsageSinks.FanOut[1];
        return UsageMeter.builder().region(connection.region().id()).sink(record -> {
            UsageSinks.FanOut f = fanOut[0];
            if (f == null) {
                synchronized (fanOut) {
                    if (fanOut[0] == null) {
                        fanOut[0] = UsageSinks.fanOut(sinks.orderedStream().toArray(UsageSink[]::new));
                    }
                    f = fanOut[0];
                }
            }
            f.accept(record);
        }).build();
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    BedrockClient aipBedrockControlPlane(AipConnection connection) {
        var b = BedrockClient.builder().region(connection.region()).credentialsProvider(connection.credentials());
        if (connection.endpoint() != null) {
            b.endpointOverride(connection.endpoint());
        }
        return b.build();
    }

    @Bean
    @ConditionalOnMissingBean
    TenantProfileResolver aipProfileResolver(AipProperties properties, AipConnection connection,
                                             TenantDirectory tenants, BedrockClient controlPlane,
                                             Environment environment) {
        AipProperties.Profiles p = properties.getProfiles();
        BedrockInferenceProfileApi api = BedrockInferenceProfileApi.create(controlPlane);
        String chatModel = environment.getProperty(StartupChecks.SPRING_AI_MODEL);
        return switch (strategy(properties)) {
            case STATIC -> {
                StartupChecks.staticModel(chatModel, p, tenants);
                yield HintingResolver.staticProfiles(staticResolver(p, tenants, api));
            }
            case TAGS -> TagDiscoveryProfileResolver.builder(api).refreshInterval(p.getRefreshInterval()).build()
                    .start();
            case PROVISIONING -> {
                ModelRoutes.Builder routes = ModelRoutes.builder().region(connection.region().id());
                if (connection.accountId() != null) {
                    routes.accountId(connection.accountId());
                }
                p.getRoutes().forEach((model, source) -> StartupChecks.route(model, source,
                        () -> routes.route(model, sourceArn(source, connection))));
                ModelRoutes built = routes.build();
                StartupChecks.provisionedModel(chatModel, built, connection);
                ProvisioningProfileResolver.Builder provisioning = ProvisioningProfileResolver.builder(api)
                        .routes(built);
                if (p.getVerifyInterval() != null) {
                    provisioning.verifyInterval(p.getVerifyInterval());
                }
                yield HintingResolver.routes(provisioning.build(), built);
            }
        };
    }

    /** The strategy in force: the one set, else provisioning in dev mode and static otherwise. */
    static AipProperties.Strategy strategy(AipProperties properties) {
        AipProperties.Strategy set = properties.getProfiles().getStrategy();
        return set != null ? set : properties.getEmulator().isEnabled() ? AipProperties.Strategy.PROVISIONING
                : AipProperties.Strategy.STATIC;
    }

    /** A route's source as an ARN: ARNs as they are; system profile ids and model ids made into ARNs. */
    static String sourceArn(String source, AipConnection connection) {
        if (source.startsWith("arn:")) {
            return source;
        }
        String region = connection.region().id();
        if (source.matches("(us|eu|apac|global|us-gov|ca|jp|au)\\..+")) {
            if (connection.accountId() == null) {
                throw new ConfigurationException("aip.profiles.routes uses the system profile id " + source
                        + "; set aip.profiles.account-id, or give the profile's ARN");
            }
            return "arn:aws:bedrock:" + region + ":" + connection.accountId() + ":inference-profile/" + source;
        }
        return "arn:aws:bedrock:" + region + "::foundation-model/" + source;
    }

    private static TenantProfileResolver staticResolver(AipProperties.Profiles p, TenantDirectory tenants,
                                                        BedrockInferenceProfileApi api) {
        StaticProfileResolver.Builder b = StaticProfileResolver.builder().api(api);
        Map<String, String> sources = p.getSourceModels();
        boolean trusted = !sources.isEmpty();
        if (trusted) {
            b.trustMapping();
        }
        for (Map.Entry<TenantId, Map<String, String>> t : tenants.profiles().entrySet()) {
            t.getValue().forEach((model, arns) -> {
                String source = sources.get(model);
                for (String arn : arns.split(",")) {
                    if (source != null) {
                        b.profile(t.getKey(), model, arn.trim(), source);
                    } else {
                        b.profile(t.getKey(), model, arn.trim());
                    }
                }
            });
        }
        p.getDefaultProfiles().forEach((model, arn) -> {
            String source = sources.get(model);
            if (source != null) {
                b.defaultProfile(model, arn, source);
            } else {
                b.defaultProfile(model, arn);
            }
        });
        return b.build();
    }

    @Bean
    @ConditionalOnMissingBean
    @Conditional(PolicySources.Configured.class)
    PolicyStore aipPolicyStore(AipProperties properties, ResourceLoader resourceLoader) {
        return PolicySources.store(properties, resourceLoader.getClassLoader());
    }

    /**
     * {@code aip.policy-watch.enabled}: the policy file is checked every {@code aip.policy-watch.interval} and a
     * changed, valid one put in force; with {@code aip.redis.uri}, also whenever another replica announces a new
     * version.
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @ConditionalOnBean(PolicyStore.class)
    @ConditionalOnProperty(prefix = "aip.policy-watch", name = "enabled", havingValue = "true")
    PolicyWatcher aipPolicyWatcher(PolicyStore policies, AipProperties properties) {
        if (policies.file().isEmpty()) {
            throw new ConfigurationException("aip.policy-watch.enabled is true, but the policies do not come from a"
                    + " file on the file system (aip.policies inline, or aip.policy-file inside a jar or at a URL);"
                    + " set aip.policy-file to a file path (e.g. a mounted ConfigMap), or turn the watch off");
        }
        return PolicyWatcher.builder(policies).interval(properties.getPolicyWatch().getInterval()).build().start();
    }

    /**
     * {@code aip.redis.uri} with {@code aip-governance-redis} on the class path: a {@code RedisConfigBus} on
     * {@code aip.redis.config-channel}, so that every replica checks its policy file when another announces a new
     * version, and its profile resolver forgets profiles deleted or replaced elsewhere.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "dev.aip.config.redis.RedisConfigBus")
    @ConditionalOnProperty(prefix = "aip.redis", name = "uri")
    static class RedisConfigBusConfiguration {

        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        dev.aip.config.redis.RedisConfigBus aipConfigBus(AipProperties properties, TenantProfileResolver resolver,
                                                         ObjectProvider<PolicyWatcher> watcher,
                                                         ObjectProvider<PolicyStore> policies) {
            var bus = dev.aip.config.redis.RedisConfigBus.builder().uri(properties.getRedis().getUri())
                    .channel(properties.getRedis().getConfigChannel()).resolver(resolver);
            PolicyWatcher w = watcher.getIfAvailable();
            if (w != null) {
                bus.policies(w);
            } else if (policies.getIfAvailable() != null) {
                LOG.warn("aip.redis.uri is set but aip.policy-watch.enabled is not: policy versions announced by"
                        + " other replicas are not applied here. Set aip.policy-watch.enabled=true.");
            }
            return bus.build().start();
        }

        @Bean
        @ConditionalOnMissingBean
        PolicyAnnouncer aipPolicyAnnouncer(dev.aip.config.redis.RedisConfigBus bus) {
            return new PolicyAnnouncer() {
                @Override
                public long announce(String version) {
                    return bus.publishPolicies(version);
                }

                @Override
                public Map<String, Object> status() {
                    var s = bus.status();
                    Map<String, Object> out = new java.util.LinkedHashMap<>();
                    out.put("subscribed", s.subscribed());
                    out.put("received", s.received());
                    out.put("lastReceivedAt", s.lastReceivedAt() == null ? "never" : s.lastReceivedAt().toString());
                    if (s.announcedPolicyVersion() != null) {
                        out.put("announcedPolicyVersion", s.announcedPolicyVersion());
                    }
                    return out;
                }
            };
        }
    }

    @Bean
    @ConditionalOnMissingBean(Admission.class)
    @ConditionalOnBean(PolicyStore.class)
    Governance aipGovernance(PolicyStore policies, ObjectProvider<AipGovernanceCustomizer> customizers) {
        Governance.Builder builder = Governance.builder().policies(policies);
        customizers.orderedStream().forEach(c -> c.customize(builder));
        return builder.build();
    }

    @Bean
    @ConditionalOnBean(Admission.class)
    AdmissionGate aipAdmissionGate(Admission admission) {
        return new AdmissionGate(admission, Clock.systemUTC());
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "aip.profiles", name = "balancer")
    ProfileBalancer aipProfileBalancer(AipProperties properties) {
        String name = properties.getProfiles().getBalancer().trim().toUpperCase(java.util.Locale.ROOT)
                .replace('-', '_');
        try {
            return ProfileBalancer.builder().strategy(ProfileBalancer.Strategy.valueOf(name)).build();
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("aip.profiles.balancer is \"" + properties.getProfiles().getBalancer()
                    + "\"; use least-loaded or weighted-random", e);
        }
    }

    @Bean
    @ConditionalOnMissingBean
    TenantRoutingInterceptor aipRoutingInterceptor(TenantProfileResolver resolver, UsageMeter meter,
                                                   ObjectProvider<AdmissionGate> gate,
                                                   ObjectProvider<ProfileBalancer> balancer,
                                                   ObjectProvider<CallObserver> observer) {
        TenantRoutingInterceptor.Builder b = TenantRoutingInterceptor.builder().resolver(resolver).meter(meter);
        gate.ifAvailable(g -> b.admission(g.admission()));
        balancer.ifAvailable(b::balancer);
        observer.ifUnique(b::observer);
        return b.build();
    }

    @Bean
    @ConditionalOnMissingBean
    AipClientInterceptors aipClientInterceptors(TenantDirectory tenants, ObjectProvider<AdmissionGate> gate,
                                                TenantRoutingInterceptor routing) {
        return new AipClientInterceptors(List.of(new TenantBridgeInterceptor(tenants, gate.getIfAvailable()),
                routing));
    }

    @Bean(destroyMethod = "close")
    @Primary
    @ConditionalOnMissingBean
    BedrockRuntimeClient aipBedrockRuntimeClient(AipConnection connection, AipClientInterceptors interceptors,
                                                 AipProperties properties) {
        var b = BedrockRuntimeClient.builder().region(connection.region())
                .httpClientBuilder(ApacheHttpClient.builder().maxConnections(
                        properties.getHttp().getMaxConnections()))
                .credentialsProvider(connection.credentials()).overrideConfiguration(interceptors::addTo);
        if (connection.endpoint() != null) {
            b.endpointOverride(connection.endpoint());
        }
        return b.build();
    }

    @Bean(destroyMethod = "close")
    @Primary
    @ConditionalOnMissingBean
    BedrockRuntimeAsyncClient aipBedrockRuntimeAsyncClient(AipConnection connection,
                                                           AipClientInterceptors interceptors,
                                                           AipProperties properties) {
        var b = BedrockRuntimeAsyncClient.builder().region(connection.region())
                .httpClientBuilder(NettyNioAsyncHttpClient.builder().maxConcurrency(
                        properties.getHttp().getMaxConnections()))
                .credentialsProvider(connection.credentials()).overrideConfiguration(interceptors::addTo);
        if (connection.endpoint() != null) {
            b.endpointOverride(connection.endpoint());
        }
        return b.build();
    }

    /** Warns about runtime client beans that would bypass routing, governance and metering. */
    @Bean
    static SmartInitializingSingleton aipClientCheck(ApplicationContext context) {
        return () -> {
            AipClientInterceptors aip = context.getBeanProvider(AipClientInterceptors.class).getIfAvailable();
            if (aip == null) {
                return;
            }
            context.getBeansOfType(BedrockRuntimeClient.class).forEach((name, client) -> warnIfBare(aip, name,
                    client.serviceClientConfiguration().overrideConfiguration()));
            context.getBeansOfType(BedrockRuntimeAsyncClient.class).forEach((name, client) -> warnIfBare(aip,
                    name, client.serviceClientConfiguration().overrideConfiguration()));
        };
    }

    private static void warnIfBare(AipClientInterceptors aip, String name,
                                   software.amazon.awssdk.core.client.config.ClientOverrideConfiguration config) {
        if (!aip.presentIn(config)) {
            LOG.warn("Bedrock client bean '{}' lacks aip's interceptors: its calls are not routed, governed or"
                    + " metered per tenant. Build it with overrideConfiguration(aipClientInterceptors::addTo).",
                    name);
        }
    }
}
