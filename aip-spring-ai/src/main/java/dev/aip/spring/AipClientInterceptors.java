package dev.aip.spring;

import java.util.List;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * The execution interceptors that make a Bedrock runtime client tenant-aware, in the order they must run. aip's own
 * client beans carry them; an application that defines its own {@code BedrockRuntimeClient} or
 * {@code BedrockRuntimeAsyncClient} bean adds them itself:
 * <pre>{@code
 * @Bean
 * BedrockRuntimeClient bedrock(AipClientInterceptors aip) {
 *     return BedrockRuntimeClient.builder().overrideConfiguration(aip::addTo).build();
 * }
 * }</pre>
 *
 * <p>Immutable.
 *
 * @param interceptors the interceptors, in order
 */
public record AipClientInterceptors(List<ExecutionInterceptor> interceptors) {

    /** Copies the list. */
    public AipClientInterceptors {
        interceptors = List.copyOf(interceptors);
    }

    /**
     * Adds the interceptors, in order, to a client's configuration.
     *
     * @param config the client's override configuration builder
     */
    public void addTo(ClientOverrideConfiguration.Builder config) {
        interceptors.forEach(config::addExecutionInterceptor);
    }

    /**
     * Returns whether a client configuration carries all of them.
     *
     * @param config a client's override configuration
     * @return whether each interceptor is present
     */
    public boolean presentIn(ClientOverrideConfiguration config) {
        return config.executionInterceptors().containsAll(interceptors);
    }
}
