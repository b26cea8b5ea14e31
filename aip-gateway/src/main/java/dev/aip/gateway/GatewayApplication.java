package dev.aip.gateway;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/**
 * The aip gateway: an OpenAI-compatible HTTP endpoint in front of Amazon Bedrock for clients that are not Java.
 * Each API key belongs to a tenant; each call is routed to the tenant's application inference profile through
 * aip's {@code ChatPipeline}, admitted by the tenant's governance, and metered once per attempt.
 *
 * <pre>{@code
 * aip-gateway/run                      # on the in-process Bedrock emulator, port 8080
 * curl -s localhost:8080/v1/chat/completions -H 'Authorization: Bearer sk-acme-dev' \
 *   -H 'Content-Type: application/json' \
 *   -d '{"model":"claude-haiku","messages":[{"role":"user","content":"Hello"}]}'
 * }</pre>
 */
@SpringBootApplication
@EnableConfigurationProperties(GatewayProperties.class)
public class GatewayApplication {

    /**
     * Starts the gateway.
     *
     * @param args Spring Boot arguments, e.g. {@code --spring.profiles.active=dev}
     */
    public static void main(String[] args) {
        SpringApplication.run(GatewayApplication.class, args);
    }
}
