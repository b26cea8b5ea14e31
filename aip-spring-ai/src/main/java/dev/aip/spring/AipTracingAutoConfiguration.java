package dev.aip.spring;

import dev.aip.core.chat.CallObserver;
import dev.aip.opentelemetry.TracingCallObserver;
import io.opentelemetry.api.OpenTelemetry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/**
 * OpenTelemetry traces: every model call becomes a span with a child span per attempt ({@link TracingCallObserver}),
 * on the SDK interceptor of aip's Bedrock clients and on the Spring AI advisor (a ChatClient call's span parents the
 * spans of the model calls it makes).
 *
 * <p>Off unless the application has an {@link OpenTelemetry} bean (its own, or Spring Boot's when the OpenTelemetry
 * SDK is on the class path) and {@code dev.aip:aip-opentelemetry} is on the class path; {@code aip.tracing.enabled=false}
 * turns it off. Without them no OpenTelemetry class is loaded through aip. An application's own {@link CallObserver}
 * bean replaces this one.
 */
@AutoConfiguration(before = {AipAutoConfiguration.class, AipSpringAiAutoConfiguration.class}, afterName = {
    "org.springframework.boot.actuate.autoconfigure.opentelemetry.OpenTelemetryAutoConfiguration",
    "org.springframework.boot.actuate.autoconfigure.tracing.OpenTelemetryTracingAutoConfiguration"})
@ConditionalOnClass({OpenTelemetry.class, TracingCallObserver.class})
@ConditionalOnBean(OpenTelemetry.class)
@ConditionalOnProperty(prefix = "aip.tracing", name = "enabled", havingValue = "true", matchIfMissing = true)
public class AipTracingAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(CallObserver.class)
    TracingCallObserver aipTracingCallObserver(OpenTelemetry openTelemetry) {
        return TracingCallObserver.builder(openTelemetry).build();
    }
}
