/**
 * aip for Spring Boot and Spring AI: auto-configured tenant-aware Bedrock clients (so Spring AI's
 * {@code BedrockProxyChatModel} routes, governs and meters every call per tenant), a {@link
 * dev.aip.spring.TenantAwareChatModel}, the {@link dev.aip.spring.TenantAdvisor} for ChatClient, tenant resolution
 * for web requests ({@link dev.aip.spring.TenantResolver}), HTTP error mapping ({@link dev.aip.spring.AipErrors}),
 * {@code /actuator/aip}, a health indicator and OpenTelemetry GenAI meters.
 *
 * <p>Configure with {@code aip.*} properties ({@link dev.aip.spring.AipProperties}).
 */
package dev.aip.spring;
