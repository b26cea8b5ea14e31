package dev.aip.gateway;

import dev.aip.core.bedrock.BedrockChatTransport;
import dev.aip.core.ConfigurationException;
import dev.aip.core.chat.Admission;
import dev.aip.core.chat.CallObserver;
import dev.aip.core.chat.CallTimeouts;
import dev.aip.core.chat.ChatClient;
import dev.aip.core.chat.ChatPipeline;
import dev.aip.core.chat.RetryPolicy;
import dev.aip.core.governance.Governance;
import dev.aip.core.metering.UsageMeter;
import dev.aip.core.profile.ProfileBalancer;
import dev.aip.core.profile.TagDiscoveryProfileResolver;
import dev.aip.core.profile.TenantProfileResolver;
import dev.aip.core.tenant.Tier;
import dev.aip.keys.ApiKeyStore;
import dev.aip.spring.AdmissionGate;
import dev.aip.spring.AipClientInterceptors;
import dev.aip.spring.AipConnection;
import dev.aip.spring.AipProperties;
import dev.aip.spring.TenantDirectory;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.web.context.WebServerGracefulShutdownLifecycle;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.web.server.WebFilter;
import software.amazon.awssdk.core.client.config.SdkAdvancedAsyncClientOption;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;

/**
 * The gateway's wiring. Everything that decides how a call reaches Bedrock is in {@link #gatewayPipeline}: the
 * tenant's profile resolver, governance as admission (through aip's {@link AdmissionGate}, so refusals show in
 * {@code /actuator/aip}), call timeouts by tier, retries with backoff, load balancing over a tenant's profiles, the policy's fallback
 * chains, metering, traces and the transport.
 */
