package dev.aip.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.ConfigurationException;
import dev.aip.core.profile.TenantProfileResolver;
import dev.aip.core.tenant.TenantContext;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
import org.springframework.ai.model.bedrock.converse.autoconfigure.BedrockConverseProxyChatAutoConfiguration;
import org.springframework.ai.model.chat.client.autoconfigure.ChatClientAutoConfiguration;
import org.springframework.ai.model.tool.autoconfigure.ToolCallingAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Misconfiguration fails the start-up with the property to set, in Spring's terms. */
class StartupChecksTest {

    static final String HAIKU = "us.anthropic.claude-3-5-haiku-20241022-v1:0";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(AipAutoConfiguration.class, AipSpringAiAutoConfiguration.class,
                    ToolCallingAutoConfiguration.class, BedrockConverseProxyChatAutoConfiguration.class,
                    ChatClientAutoConfiguration.class))
            .withPropertyValues("spring.ai.bedrock.aws.region=us-east-1");

    @Test
    void devMode_springAiModelWithoutRoute_failsStartUpNamingTheRouteProperty() {
        runner.withPropertyValues("aip.emulator.enabled=true",
                        "spring.ai.bedrock.converse.chat.options.model=claude-haiku")
                .run(context -> {
                    assertThat(context).hasFailed();
                    ConfigurationException cause = rootConfigurationException(context.getStartupFailure());
                    assertThat(cause.getMessage()).contains("spring.ai.bedrock.converse.chat.options.model",
                                    "aip.profiles.routes.claude-haiku")
                            .doesNotContain("ModelRoutes.builder");
                    FailureAnalysis analysis = new AipFailureAnalyzer().analyze(context.getStartupFailure());
                    assertThat(analysis.getDescription()).contains("aip.profiles.routes.claude-haiku");
                    assertThat(analysis.getAction()).contains("aip configuration");
                });
    }

    @Test
    void devMode_springAiModelRoutedOrAModelId_starts() {
        runner.withPropertyValues("aip.emulator.enabled=true", "aip.profiles.routes.claude-haiku=" + HAIKU,
                        "spring.ai.bedrock.converse.chat.options.model=claude-haiku")
                .run(context -> assertThat(context).hasNotFailed());
        runner.withPropertyValues("aip.emulator.enabled=true",
                        "spring.ai.bedrock.converse.chat.options.model=" + HAIKU)
                .run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void staticStrategy_springAiModelWithoutAnyProfile_failsStartUpNamingTheProfileProperties() {
        runner.withPropertyValues("aip.region=us-east-1", "aip.tenants.acme.tier=premium",
                        "spring.ai.bedrock.converse.chat.options.model=claude-haiku")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(rootConfigurationException(context.getStartupFailure()).getMessage())
                            .contains("aip.profiles.default-profiles.claude-haiku",
                                    "aip.tenants.<tenant>.profiles.claude-haiku")
                            .doesNotContain("StaticProfileResolver.builder");
                });
    }

    @Test
    void route_withAnInvalidSource_failsStartUpNamingTheRoute() {
        runner.withPropertyValues("aip.emulator.enabled=true", "aip.profiles.routes.claude-haiku=arn:nonsense")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(rootConfigurationException(context.getStartupFailure()).getMessage())
                            .contains("aip.profiles.routes.claude-haiku=arn:nonsense is invalid");
                });
    }

    @Test
    void devMode_callToAnUnroutedModel_namesTheRouteProperty() {
        runner.withPropertyValues("aip.emulator.enabled=true", "aip.profiles.routes.claude-haiku=" + HAIKU)
                .run(context -> {
                    TenantProfileResolver resolver = context.getBean(TenantProfileResolver.class);
                    TenantContext acme = TenantContext.of("acme");

                    assertThatThrownBy(() -> resolver.resolve(acme, "claude-sonnet"))
                            .isInstanceOf(ConfigurationException.class)
                            .hasMessageContaining("aip.profiles.routes.claude-sonnet")
                            .hasMessageContaining("[claude-haiku]")
                            .extracting(Throwable::getMessage, InstanceOfAssertFactories.STRING)
                            .doesNotContain("ModelRoutes.builder");
                    assertThat(resolver.resolve(acme, "claude-haiku").tenant().value()).isEqualTo("acme");
                });
    }

    static ConfigurationException rootConfigurationException(Throwable failure) {
        Throwable t = failure;
        ConfigurationException found = null;
        while (t != null && found == null) {
            if (t instanceof ConfigurationException c) {
                found = c;
            }
            t = t.getCause();
        }
        assertThat(found).as("a ConfigurationException in the cause chain of %s", failure).isNotNull();
        return found;
    }
}
