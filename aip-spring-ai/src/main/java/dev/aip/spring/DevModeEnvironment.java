package dev.aip.spring;

import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Dev mode ({@code aip.emulator.enabled=true}) supplies what Spring AI's Bedrock auto-configuration would otherwise
 * look for in the environment: without {@code spring.ai.bedrock.aws.region} it asks the SDK's region chain, which
 * on a machine without AWS settings probes the EC2 instance metadata service (seconds of waiting and a long WARN).
 * Spring AI's chat model runs on aip's clients, which dev mode points at the emulator, so that region is never used
 * for a call.
 *
 * <p>Only defaults are added, as the lowest-precedence property source: anything the application sets wins. Nothing
 * is added outside dev mode. Credentials are not supplied: Spring AI's default credentials provider resolves lazily,
 * and never does here, because aip's clients carry the emulator's credentials.
 *
 * <p>Thread-safe: stateless.
 */
final class DevModeEnvironment implements EnvironmentPostProcessor {

    static final String SOURCE = "aipDevModeDefaults";
    static final String SPRING_AI_REGION = "spring.ai.bedrock.aws.region";

    /** The emulator's region (aip starts it with its default). */
    static final String EMULATOR_REGION = "us-east-1";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (!environment.getProperty("aip.emulator.enabled", Boolean.class, false)
                || !environment.getProperty("aip.enabled", Boolean.class, true)
                || environment.containsProperty(SPRING_AI_REGION)) {
            return;
        }
        environment.getPropertySources().addLast(new MapPropertySource(SOURCE,
                Map.of(SPRING_AI_REGION, EMULATOR_REGION)));
    }
}