@Configuration(proxyBeanMethods = false)
class GatewayConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayConfiguration.class);

    @Bean
    ChatClient gatewayPipeline(TenantProfileResolver resolver, UsageMeter meter, ObjectProvider<AdmissionGate> gate,
                               ObjectProvider<Governance> governance, ObjectProvider<ProfileBalancer> balancer,
                               BedrockRuntimeClient sync, BedrockRuntimeAsyncClient async,
                               GatewayProperties properties, ObjectProvider<CallObserver> observer) {
        AdmissionGate g = gate.getIfAvailable();
        ChatPipeline.Builder b = ChatPipeline.builder()
                .resolver(resolver)
                .meter(meter)
                .admission(g != null ? g.admission() : Admission.allowAll())
                // Backoff with jitter on throttles and 5xx, then the next profile of the call.
                .retryPolicy(RetryPolicy.backoff().maxAttempts(Math.max(1, properties.getMaxAttempts())).build())
                .transport(BedrockChatTransport.builder().client(sync).asyncClient(async).build())
                .timeouts(timeouts(properties));
        // Load balancing over a tenant's several profiles (aip.profiles.balancer), and the tenants' policy
        // fallback chains once their own profiles failed.
        balancer.ifAvailable(b::balancer);
        governance.ifAvailable(gov -> b.fallbackRoutes(gov.fallbackRoutes()));
        // Traces (aip.tracing.*: an OpenTelemetry bean with aip-opentelemetry present).
        observer.ifUnique(b::observer);
        return b.build();
    }

    /**
     * With traces on (aip's {@code CallObserver} and an {@code OpenTelemetry} bean), continues each request's
     * {@code traceparent}: the call's span becomes a child of the caller's span. Otherwise a pass-through.
     */
    @Bean
    WebFilter gatewayInboundTrace(ObjectProvider<CallObserver> observer,
                                  ObjectProvider<io.opentelemetry.api.OpenTelemetry> openTelemetry) {
        var otel = observer.getIfUnique() == null ? null : openTelemetry.getIfUnique();
        return otel != null ? new InboundTrace(otel) : (exchange, chain) -> chain.filter(exchange);
    }

    /**
     * The Bedrock client the gateway calls through: the async (Netty) client, tuned for a server that never blocks.
     * Its futures complete on the I/O thread that read the answer, not on the SDK's completion pool (the gateway's
     * completion path only relays and meters; the ledger and remote governance states do their I/O on threads of
     * their own), and its connections run on the web server's event loops ({@code aip.gateway.share-event-loops}),
     * so a call costs no thread hand-off between the two. The interceptors are aip's, as on the starter's client.
     */
    @Bean(destroyMethod = "")   // closed by gatewayBedrockClientCloser, while the event loops still run
    BedrockRuntimeAsyncClient gatewayBedrockAsyncClient(AipConnection connection, AipClientInterceptors interceptors,
                                                        AipProperties aip, GatewayProperties properties,
                                                        ObjectProvider<ReactorResourceFactory> reactor) {
        NettyNioAsyncHttpClient.Builder http = NettyNioAsyncHttpClient.builder()
                .maxConcurrency(aip.getHttp().getMaxConnections());
        ReactorResourceFactory resources = reactor.getIfAvailable();
        if (properties.isShareEventLoops() && resources != null) {
            // The server's group: the client does not own it, so closing the client leaves the server's loops.
            http.eventLoopGroup(SdkEventLoopGroup.create(resources.getLoopResources().onServer(true)));
        }
        var b = BedrockRuntimeAsyncClient.builder().region(connection.region()).httpClientBuilder(http)
                .credentialsProvider(connection.credentials()).overrideConfiguration(interceptors::addTo)
                .asyncConfiguration(a -> a.advancedOption(SdkAdvancedAsyncClientOption.FUTURE_COMPLETION_EXECUTOR,
                        Runnable::run));
        if (connection.endpoint() != null) {
            b.endpointOverride(connection.endpoint());
        }
        return b.build();
    }

    /**
     * Closes the gateway's Bedrock client on shutdown after the calls are drained but before Reactor's resources
     * (phase 0) dispose the event loops its connections run on; closing it later fails on the terminated loops.
     * Also closes it if the context is destroyed without being stopped.
     */
    @Bean
    SmartLifecycle gatewayBedrockClientCloser(BedrockRuntimeAsyncClient gatewayBedrockAsyncClient) {
        return new StopStep(1, gatewayBedrockAsyncClient::close, true);
    }

    /** aip.gateway.timeout and aip.gateway.tier-timeouts, validated (a bad tier name or duration fails start-up). */
    static CallTimeouts timeouts(GatewayProperties properties) {
        Map<Tier, Duration> byTier = new LinkedHashMap<>();
        properties.getTierTimeouts().forEach((tier, timeout) -> {
            try {
                byTier.put(Tier.of(tier), timeout);
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException("aip.gateway.tier-timeouts names the tier \"" + tier + "\": "
                        + e.getMessage(), e);
            }
        });
        try {
            return new CallTimeouts(properties.getTimeout(), byTier);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new ConfigurationException("aip.gateway.timeout / tier-timeouts: " + e.getMessage(), e);
        }
    }

    /** The keys of aip.gateway.keys and, when configured, of the shared store (see {@link GatewayKeyStoreConfiguration}). */
    @Bean
    ApiKeys gatewayApiKeys(GatewayProperties properties, ObjectProvider<ApiKeyStore> store, KeyRateLimits limits) {
        return ApiKeys.of(properties.getKeys(), store.getIfAvailable(), limits);
    }

    @Bean
    InFlightLimits gatewayInFlightLimits(GatewayProperties properties, ObjectProvider<MeterRegistry> registry) {
        InFlightLimits limits = new InFlightLimits(properties.getMaxInFlight(), properties.getMaxInFlightPerTenant());
        registry.ifAvailable(r -> Gauge.builder("aip.gateway.in-flight", limits, InFlightLimits::inFlight)
                .description("Calls in flight in the gateway (capped by aip.gateway.max-in-flight)").register(r));
        return limits;
    }

    /**
     * Graceful shutdown's last step: the web server's graceful phase lets calls in flight finish within
     * spring.lifecycle.timeout-per-shutdown-phase; then this phase (before the server stops and before any bean the
     * calls use is destroyed) aborts the calls still running, so each is settled once, as cancelled. Reactor Netty
     * alone would let a long stream run on past the grace period.
     */
    @Bean
    SmartLifecycle gatewayCallDrain(InFlightLimits limits) {
        return new StopStep(WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE - 512, () -> {
            int aborted = limits.abortAll();
            if (aborted > 0) {
                LOG.warn("Shutdown: cancelled {} calls still in flight after the grace period", aborted);
            }
        }, false);
    }

    /**
     * Graceful shutdown's first step. Closing the context publishes readiness REFUSING_TRAFFIC (so
     * {@code /actuator/health/readiness} answers OUT_OF_SERVICE) before any lifecycle stops; this phase, the one
     * before the web server's graceful phase, then keeps serving for {@code aip.gateway.shutdown-delay} so load
     * balancers see the probe and send new calls elsewhere before the server stops taking connections.
     */
    @Bean
    SmartLifecycle gatewayShutdownDelay(GatewayProperties properties) {
        Duration delay = properties.getShutdownDelay();
        if (delay == null || delay.isNegative()) {
            throw new ConfigurationException("aip.gateway.shutdown-delay must be zero or positive, got " + delay);
        }
        return new StopStep(WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE + 1, () -> {
            if (!delay.isZero()) {
                LOG.info("Shutdown: readiness is OUT_OF_SERVICE; serving {} more before draining", delay);
                try {
                    Thread.sleep(delay.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }, false);
    }

    /**
     * Readiness: the profile index has loaded once (tag discovery), so the replica can route a tenant's call without
     * waiting for Bedrock; always up with the other resolvers, which resolve on demand. Deliberately not Redis nor
     * the ledger database: every replica shares them, so an outage there would take every replica out of the load
     * balancer at once; the governance failure policy and the ledger's spool handle those outages per call.
     */
    @Bean
    HealthIndicator profileIndexHealthIndicator(TenantProfileResolver resolver) {
        return () -> {
            if (resolver instanceof TagDiscoveryProfileResolver tags) {
                return tags.lastRefresh().map(at -> Health.up().withDetail("refreshedAt", at.toString()).build())
                        .orElseGet(() -> Health.outOfService().withDetail("refreshedAt", "never").build());
            }
            return Health.up().withDetail("resolver", "resolves on demand").build();
        };
    }

    /**
     * One step of the shutdown: runs once when its lifecycle phase stops (higher phases stop first), and, if
     * {@code alsoOnDestroy}, when the context is destroyed without having been stopped. A failure is logged.
     */
    private static final class StopStep implements SmartLifecycle, DisposableBean {
        private final int phase;
        private final Runnable action;
        private final boolean alsoOnDestroy;
        private final AtomicBoolean done = new AtomicBoolean();
        private volatile boolean running;

        StopStep(int phase, Runnable action, boolean alsoOnDestroy) {
            this.phase = phase;
            this.action = action;
            this.alsoOnDestroy = alsoOnDestroy;
        }

        @Override
        public void start() {
            running = true;
        }

        @Override
        public void stop() {
            running = false;
            runOnce();
        }

        @Override
        public void destroy() {
            if (alsoOnDestroy) {
                runOnce();
            }
        }

        private void runOnce() {
            if (done.compareAndSet(false, true)) {
                try {
                    action.run();
                } catch (RuntimeException e) {
                    LOG.warn("A shutdown step failed", e);
                }
            }
        }

        @Override
        public boolean isRunning() {
            return running;
        }

        @Override
        public int getPhase() {
            return phase;
        }
    }

    @Bean
    RecentRecords gatewayRecentRecords() {
        return new RecentRecords();
    }

    /** The models served: aip.gateway.models, else every logical model the profile configuration names. */
    @Bean
    GatewayModels gatewayModels(GatewayProperties gateway, AipProperties aip, TenantDirectory tenants) {
        Set<String> models = new LinkedHashSet<>(gateway.getModels());
        if (models.isEmpty()) {
            models.addAll(aip.getProfiles().getRoutes().keySet());
            models.addAll(aip.getProfiles().getDefaultProfiles().keySet());
            tenants.profiles().values().forEach(p -> models.addAll(p.keySet()));
        }
        Set<String> structured = new LinkedHashSet<>(gateway.getStructuredOutputModels());
        aip.getProfiles().getRoutes().forEach((model, route) -> {
            if (GatewayModels.takesStructuredOutput(route)) {
                structured.add(model);
            }
        });
        structured.retainAll(models);
        return new GatewayModels(List.copyOf(models), Set.copyOf(structured));
    }

    @Bean
    OpenAiErrorHandler openAiErrorHandler() {
        return new OpenAiErrorHandler();
    }

    @Bean
    RequestIds requestIds() {
        return new RequestIds();
    }

    /**
     * The logical models the gateway serves.
     *
     * @param names the model names, in order
     * @param structuredOutput the models that take structured output: routed to a foundation model AWS documents
     *     it for, or named in {@code aip.gateway.structured-output-models}
     */
    record GatewayModels(List<String> names, Set<String> structuredOutput) {

        /**
         * Foundation models with structured output on Converse, per the Bedrock user guide ("Get validated JSON
         * results from models"; the Claude model cards). Matched at the start of the id without its geography
         * ({@code us.}, {@code eu.}, {@code global.}, ...), so every version and date of one model matches.
         */
        private static final List<String> STRUCTURED_OUTPUT_FOUNDATION_MODELS = List.of(
                "anthropic.claude-haiku-4-5", "anthropic.claude-sonnet-4-5", "anthropic.claude-opus-4-5",
                "anthropic.claude-opus-4-6");

        /** Whether a route (a foundation model id or a system inference profile id) takes structured output. */
        static boolean takesStructuredOutput(String route) {
            if (route == null) {
                return false;
            }
            String id = route.substring(route.lastIndexOf('/') + 1);
            for (String model : STRUCTURED_OUTPUT_FOUNDATION_MODELS) {
                if (id.startsWith(model) || id.contains("." + model)) {
                    return true;
                }
            }
            return false;
        }
    }
}
