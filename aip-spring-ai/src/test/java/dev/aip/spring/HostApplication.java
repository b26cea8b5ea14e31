package dev.aip.spring;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.actuate.autoconfigure.metrics.MeterRegistryCustomizer;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * A Spring Boot application as its authors write one: every auto-configuration on the test class path switched on
 * (Spring MVC, Actuator with a Prometheus registry, Spring AI's Bedrock starter, aip), nothing of aip's wired by hand.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
class HostApplication {

    /** The logical model the tests route. */
    static final String MODEL = "claude-haiku";

    /** Dev mode: the embedded emulator, one model route, Spring AI's Bedrock model on it, two tenants, Actuator. */
    static final String[] DEV_MODE = {
        "aip.emulator.enabled=true",
        "aip.profiles.routes." + MODEL + "=us.anthropic.claude-3-5-haiku-20241022-v1:0",
        "spring.ai.bedrock.aws.region=us-east-1",
        "spring.ai.bedrock.converse.chat.options.model=" + MODEL,
        "aip.tenants.acme.tier=standard",
        "aip.tenants.globex.tier=standard",
        "management.endpoints.access.default=read-only",
        "management.endpoints.web.exposure.include=*",
    };

    private HostApplication() {}

    /**
     * Starts the application without a web server.
     *
     * @param properties properties beyond {@link #DEV_MODE}
     * @param configurations more configuration classes
     * @return the running context; close it
     */
    static ConfigurableApplicationContext start(String[] properties, Class<?>... configurations) {
        Class<?>[] sources = new Class<?>[configurations.length + 2];
        sources[0] = HostApplication.class;
        sources[1] = RegistrationFailures.class;
        System.arraycopy(configurations, 0, sources, 2, configurations.length);
        return new SpringApplicationBuilder(sources).web(WebApplicationType.NONE)
                .properties(DEV_MODE).properties(properties).run();
    }

    /** Starts the application in dev mode as it is. */
    static ConfigurableApplicationContext start() {
        return start(new String[0]);
    }

    /** Every meter a registry refused, with its reason (Prometheus refuses one whose label names differ). */
    @Configuration(proxyBeanMethods = false)
    static class RegistrationFailures {
        final List<String> failures = new CopyOnWriteArrayList<>();

        @Bean
        MeterRegistryCustomizer<MeterRegistry> registrationFailures() {
            return r -> r.config().onMeterRegistrationFailed((id, reason) -> failures.add(id + ": " + reason));
        }
    }
}
